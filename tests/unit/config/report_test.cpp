#include "tests/unit/config/support.hpp"

#include <algorithm>

using namespace hindsight::config;
using nlohmann::json;

namespace {

bool has_warning(const std::vector<std::string>& all, const std::string& part) {
    return std::any_of(all.begin(), all.end(), [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

const char* kFull = R"({
  "listen": {"address": "127.0.0.1", "port": 9000, "header_timeout_s": 1.5},
  "timezone": "Asia/Tokyo",
  "public_url": "https://hs.example.com",
  "api": {"token": "API-TOKEN-VALUE"},
  "slack": {"signing_secret": "SIGNING-SECRET-VALUE", "bot_token": "xoxb-BOT-TOKEN-VALUE"},
  "mattermost": {"url": "https://chat.example.com", "bot_token": "MM-BOT-VALUE", "tokens": ["MM-TOKEN-ONE"]},
  "reminders": {"check_interval_s": 0.5, "repeat_every_s": 7200},
  "postmortem": {"schedule_within_h": 0.01, "facilitators": ["alice"]}
})";

}  // namespace

TEST_CASE("redacted_json never contains a secret") {
    auto c = parse(kFull, {{"HINDSIGHT_MATTERMOST_TOKENS", "ENV-TOKEN-A,ENV-TOKEN-B"}});
    auto text = redacted_json(c);
    for (const char* secret : {"API-TOKEN-VALUE", "SIGNING-SECRET-VALUE", "BOT-TOKEN-VALUE", "MM-BOT-VALUE",
                               "MM-TOKEN-ONE", "ENV-TOKEN-A", "ENV-TOKEN-B"}) {
        CAPTURE(secret);
        CHECK(text.find(secret) == std::string::npos);
    }
    auto j = json::parse(text);
    CHECK(j["api"]["token"] == "<redacted>");
    CHECK(j["slack"]["signing_secret"] == "<redacted>");
    CHECK(j["slack"]["bot_token"] == "<redacted>");
    CHECK(j["mattermost"]["bot_token"] == "<redacted>");
    CHECK(j["mattermost"]["tokens"] == json::array({"<redacted>", "<redacted>"}));
}

TEST_CASE("unset secrets show as empty strings") {
    auto j = json::parse(redacted_json(parse("{}", {})));
    CHECK(j["api"]["token"] == "");
    CHECK(j["slack"]["signing_secret"] == "");
    CHECK(j["slack"]["bot_token"] == "");
    CHECK(j["mattermost"]["bot_token"] == "");
    CHECK(j["mattermost"]["tokens"] == json::array());
}

TEST_CASE("redacted_json shows the effective values in the file's keys and units") {
    auto j = json::parse(redacted_json(parse(kFull, {})));
    CHECK(j["listen"]["port"] == 9000);
    CHECK(j["listen"]["header_timeout_s"] == 1.5);
    CHECK(j["listen"]["max_body_bytes"] == 1048576);
    CHECK(j["timezone"] == "Asia/Tokyo");
    CHECK(j["public_url"] == "https://hs.example.com");
    CHECK(j["slack"]["api_base_url"] == "https://slack.com/api/");
    CHECK(j["mattermost"]["url"] == "https://chat.example.com");
    CHECK(j["mattermost"]["websocket"] == true);
    CHECK(j["reminders"]["check_interval_s"] == 0.5);
    CHECK(j["reminders"]["repeat_every_s"] == 7200);
    CHECK(j["reminders"]["default_due"] == "+7d");
    CHECK(j["postmortem"]["schedule_within_h"].get<double>() == doctest::Approx(0.01));
    CHECK(j["postmortem"]["facilitators"] == json::array({"alice"}));
    CHECK(j["patterns"]["window"] == 10);
    CHECK(j["storage"]["path"] == "hindsight.db");
    CHECK(j["log"]["level"] == "info");
}

TEST_CASE("redacted_json of a secret-free config parses back to the same config") {
    auto original = parse(R"({"listen": {"port": 0, "idle_timeout_s": 2.25}, "timezone": "Europe/Paris",
                              "mattermost": {"url": "http://127.0.0.1:8065", "websocket": false},
                              "reminders": {"check_interval_s": 0.001, "escalate_after": 5, "default_due": "2w"},
                              "postmortem": {"schedule_within_h": 1.5, "max_timeline_entries": 7},
                              "patterns": {"window": 3}, "log": {"format": "json", "level": "warn"}})",
                          {});
    auto dumped = redacted_json(original);
    auto again = parse(dumped, {});
    CHECK(redacted_json(again) == dumped);
    CHECK(again.bot.reminders.check_interval == original.bot.reminders.check_interval);
    CHECK(again.bot.postmortem.schedule_within == original.bot.postmortem.schedule_within);
}

TEST_CASE("warnings for defaults: platforms and API disabled") {
    auto w = warnings(parse("{}", {}));
    CHECK(has_warning(w, "slack: signing_secret not set"));
    CHECK(has_warning(w, "mattermost: no tokens"));
    CHECK(has_warning(w, "api.token not set"));
    CHECK_FALSE(has_warning(w, "listen.address"));
    CHECK_FALSE(has_warning(w, "bot_token not set"));
}

TEST_CASE("no warnings when everything is configured on loopback") {
    CHECK(warnings(parse(kFull, {})).empty());
}

TEST_CASE("a platform that can receive but not post is warned about") {
    auto w = warnings(parse(R"({"slack": {"signing_secret": "s"}, "mattermost": {"tokens": ["t"]}})", {}));
    CHECK(has_warning(w, "slack: bot_token not set — the bot can record but not post"));
    CHECK(has_warning(w, "mattermost: bot_token not set"));
    CHECK_FALSE(has_warning(w, "slack: signing_secret not set"));
    CHECK_FALSE(has_warning(w, "mattermost: no tokens"));
}

TEST_CASE("a non-loopback listen address suggests a reverse proxy") {
    auto w = warnings(parse(R"({"listen": {"address": "0.0.0.0"}})", {}));
    CHECK(has_warning(w, "listen.address 0.0.0.0"));
    CHECK(has_warning(w, "reverse proxy"));
    for (const char* loopback : {"127.0.0.1", "127.0.1.1", "::1", "localhost"}) {
        CAPTURE(loopback);
        Config c;
        c.listen.address = loopback;
        CHECK_FALSE(has_warning(warnings(c), "listen.address"));
    }
}

TEST_CASE("warnings never contain secret values") {
    auto c = parse(R"({"slack": {"signing_secret": "WARN-SECRET"}, "mattermost": {"tokens": ["WARN-TOKEN"]},
                       "listen": {"address": "0.0.0.0"}})",
                   {});
    for (const auto& w : warnings(c)) {
        CHECK(w.find("WARN-SECRET") == std::string::npos);
        CHECK(w.find("WARN-TOKEN") == std::string::npos);
    }
}
