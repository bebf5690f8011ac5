// Five whys and contributing factors: the causal chain a review walks
// through after close, one answer per step, ending in a root cause.
// Internal to bot/core.
#pragma once

#include "bot/core/handlers.hpp"

#include <string>
#include <vector>

namespace hindsight {

CommandReply cmd_why(CommandContext& ctx, const Command& c);  // why [answer] and why edit
CommandReply cmd_rootcause(CommandContext& ctx, const Command& c);
CommandReply cmd_factor(CommandContext& ctx, const Command& c);

// The chain so far as Markdown, and the question that comes next.
std::string render_chain(const Incident& incident, const std::vector<WhyStep>& whys);
std::string next_step_prompt(const Incident& incident, const std::vector<WhyStep>& whys);

}  // namespace hindsight
