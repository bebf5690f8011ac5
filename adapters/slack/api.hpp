// The Slack Web API calls the bot makes (docs/platforms.md, "Slack: Web API"), on the one
// outbound HTTP client: Bearer token, JSON bodies with charset for writes,
// GET + query string for reads, `ok` always checked, 429 → Retry-After.
// Blocking; one Api per thread that uses it. No Boost or JSON in this header.
#pragma once

#include "adapters/chat/history.hpp"
#include "adapters/chat/name_cache.hpp"
#include "adapters/outbound/http_client.hpp"
#include "bot/core/chat_event.hpp"
#include "bot/core/ports.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hindsight::slack {

struct ApiSettings {
    std::string base_url = "https://slack.com/api/";  // config slack.api_base_url
    std::string bot_token;                           // xoxb-…; never logged
};

// How one call went: `delivered` = HTTP 2xx with ok:true. `retry` for 429
// (with retry_after), 5xx, transport errors and `ratelimited`; `failed` for
// everything permanent. `error` names the method and Slack's error code.
using CallStatus = SendResult::Status;

template <class T>
struct ApiResult {
    SendResult outcome;
    std::optional<T> value;
    bool ok() const { return outcome.status == CallStatus::delivered; }
};

// One page of conversations.history, already translated (newest first, as
// Slack returns it). Edited messages also yield a MessageEdited; deleted
// thread parents ("tombstone") a MessageDeleted.
using HistoryPage = chat::HistoryPage;

class Api {
public:
    explicit Api(ApiSettings settings, outbound::ClientOptions options = {});
    ~Api();
    Api(const Api&) = delete;
    Api& operator=(const Api&) = delete;

    // chat.postMessage; `payload_json` is the message object without
    // "channel" (text, blocks, thread_ts, …). Returns the posted ts.
    ApiResult<std::string> post_message(const std::string& channel, const std::string& payload_json);
    // chat.update: the message `ts` of `channel` now reads as `payload_json`
    // (text, blocks). Returns the ts.
    ApiResult<std::string> update_message(const std::string& channel, const std::string& ts,
                                          const std::string& payload_json);
    // conversations.open users=<id> → the DM channel id.
    ApiResult<std::string> open_dm(const std::string& user_id);
    // users.info → profile.display_name, else real_name, else name.
    ApiResult<std::string> user_name(const std::string& user_id);
    // users.info → profile.email ("" when not shown: the app lacks the
    // users:read.email scope, or the user is a bot).
    ApiResult<std::string> user_email(const std::string& user_id);
    // conversations.history from `oldest` (inclusive), `limit` per page;
    // messages get permalinks when the workspace domain is given.
    ApiResult<HistoryPage> history(const ChannelRef& where, const std::string& oldest,
                                   const std::string& cursor, int limit = 200,
                                   const std::string& team_domain = {});
    // POST a message payload to a slash command / interaction response_url.
    // No Authorization header: the URL itself is the credential.
    SendResult respond(const std::string& response_url, const std::string& payload_json);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Which users.info look-ups are due: one cache for every platform.
using NameCache = chat::NameCache;

// "1700000000.000100" for a Timestamp: the form `oldest`/`latest` take.
std::string to_ts(Timestamp t);

}  // namespace hindsight::slack
