#include "tests/unit/config/support.hpp"

#include <chrono>

using namespace hindsight;
using namespace hindsight::config;
using config_test::error_of;
using namespace std::chrono;

TEST_CASE("an empty object gives the documented defaults") {
    auto c = parse("{}", {});
    CHECK(c.listen.address == "127.0.0.1");
    CHECK(c.listen.port == 8080);
    CHECK(c.listen.max_body_bytes == 1048576);
    CHECK(c.listen.header_timeout_s == 10.0);
    CHECK(c.listen.body_timeout_s == 30.0);
    CHECK(c.listen.idle_timeout_s == 60.0);
    CHECK(c.listen.max_connections == 1024);
    CHECK(c.listen.threads == 0);
    CHECK(c.storage_path == "hindsight.db");
    CHECK(c.log.level == "info");
    CHECK(c.log.format == "text");
    CHECK(c.api_token.empty());
    CHECK(c.link_ttl_days == 30);
    CHECK(c.slack.signing_secret.empty());
    CHECK(c.slack.bot_token.empty());
    CHECK(c.slack.api_base_url == "https://slack.com/api/");
    CHECK_FALSE(c.slack.enabled());
    CHECK(c.mattermost.url.empty());
    CHECK(c.mattermost.tokens.empty());
    CHECK(c.mattermost.websocket);
    CHECK_FALSE(c.mattermost.enabled());
    CHECK(c.bot.timezone == "UTC");
    CHECK(c.bot.public_url.empty());
    CHECK(c.bot.reminders.check_interval == seconds{60});
    CHECK(c.bot.reminders.repeat_every == hours{24});
    CHECK(c.bot.reminders.escalate_after == 3);
    CHECK(c.bot.reminders.default_due == "+7d");
    CHECK(c.bot.postmortem.schedule_within == hours{48});
    CHECK(c.bot.postmortem.facilitators.empty());
    CHECK(c.bot.postmortem.max_timeline_entries == 100);
    CHECK(c.bot.patterns_window == 10);
}

TEST_CASE("every key is read") {
    auto c = parse(R"({
      "listen": {"address": "0.0.0.0", "port": 9090, "max_body_bytes": 2048, "header_timeout_s": 2.5,
                 "body_timeout_s": 4, "idle_timeout_s": 7, "max_connections": 16, "threads": 3},
      "storage": {"path": "/tmp/x.db"},
      "timezone": "Europe/Berlin",
      "public_url": "https://hs.example.com/",
      "log": {"level": "debug", "format": "json"},
      "api": {"token": "api-secret"},
      "slack": {"signing_secret": "sign", "bot_token": "xoxb-1", "api_base_url": "http://127.0.0.1:9/api"},
      "mattermost": {"url": "https://chat.example.com//", "bot_token": "mm-bot", "tokens": ["t1", "t2"],
                     "websocket": false},
      "reminders": {"check_interval_s": 5, "repeat_every_s": 3600, "escalate_after": 2, "default_due": "3d"},
      "postmortem": {"schedule_within_h": 24, "facilitators": ["U1", "bob"], "max_timeline_entries": 12},
      "patterns": {"window": 4}
    })", {});
    CHECK(c.listen.address == "0.0.0.0");
    CHECK(c.listen.port == 9090);
    CHECK(c.listen.max_body_bytes == 2048);
    CHECK(c.listen.header_timeout_s == 2.5);
    CHECK(c.listen.body_timeout_s == 4.0);
    CHECK(c.listen.idle_timeout_s == 7.0);
    CHECK(c.listen.max_connections == 16);
    CHECK(c.listen.threads == 3);
    CHECK(c.storage_path == "/tmp/x.db");
    CHECK(c.bot.timezone == "Europe/Berlin");
    CHECK(c.bot.public_url == "https://hs.example.com");  // no trailing '/': paths are appended
    CHECK(c.log.level == "debug");
    CHECK(c.log.format == "json");
    CHECK(c.api_token == "api-secret");
    CHECK(c.slack.signing_secret == "sign");
    CHECK(c.slack.bot_token == "xoxb-1");
    CHECK(c.slack.api_base_url == "http://127.0.0.1:9/api/");  // normalised to end with '/'
    CHECK(c.slack.enabled());
    CHECK(c.mattermost.url == "https://chat.example.com");  // trailing '/' removed
    CHECK(c.mattermost.bot_token == "mm-bot");
    CHECK(c.mattermost.tokens == std::vector<std::string>{"t1", "t2"});
    CHECK_FALSE(c.mattermost.websocket);
    CHECK(c.mattermost.enabled());
    CHECK(c.bot.reminders.check_interval == seconds{5});
    CHECK(c.bot.reminders.repeat_every == hours{1});
    CHECK(c.bot.reminders.escalate_after == 2);
    CHECK(c.bot.reminders.default_due == "3d");
    CHECK(c.bot.postmortem.schedule_within == hours{24});
    CHECK(c.bot.postmortem.facilitators == std::vector<std::string>{"U1", "bob"});
    CHECK(c.bot.postmortem.max_timeline_entries == 12);
    CHECK(c.bot.patterns_window == 4);
}

TEST_CASE("port 0 is accepted and means an ephemeral port") {
    CHECK(parse(R"({"listen": {"port": 0}})", {}).listen.port == 0);
    CHECK(parse(R"({"listen": {"port": 65535}})", {}).listen.port == 65535);
}

TEST_CASE("fractional durations convert with microsecond precision") {
    auto c = parse(R"({"reminders": {"check_interval_s": 0.5, "repeat_every_s": 0.000001},
                       "postmortem": {"schedule_within_h": 0.01},
                       "listen": {"header_timeout_s": 0.25}})", {});
    CHECK(c.bot.reminders.check_interval == milliseconds{500});
    CHECK(c.bot.reminders.repeat_every == microseconds{1});
    CHECK(c.bot.postmortem.schedule_within == seconds{36});
    CHECK(c.listen.header_timeout_s == 0.25);
}

TEST_CASE("each invalid value is an error naming its key and what is expected") {
    struct Case {
        const char* json;
        const char* message;
    };
    const Case cases[] = {
        {R"({"listen": {"port": 70000}})", "listen.port: must be an integer between 0 and 65535"},
        {R"({"listen": {"port": -1}})", "listen.port: must be an integer between 0 and 65535"},
        {R"({"listen": {"port": "8080"}})", "listen.port: must be an integer"},
        {R"({"listen": {"port": 80.5}})", "listen.port: must be an integer"},
        {R"({"listen": {"address": ""}})", "listen.address: must be a non-empty string"},
        {R"({"listen": {"max_body_bytes": 0}})", "listen.max_body_bytes: must be an integer between 1"},
        {R"({"listen": {"header_timeout_s": 0}})", "listen.header_timeout_s: must be a positive number of seconds"},
        {R"({"listen": {"body_timeout_s": -3}})", "listen.body_timeout_s: must be a positive number of seconds"},
        {R"({"listen": {"idle_timeout_s": "60"}})", "listen.idle_timeout_s: must be a positive number of seconds"},
        {R"({"listen": {"max_connections": 0}})", "listen.max_connections: must be an integer between 1"},
        {R"({"listen": {"threads": -1}})", "listen.threads: must be an integer between 0"},
        {R"({"listen": 5})", "listen: must be an object"},
        {R"({"storage": {"path": ""}})", "storage.path: must be a non-empty string"},
        {R"({"timezone": 1})", "timezone: must be a non-empty string"},
        {R"({"public_url": "hs.example.com"})", "public_url: must be an http:// or https:// URL"},
        {R"({"log": {"level": "verbose"}})", "log.level: must be one of trace, debug, info, warn, error"},
        {R"({"log": {"format": "xml"}})", "log.format: must be \"text\" or \"json\""},
        {R"({"api": {"token": 42}})", "api.token: must be a string"},
        {R"({"api": {"link_ttl_days": 0}})", "api.link_ttl_days: must be an integer between 1"},
        {R"({"slack": {"signing_secret": true}})", "slack.signing_secret: must be a string"},
        {R"({"slack": {"bot_token": null}})", "slack.bot_token: must be a string"},
        {R"({"slack": {"api_base_url": "ftp://slack.com/api"}})", "slack.api_base_url: must be an http:// or https:// URL"},
        {R"({"slack": {"api_base_url": ""}})", "slack.api_base_url: must be an http:// or https:// URL"},
        {R"({"slack": {"api_base_url": "https://"}})", "slack.api_base_url: must be an http:// or https:// URL"},
        {R"({"mattermost": {"url": "chat.example.com"}})", "mattermost.url: must be an http:// or https:// URL"},
        {R"({"mattermost": {"tokens": "abc"}})", "mattermost.tokens: must be an array of strings"},
        {R"({"mattermost": {"tokens": ["a", ""]}})", "mattermost.tokens[1]: must be a non-empty string"},
        {R"({"mattermost": {"websocket": "yes"}})", "mattermost.websocket: must be true or false"},
        {R"({"mattermost": {"bot_token": "b"}})", "mattermost.url: required when a Mattermost bot token is set"},
        {R"({"reminders": {"check_interval_s": 0}})", "reminders.check_interval_s: must be a positive number of seconds"},
        {R"({"reminders": {"check_interval_s": 1e-9}})", "reminders.check_interval_s: must be at least one microsecond"},
        {R"({"reminders": {"repeat_every_s": 1e300}})", "reminders.repeat_every_s: must be a positive number of seconds"},
        {R"({"reminders": {"escalate_after": 0}})", "reminders.escalate_after: must be an integer between 1"},
        {R"({"reminders": {"escalate_after": 1.5}})", "reminders.escalate_after: must be an integer"},
        {R"({"reminders": {"default_due": "soon"}})", "reminders.default_due: must be a positive relative duration"},
        {R"({"reminders": {"default_due": "+0d"}})", "reminders.default_due: must be a positive relative duration"},
        {R"({"reminders": {"default_due": 7}})", "reminders.default_due: must be a string"},
        {R"({"postmortem": {"schedule_within_h": 0}})", "postmortem.schedule_within_h: must be a positive number of hours"},
        {R"({"postmortem": {"schedule_within_h": "48"}})", "postmortem.schedule_within_h: must be a positive number of hours"},
        {R"({"postmortem": {"facilitators": "alice"}})", "postmortem.facilitators: must be an array of strings"},
        {R"({"postmortem": {"facilitators": ["alice", 1]}})", "postmortem.facilitators[1]: must be a non-empty string"},
        {R"({"postmortem": {"max_timeline_entries": 0}})", "postmortem.max_timeline_entries: must be an integer between 1"},
        {R"({"patterns": {"window": 0}})", "patterns.window: must be an integer between 1"},
        {R"({"patterns": []})", "patterns: must be an object"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.json);
        auto message = error_of(c.json);
        CHECK(message.starts_with(c.message));
    }
}

TEST_CASE("unknown keys are errors naming the full dotted key") {
    CHECK(error_of(R"({"listen": {"prot": 8080}})") == "unknown key: listen.prot");
    CHECK(error_of(R"({"postmortem": {"facilitator": []}})") == "unknown key: postmortem.facilitator");
    CHECK(error_of(R"({"listen": {}, "lisen": {}})") == "unknown key: lisen");
    CHECK(error_of(R"({"websocket": true})") == "unknown key: websocket");
}

TEST_CASE("the top level must be an object") {
    CHECK(error_of("[1, 2]") == "config: the top level must be a JSON object");
    CHECK(error_of("\"text\"") == "config: the top level must be a JSON object");
}

TEST_CASE("timezone must exist in the tz database") {
    CHECK(parse(R"({"timezone": "America/New_York"})", {}).bot.timezone == "America/New_York");
    auto message = error_of(R"({"timezone": "Mars/Olympus_Mons"})");
    CHECK(message.starts_with("timezone: unknown time zone \"Mars/Olympus_Mons\""));
    CHECK(error_of(R"({"timezone": ""})").starts_with("timezone: must be a non-empty string"));
}

TEST_CASE("malformed JSON reports the parser's position") {
    auto message = error_of("{\n  \"listen\": {\"port\": 8080,}\n}");
    CHECK(message.starts_with("malformed JSON: "));
    CHECK(message.find("line 2") != std::string::npos);
    CHECK(message.find("column") != std::string::npos);
    CHECK(error_of("").starts_with("malformed JSON: "));
}

TEST_CASE("a malformed-JSON message never quotes the file's content") {
    // The parser would quote the broken token: here an unterminated secret.
    auto message = error_of(R"({"slack": {"signing_secret": "s3cr3t-value)");
    CHECK(message.starts_with("malformed JSON: "));
    CHECK(message.find("s3cr3t") == std::string::npos);

    message = error_of(R"({"api": {"token": tokenvalue}})");
    CHECK(message.starts_with("malformed JSON: "));
    CHECK(message.find("last read") == std::string::npos);  // where the parser would quote it
}

TEST_CASE("errors about secrets don't echo the value") {
    auto message = error_of(R"({"mattermost": {"tokens": ["visible-secret", 5]}})");
    CHECK(message.starts_with("mattermost.tokens[1]"));
    CHECK(message.find("visible-secret") == std::string::npos);
}

TEST_CASE("api.link_ttl_days sets how long signed page links work") {
    auto c = parse(R"({"api": {"token": "t", "link_ttl_days": 7}})", {});
    CHECK(c.link_ttl_days == 7);
    CHECK(c.api_token == "t");
}
