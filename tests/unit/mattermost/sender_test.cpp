#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/sender.hpp"
#include "adapters/mattermost/verifier.hpp"
#include "tests/fakes/fake_mattermost.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;
using nlohmann::json;

namespace {

struct Rig {
    FakeMattermost fake;
    Api api{fake.url(), FakeMattermost::default_bot_token};
    Sender sender{api, "https://hindsight.example.com/", "action-secret"};
    Rig() {
        fake.add_channel("chincident0000000000000000", "tm1");
        fake.add_user({"usalice0000000000000000000", "alice", "Alice", "Liddell", "", false});
    }
};

OutboundMessage to_channel(std::string text) {
    OutboundMessage m;
    m.platform = Platform::mattermost;
    m.team = "tm1";
    m.channel = "chincident0000000000000000";
    m.text = std::move(text);
    return m;
}

}  // namespace

TEST_CASE("sender: POST /posts answered 201 is delivered, with the Bearer token") {
    Rig rig;
    auto result = rig.sender.send(to_channel("**Incident closed.** Drafting…"));
    CHECK(result.status == SendResult::Status::delivered);
    auto calls = rig.fake.requests_to("/api/v4/posts");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].method == "POST");
    CHECK(calls[0].header("Authorization") == std::optional<std::string>("Bearer fake-bot-token-0000000000"));
    CHECK(calls[0].header("Content-Type") == std::optional<std::string>("application/json"));
    auto body = json::parse(calls[0].body);
    CHECK(body["channel_id"] == "chincident0000000000000000");
    CHECK(body["message"] == "**Incident closed.** Drafting…");  // Markdown as is
    CHECK_FALSE(body.contains("root_id"));
    CHECK_FALSE(body.contains("props"));
}

TEST_CASE("sender: thread replies carry root_id") {
    Rig rig;
    auto m = to_channel("Why did it happen?");
    m.thread = "porootpost0000000000000000";
    REQUIRE(rig.sender.send(m).status == SendResult::Status::delivered);
    auto body = json::parse(rig.fake.created_posts().at(0));
    CHECK(body["root_id"] == "porootpost0000000000000000");
}

TEST_CASE("sender: a DM opens the direct channel [bot, user] first") {
    Rig rig;
    OutboundMessage m;
    m.platform = Platform::mattermost;
    m.to_user = "usalice0000000000000000000";
    m.text = "A-12 is overdue";
    REQUIRE(rig.sender.send(m).status == SendResult::Status::delivered);
    auto direct = rig.fake.requests_to("/api/v4/channels/direct");
    REQUIRE(direct.size() == 1);
    CHECK(json::parse(direct[0].body) ==
          json::array({FakeMattermost::default_bot_user_id, "usalice0000000000000000000"}));
    CHECK(rig.fake.requests_to("/api/v4/users/me").size() == 1);
    auto body = json::parse(rig.fake.created_posts().at(0));
    CHECK(body["channel_id"] == "botuser0000000000000000000__usalice0000000000000000000");
    // A second DM reuses the cached bot id and channel.
    REQUIRE(rig.sender.send(m).status == SendResult::Status::delivered);
    CHECK(rig.fake.requests_to("/api/v4/channels/direct").size() == 1);
    CHECK(rig.fake.requests_to("/api/v4/users/me").size() == 1);
}

TEST_CASE("sender: buttons become props.attachments[0].actions with a verifiable context token") {
    Rig rig;
    auto m = to_channel("A-12 is overdue by 2d");
    m.buttons = {{"Done", "done", "A-12"}, {"Snooze 1 day", "snooze", "A-12"}};
    REQUIRE(rig.sender.send(m).status == SendResult::Status::delivered);
    auto body = json::parse(rig.fake.created_posts().at(0));
    auto actions = body["props"]["attachments"][0]["actions"];
    REQUIRE(actions.size() == 2);
    CHECK(actions[0]["name"] == "Done");
    CHECK(actions[0]["type"] == "button");
    CHECK(actions[0]["id"] == "done0");
    CHECK(actions[1]["id"] == "snooze1");
    CHECK(actions[0]["integration"]["url"] == "https://hindsight.example.com/mattermost/actions");
    auto context = actions[1]["integration"]["context"];
    CHECK(context["action"] == "snooze");
    CHECK(context["value"] == "A-12");
    CHECK(context["team"] == "tm1");
    CHECK(verify_action_token("action-secret", "snooze", "A-12", "tm1", context["token"].get<std::string>()));
}

TEST_CASE("sender: 429 with a plain-text body → retry with Retry-After") {
    Rig rig;
    rig.fake.rate_limit_next("/api/v4/posts", 1, 7, 3);
    auto result = rig.sender.send(to_channel("hello"));
    CHECK(result.status == SendResult::Status::retry);
    CHECK(result.retry_after == std::chrono::seconds{7});
    CHECK(result.error.find("429") != std::string::npos);
    CHECK(result.error.find("limit exceeded") != std::string::npos);
    // The next attempt goes through.
    CHECK(rig.sender.send(to_channel("hello")).status == SendResult::Status::delivered);
}

TEST_CASE("sender: 429 without Retry-After falls back to X-RateLimit-Reset") {
    Rig rig;
    fakes::FakeResponse limited = fakes::FakeResponse::text(429, "limit exceeded\n");
    limited.headers = {{"X-RateLimit-Reset", "2"}};
    rig.fake.server().fail_next("/api/v4/posts", {limited});
    auto result = rig.sender.send(to_channel("hello"));
    CHECK(result.status == SendResult::Status::retry);
    CHECK(result.retry_after == std::chrono::seconds{2});
}

TEST_CASE("sender: 403 is a permanent failure naming the error, 5xx a retry") {
    Rig rig;
    rig.fake.fail_next("/api/v4/posts", 403, "api.context.permissions.app_error",
                       "You do not have the appropriate permissions.");
    auto denied = rig.sender.send(to_channel("hello"));
    CHECK(denied.status == SendResult::Status::failed);
    CHECK(denied.error == "posts: HTTP 403 api.context.permissions.app_error: You do not have the appropriate permissions.");
    CHECK(denied.error.find("fake-bot-token") == std::string::npos);

    rig.fake.fail_next("/api/v4/posts", 503, "app.unavailable", "Server unavailable");
    CHECK(rig.sender.send(to_channel("hello")).status == SendResult::Status::retry);
}

TEST_CASE("sender: a wrong bot token is 401 → failed") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    Api api{fake.url(), "wrong-token"};
    Sender sender{api, "https://h.example.com", "s"};
    OutboundMessage m;
    m.channel = "ch1";
    m.text = std::string("x");  // assigning the literal: GCC 12 -Wrestrict false positive
    auto result = sender.send(m);
    CHECK(result.status == SendResult::Status::failed);
    CHECK(result.error.find("401 api.context.session_expired.app_error") != std::string::npos);
    CHECK(result.error.find("wrong-token") == std::string::npos);
}

TEST_CASE("sender: transport failure → retry") {
    std::string dead_url;
    {
        FakeMattermost gone;
        dead_url = gone.url();
    }
    Api api{dead_url, "t"};
    Sender sender{api, "", "s"};
    OutboundMessage m;
    m.channel = "ch1";
    m.text = std::string("x");  // assigning the literal: GCC 12 -Wrestrict false positive
    auto result = sender.send(m);
    CHECK(result.status == SendResult::Status::retry);
    CHECK_FALSE(result.error.empty());
}

TEST_CASE("sender: messages over 16,383 characters are split into several posts") {
    Rig rig;
    std::string line(100, 'x');
    std::string text;
    for (int i = 0; i < 200; ++i) text += line + "\n";  // 20,200 characters
    REQUIRE(rig.sender.send(to_channel(text)).status == SendResult::Status::delivered);
    auto posts = rig.fake.created_posts();
    REQUIRE(posts.size() == 2);
    auto first = json::parse(posts[0])["message"].get<std::string>();
    auto second = json::parse(posts[1])["message"].get<std::string>();
    CHECK(first.size() <= max_post_runes);
    CHECK(first + "\n" + second == text);  // cut at a line end, nothing lost
}

TEST_CASE("split_message counts characters, not bytes, and never cuts a code point") {
    std::string text;
    for (int i = 0; i < 10; ++i) text += "é";  // 2 bytes each, no spaces
    auto parts = split_message(text, 4);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == "éééé");
    CHECK(parts[2] == "éé");
    CHECK(split_message("").size() == 1);
    CHECK(split_message("short") == std::vector<std::string>{"short"});
    CHECK(split_message("aaaa bbbb", 6) == std::vector<std::string>{"aaaa", "bbbb"});
}

TEST_CASE("sender: response_url replies are JSON with the response type, without the bot token") {
    Rig rig;
    rig.fake.server().route("POST", "/hooks/commands/cmd1", [](const fakes::RecordedRequest&) {
        return fakes::FakeResponse::json(200, "{}");
    });
    OutboundMessage m;
    m.response_url = rig.fake.url() + "/hooks/commands/cmd1";
    m.text = "Drafted.";
    m.ephemeral = false;
    REQUIRE(rig.sender.send(m).status == SendResult::Status::delivered);
    auto calls = rig.fake.requests_to("/hooks/commands/cmd1");
    REQUIRE(calls.size() == 1);
    CHECK(json::parse(calls[0].body) == json{{"response_type", "in_channel"}, {"text", "Drafted."}});
    CHECK(calls[0].header("Content-Type") == std::optional<std::string>("application/json"));
    CHECK_FALSE(calls[0].header("Authorization"));
    m.ephemeral = true;
    REQUIRE(rig.sender.send(m).status == SendResult::Status::delivered);
    CHECK(json::parse(rig.fake.requests_to("/hooks/commands/cmd1").at(1).body)["response_type"] == "ephemeral");
}

TEST_CASE("api: display names prefer nickname, then first+last, then username") {
    FakeMattermost fake;
    fake.add_user({"u1", "alice", "Alice", "Liddell", "", false});
    fake.add_user({"u2", "bob", "", "", "Bobby", false});
    fake.add_user({"u3", "carol", "", "", "", false});
    Api api{fake.url(), FakeMattermost::default_bot_token};
    CHECK(api.display_name("u1") == std::optional<std::string>("Alice Liddell"));
    CHECK(api.display_name("u2") == std::optional<std::string>("Bobby"));
    CHECK(api.display_name("u3") == std::optional<std::string>("carol"));
    CHECK_FALSE(api.display_name("nobody"));  // 404: no name
    CHECK(api.bot_user_id() == std::optional<std::string>(FakeMattermost::default_bot_user_id));
}

TEST_CASE("api: channel team lookup, cached") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    Api api{fake.url(), FakeMattermost::default_bot_token};
    CHECK(api.channel_team("ch1") == std::optional<std::string>("tm1"));
    CHECK(api.channel_team("ch1") == std::optional<std::string>("tm1"));
    CHECK(fake.requests_to("/api/v4/channels/ch1").size() == 1);
    CHECK_FALSE(api.channel_team("unknown"));
}

TEST_CASE("sender: the core's mention tokens go out as @username") {
    Rig rig;
    REQUIRE(rig.sender.send(to_channel("⚠️ A-3 for @{usbob0000000000000000000|bob} is overdue")).status ==
            SendResult::Status::delivered);
    auto body = json::parse(rig.fake.requests_to("/api/v4/posts").at(0).body);
    CHECK(body["message"] == "⚠️ A-3 for @bob is overdue");
    CHECK(with_mattermost_mentions("@{|carol} and @{usx|}") == "@carol and @usx");
}
