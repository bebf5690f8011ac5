#include "tests/fakes/fake_mattermost.hpp"

#include "adapters/http/form.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace hindsight::fakes {

using nlohmann::json;

namespace {

json post_json(const FakeMattermostPost& p) {
    return json{{"id", p.id},
                {"create_at", p.create_at},
                {"update_at", p.update_at ? p.update_at : p.create_at},
                {"edit_at", p.edit_at},
                {"delete_at", p.delete_at},
                {"user_id", p.user_id},
                {"channel_id", p.channel_id},
                {"root_id", p.root_id},
                {"message", p.message},
                {"type", p.type},
                {"props", json::parse(p.props_json)},
                {"hashtags", ""},
                {"file_ids", json::array()},
                {"metadata", json::object()}};
}

std::int64_t changed_at(const FakeMattermostPost& p) {
    return std::max({p.create_at, p.update_at, p.edit_at, p.delete_at});
}

std::size_t runes(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string query_of(const std::string& target) {
    auto q = target.find('?');
    return q == std::string::npos ? std::string{} : target.substr(q + 1);
}

}  // namespace

std::string FakeMattermost::error_json(int status, const std::string& id, const std::string& message) {
    return json{{"id", id},
                {"message", message},
                {"detailed_error", ""},
                {"request_id", "fakerequest000000000000000"},
                {"status_code", status},
                {"is_oauth", false}}
        .dump();
}

FakeMattermost::FakeMattermost(std::string bot_token, std::string bot_user_id)
    : bot_token_(std::move(bot_token)), bot_user_id_(std::move(bot_user_id)) {
    add_user({bot_user_id_, "hindsight", "", "", "", true});
    server_.route("GET", "/api/v4/users/me", [this](const RecordedRequest& r) {
        if (auto denied = check_auth(r); denied.status) return denied;
        std::lock_guard lock(mutex_);
        const auto& u = users_.at(bot_user_id_);
        return FakeResponse::json(200, json{{"id", u.id}, {"username", u.username}, {"is_bot", true}}.dump());
    });
    server_.route("POST", "/api/v4/posts", [this](const RecordedRequest& r) { return create_post(r); });
    server_.route("POST", "/api/v4/channels/direct", [this](const RecordedRequest& r) { return direct_channel(r); });
}

FakeMattermost::~FakeMattermost() = default;

FakeResponse FakeMattermost::check_auth(const RecordedRequest& request) const {
    auto auth = request.header("Authorization");
    if (auth && *auth == "Bearer " + bot_token_) return FakeResponse{0, {}, {}, {}, {}, false, false};
    return FakeResponse::json(401, error_json(401, "api.context.session_expired.app_error",
                                              "Invalid or expired session, please login again."));
}

void FakeMattermost::add_user(FakeMattermostUser user) {
    auto id = user.id;
    {
        std::lock_guard lock(mutex_);
        users_[id] = std::move(user);
    }
    route_user(id);
}

void FakeMattermost::route_user(const std::string& id) {
    server_.route("GET", "/api/v4/users/" + id, [this, id](const RecordedRequest& r) {
        if (auto denied = check_auth(r); denied.status) return denied;
        std::lock_guard lock(mutex_);
        const auto& u = users_.at(id);
        return FakeResponse::json(200, json{{"id", u.id},
                                            {"username", u.username},
                                            {"first_name", u.first_name},
                                            {"last_name", u.last_name},
                                            {"nickname", u.nickname},
                                            {"is_bot", u.is_bot},
                                            {"create_at", 1600000000000},
                                            {"delete_at", 0}}
                                           .dump());
    });
}

void FakeMattermost::add_channel(const std::string& id, const std::string& team_id, const std::string& type) {
    {
        std::lock_guard lock(mutex_);
        channels_[id] = {team_id, type};
    }
    route_channel(id);
}

void FakeMattermost::route_channel(const std::string& id) {
    server_.route("GET", "/api/v4/channels/" + id, [this, id](const RecordedRequest& r) {
        if (auto denied = check_auth(r); denied.status) return denied;
        std::lock_guard lock(mutex_);
        const auto& [team, type] = channels_.at(id);
        return FakeResponse::json(200, json{{"id", id}, {"team_id", team}, {"type", type}}.dump());
    });
    server_.route("GET", "/api/v4/channels/" + id + "/posts",
                  [this, id](const RecordedRequest& r) { return posts_for(id, r); });
}

void FakeMattermost::add_post(FakeMattermostPost post) {
    std::lock_guard lock(mutex_);
    if (!post.update_at) post.update_at = post.create_at;
    posts_.push_back(std::move(post));
}

void FakeMattermost::forbid_include_deleted(bool forbid) {
    std::lock_guard lock(mutex_);
    forbid_include_deleted_ = forbid;
}

void FakeMattermost::rate_limit_next(const std::string& path, int count, int retry_after_s, int reset_s) {
    std::vector<FakeResponse> responses;
    for (int i = 0; i < count; ++i) {
        auto r = FakeResponse::text(429, "limit exceeded\n");
        r.headers = {{"Retry-After", std::to_string(retry_after_s)},
                     {"X-RateLimit-Limit", "10"},
                     {"X-RateLimit-Remaining", "0"},
                     {"X-RateLimit-Reset", std::to_string(reset_s)}};
        responses.push_back(std::move(r));
    }
    server_.fail_next(path, std::move(responses));
}

void FakeMattermost::fail_next(const std::string& path, int status, const std::string& error_id,
                               const std::string& message) {
    server_.fail_next(path, {FakeResponse::json(status, error_json(status, error_id, message))});
}

bool FakeMattermost::edit_post(const std::string& id, const std::string& message, std::int64_t at_ms) {
    std::lock_guard lock(mutex_);
    for (auto& p : posts_)
        if (p.id == id) {
            p.message = message;
            p.edit_at = p.update_at = at_ms;
            return true;
        }
    return false;
}

bool FakeMattermost::delete_post(const std::string& id, std::int64_t at_ms) {
    std::lock_guard lock(mutex_);
    for (auto& p : posts_)
        if (p.id == id) {
            p.delete_at = p.update_at = at_ms;
            return true;
        }
    return false;
}

std::optional<FakeMattermostPost> FakeMattermost::post(const std::string& id) const {
    std::lock_guard lock(mutex_);
    for (const auto& p : posts_)
        if (p.id == id) return p;
    return std::nullopt;
}

std::string FakeMattermost::new_response_url() {
    std::string path;
    {
        std::lock_guard lock(mutex_);
        path = "/hooks/commands/fakehook" + std::to_string(next_response_url_++);
    }
    // No bearer token: the URL is the credential (docs/platforms.md, "Mattermost: slash commands").
    server_.route("POST", path, [this](const RecordedRequest& r) {
        if (!json::accept(r.body)) return FakeResponse::json(400, error_json(400, "web.command_webhook.parse.app_error", "Unable to parse incoming data."));
        std::lock_guard lock(mutex_);
        responses_.push_back(r.body);
        return FakeResponse::text(200, "");
    });
    return url() + path;
}

std::vector<std::string> FakeMattermost::responses() const {
    std::lock_guard lock(mutex_);
    return responses_;
}

std::string FakeMattermost::post_event(const std::string& event, const FakeMattermostPost& post, std::int64_t seq,
                                       const std::string& sender_name, const std::string& channel_type) {
    json data{{"post", post_json(post).dump()}, {"channel_type", channel_type}};
    if (!sender_name.empty()) data["sender_name"] = sender_name;
    return json{{"event", event},
                {"data", data},
                {"broadcast", {{"channel_id", post.channel_id}, {"team_id", ""}, {"user_id", ""}, {"omit_users", nullptr}}},
                {"seq", seq}}
        .dump();
}

std::vector<std::string> FakeMattermost::created_posts() const {
    std::lock_guard lock(mutex_);
    return created_;
}

FakeResponse FakeMattermost::create_post(const RecordedRequest& request) {
    if (auto denied = check_auth(request); denied.status) return denied;
    auto body = json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("channel_id") || !body["channel_id"].is_string())
        return FakeResponse::json(400, error_json(400, "api.context.invalid_body_param.app_error",
                                                  "Invalid or missing post in request body."));
    auto message = body.value("message", std::string{});
    if (runes(message) > 16383)
        return FakeResponse::json(400, error_json(400, "model.post.is_valid.msg.app_error", "Invalid message."));
    std::lock_guard lock(mutex_);
    auto channel = body["channel_id"].get<std::string>();
    if (!channels_.contains(channel))
        return FakeResponse::json(403, error_json(403, "api.context.permissions.app_error",
                                                  "You do not have the appropriate permissions."));
    FakeMattermostPost post;
    post.id = "fakepost" + std::to_string(next_post_++);
    post.channel_id = channel;
    post.user_id = bot_user_id_;
    post.root_id = body.value("root_id", std::string{});
    post.message = message;
    post.create_at = post.update_at = ++clock_ms_;
    post.props_json = body.contains("props") ? body["props"].dump() : "{}";
    posts_.push_back(post);
    created_.push_back(request.body);
    auto id = post.id;
    server_.route("PUT", "/api/v4/posts/" + id + "/patch", [this, id](const RecordedRequest& r) { return patch_post(id, r); });
    return FakeResponse::json(201, post_json(post).dump());
}

FakeResponse FakeMattermost::patch_post(const std::string& id, const RecordedRequest& request) {
    if (auto denied = check_auth(request); denied.status) return denied;
    auto body = json::parse(request.body, nullptr, false);
    if (!body.is_object() || (body.contains("message") && !body["message"].is_string()))
        return FakeResponse::json(400, error_json(400, "api.context.invalid_body_param.app_error",
                                                  "Invalid or missing patch in request body."));
    std::lock_guard lock(mutex_);
    for (auto& p : posts_) {
        if (p.id != id || p.delete_at > 0) continue;
        if (body.contains("message")) p.message = body["message"].get<std::string>();
        p.edit_at = p.update_at = ++clock_ms_;
        patches_.emplace_back(id, request.body);
        return FakeResponse::json(200, post_json(p).dump());
    }
    return FakeResponse::json(404, error_json(404, "app.post.get.app_error", "Unable to get the post."));
}

std::vector<std::pair<std::string, std::string>> FakeMattermost::patches() const {
    std::lock_guard lock(mutex_);
    return patches_;
}

FakeResponse FakeMattermost::direct_channel(const RecordedRequest& request) {
    if (auto denied = check_auth(request); denied.status) return denied;
    auto body = json::parse(request.body, nullptr, false);
    if (!body.is_array() || body.size() != 2 || !body[0].is_string() || !body[1].is_string())
        return FakeResponse::json(400, error_json(400, "api.context.invalid_body_param.app_error",
                                                  "Invalid or missing user_ids in request body."));
    std::vector<std::string> ids{body[0].get<std::string>(), body[1].get<std::string>()};
    std::lock_guard lock(mutex_);
    for (const auto& id : ids)
        if (!users_.contains(id))
            return FakeResponse::json(400, error_json(400, "api.context.invalid_body_param.app_error",
                                                      "Invalid or missing user_ids in request body."));
    std::sort(ids.begin(), ids.end());
    auto id = ids[0] + "__" + ids[1];  // Mattermost names DM channels this way
    channels_[id] = {"", "D"};
    return FakeResponse::json(201, json{{"id", id}, {"type", "D"}, {"team_id", ""}, {"name", id}}.dump());
}

FakeResponse FakeMattermost::posts_for(const std::string& channel_id, const RecordedRequest& request) {
    if (auto denied = check_auth(request); denied.status) return denied;
    auto query = http::Form::parse(query_of(request.target));
    if (!query) return FakeResponse::json(400, error_json(400, "api.context.invalid_url_param.app_error", "Invalid URL."));
    bool include_deleted = query->value("include_deleted") == "true";
    auto since_text = query->get("since");

    std::lock_guard lock(mutex_);
    if (include_deleted && forbid_include_deleted_)
        return FakeResponse::json(403, error_json(403, "api.context.permissions.app_error",
                                                  "You do not have the appropriate permissions."));
    std::vector<const FakeMattermostPost*> selected;
    for (const auto& p : posts_)
        if (p.channel_id == channel_id) selected.push_back(&p);
    std::sort(selected.begin(), selected.end(),
              [](auto* a, auto* b) { return a->create_at > b->create_at; });  // newest first

    if (since_text) {
        // Posts modified after `since`, deleted ones included, at most 1000.
        auto since = std::stoll(*since_text);
        std::erase_if(selected, [&](auto* p) { return changed_at(*p) <= since; });
        if (selected.size() > 1000) selected.resize(1000);
    } else {
        if (!include_deleted) std::erase_if(selected, [](auto* p) { return p->delete_at > 0; });
        int page = query->get("page") ? std::stoi(*query->get("page")) : 0;
        int per_page = query->get("per_page") ? std::stoi(*query->get("per_page")) : 60;
        per_page = std::clamp(per_page, 1, 200);
        std::size_t from = std::min(selected.size(), std::size_t(page) * std::size_t(per_page));
        std::size_t to = std::min(selected.size(), from + std::size_t(per_page));
        selected = std::vector<const FakeMattermostPost*>(selected.begin() + from, selected.begin() + to);
    }

    json order = json::array();
    json posts = json::object();
    for (auto* p : selected) {
        order.push_back(p->id);
        auto j = post_json(*p);
        if (p->delete_at > 0) j["message"] = "";  // deleted posts come back without their text
        posts[p->id] = std::move(j);
        // Thread roots ride along in `posts` without being in `order`.
        if (!p->root_id.empty())
            for (const auto& root : posts_)
                if (root.id == p->root_id && !posts.contains(root.id)) posts[root.id] = post_json(root);
    }
    return FakeResponse::json(200, json{{"order", order},
                                        {"posts", posts},
                                        {"next_post_id", ""},
                                        {"prev_post_id", ""},
                                        {"has_next", false}}
                                       .dump());
}

}  // namespace hindsight::fakes

// ---- WebSocket fake (kept in this file so Beast's websocket templates are
// compiled in one test translation unit).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

namespace hindsight::fakes {

namespace {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct SocketConnection {
    std::deque<std::string> queue;
    bool closing = false;
    int fd = -1;  // while served: shut down to wake a blocking read at teardown
};
}  // namespace

struct FakeMattermostSocket::Impl {
    std::string bot_token;
    unsigned short rest_port = 0;  // 0: no REST behind this socket
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    unsigned short port = 0;
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool stopping = false;
    std::size_t accepted = 0;
    std::size_t refused = 0;
    std::string authorization;
    std::vector<std::shared_ptr<SocketConnection>> open;  // upgraded connections
    std::vector<std::shared_ptr<SocketConnection>> all;
    std::vector<std::thread> threads;
    std::thread accept_thread;

    void accept_loop() {
        while (true) {
            tcp::socket socket(ioc);
            beast::error_code ec;
            acceptor.accept(socket, ec);
            std::lock_guard lock(mutex);
            if (stopping) return;
            if (ec) continue;
            auto connection = std::make_shared<SocketConnection>();
            connection->fd = ::dup(socket.native_handle());  // ours to shut down, never reused under us
            all.push_back(connection);
            threads.emplace_back([this, connection, s = std::move(socket)]() mutable { serve(std::move(s), connection); });
        }
    }

    // Relays one plain HTTP request to the REST fake; false when the
    // connection should end.
    bool relay(tcp::socket& socket, beast::http::request<beast::http::string_body> request) {
        beast::error_code ec;
        bool keep_alive = request.keep_alive();
        tcp::socket upstream(ioc);
        upstream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), rest_port), ec);
        if (ec) return false;
        request.keep_alive(false);
        beast::http::write(upstream, request, ec);
        beast::flat_buffer upstream_buffer;
        beast::http::response<beast::http::string_body> response;
        if (!ec) beast::http::read(upstream, upstream_buffer, response, ec);
        if (ec) return false;  // the REST fake reset it (fault injection): so do we
        response.keep_alive(keep_alive);
        response.prepare_payload();
        beast::http::write(socket, response, ec);
        return !ec && keep_alive;
    }

    void serve(tcp::socket socket, std::shared_ptr<SocketConnection> connection) {
        serve_one(std::move(socket), connection);
        std::lock_guard lock(mutex);
        if (connection->fd >= 0) ::close(connection->fd);
        connection->fd = -1;
    }

    void serve_one(tcp::socket socket, std::shared_ptr<SocketConnection> connection) {
        beast::error_code ec;
        beast::flat_buffer buffer;
        beast::http::request<beast::http::string_body> request;
        while (true) {
            request = {};
            beast::http::read(socket, buffer, request, ec);
            if (ec) return;
            if (rest_port == 0 || websocket::is_upgrade(request)) break;
            if (!relay(socket, std::move(request))) return;
        }
        auto auth = std::string(request[beast::http::field::authorization]);
        {
            std::lock_guard lock(mutex);
            authorization = auth;
        }
        if (auth != "Bearer " + bot_token || request.target() != "/api/v4/websocket") {
            beast::http::response<beast::http::string_body> denied{beast::http::status::unauthorized, 11};
            denied.set(beast::http::field::content_type, "application/json");
            denied.body() = FakeMattermost::error_json(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.");
            denied.prepare_payload();
            beast::http::write(socket, denied, ec);
            socket.close(ec);
            std::lock_guard lock(mutex);
            ++refused;
            changed.notify_all();
            return;
        }
        websocket::stream<tcp::socket> ws(std::move(socket));
        ws.accept(request, ec);
        if (ec) return;
        ws.text(true);
        ws.write(asio::buffer(std::string(R"({"event":"hello","data":{"connection_id":"fakeconn","server_version":"9.11.0"},"broadcast":{},"seq":0})")), ec);
        {
            std::lock_guard lock(mutex);
            open.push_back(connection);
            ++accepted;
            changed.notify_all();
        }
        while (!ec) {
            std::string frame;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stopping || connection->closing || !connection->queue.empty(); });
                if (stopping || connection->closing) break;
                frame = std::move(connection->queue.front());
                connection->queue.pop_front();
            }
            ws.write(asio::buffer(frame), ec);
        }
        beast::get_lowest_layer(ws).close(ec);  // abrupt: no closing handshake
    }
};

FakeMattermostSocket::FakeMattermostSocket(FakeMattermost& rest) : FakeMattermostSocket(rest.bot_token()) {
    impl_->rest_port = rest.server().port();
}

FakeMattermostSocket::FakeMattermostSocket(std::string bot_token) : impl_(std::make_unique<Impl>()) {
    impl_->bot_token = std::move(bot_token);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

FakeMattermostSocket::~FakeMattermostSocket() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->changed.notify_all();
    // Wake the blocking accept with a connection of our own.
    {
        asio::io_context ioc;
        tcp::socket poke(ioc);
        beast::error_code ec;
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
    }
    impl_->accept_thread.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(impl_->mutex);
        threads.swap(impl_->threads);
        // A client may keep an idle keep-alive connection open: wake its read.
        for (auto& c : impl_->all)
            if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
    }
    for (auto& t : threads) t.join();
}

std::string FakeMattermostSocket::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FakeMattermostSocket::send(const std::string& frame) {
    std::lock_guard lock(impl_->mutex);
    for (auto& c : impl_->open)
        if (!c->closing) c->queue.push_back(frame);
    impl_->changed.notify_all();
}

void FakeMattermostSocket::drop() {
    std::lock_guard lock(impl_->mutex);
    for (auto& c : impl_->open) c->closing = true;
    impl_->changed.notify_all();
}

std::size_t FakeMattermostSocket::connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accepted;
}

std::size_t FakeMattermostSocket::rejected() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->refused;
}

bool FakeMattermostSocket::wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->accepted >= n; });
}

bool FakeMattermostSocket::wait_for_rejected(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->refused >= n; });
}

std::string FakeMattermostSocket::last_authorization() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->authorization;
}

}  // namespace hindsight::fakes
