// The review facilitator: someone who did not take part, suggested in turn
// from `postmortem.facilitators`, or assigned; and the prompts close adds to
// the draft post. Internal to bot/core.
#pragma once

#include "bot/core/handlers.hpp"

#include <string>

namespace hindsight {

CommandReply cmd_facilitator(CommandContext& ctx, const Command& c);
// What close adds to the channel post after the draft: the first five-whys
// question, a facilitator suggestion, the review-meeting deadline.
std::string after_close_prompts(CommandContext& ctx, const Incident& incident);

}  // namespace hindsight
