// `hindsight serve` as a child process wired to a FakeSlack, for the Slack
// end-to-end tests: signed commands, events and button clicks in, what the
// fake recorded out. The process can be SIGKILLed and started again on the
// same database and the same fake.
#pragma once

#include "adapters/http/form.hpp"
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace hindsight::test {

inline long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A Slack ts for this very moment ("1700000000.123456"): after a command
// that has been answered, before the next one (a whole-second ts could fall
// before the open, and a later second after the close).
inline std::string slack_ts_now() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    char ts[32];
    std::snprintf(ts, sizeof ts, "%lld.%06lld", static_cast<long long>(us / 1000000),
                  static_cast<long long>(us % 1000000));
    return ts;
}

// A person's plain message event, as the Events API delivers it.
inline nlohmann::json user_message(const std::string& ts, const std::string& user, const std::string& text) {
    return {{"type", "message"}, {"user", user}, {"text", text}, {"ts", ts}, {"event_ts", ts}};
}

class SlackService {
public:
    static constexpr const char* secret = "slack-e2e-signing-secret";
    static constexpr const char* api_token = "slack-e2e-api-token";
    static constexpr const char* team = "T0E2E";
    static constexpr const char* channel = "C0INC";
    static constexpr const char* bot_user = "U0HINDSIGHT";

    // `extra` is merged into the config (e.g. {"reminders": {...}}); `env`
    // ("NAME=value") is set for every run (secrets that come only from there).
    explicit SlackService(nlohmann::json extra = nlohmann::json::object(), std::vector<std::string> env = {})
        : env_(std::move(env)) {
        nlohmann::json config = {{"listen", {{"port", 0}}},
                                 {"storage", {{"path", "slack-e2e.db"}}},
                                 {"api", {{"token", api_token}}},
                                 {"slack", {{"signing_secret", secret}, {"bot_token", slack.bot_token()},
                                            {"api_base_url", slack.api_base_url()}}}};
        config.merge_patch(extra);
        std::ofstream(dir.path() / "config.json") << config.dump();
        start();
    }

    ~SlackService() { stop(); }

    // SIGTERM and wait for a clean exit (again: nothing).
    void stop() {
        if (!process) return;
        process->signal(SIGTERM);
        CHECK_MESSAGE(process->wait(std::chrono::seconds{30}) == 0, process->err());
        process.reset();
    }

    // The one database every run uses (read it once the service stopped).
    std::string database() const { return (dir.path() / "slack-e2e.db").string(); }

    // Whether the running service's log has `needle` within `timeout`.
    bool logged(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        return wait_until([&] { return process && process->err().find(needle) != std::string::npos; }, timeout);
    }

    // Starts `hindsight serve` and waits for the service's own "listening"
    // line, which comes after its signal handlers are installed.
    void start() {
        ++runs_;
        auto run_dir = dir.path() / ("run" + std::to_string(runs_));
        std::filesystem::create_directories(run_dir);
        nlohmann::json config;
        std::ifstream(dir.path() / "config.json") >> config;
        // Every run uses the one database in the test's directory.
        config["storage"]["path"] = database();
        std::ofstream(run_dir / "config.json") << config.dump();
        process = std::make_unique<ChildProcess>(HINDSIGHT_BINARY,
                                                 std::vector<std::string>{"serve", "--config", "config.json"}, run_dir,
                                                 env_);
        auto port = listening_port(*process, std::chrono::seconds{15});
        REQUIRE_MESSAGE(port.has_value(), process->err());
        base = "http://127.0.0.1:" + std::to_string(*port);
    }

    // kill -9: no shutdown, whatever was in flight is cut off.
    void kill9() {
        process->signal(SIGKILL);
        REQUIRE(process->wait(std::chrono::seconds{10}) == -SIGKILL);
        process.reset();
    }

    outbound::ClientResponse post(const std::string& path, const std::string& body, const std::string& content_type,
                                  std::vector<std::pair<std::string, std::string>> extra_headers = {},
                                  long long signed_at = 0) {
        auto headers = slack_headers(secret, signed_at ? signed_at : unix_now(), body, content_type);
        for (auto& h : extra_headers) headers.push_back(std::move(h));
        return client.send({"POST", base + path, std::move(headers), body});
    }

    std::string command_body(const std::string& text, const std::string& user,
                             const std::string& in_channel = channel) {
        return std::string("team_id=") + team + "&team_domain=e2e&channel_id=" + in_channel +
               "&channel_name=inc-checkout&user_id=" + user + "&user_name=" + user +
               "&command=%2Fincident&text=" + http::url_encode(text) +
               "&response_url=" + http::url_encode(slack.new_response_url()) + "&trigger_id=1.2.3";
    }

    outbound::ClientResponse command(const std::string& text, const std::string& user = "U0ALICE",
                                     const std::string& in_channel = channel) {
        return post("/slack/commands", command_body(text, user, in_channel), "application/x-www-form-urlencoded");
    }

    // An Events API envelope around `event` (docs/platforms.md, "Slack: Events API"), in the
    // incident channel unless the event names another.
    static std::string envelope(const std::string& event_id, nlohmann::json event) {
        event.emplace("channel", channel);
        event.emplace("channel_type", "channel");
        return nlohmann::json{{"token", "vtok"},
                              {"team_id", team},
                              {"api_app_id", "A0E2E"},
                              {"type", "event_callback"},
                              {"event_id", event_id},
                              {"event_time", unix_now()},
                              {"authorizations", nlohmann::json::array({{{"team_id", team},
                                                                         {"user_id", bot_user},
                                                                         {"is_bot", true}}})},
                              {"event", std::move(event)}}
            .dump();
    }

    outbound::ClientResponse event(const std::string& event_id, nlohmann::json event,
                                   std::vector<std::pair<std::string, std::string>> extra_headers = {}) {
        return post("/slack/events", envelope(event_id, std::move(event)), "application/json",
                    std::move(extra_headers));
    }

    outbound::ClientResponse get(const std::string& path) {
        return client.send({"GET", base + path, {{"Authorization", std::string("Bearer ") + api_token}}, {}});
    }

    // A gauge or counter from /metrics (-1 when absent).
    double metric(const std::string& series) {
        auto text = client.send({"GET", base + "/metrics", {}, {}}).body;
        auto at = text.find("\n" + series + " ");
        if (at == std::string::npos) return -1;
        return std::stod(text.substr(at + series.size() + 2));
    }

    TempDir dir;
    fakes::FakeSlack slack;
    std::unique_ptr<ChildProcess> process;
    std::string base;
    outbound::HttpClient client;

private:
    std::vector<std::string> env_;
    int runs_ = 0;
};

}  // namespace hindsight::test
