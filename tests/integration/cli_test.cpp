// The `hindsight` binary as a user runs it: demo, check-config, serve with
// health/metrics and an orderly exit on SIGTERM.
#include "adapters/outbound/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

using namespace std::chrono_literals;
using namespace hindsight;

namespace {

const std::string binary = HINDSIGHT_BINARY;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("cli: every sub-command answers --help with its own usage and exit 0") {
    test::TempDir dir;
    for (std::string command : {"demo", "console", "serve", "check-config", "export", "draft", "backup", "restore"}) {
        CAPTURE(command);
        test::ChildProcess help(binary, {command, "--help"}, dir.path());
        auto rc = help.wait(20s);
        REQUIRE(rc.has_value());
        CHECK(*rc == 0);
        CHECK(contains(help.out(), "Usage:\n  hindsight " + command));
        CHECK_FALSE(contains(help.out(), "unknown option"));
        // Its own usage, not the whole list.
        CHECK_FALSE(contains(help.out(), command == "demo" ? "hindsight serve" : "hindsight demo"));
    }
    test::ChildProcess draft(binary, {"draft", "-h"}, dir.path());
    REQUIRE(draft.wait(20s) == std::optional<int>(0));
    CHECK(contains(draft.out(), "--slack-export DIR"));
}

TEST_CASE("cli: demo prints the incident, its drafted timeline and the reminder, and exits 0") {
    test::TempDir dir;
    test::ChildProcess demo(binary, {"demo"}, dir.path());
    auto rc = demo.wait(60s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    auto out = demo.out();
    CHECK(contains(out, "Checkout API returning 5xx"));
    CHECK(contains(out, "Draft timeline"));
    CHECK(contains(out, "DM @dev"));
}

TEST_CASE("cli: demo ends with the postmortem document, after the follow-up, with A-2 done") {
    test::TempDir dir;
    test::ChildProcess demo(binary, {"demo"}, dir.path());
    auto rc = demo.wait(60s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    auto out = demo.out();
    auto document = out.rfind("# Postmortem: Checkout API returning 5xx");
    REQUIRE(document != std::string::npos);
    auto tail = out.substr(document);
    // Nothing the channel sees comes after it: no reminder, no other bot post, no command.
    CHECK(out.rfind("DM @dev") < document);
    CHECK(out.rfind("/incident done A-2") < document);
    CHECK_FALSE(contains(tail, "hindsight:"));
    CHECK_FALSE(contains(tail, "hindsight →"));
    CHECK_FALSE(contains(tail, "\n-- "));
    // The whole document, with the follow-up's outcome in it.
    for (auto section : {"## Summary", "## Timeline", "## Root cause", "## Action items", "## Lessons learned",
                         "## Blameless check"})
        CHECK_MESSAGE(contains(tail, section), section);
    std::smatch row;
    REQUIRE(std::regex_search(tail, row, std::regex(R"(\| A-2 \|[^\n]*\| (\w+) \|\n)")));
    CHECK(row[1] == "done");
    REQUIRE(std::regex_search(tail, row, std::regex(R"(\| A-1 \|[^\n]*\| (\w+) \|\n)")));
    CHECK(row[1] != "done");
    // Only the demo's closing line follows the document.
    auto blameless = tail.find("## Blameless check");
    auto closing = tail.find("That was the demo.");
    REQUIRE(closing != std::string::npos);
    CHECK(blameless < closing);
}

TEST_CASE("cli: check-config names an unknown key and exits 2") {
    test::TempDir dir;
    std::ofstream(dir.path() / "bad.json") << R"({"listen": {"prot": 8080}})";
    test::ChildProcess check(binary, {"check-config", "--config", "bad.json"}, dir.path());
    auto rc = check.wait(10s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 2);
    CHECK(contains(check.err(), "listen.prot"));
}

TEST_CASE("cli: check-config prints the effective config with secrets redacted") {
    test::TempDir dir;
    std::ofstream(dir.path() / "ok.json") << R"({"slack": {"signing_secret": "s3cr3t-signing"}})";
    test::ChildProcess check(binary, {"check-config", "--config", "ok.json"}, dir.path(),
                             {"HINDSIGHT_API_TOKEN=api-t0ken-value"});
    auto rc = check.wait(10s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    auto out = check.out() + check.err();
    CHECK(contains(out, "signing_secret"));
    CHECK_FALSE(contains(out, "s3cr3t-signing"));
    CHECK_FALSE(contains(out, "api-t0ken-value"));
}

TEST_CASE("cli: check-config rejects socket mode without an app token, naming the key, exit 2") {
    test::TempDir dir;
    std::ofstream(dir.path() / "socket.json") << R"({"slack": {"mode": "socket", "bot_token": "xoxb-b0t"}})";
    test::ChildProcess check(binary, {"check-config", "--config", "socket.json"}, dir.path());
    auto rc = check.wait(10s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 2);
    CHECK(contains(check.err(), "slack.app_token"));
}

TEST_CASE("cli: check-config redacts the Slack app token from the file and the environment") {
    test::TempDir dir;
    std::ofstream(dir.path() / "socket.json") << R"({"slack": {"mode": "socket", "app_token": "xapp-1-from-file"}})";
    test::ChildProcess check(binary, {"check-config", "--config", "socket.json"}, dir.path(),
                             {"HINDSIGHT_SLACK_APP_TOKEN=xapp-1-from-env"});
    auto rc = check.wait(10s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    auto out = check.out() + check.err();
    CHECK(contains(out, "app_token"));
    CHECK_FALSE(contains(out, "xapp-1-from"));
}

TEST_CASE("cli: unknown commands and options are usage errors (exit 2)") {
    test::TempDir dir;
    test::ChildProcess bogus(binary, {"frobnicate"}, dir.path());
    CHECK(bogus.wait(10s) == 2);
    test::ChildProcess bad_flag(binary, {"serve", "--nope", "x"}, dir.path());
    CHECK(bad_flag.wait(10s) == 2);
    CHECK(contains(bad_flag.err(), "--nope"));
}

TEST_CASE("cli: serve answers health, readiness and metrics, then exits 0 on SIGTERM") {
    test::TempDir dir;
    std::ofstream(dir.path() / "config.json") << R"({"listen": {"port": 0}, "storage": {"path": "serve.db"}})";
    test::ChildProcess serve(binary, {"serve", "--config", "config.json"}, dir.path());
    auto port = test::listening_port(serve);
    REQUIRE_MESSAGE(port.has_value(), serve.err());
    auto base = "http://127.0.0.1:" + std::to_string(*port);

    hindsight::outbound::HttpClient client;
    auto health = client.send({"GET", base + "/healthz", {}, {}});
    CHECK(health.status == 200);
    auto ready = client.send({"GET", base + "/readyz", {}, {}});
    CHECK(ready.status == 200);
    CHECK(client.send({"GET", base + "/no-such-route", {}, {}}).status == 404);
    CHECK(client.send({"POST", base + "/healthz", {}, "x"}).status == 405);
    auto metrics = client.send({"GET", base + "/metrics", {}, {}});
    CHECK(metrics.status == 200);
    CHECK(contains(metrics.body, "/healthz"));
    CHECK(contains(metrics.body, "# TYPE"));
    CHECK(contains(metrics.body, "hindsight_outbox_pending 0"));
    CHECK(contains(metrics.body, "hindsight_outbox_dead 0"));
    CHECK(contains(metrics.body, "hindsight_http_request_duration_seconds_bucket"));
    auto api = client.send({"GET", base + "/incidents", {}, {}});
    CHECK(api.status == 401);  // no api.token configured: the API stays closed

    serve.signal(SIGTERM);
    auto rc = serve.wait(10s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    CHECK(std::filesystem::exists(dir.path() / "serve.db"));
}

TEST_CASE("cli: serve with log.format json writes one JSON object per line, without secrets") {
    test::TempDir dir;
    std::ofstream(dir.path() / "config.json")
        << R"({"listen": {"port": 0}, "storage": {"path": "json.db"}, "log": {"format": "json"},)"
        << R"( "slack": {"signing_secret": "json-log-signing-secret"}})";
    test::ChildProcess serve(binary, {"serve", "--config", "config.json"}, dir.path());
    auto port = test::listening_port(serve);
    REQUIRE_MESSAGE(port.has_value(), serve.err());
    serve.signal(SIGTERM);
    REQUIRE(serve.wait(10s) == 0);
    std::istringstream lines(serve.err());
    std::string line;
    int parsed = 0;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        auto entry = nlohmann::json::parse(line);  // throws (and fails the test) on a non-JSON line
        CHECK(entry.contains("time"));
        CHECK(entry.contains("level"));
        CHECK(entry.contains("msg"));
        ++parsed;
    }
    CHECK(parsed >= 2);  // at least "listening on" and "stopped"
    CHECK_FALSE(contains(serve.err(), "json-log-signing-secret"));
}
