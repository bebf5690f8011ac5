// Internal to the Slack adapter: translation of one Slack message object,
// shared by the Events API (inner event) and conversations.history pages.
#pragma once

#include "adapters/slack/inbound.hpp"

#include <nlohmann/json_fwd.hpp>

namespace hindsight::slack::detail {

// `channel` is used when the object has no "channel" (history elements);
// `kind` gets "/<subtype>" appended for logs. A parsed-but-empty result
// means "nothing to record" (an unfurl-only message_changed).
Parsed<std::optional<ChatEvent>> translate_message(const nlohmann::json& message,
                                                   const std::string& team,
                                                   const std::string& channel,
                                                   const std::string& bot_user,
                                                   const DomainLookup& domains, std::string& kind);

}  // namespace hindsight::slack::detail
