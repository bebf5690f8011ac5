// A fake Mattermost server for tests, speaking the REST v4 subset the bot uses
// (docs/platforms.md, "Mattermost: REST API v4") on a FakeServer: users/me, users/{id}, channels/{id},
// posts (201 + Post), posts/{id}/patch, channels/direct, channels/{id}/posts (PostList, paging,
// since, include_deleted), Bearer checks with the JSON error shape, and
// scriptable 429s with Mattermost's plain-text body. Records every call.
#pragma once

#include "tests/fakes/fake_server.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hindsight::fakes {

struct FakeMattermostUser {
    std::string id;
    std::string username;
    std::string first_name;
    std::string last_name;
    std::string nickname;
    bool is_bot = false;
};

struct FakeMattermostPost {
    std::string id;
    std::string channel_id;
    std::string user_id;
    std::string root_id;
    std::string message;
    std::string type;
    std::int64_t create_at = 0;
    std::int64_t update_at = 0;  // 0: create_at
    std::int64_t edit_at = 0;
    std::int64_t delete_at = 0;
    std::string props_json = "{}";
};

class FakeMattermost {
public:
    static constexpr const char* default_bot_token = "fake-bot-token-0000000000";
    static constexpr const char* default_bot_user_id = "botuser0000000000000000000";

    explicit FakeMattermost(std::string bot_token = default_bot_token,
                            std::string bot_user_id = default_bot_user_id);
    ~FakeMattermost();

    std::string url() const { return server_.base_url(); }  // the site URL
    FakeServer& server() { return server_; }
    const std::string& bot_user_id() const { return bot_user_id_; }
    const std::string& bot_token() const { return bot_token_; }

    void add_user(FakeMattermostUser user);
    void add_channel(const std::string& id, const std::string& team_id, const std::string& type = "O");
    void add_post(FakeMattermostPost post);  // update_at defaults to create_at
    // include_deleted=true answered with 403, as for a token without the permission.
    void forbid_include_deleted(bool forbid);
    // What a user does later in the web app, as the history API then shows it:
    // edit_at/update_at (or delete_at/update_at) set to `at_ms`. False: no such post.
    bool edit_post(const std::string& id, const std::string& message, std::int64_t at_ms);
    bool delete_post(const std::string& id, std::int64_t at_ms);
    std::optional<FakeMattermostPost> post(const std::string& id) const;

    // A slash command's response_url ("<site>/hooks/commands/<id>"): accepts
    // JSON posts, recorded in order across all such URLs.
    std::string new_response_url();
    std::vector<std::string> responses() const;

    // The next `count` requests to `path` (e.g. "/api/v4/posts") get 429 with
    // the plain-text body "limit exceeded" and these headers.
    void rate_limit_next(const std::string& path, int count, int retry_after_s, int reset_s = 1);
    // The next request to `path` gets this status with Mattermost's JSON error body.
    void fail_next(const std::string& path, int status, const std::string& error_id, const std::string& message);

    // Bodies of the POST /api/v4/posts calls that created a post, in order.
    std::vector<std::string> created_posts() const;
    // (post id, body) of each PUT /api/v4/posts/{id}/patch that changed a
    // post, in order. Only posts the bot created can be patched (404 else).
    std::vector<std::pair<std::string, std::string>> patches() const;
    std::vector<RecordedRequest> requests() const { return server_.requests(); }
    std::vector<RecordedRequest> requests_to(std::string_view path) const { return server_.requests_to(path); }

    // Mattermost's error body: {"id","message","detailed_error","request_id","status_code","is_oauth"}.
    static std::string error_json(int status, const std::string& id, const std::string& message);
    // A WebSocket frame for `event` ("posted", "post_edited", "post_deleted")
    // carrying `post` as Mattermost does (data.post a JSON-encoded string).
    static std::string post_event(const std::string& event, const FakeMattermostPost& post, std::int64_t seq,
                                  const std::string& sender_name = {}, const std::string& channel_type = "O");

private:
    void route_user(const std::string& id);
    void route_channel(const std::string& id);
    FakeResponse check_auth(const RecordedRequest& request) const;
    FakeResponse posts_for(const std::string& channel_id, const RecordedRequest& request);
    FakeResponse create_post(const RecordedRequest& request);
    FakeResponse patch_post(const std::string& id, const RecordedRequest& request);
    FakeResponse direct_channel(const RecordedRequest& request);

    std::string bot_token_;
    std::string bot_user_id_;
    mutable std::mutex mutex_;
    std::map<std::string, FakeMattermostUser> users_;
    std::map<std::string, std::pair<std::string, std::string>> channels_;  // id → (team, type)
    std::vector<FakeMattermostPost> posts_;
    std::vector<std::string> created_;
    std::vector<std::pair<std::string, std::string>> patches_;
    std::vector<std::string> responses_;
    int next_response_url_ = 1;
    bool forbid_include_deleted_ = false;
    std::int64_t next_post_ = 1;
    std::int64_t clock_ms_ = 1700000000000;
    FakeServer server_;  // last: its thread stops before the state above goes away
};

// Mattermost's WebSocket endpoint (/api/v4/websocket) on 127.0.0.1: checks
// `Authorization: Bearer` on the upgrade (401 otherwise), greets with `hello`
// (seq 0), then sends what the test pushes. Its own threads; no Boost here.
// Built on a FakeMattermost it is the front door of a whole fake site.
class FakeMattermostSocket {
public:
    explicit FakeMattermostSocket(std::string bot_token = FakeMattermost::default_bot_token);
    // One site for a real client: the stream here, and every plain HTTP
    // request relayed to `rest` (which records it), so `url()` serves as the
    // whole `mattermost.url`. `rest` must outlive this object.
    explicit FakeMattermostSocket(FakeMattermost& rest);
    ~FakeMattermostSocket();
    FakeMattermostSocket(const FakeMattermostSocket&) = delete;
    FakeMattermostSocket& operator=(const FakeMattermostSocket&) = delete;

    std::string url() const;  // the site URL: "http://127.0.0.1:PORT"
    // Sends a text frame on every open connection.
    void send(const std::string& frame);
    // Drops every open connection without a closing handshake (an outage).
    void drop();
    std::size_t connections() const;  // upgrades accepted
    std::size_t rejected() const;     // upgrades refused for a bad token
    bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const;
    bool wait_for_rejected(std::size_t n, std::chrono::milliseconds timeout) const;
    // The Authorization header of the last upgrade request.
    std::string last_authorization() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::fakes
