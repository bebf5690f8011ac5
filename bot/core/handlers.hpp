// Internal to the bot: what every command handler gets, and the handlers
// themselves, grouped by file. Only bot/core/*.cpp include this.
#pragma once

#include "bot/core/bot.hpp"
#include "bot/core/commands.hpp"
#include "bot/core/incident.hpp"
#include "bot/core/ports.hpp"
#include "bot/core/settings.hpp"

#include <optional>
#include <string>

namespace hindsight {

struct DraftInput;          // bot/core/timeline.hpp
enum class BlameContext;    // bot/core/blameless.hpp

struct CommandContext {
    IncidentStore& store;
    Outbox& outbox;
    const BotSettings& settings;
    const SlashCommand& command;
    std::optional<Incident> incident;  // the channel's newest incident, any state
    Timestamp now;
    const LinkSigner* links = nullptr;  // signs links to the web pages; none: links to the Markdown
};

// The address of an incident page (`incident_id` > 0) or of the index, signed
// when the bot has a link signer; "" without public_url.
std::string page_link(CommandContext& ctx, std::int64_t incident_id);

// Helpers shared by the handlers (bot.cpp).
CommandReply reply_ephemeral(std::string text);
CommandReply reply_in_channel(std::string text);
// The reply when a command needs an incident and the channel has none.
CommandReply no_incident_reply();
// Display name for a user id: the users cache, else the id itself.
std::string display_name(IncidentStore& store, const ChannelRef& where, const std::string& user_id);
// Posts to the incident channel through the outbox; returns the outbox row.
std::int64_t announce(CommandContext& ctx, const ChannelRef& where, std::string text);
// Everything the drafting engine needs about an incident.
DraftInput gather_draft_input(IncidentStore& store, const BotSettings& settings, const Incident& incident,
                              Timestamp now);
// Re-drafts the document and stores it with the incident; returns it.
std::string redraft_postmortem(IncidentStore& store, const BotSettings& settings, Incident& incident,
                               Timestamp now);
// Blameless findings as a gentle reply suffix ("" when nothing was flagged).
std::string blameless_hint(std::string_view text, BlameContext context);

// incident_commands.cpp: the incident lifecycle and the timeline.
CommandReply cmd_open(CommandContext& ctx, const Command& c);
CommandReply cmd_note(CommandContext& ctx, const Command& c);
CommandReply cmd_status(CommandContext& ctx, const Command& c);
CommandReply cmd_timeline(CommandContext& ctx, const Command& c);  // show and every curation verb
CommandReply cmd_started(CommandContext& ctx, const Command& c);
CommandReply cmd_close(CommandContext& ctx, const Command& c);
// The post a close makes for the closed `incident` (its draft timeline, where
// the document is, what comes next), drafted as of its close; the drafted
// document is stored with the incident.
std::string close_post(CommandContext& ctx, Incident& incident);
CommandReply cmd_reopen(CommandContext& ctx, const Command& c);
CommandReply cmd_impact(CommandContext& ctx, const Command& c);
CommandReply cmd_meeting(CommandContext& ctx, const Command& c);
CommandReply cmd_postmortem(CommandContext& ctx, const Command& c);

// Five whys and factors, action items, the facilitator, patterns and stats
// are declared in five_whys.hpp, action_items.hpp, facilitator.hpp and
// patterns_commands.hpp.

// reminders.cpp: overdue action-item nudges, escalation and the
// review-meeting reminder; button clicks from reminder DMs.
std::size_t send_due_reminders(IncidentStore& store, Outbox& outbox, const BotSettings& settings, Timestamp now);
CommandReply handle_reminder_action(IncidentStore& store, Outbox& outbox, const BotSettings& settings,
                                    const ButtonAction& action, Timestamp now);

}  // namespace hindsight
