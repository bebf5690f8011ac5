#include "adapters/slack/api.hpp"

#include "adapters/http/form.hpp"
#include "adapters/slack/message_json.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace hindsight::slack {

using nlohmann::json;

namespace {

constexpr auto json_type = "application/json; charset=utf-8";

std::string text_of(const json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

SendResult make(CallStatus status, std::string error, Duration retry_after = Duration{0}) {
    return SendResult{status, std::move(error), retry_after, {}};
}

// Retry-After is whole seconds; absent or unreadable → 1 s, Slack's usual
// minimum, so a 429 is never retried in a tight loop.
Duration retry_after_of(const outbound::ClientResponse& response) {
    auto value = response.header("Retry-After");
    std::int64_t seconds = 1;
    if (value) {
        std::int64_t parsed = 0;
        auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
        if (ec == std::errc{} && end == value->data() + value->size() && parsed >= 0) seconds = parsed;
    }
    return std::chrono::seconds{seconds};
}

// Classifies a Web API response; on success `body` holds the parsed JSON.
SendResult classify(std::string_view method, const outbound::ClientResponse& response, json& body) {
    std::string label(method);
    if (response.status == 0) return make(CallStatus::retry, label + ": " + response.error);
    if (response.status == 429)
        return make(CallStatus::retry, label + ": rate limited (429)", retry_after_of(response));
    if (response.status >= 500)
        return make(CallStatus::retry, label + ": HTTP " + std::to_string(response.status));
    if (response.status < 200 || response.status >= 300)
        return make(CallStatus::failed, label + ": HTTP " + std::to_string(response.status));
    body = json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return make(CallStatus::failed, label + ": response is not a JSON object");
    auto ok = body.find("ok");
    if (ok != body.end() && ok->is_boolean() && ok->get<bool>()) {
        const json& meta = body.contains("response_metadata") ? body["response_metadata"] : json();
        if (meta.is_object() && meta.contains("warnings"))
            spdlog::warn("slack api: {} warnings: {}", label,
                         meta["warnings"].dump(-1, ' ', false, json::error_handler_t::replace));
        return make(CallStatus::delivered, {});
    }
    auto error = text_of(body, "error");
    if (error.empty()) error = "ok:false without error";
    std::string detail = label + ": " + error;
    if (error == "missing_scope")
        detail += " (needed: " + text_of(body, "needed") + ", provided: " + text_of(body, "provided") + ")";
    if (error == "ratelimited") return make(CallStatus::retry, detail, retry_after_of(response));
    return make(CallStatus::failed, detail);
}

std::string base_with_slash(std::string base) {
    if (base.empty() || base.back() != '/') base += '/';
    return base;
}

}  // namespace

std::string to_ts(Timestamp t) {
    auto us = to_micros(t);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                  static_cast<long long>(us % 1000000));
    return buf;
}

struct Api::Impl {
    ApiSettings settings;
    outbound::HttpClient http;

    Impl(ApiSettings s, outbound::ClientOptions options)
        : settings(std::move(s)), http(std::move(options)) {
        settings.base_url = base_with_slash(settings.base_url);
    }

    std::pair<SendResult, json> call_post(std::string_view method, const json& payload) {
        outbound::ClientRequest request;
        request.method = "POST";
        request.url = settings.base_url + std::string(method);
        request.headers = {{"Authorization", "Bearer " + settings.bot_token},
                           {"Content-Type", json_type}};
        request.body = payload.dump(-1, ' ', false, json::error_handler_t::replace);
        json body;
        auto result = classify(method, http.send(request), body);
        return {std::move(result), std::move(body)};
    }

    std::pair<SendResult, json> call_get(std::string_view method,
                                         const std::vector<std::pair<std::string, std::string>>& query) {
        outbound::ClientRequest request;
        request.method = "GET";
        request.url = settings.base_url + std::string(method);
        char sep = '?';
        for (const auto& [key, value] : query) {
            request.url += sep;
            request.url += http::url_encode(key) + "=" + http::url_encode(value);
            sep = '&';
        }
        request.headers = {{"Authorization", "Bearer " + settings.bot_token}};
        json body;
        auto result = classify(method, http.send(request), body);
        return {std::move(result), std::move(body)};
    }
};

Api::Api(ApiSettings settings, outbound::ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(options))) {}

Api::~Api() = default;

ApiResult<std::string> Api::post_message(const std::string& channel, const std::string& payload_json) {
    json payload = json::parse(payload_json, nullptr, false);
    if (!payload.is_object())
        return {make(CallStatus::failed, "chat.postMessage: payload is not a JSON object"), {}};
    payload["channel"] = channel;
    auto [result, body] = impl_->call_post("chat.postMessage", payload);
    if (result.status != CallStatus::delivered) return {result, {}};
    return {result, text_of(body, "ts")};
}

ApiResult<std::string> Api::update_message(const std::string& channel, const std::string& ts,
                                          const std::string& payload_json) {
    json payload = json::parse(payload_json, nullptr, false);
    if (!payload.is_object()) return {make(CallStatus::failed, "chat.update: payload is not a JSON object"), {}};
    payload.erase("thread_ts");  // an update keeps the message where it is
    payload["channel"] = channel;
    payload["ts"] = ts;
    auto [result, body] = impl_->call_post("chat.update", payload);
    if (result.status != CallStatus::delivered) return {result, {}};
    return {result, ts};
}

ApiResult<std::string> Api::open_dm(const std::string& user_id) {
    auto [result, body] = impl_->call_post("conversations.open", json{{"users", user_id}});
    if (result.status != CallStatus::delivered) return {result, {}};
    auto channel = body.contains("channel") ? text_of(body["channel"], "id") : std::string{};
    if (channel.empty())
        return {make(CallStatus::failed, "conversations.open: response without channel.id"), {}};
    return {result, channel};
}

ApiResult<std::string> Api::user_name(const std::string& user_id) {
    auto [result, body] = impl_->call_get("users.info", {{"user", user_id}});
    if (result.status != CallStatus::delivered) return {result, {}};
    const json& user = body.contains("user") ? body["user"] : json();
    const json& profile = user.is_object() && user.contains("profile") ? user["profile"] : json();
    for (const auto& name :
         {text_of(profile, "display_name"), text_of(profile, "real_name"), text_of(user, "real_name"),
          text_of(user, "name")}) {
        if (!name.empty()) return {result, name};
    }
    return {make(CallStatus::failed, "users.info: user without a name"), {}};
}

ApiResult<std::string> Api::user_email(const std::string& user_id) {
    auto [result, body] = impl_->call_get("users.info", {{"user", user_id}});
    if (result.status != CallStatus::delivered) return {result, {}};
    const json& user = body.contains("user") ? body["user"] : json();
    const json& profile = user.is_object() && user.contains("profile") ? user["profile"] : json();
    return {result, text_of(profile, "email")};
}

ApiResult<HistoryPage> Api::history(const ChannelRef& where, const std::string& oldest,
                                    const std::string& cursor, int limit, const std::string& team_domain) {
    std::vector<std::pair<std::string, std::string>> query{{"channel", where.channel},
                                                           {"limit", std::to_string(limit)},
                                                           {"inclusive", "true"}};
    if (!oldest.empty()) query.emplace_back("oldest", oldest);
    if (!cursor.empty()) query.emplace_back("cursor", cursor);
    auto [result, body] = impl_->call_get("conversations.history", query);
    if (result.status != CallStatus::delivered) return {result, {}};

    HistoryPage page;
    if (body.contains("response_metadata"))
        page.next_cursor = text_of(body["response_metadata"], "next_cursor");
    auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array())
        return {make(CallStatus::failed, "conversations.history: response without messages"), {}};
    DomainLookup domains;
    if (!team_domain.empty()) domains = [&team_domain](const std::string&) { return team_domain; };
    for (const auto& message : *messages) {
        auto ts = text_of(message, "ts");
        if (text_of(message, "subtype") == "tombstone") {  // a deleted thread parent
            if (auto at = parse_ts(ts)) page.events.push_back(MessageDeleted{where, ts, *at});
            continue;
        }
        std::string kind = "message";
        auto translated = detail::translate_message(message, where.team, where.channel, {}, domains, kind);
        if (!translated || !translated.value->has_value()) {
            spdlog::debug("slack history: skipped {} ({})", kind, translated.error);
            continue;
        }
        page.events.push_back(std::move(**translated.value));
        // The text is the current one; an edited message also gets an edit so
        // a copy recorded before the edit is brought up to date.
        if (message.contains("edited") && message["edited"].is_object()) {
            if (auto* m = std::get_if<ChatMessage>(&page.events.back())) {
                auto at = parse_ts(text_of(message["edited"], "ts")).value_or(m->at);
                page.events.push_back(MessageEdited{where, m->message_id, m->text, at});
            }
        }
    }
    return {result, std::move(page)};
}

SendResult Api::respond(const std::string& response_url, const std::string& payload_json) {
    outbound::ClientRequest request;
    request.method = "POST";
    request.url = response_url;
    request.headers = {{"Content-Type", json_type}};
    request.body = payload_json;
    auto response = impl_->http.send(request);
    if (response.status == 0) return make(CallStatus::retry, "response_url: " + response.error);
    if (response.status == 429)
        return make(CallStatus::retry, "response_url: rate limited (429)", retry_after_of(response));
    if (response.status >= 500)
        return make(CallStatus::retry, "response_url: HTTP " + std::to_string(response.status));
    if (response.status < 200 || response.status >= 300) {
        // 404 expired_url / used_url: the 5 uses / 30 minutes are gone.
        auto body = json::parse(response.body, nullptr, false);
        auto error = text_of(body, "error");
        return make(CallStatus::failed, "response_url: HTTP " + std::to_string(response.status) +
                                            (error.empty() ? "" : " " + error));
    }
    // Slack answers "ok" as text or {"ok":true}; only an explicit ok:false fails.
    auto body = json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("ok") && body["ok"] == false)
        return make(CallStatus::failed, "response_url: " + text_of(body, "error"));
    return make(CallStatus::delivered, {});
}

}  // namespace hindsight::slack
