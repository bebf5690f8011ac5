#include "adapters/mattermost/sender.hpp"

#include "adapters/mattermost/verifier.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace hindsight::mattermost {

using nlohmann::json;

namespace {

// Replies and posts quote what people typed: bytes that are not UTF-8 are
// replaced, never allowed to make the whole answer fail.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Byte offset just past the first `runes` characters of `text` (or its size).
std::size_t rune_prefix(std::string_view text, std::size_t runes) {
    std::size_t i = 0;
    for (std::size_t n = 0; i < text.size() && n < runes; ++n) {
        ++i;
        while (i < text.size() && is_continuation(text[i])) ++i;
    }
    return i;
}

SendResult result_of(const ApiResponse& response, const std::string& what) {
    SendResult result;
    if (response.ok()) return result;
    result.error = what + ": " + response.describe();
    if (response.status == 0 || response.status == 429 || response.status >= 500) {
        result.status = SendResult::Status::retry;
        if (response.retry_after) result.retry_after = *response.retry_after;
    } else {
        result.status = SendResult::Status::failed;
    }
    return result;
}

std::string action_id(const std::string& action, std::size_t index) {
    // Mattermost action ids must be alphanumeric.
    std::string id;
    for (char c : action)
        if (std::isalnum(static_cast<unsigned char>(c))) id.push_back(c);
    return (id.empty() ? std::string("action") : id) + std::to_string(index);
}

}  // namespace

std::vector<std::string> split_message(std::string_view text, std::size_t max_runes) {
    std::vector<std::string> parts;
    if (max_runes == 0) max_runes = 1;
    while (true) {
        auto limit = rune_prefix(text, max_runes);
        if (limit >= text.size()) break;
        auto head = text.substr(0, limit);
        // Break at a line end, else a space, when it keeps at least half the part.
        std::size_t cut = head.rfind('\n');
        if (cut == std::string_view::npos || cut < limit / 2) cut = head.rfind(' ');
        if (cut == std::string_view::npos || cut < limit / 2 || cut == 0) {
            cut = limit;
            parts.emplace_back(text.substr(0, cut));
            text.remove_prefix(cut);
        } else {
            parts.emplace_back(text.substr(0, cut));
            text.remove_prefix(cut + 1);  // the separator itself is not sent
        }
    }
    if (!text.empty() || parts.empty()) parts.emplace_back(text);
    return parts;
}

std::string button_props_json(const std::vector<OutboundButton>& buttons, const std::string& public_url,
                              const std::string& action_secret, const std::string& team) {
    std::string base = public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    json actions = json::array();
    for (std::size_t i = 0; i < buttons.size(); ++i) {
        const auto& b = buttons[i];
        actions.push_back({
            {"id", action_id(b.action, i)},
            {"name", b.label},
            {"type", "button"},
            {"integration",
             {{"url", base + "/mattermost/actions"},
              {"context",
               {{"action", b.action},
                {"value", b.value},
                {"team", team},
                {"token", action_token(action_secret, b.action, b.value, team)}}}}},
        });
    }
    return dump(json{{"attachments", json::array({json{{"actions", std::move(actions)}}})}});
}

Sender::Sender(Api& api, std::string public_url, std::string action_secret)
    : api_(api), public_url_(std::move(public_url)), action_secret_(std::move(action_secret)) {}

SendResult Sender::send(const OutboundMessage& message) {
    auto parts = split_message(message.text);

    if (!message.response_url.empty()) {
        for (const auto& part : parts) {
            json body{{"response_type", message.ephemeral ? "ephemeral" : "in_channel"}, {"text", part}};
            auto response = api_.post_response_url(message.response_url, dump(body));
            if (!response.ok()) return result_of(response, "response_url");
        }
        return {};
    }

    std::string channel = message.channel;
    if (!message.to_user.empty()) {
        ApiResponse failure;
        auto direct = api_.direct_channel(message.to_user, failure);
        if (!direct) return result_of(failure, "channels/direct");
        channel = *direct;
    }
    if (channel.empty()) return {SendResult::Status::failed, "no channel or user to send to", {}};

    for (std::size_t i = 0; i < parts.size(); ++i) {
        json post{{"channel_id", channel}, {"message", parts[i]}};
        if (!message.thread.empty()) post["root_id"] = message.thread;
        // Buttons go with the last part, under the text they act on.
        if (i + 1 == parts.size() && !message.buttons.empty())
            post["props"] = json::parse(button_props_json(message.buttons, public_url_, action_secret_, message.team));
        auto response = api_.call("POST", "/posts", dump(post));
        if (!response.ok())
            return result_of(response, parts.size() > 1 ? "posts (part " + std::to_string(i + 1) + ")" : "posts");
    }
    return {};
}

}  // namespace hindsight::mattermost
