// Authenticity of Mattermost callbacks. Mattermost does not sign requests: a
// slash command or outgoing webhook proves itself with its per-integration
// token (docs/platforms.md, "Mattermost: tokens"), and a button click with the token we put into
// the button's context when posting it.
#pragma once

#include "adapters/http/message.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::mattermost {

// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// The token a request presents: `Authorization: Token <t>` (slash commands),
// else the `token` field of the form body, the JSON body or, for GET slash
// commands, the query string. nullopt when there is none or the body can't be
// read far enough to find it.
std::optional<std::string> presented_token(const http::Request& request);

class TokenVerifier {
public:
    // Empty tokens are dropped: an unset token must never match an absent one.
    explicit TokenVerifier(std::vector<std::string> tokens);

    // True when `token` equals any configured token.
    bool matches(std::string_view token) const;
    // presented_token(request) matches.
    bool verify(const http::Request& request) const;
    bool empty() const { return tokens_.empty(); }

private:
    std::vector<std::string> tokens_;
};

// The token placed in an interactive button's integration context: an
// HMAC-SHA256 (hex) of action, value and team under `secret`, so a click can
// only carry what the bot itself offered.
std::string action_token(std::string_view secret, std::string_view action, std::string_view value,
                         std::string_view team = {});
bool verify_action_token(std::string_view secret, std::string_view action, std::string_view value,
                         std::string_view team, std::string_view token);

}  // namespace hindsight::mattermost
