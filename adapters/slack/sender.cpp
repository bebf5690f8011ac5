#include "adapters/slack/sender.hpp"

#include "adapters/slack/mrkdwn.hpp"

#include <nlohmann/json.hpp>

namespace hindsight::slack {

using nlohmann::json;

namespace {

// Slack caps a message at 50 blocks; keep one for the buttons.
constexpr std::size_t max_sections = 49;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json section(const std::string& text) {
    return {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}};
}

json actions_block(const std::vector<OutboundButton>& buttons) {
    json elements = json::array();
    for (const auto& b : buttons) {
        elements.push_back({{"type", "button"},
                            {"text", {{"type", "plain_text"}, {"text", b.label}, {"emoji", true}}},
                            {"action_id", b.action},
                            {"value", b.value}});
    }
    return {{"type", "actions"}, {"elements", std::move(elements)}};
}

}  // namespace

std::string message_payload(const OutboundMessage& message) {
    auto text = to_mrkdwn(message.text);
    json payload = json::object();
    if (text.size() <= max_text_chars && message.buttons.empty()) {
        payload["text"] = text;
    } else {
        json blocks = json::array();
        auto parts = split(text, max_section_chars);
        for (std::size_t i = 0; i < parts.size() && i < max_sections; ++i)
            blocks.push_back(section(parts[i]));
        if (!message.buttons.empty()) blocks.push_back(actions_block(message.buttons));
        payload["blocks"] = std::move(blocks);
        // Notifications and clients without blocks show `text`.
        payload["text"] = parts.empty() ? std::string{} : parts.front();
    }
    if (!message.thread.empty()) payload["thread_ts"] = message.thread;
    return dump(payload);
}

SlackSender::SlackSender(ApiSettings settings, outbound::ClientOptions options)
    : api_(std::move(settings), std::move(options)) {}

SendResult SlackSender::send(const OutboundMessage& message) {
    if (!message.response_url.empty()) {
        json payload = json::parse(message_payload(message));
        payload["response_type"] = message.ephemeral ? "ephemeral" : "in_channel";
        return api_.respond(message.response_url, dump(payload));
    }

    std::string channel;
    if (message.to_user.empty()) {
        channel = message.channel;
    } else {
        auto key = message.team + "/" + message.to_user;
        {
            std::lock_guard lock(mutex_);
            auto it = dm_channels_.find(key);
            if (it != dm_channels_.end()) channel = it->second;
        }
        if (channel.empty()) {
            auto opened = api_.open_dm(message.to_user);
            if (!opened.ok()) return opened.outcome;
            channel = *opened.value;
            std::lock_guard lock(mutex_);
            dm_channels_[key] = channel;
        }
    }
    if (channel.empty()) return {SendResult::Status::failed, "message without channel or user", {}};
    return api_.post_message(channel, message_payload(message)).outcome;
}

}  // namespace hindsight::slack
