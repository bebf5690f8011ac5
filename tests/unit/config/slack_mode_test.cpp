// slack.mode, slack.app_token and slack.connections: Socket Mode's settings.
#include "tests/unit/config/support.hpp"

using namespace hindsight::config;
using config_test::error_of;

TEST_CASE("slack.mode defaults to http, socket mode takes the app token from the file or the environment") {
    auto plain = parse("{}", {});
    CHECK(plain.slack.mode == "http");
    CHECK_FALSE(plain.slack.socket_mode());
    CHECK(plain.slack.connections == 2);

    auto file = parse(R"({"slack": {"mode": "socket", "app_token": "xapp-1-file", "bot_token": "xoxb-b"}})", {});
    CHECK(file.slack.socket_mode());
    CHECK(file.slack.app_token == "xapp-1-file");
    // No signing secret needed: the app token is what enables Slack.
    CHECK(file.slack.enabled());

    auto env = parse(R"({"slack": {"mode": "socket", "app_token": "xapp-1-file"}})",
                     {{"HINDSIGHT_SLACK_APP_TOKEN", " xapp-1-env "}});
    CHECK(env.slack.app_token == "xapp-1-env");
}

TEST_CASE("socket mode without an app token names slack.app_token") {
    auto e = error_of(R"({"slack": {"mode": "socket", "bot_token": "xoxb-b"}})");
    CHECK(e.starts_with("slack.app_token: required when slack.mode is \"socket\""));
    CHECK(e.find("HINDSIGHT_SLACK_APP_TOKEN") != std::string::npos);
    // A signing secret does not stand in for it.
    CHECK(error_of(R"({"slack": {"mode": "socket", "signing_secret": "s"}})").starts_with("slack.app_token: "));
    // The environment satisfies it.
    CHECK(error_of(R"({"slack": {"mode": "socket"}})", {{"HINDSIGHT_SLACK_APP_TOKEN", "xapp-1-x"}}) == "");
}

TEST_CASE("a bot token pasted as the app token is refused without echoing it") {
    auto e = error_of(R"({"slack": {"mode": "socket", "app_token": "xoxb-secret-bot-token"}})");
    CHECK(e == "slack.app_token: must be an app-level token (xapp-…), not a bot or user token");
    CHECK(e.find("xoxb-secret") == std::string::npos);
}

TEST_CASE("slack.mode and slack.connections are validated") {
    CHECK(error_of(R"({"slack": {"mode": "websocket"}})") == "slack.mode: must be \"http\" or \"socket\"");
    CHECK(error_of(R"({"slack": {"mode": "socket", "app_token": "xapp-1", "connections": 0}})")
              .starts_with("slack.connections: "));
    CHECK(error_of(R"({"slack": {"mode": "socket", "app_token": "xapp-1", "connections": 11}})")
              .starts_with("slack.connections: "));
    CHECK(parse(R"({"slack": {"mode": "socket", "app_token": "xapp-1", "connections": 10}})", {}).slack.connections ==
          10);
}

TEST_CASE("the app token is redacted in the effective config") {
    auto c = parse(R"({"slack": {"mode": "socket", "app_token": "xapp-1-very-secret", "connections": 3}})", {});
    auto text = redacted_json(c);
    CHECK(text.find("xapp-1-very-secret") == std::string::npos);
    auto j = nlohmann::json::parse(text);
    CHECK(j["slack"]["app_token"] == "<redacted>");
    CHECK(j["slack"]["mode"] == "socket");
    CHECK(j["slack"]["connections"] == 3);
    // The dump reads back as the same configuration (but the redacted token).
    auto again = parse(text, {{"HINDSIGHT_SLACK_APP_TOKEN", "xapp-1-other"}});
    CHECK(again.slack.connections == 3);
}

TEST_CASE("socket mode warns about an unused signing secret, http mode about an unused app token") {
    auto has = [](const std::vector<std::string>& all, const std::string& needle) {
        for (const auto& w : all)
            if (w.find(needle) != std::string::npos) return true;
        return false;
    };
    auto socket = parse(R"({"slack": {"mode": "socket", "app_token": "xapp-1", "signing_secret": "s"}})", {});
    CHECK(has(warnings(socket), "signing_secret is not used in socket mode"));
    CHECK_FALSE(has(warnings(socket), "Slack endpoints disabled"));
    auto http = parse(R"({"slack": {"signing_secret": "s", "app_token": "xapp-1"}})", {});
    CHECK(has(warnings(http), "app_token is only used when slack.mode is \"socket\""));
}
