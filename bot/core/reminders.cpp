// The scheduler's side of follow-up: overdue action items get
// direct-message nudges, escalate after a few, and closed incidents without a
// review meeting get one reminder. Runs inside one WriteQueue work item, so a
// nudge is recorded in the same transaction that enqueues it: a restart
// neither re-sends it nor skips it.
#include "bot/core/action_items.hpp"
#include "bot/core/handlers.hpp"
#include "bot/core/people.hpp"
#include "bot/core/text.hpp"
#include "bot/core/when.hpp"

namespace hindsight {

namespace {

// Nudges per scheduler tick; the rest follow on the next tick.
constexpr std::size_t max_nudges_per_run = 500;

// The storage query already selected it; this re-reads the current state,
// because a click or command may have changed the item since.
bool still_due(const ActionItem& a, Timestamp now, Duration repeat_every) {
    if (a.state != ActionState::open || a.due_at > now) return false;
    if (a.snoozed_until && *a.snoozed_until > now) return false;
    if (a.last_nudged_at && *a.last_nudged_at > now - repeat_every) return false;
    return true;
}

OutboundMessage direct_message(const Incident& incident, const std::string& user, std::string text) {
    OutboundMessage m;
    m.platform = incident.where.platform;
    m.team = incident.where.team;
    m.to_user = user;
    m.text = std::move(text);
    return m;
}

OutboundMessage channel_post(const Incident& incident, std::string text) {
    OutboundMessage m;
    m.platform = incident.where.platform;
    m.team = incident.where.team;
    m.channel = incident.where.channel;
    m.text = std::move(text);
    return m;
}

std::size_t nudge(IncidentStore& store, Outbox& outbox, const BotSettings& settings, ActionItem item,
                  const Incident& incident, Timestamp now) {
    const std::string ref = action_ref(item.id);
    const std::string overdue = format_duration(now - item.due_at);
    item.nudges += 1;
    item.last_nudged_at = now;
    store.update_action(item);
    const bool escalate = settings.reminders.escalate_after > 0 && item.nudges == settings.reminders.escalate_after;

    // The first check after the due time usually lands within a minute of it.
    const std::string lateness = now - item.due_at < std::chrono::minutes{1} ? "is due now" : "is overdue by " + overdue;
    std::string text = "⏰ Action item **" + ref + "** " + lateness + ": " + item.text +
                       "\nFrom incident **" + incident.title + "**, due " + format_local(item.due_at, settings.timezone) +
                       ".\nFinished? `/incident done " + ref + "` · Need more time? `/incident snooze " + ref + " 1d`";
    if (escalate)
        text += "\nThis is reminder " + std::to_string(item.nudges) +
                ", so I've let the incident commander and channel know — if it needs another owner or more time, "
                "say so there.";
    auto dm = direct_message(incident, item.owner_id, std::move(text));
    dm.buttons = {{"Done", "done", ref}, {"Snooze 1 day", "snooze", ref}};
    outbox.enqueue(dm, now);
    std::size_t sent = 1;
    if (!escalate) return sent;

    const std::string owner = item.owner_name.empty() ? display_name(store, incident.where, item.owner_id)
                                                      : item.owner_name;
    if (!incident.commander_id.empty() && incident.commander_id != item.owner_id) {
        outbox.enqueue(direct_message(incident, incident.commander_id,
                                      "⚠️ Action item **" + ref + "** from **" + incident.title + "** (owner: " + owner +
                                          ") is overdue by " + overdue + " after " + std::to_string(item.nudges) +
                                          " reminders: " + item.text +
                                          "\nDoes it need another owner, more time, or help? Reassign with a new "
                                          "`/incident action`, or `/incident snooze " + ref + " <duration>`."),
                       now);
        ++sent;
    }
    outbox.enqueue(channel_post(incident, "⚠️ Action item **" + ref + "** for " +
                                              mention(item.owner_id, item.owner_name) +
                                              " is still open, overdue by " + overdue + " after " +
                                              count_of(item.nudges, "reminder", "reminders") + ": " + item.text +
                                              "\nWhat would help it land? `/incident done " + ref +
                                              "` when finished, `/incident snooze " + ref + " <duration>` for more time."),
                   now);
    return sent + 1;
}

std::size_t remind_meetings(IncidentStore& store, Outbox& outbox, const BotSettings& settings, Timestamp now) {
    std::size_t sent = 0;
    const Duration half = settings.postmortem.schedule_within / 2;
    for (auto& incident : store.incidents_awaiting_meeting_reminder(now - half)) {
        incident.meeting_reminded_at = now;
        store.update_incident(incident);
        std::string text = "📅 No postmortem review is scheduled for **" + incident.title + "** yet (closed " +
                           format_duration(now - *incident.closed_at) + " ago). Hold it within " +
                           format_duration(settings.postmortem.schedule_within) +
                           " of close, while memories are fresh: `/incident meeting <when>`.";
        if (incident.facilitator_id.empty()) text += " Pick a facilitator who wasn't involved: `/incident facilitator`.";
        outbox.enqueue(channel_post(incident, std::move(text)), now);
        ++sent;
    }
    return sent;
}

}  // namespace

std::size_t send_due_reminders(IncidentStore& store, Outbox& outbox, const BotSettings& settings, Timestamp now) {
    std::size_t sent = 0;
    const Duration repeat = settings.reminders.repeat_every;
    for (const auto& candidate : store.actions_due_for_nudge(now, repeat, max_nudges_per_run)) {
        auto item = store.find_action(candidate.id);
        if (!item || !still_due(*item, now, repeat)) continue;
        auto incident = store.find_incident(item->incident_id);
        if (!incident) continue;
        sent += nudge(store, outbox, settings, std::move(*item), *incident, now);
    }
    return sent + remind_meetings(store, outbox, settings, now);
}

CommandReply handle_reminder_action(IncidentStore& store, Outbox& outbox, const BotSettings& settings,
                                    const ButtonAction& action, Timestamp now) {
    auto id = parse_action_id(action.value);
    if (!id || (action.action != "done" && action.action != "snooze"))
        return reply_ephemeral("I don't recognise that button any more. Use `/incident actions mine` to see your items.");
    // A click does exactly what the command would, as the person who clicked.
    SlashCommand as_command;
    as_command.where = action.where;
    as_command.user_id = action.user_id;
    as_command.user_name = action.user_name;
    as_command.at = action.at;
    as_command.response_url = action.response_url;
    if (!action.user_name.empty() && !store.user_name(action.where, action.user_id))
        store.remember_user(action.where, action.user_id, action.user_name);
    CommandContext ctx{store, outbox, settings, as_command, std::nullopt, now};
    Command c;
    c.action_id = *id;
    if (action.action == "done") {
        c.kind = Command::Kind::done;
        return cmd_done(ctx, c);
    }
    c.kind = Command::Kind::snooze;
    c.duration = "1d";
    return cmd_snooze(ctx, c);
}

}  // namespace hindsight
