// Delivers outbox messages to Slack (ChatSender): channel posts (in a thread
// when asked), direct messages (conversations.open, cached), response_url
// replies, and buttons as Block Kit. Text is Markdown, rendered as mrkdwn.
#pragma once

#include "adapters/slack/api.hpp"
#include "bot/core/ports.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace hindsight::slack {

// Plain `text` up to this size; longer texts (and any message with buttons)
// go out as section blocks, each at most Slack's 3,000 characters.
inline constexpr std::size_t max_text_chars = 3500;
inline constexpr std::size_t max_section_chars = 3000;

// The message payload (without "channel") for an outbound message: text,
// or blocks (sections + an actions block of buttons) with text as the
// notification fallback; thread_ts when threaded. A drafted timeline post
// is laid out as blocks (heading, entries, notes as context, prompts),
// with its first line as the notification fallback. JSON text.
std::string message_payload(const OutboundMessage& message);

// The bot's Markdown with its mention tokens (bot/core/text.hpp) as Slack
// mentions: <@U…> for a member id, "@name" otherwise.
std::string with_slack_mentions(std::string_view markdown);

class SlackSender final : public ChatSender {
public:
    SlackSender(ApiSettings settings, outbound::ClientOptions options = {});
    SendResult send(const OutboundMessage& message) override;

private:
    Api api_;
    std::mutex mutex_;                         // guards dm_channels_
    std::map<std::string, std::string> dm_channels_;  // "team/user" → D… channel
};

}  // namespace hindsight::slack
