// Mattermost REST API v4 client (docs/platforms.md, "Mattermost: REST API v4") on the shared outbound
// HTTP client: base `<site>/api/v4`, `Authorization: Bearer <bot token>`.
// Thread-safe: calls are serialised on the one keep-alive connection, so
// callers on different threads (delivery, backfill, WebSocket) may share it;
// give a busy caller its own Api when that matters.
#pragma once

#include "adapters/outbound/http_client.hpp"
#include "bot/core/ports.hpp"
#include "bot/core/time.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hindsight::mattermost {

struct ApiResponse {
    int status = 0;     // 0: no response (transport error)
    std::string body;
    std::string error;  // transport error, when status == 0
    std::optional<Duration> retry_after;  // 429: Retry-After, else X-RateLimit-Reset

    bool ok() const { return status >= 200 && status < 300; }
    // "HTTP 403 api.post.create_post.channel_not_found: Unable to ..." or the
    // transport error: for logs and dead letters (never holds the token).
    std::string describe() const;
    // As a SendResult: 2xx delivered; 429 (with its wait), 5xx and transport
    // errors retry; any other status failed. `what` names the call.
    SendResult result(const std::string& what) const;
};

// A person as GET /users/{id} describes them.
struct User {
    std::string display_name;  // nickname, else "first last", else username
    std::string username;      // what "@username" mentions use
    std::string email;         // "" when the server's privacy settings hide it
};

class Api {
public:
    // `site_url` like "https://chat.example.com" (a trailing '/' is fine).
    Api(std::string site_url, std::string bot_token, outbound::ClientOptions options = {});
    ~Api();
    Api(const Api&) = delete;
    Api& operator=(const Api&) = delete;

    const std::string& site_url() const { return site_url_; }

    // One call: method and path below /api/v4 ("/users/me"), JSON body.
    ApiResponse call(const std::string& method, const std::string& path, const std::string& body = {});
    // POST JSON to a slash command's response_url. No bearer token: the URL is
    // its own credential and need not be on our server.
    ApiResponse post_response_url(const std::string& url, const std::string& body);

    // GET /users/me → the bot's user id; cached after the first success.
    std::optional<std::string> bot_user_id();
    std::optional<std::string> bot_user_id(ApiResponse& failure);  // failure: why not
    // GET /users/{id}, read every time: chat::NameCache decides how often a
    // name is worth asking for. nullopt: unknown or failed.
    std::optional<User> user(const std::string& user_id);
    // user(id)->display_name.
    std::optional<std::string> display_name(const std::string& user_id);
    // GET /channels/{id} → team_id ("" for DMs and group messages); cached.
    std::optional<std::string> channel_team(const std::string& channel_id);
    // POST /channels/direct [bot, user] → the DM channel id; cached per user.
    // On failure returns nullopt and fills `failure`.
    std::optional<std::string> direct_channel(const std::string& user_id, ApiResponse& failure);

    // GET /channels/{id}/posts?page=&per_page=[&include_deleted=true]
    ApiResponse channel_posts_page(const std::string& channel_id, int page, int per_page,
                                   bool include_deleted);
    // GET /channels/{id}/posts?since=<ms> (posts modified since; not combinable with paging)
    ApiResponse channel_posts_since(const std::string& channel_id, std::int64_t since_ms);

private:
    ApiResponse send_locked(outbound::ClientRequest request);

    std::string site_url_;
    std::string api_base_;
    std::string bot_token_;
    std::mutex mutex_;  // guards the client and the caches
    std::unique_ptr<outbound::HttpClient> client_;
    std::optional<std::string> bot_user_id_;
    std::map<std::string, std::string> channel_teams_;
    std::map<std::string, std::string> direct_channels_;
};

}  // namespace hindsight::mattermost
