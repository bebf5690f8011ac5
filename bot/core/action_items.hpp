// Action items: adding, listing, done and snooze, scoped to the workspace of
// their incident. Reminders about them are in reminders.hpp. Internal to bot/core.
#pragma once

#include "bot/core/handlers.hpp"

#include <cstdint>
#include <string>

namespace hindsight {

CommandReply cmd_action(CommandContext& ctx, const Command& c);
CommandReply cmd_actions(CommandContext& ctx, const Command& c);
CommandReply cmd_done(CommandContext& ctx, const Command& c);
CommandReply cmd_snooze(CommandContext& ctx, const Command& c);

// "A-12".
std::string action_ref(std::int64_t id);

}  // namespace hindsight
