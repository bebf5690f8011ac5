// `/incident patterns` and `/incident stats`: what recurs across this
// workspace's postmortems, and how follow-up is going (the computations are
// in patterns.hpp). Internal to bot/core.
#pragma once

#include "bot/core/handlers.hpp"

namespace hindsight {

CommandReply cmd_patterns(CommandContext& ctx, const Command& c);
CommandReply cmd_stats(CommandContext& ctx, const Command& c);

}  // namespace hindsight
