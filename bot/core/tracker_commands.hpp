// Action items and their tickets, for the command handlers and the Bot.
// Internal to bot/core; bot/core/tracker.hpp is the public side.
#pragma once

#include "bot/core/handlers.hpp"
#include "bot/core/tracker.hpp"

#include <map>
#include <set>
#include <string>

namespace hindsight {

// Puts the item's filing job in the outbox when its incident has a tracker,
// or holds it when the blameless check flags the wording (unless
// `as_written`). Returns what the reply should add ("" when not filed).
std::string file_ticket(CommandContext& ctx, const Incident& incident, ActionItem& item, bool as_written);
// Done in chat: closes or comments the ticket, per the tracker's settings.
// Returns what the reply should add.
std::string ticket_on_done(CommandContext& ctx, const ActionItem& item);
// " — ticket [acme/ops#12](…) (open)" for lists; "" without a ticket.
std::string ticket_suffix(const ActionItem& item);

CommandReply cmd_tracker(CommandContext& ctx, const Command& c);
// action_link, action_unlink, action_file.
CommandReply cmd_action_ticket(CommandContext& ctx, const Command& c);

TicketOutcome apply_ticket_update(IncidentStore& store, Outbox& outbox, const BotSettings& settings,
                                  const TicketUpdate& update, Timestamp now);
void record_filed_ticket(IncidentStore& store, Outbox& outbox, const TicketUpdate& ticket, std::int64_t action_id,
                         Timestamp now);
void record_ticket_trouble(IncidentStore& store, Outbox& outbox, const TrackerJob& job, const std::string& why,
                           TicketTrouble trouble, Timestamp now);
std::optional<ItemOwner> find_unmapped_owner(IncidentStore& store, const BotSettings& settings,
                                             std::int64_t action_id, const std::string& tracker);
// Tracker name -> the projects that hold tickets of action items.
std::map<std::string, std::set<std::string>> ticket_projects(IncidentStore& store);

}  // namespace hindsight
