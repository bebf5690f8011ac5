// A fake Slack Web API on FakeServer, speaking the Web API (docs/platforms.md, "Slack: Web API"): Bearer
// auth (not_authed / invalid_auth), JSON writes with the charset warning
// Slack gives (missing_charset), GET reads with query strings, `ok` in every
// answer. It records calls and can be told to answer 429 or ok:false.
#pragma once

#include "tests/fakes/fake_server.hpp"

#include <nlohmann/json.hpp>

#include <mutex>
#include <map>
#include <string>
#include <vector>

namespace hindsight::fakes {

class FakeSlack {
public:
    explicit FakeSlack(std::string bot_token = "xoxb-fake-0000-token");
    FakeSlack(const FakeSlack&) = delete;
    FakeSlack& operator=(const FakeSlack&) = delete;

    const std::string& bot_token() const { return token_; }
    // "http://127.0.0.1:PORT/api/": the value for slack.api_base_url.
    std::string api_base_url() const;
    // A fresh response_url (slash command / interaction webhook) on this server.
    std::string new_response_url();
    FakeServer& server() { return server_; }

    // conversations.history serves these for `channel`, newest first like
    // Slack (give them in any order; they are sorted by ts).
    void set_history(const std::string& channel, std::vector<nlohmann::json> messages);
    // users.info answers {"ok":true,"user":user} for user["id"].
    void add_user(nlohmann::json user);

    // The next call of `method` gets HTTP 429 with Retry-After: seconds.
    void rate_limit_next(const std::string& method, int retry_after_s);
    // The next call of `method` gets {"ok":false,"error":error}.
    void error_next(const std::string& method, const std::string& error);

    // Requests received for a Web API method, e.g. "chat.postMessage".
    std::vector<RecordedRequest> calls(const std::string& method) const;
    // The JSON bodies of successful chat.postMessage calls, in order.
    std::vector<nlohmann::json> posted() const;
    // The ts the fake gave each of posted(), in the same order.
    std::vector<std::string> posted_ts() const;
    // The JSON bodies of successful chat.update calls (channel, ts, text,
    // blocks), in order. chat.update accepts only a ts chat.postMessage gave
    // out, in the same channel (message_not_found otherwise).
    std::vector<nlohmann::json> updated() const;
    // The JSON bodies POSTed to response_urls, in order.
    std::vector<nlohmann::json> responses() const;
    // Every warning the fake put into response_metadata.warnings.
    std::vector<std::string> warnings() const;

private:
    FakeResponse handle(const std::string& method, const RecordedRequest& request);

    std::string token_;
    FakeServer server_;
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<nlohmann::json>> history_;
    std::map<std::string, nlohmann::json> users_;
    std::vector<nlohmann::json> posted_;
    std::map<std::string, std::string> posted_ts_;  // ts → channel of what chat.postMessage posted
    std::vector<std::string> posted_order_;
    std::vector<nlohmann::json> updated_;
    std::vector<nlohmann::json> responses_;
    std::vector<std::string> warnings_;
    int next_ts_ = 1;
    int response_urls_ = 0;
};

}  // namespace hindsight::fakes
