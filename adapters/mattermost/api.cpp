#include "adapters/mattermost/api.hpp"

#include "adapters/http/form.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace hindsight::mattermost {

using nlohmann::json;

namespace {

std::optional<Duration> seconds_header(const outbound::ClientResponse& response, const std::string& name) {
    auto value = response.header(name);
    if (!value) return std::nullopt;
    double seconds = 0;  // Retry-After is whole seconds; be lenient about a fraction
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
    if (ec != std::errc{} || seconds < 0 || seconds > 86400) return std::nullopt;
    (void)end;
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

json parse_object(const std::string& body) {
    auto value = json::parse(body, nullptr, false);
    return value.is_object() ? value : json::object();
}

std::string string_of(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

std::string ApiResponse::describe() const {
    if (status == 0) return error.empty() ? std::string("no response") : error;
    std::string out = "HTTP " + std::to_string(status);
    auto object = parse_object(body);
    auto id = string_of(object, "id");
    auto message = string_of(object, "message");
    if (!id.empty()) out += " " + id;
    if (!message.empty()) out += ": " + message;
    if (id.empty() && message.empty() && !body.empty() && body.size() <= 200 && body.front() != '{')
        out += ": " + body;  // e.g. the plain-text "limit exceeded" of a 429
    return out;
}

SendResult ApiResponse::result(const std::string& what) const {
    SendResult out;
    if (ok()) return out;
    out.error = what + ": " + describe();
    if (status == 0 || status == 429 || status >= 500) {
        out.status = SendResult::Status::retry;
        if (retry_after) out.retry_after = *retry_after;
    } else {
        out.status = SendResult::Status::failed;
    }
    return out;
}

Api::Api(std::string site_url, std::string bot_token, outbound::ClientOptions options)
    : site_url_(std::move(site_url)),
      bot_token_(std::move(bot_token)),
      client_(std::make_unique<outbound::HttpClient>(std::move(options))) {
    while (!site_url_.empty() && site_url_.back() == '/') site_url_.pop_back();
    api_base_ = site_url_ + "/api/v4";
}

Api::~Api() = default;

ApiResponse Api::send_locked(outbound::ClientRequest request) {
    auto response = client_->send(request);
    ApiResponse out;
    out.status = response.status;
    out.body = std::move(response.body);
    out.error = std::move(response.error);
    if (out.status == 429) {
        out.retry_after = seconds_header(response, "Retry-After");
        if (!out.retry_after) out.retry_after = seconds_header(response, "X-RateLimit-Reset");
    }
    return out;
}

ApiResponse Api::call(const std::string& method, const std::string& path, const std::string& body) {
    outbound::ClientRequest request;
    request.method = method;
    request.url = api_base_ + path;
    request.headers = {{"Authorization", "Bearer " + bot_token_}, {"Accept", "application/json"}};
    if (!body.empty() || method == "POST" || method == "PUT")
        request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
    std::lock_guard lock(mutex_);
    return send_locked(std::move(request));
}

ApiResponse Api::post_response_url(const std::string& url, const std::string& body) {
    outbound::ClientRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    request.body = body;
    std::lock_guard lock(mutex_);
    return send_locked(std::move(request));
}

std::optional<std::string> Api::bot_user_id() {
    ApiResponse failure;
    return bot_user_id(failure);
}

std::optional<std::string> Api::bot_user_id(ApiResponse& failure) {
    {
        std::lock_guard lock(mutex_);
        if (bot_user_id_) return bot_user_id_;
    }
    auto response = call("GET", "/users/me");
    auto id = response.ok() ? string_of(parse_object(response.body), "id") : std::string{};
    if (id.empty()) {
        failure = std::move(response);
        if (failure.ok()) {
            failure.status = 0;
            failure.error = "users/me: no id in the response";
        }
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    bot_user_id_ = id;
    return id;
}

std::optional<User> Api::user(const std::string& user_id) {
    if (user_id.empty()) return std::nullopt;
    auto response = call("GET", "/users/" + http::url_encode(user_id));
    if (!response.ok()) return std::nullopt;
    auto object = parse_object(response.body);
    User user;
    user.username = string_of(object, "username");
    user.email = string_of(object, "email");
    user.display_name = string_of(object, "nickname");
    if (user.display_name.empty()) {
        auto first = string_of(object, "first_name");
        auto last = string_of(object, "last_name");
        user.display_name = first.empty() || last.empty() ? first + last : first + " " + last;
    }
    if (user.display_name.empty()) user.display_name = user.username;
    if (user.display_name.empty()) return std::nullopt;
    return user;
}

std::optional<std::string> Api::display_name(const std::string& user_id) {
    auto found = user(user_id);
    if (!found) return std::nullopt;
    return found->display_name;
}

std::optional<std::string> Api::channel_team(const std::string& channel_id) {
    if (channel_id.empty()) return std::nullopt;
    {
        std::lock_guard lock(mutex_);
        if (auto it = channel_teams_.find(channel_id); it != channel_teams_.end()) return it->second;
    }
    auto response = call("GET", "/channels/" + http::url_encode(channel_id));
    if (!response.ok()) return std::nullopt;
    auto channel = parse_object(response.body);
    if (string_of(channel, "id").empty()) return std::nullopt;
    auto team = string_of(channel, "team_id");
    std::lock_guard lock(mutex_);
    channel_teams_[channel_id] = team;
    return team;
}

std::optional<std::string> Api::direct_channel(const std::string& user_id, ApiResponse& failure) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = direct_channels_.find(user_id); it != direct_channels_.end()) return it->second;
    }
    auto bot = bot_user_id(failure);
    if (!bot) return std::nullopt;
    auto response = call("POST", "/channels/direct", json::array({*bot, user_id}).dump());
    auto id = response.ok() ? string_of(parse_object(response.body), "id") : std::string{};
    if (id.empty()) {
        failure = std::move(response);
        if (failure.ok()) {
            failure.status = 0;
            failure.error = "channels/direct: no channel id in the response";
        }
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    direct_channels_[user_id] = id;
    return id;
}

ApiResponse Api::channel_posts_page(const std::string& channel_id, int page, int per_page,
                                    bool include_deleted) {
    std::string path = "/channels/" + http::url_encode(channel_id) + "/posts?page=" + std::to_string(page) +
                       "&per_page=" + std::to_string(per_page);
    if (include_deleted) path += "&include_deleted=true";
    return call("GET", path);
}

ApiResponse Api::channel_posts_since(const std::string& channel_id, std::int64_t since_ms) {
    return call("GET", "/channels/" + http::url_encode(channel_id) + "/posts?since=" + std::to_string(since_ms));
}

}  // namespace hindsight::mattermost
