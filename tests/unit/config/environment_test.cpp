#include "tests/unit/config/support.hpp"

#include <cstdlib>

using namespace hindsight::config;
using config_test::error_of;

TEST_CASE("environment secrets override the file") {
    Environment env{
        {"HINDSIGHT_SLACK_SIGNING_SECRET", "env-sign"},
        {"HINDSIGHT_SLACK_BOT_TOKEN", "xoxb-env"},
        {"HINDSIGHT_MATTERMOST_BOT_TOKEN", "mm-env"},
        {"HINDSIGHT_MATTERMOST_TOKENS", "e1,e2"},
        {"HINDSIGHT_API_TOKEN", "api-env"},
    };
    auto c = parse(R"({"api": {"token": "api-file"},
                       "slack": {"signing_secret": "file-sign", "bot_token": "xoxb-file"},
                       "mattermost": {"url": "https://chat.example.com", "bot_token": "mm-file", "tokens": ["f1"]}})",
                   env);
    CHECK(c.slack.signing_secret == "env-sign");
    CHECK(c.slack.bot_token == "xoxb-env");
    CHECK(c.mattermost.bot_token == "mm-env");
    CHECK(c.mattermost.tokens == std::vector<std::string>{"e1", "e2"});
    CHECK(c.api_token == "api-env");
}

TEST_CASE("without a file, the defaults plus the environment") {
    auto c = load(std::nullopt, {{"HINDSIGHT_SLACK_SIGNING_SECRET", "s"}, {"HINDSIGHT_API_TOKEN", "a"}});
    CHECK(c.slack.signing_secret == "s");
    CHECK(c.slack.enabled());
    CHECK(c.api_token == "a");
    CHECK(c.listen.port == 8080);
    CHECK(c.storage_path == "hindsight.db");

    auto plain = load(std::nullopt, {});
    CHECK_FALSE(plain.slack.enabled());
    CHECK_FALSE(plain.mattermost.enabled());
}

TEST_CASE("the Mattermost token list is comma separated, trimmed, empties dropped") {
    auto c = parse("{}", {{"HINDSIGHT_MATTERMOST_TOKENS", " a, ,b ,,c\t"}});
    CHECK(c.mattermost.tokens == std::vector<std::string>{"a", "b", "c"});
    CHECK(parse("{}", {{"HINDSIGHT_MATTERMOST_TOKENS", "single"}}).mattermost.tokens ==
          std::vector<std::string>{"single"});
}

TEST_CASE("an empty or blank variable does not erase the file's value") {
    auto c = parse(R"({"api": {"token": "file"}, "mattermost": {"tokens": ["f"]}})",
                   {{"HINDSIGHT_API_TOKEN", ""}, {"HINDSIGHT_MATTERMOST_TOKENS", " , "}});
    CHECK(c.api_token == "file");
    CHECK(c.mattermost.tokens == std::vector<std::string>{"f"});
}

TEST_CASE("single secrets from the environment are trimmed") {
    CHECK(parse("{}", {{"HINDSIGHT_API_TOKEN", "  tok\n"}}).api_token == "tok");
}

TEST_CASE("other variables are ignored") {
    auto c = parse("{}", {{"HINDSIGHT_LISTEN_PORT", "1"}, {"SLACK_BOT_TOKEN", "x"}});
    CHECK(c.listen.port == 8080);
    CHECK(c.slack.bot_token.empty());
}

TEST_CASE("a Mattermost bot token from the environment still needs mattermost.url") {
    auto message = error_of("{}", {{"HINDSIGHT_MATTERMOST_BOT_TOKEN", "mm-secret"}});
    CHECK(message.starts_with("mattermost.url: required"));
    CHECK(message.find("mm-secret") == std::string::npos);
    CHECK_THROWS_AS(load(std::nullopt, {{"HINDSIGHT_MATTERMOST_BOT_TOKEN", "mm"}}), ConfigError);
    CHECK(parse(R"({"mattermost": {"url": "http://127.0.0.1:8065"}})", {{"HINDSIGHT_MATTERMOST_BOT_TOKEN", "mm"}})
              .mattermost.bot_token == "mm");
}

TEST_CASE("process_environment collects the HINDSIGHT_* secrets of this process") {
    ::setenv("HINDSIGHT_API_TOKEN", "from-process", 1);
    ::setenv("HINDSIGHT_MATTERMOST_TOKENS", "p1,p2", 1);
    auto env = process_environment();
    ::unsetenv("HINDSIGHT_API_TOKEN");
    ::unsetenv("HINDSIGHT_MATTERMOST_TOKENS");
    CHECK(env["HINDSIGHT_API_TOKEN"] == "from-process");
    CHECK(env["HINDSIGHT_MATTERMOST_TOKENS"] == "p1,p2");
    CHECK(env.count("PATH") == 0);
    CHECK(parse("{}", env).mattermost.tokens == std::vector<std::string>{"p1", "p2"});
}
