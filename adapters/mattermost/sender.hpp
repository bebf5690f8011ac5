// Delivers outbox messages to Mattermost (docs/platforms.md, "Mattermost: REST API v4"): POST /posts
// (201 Created is success), DMs through POST /channels/direct, thread replies
// with root_id, buttons as interactive message actions, and slash-command
// response_url replies. Text is Markdown already; nothing to convert.
#pragma once

#include "adapters/mattermost/api.hpp"
#include "bot/core/ports.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hindsight::mattermost {

// The default maximum post size, counted in characters (runes), not bytes.
constexpr std::size_t max_post_runes = 16383;

// Splits text into posts of at most `max_runes` characters, preferring a line
// break, then a space, and never cutting a UTF-8 sequence. Always at least one part.
std::vector<std::string> split_message(std::string_view text, std::size_t max_runes = max_post_runes);

// The props of a post carrying buttons: attachments[0].actions[], each with an
// integration calling `<public_url>/mattermost/actions` with context
// {action, value, team, token} (token = action_token(action_secret, action, value, team)).
std::string button_props_json(const std::vector<OutboundButton>& buttons, const std::string& public_url,
                              const std::string& action_secret, const std::string& team);

// The bot's Markdown as Mattermost shows it: mention tokens
// (bot/core/text.hpp) as "@username".
std::string with_mattermost_mentions(std::string_view markdown);

class Sender final : public ChatSender {
public:
    // `public_url`: where Mattermost reaches this service (for button callbacks).
    // `action_secret`: key for button tokens (the endpoint verifies with the same).
    Sender(Api& api, std::string public_url, std::string action_secret);

    // 2xx → delivered; 429 → retry after Retry-After / X-RateLimit-Reset;
    // 5xx and transport errors → retry; other 4xx → failed (permanent).
    SendResult send(const OutboundMessage& message) override;

private:
    Api& api_;
    std::string public_url_;
    std::string action_secret_;
};

}  // namespace hindsight::mattermost
