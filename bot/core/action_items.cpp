#include "bot/core/action_items.hpp"

#include "bot/core/blameless.hpp"
#include "bot/core/people.hpp"
#include "bot/core/text.hpp"
#include "bot/core/tracker_commands.hpp"
#include "bot/core/when.hpp"

#include <algorithm>
#include <map>

namespace hindsight {

std::string action_ref(std::int64_t id) { return "A-" + std::to_string(id); }

namespace {

constexpr std::size_t max_listed_actions = 50;

std::string owner_label(IncidentStore& store, const Incident& incident, const ActionItem& a) {
    return a.owner_name.empty() ? display_name(store, incident.where, a.owner_id) : a.owner_name;
}

struct ScopedAction {
    ActionItem item;
    Incident incident;
};

// An action item is only visible to the workspace its incident belongs to:
// from anywhere else it behaves exactly like an unknown id.
std::optional<ScopedAction> find_scoped_action(IncidentStore& store, const ChannelRef& from, std::int64_t id) {
    auto item = store.find_action(id);
    if (!item) return std::nullopt;
    auto incident = store.find_incident(item->incident_id);
    if (!incident || !same_team(incident->where, from)) return std::nullopt;
    return ScopedAction{std::move(*item), std::move(*incident)};
}

CommandReply unknown_action(std::int64_t id) {
    return reply_ephemeral("There is no action item " + action_ref(id) +
                           " here. `/incident actions all` lists this workspace's items.");
}

std::string done_text(IncidentStore& store, const Incident& incident, const ActionItem& a, const std::string& tz) {
    std::string out = "done";
    if (!a.done_by.empty()) out += " by " + display_name(store, incident.where, a.done_by);
    if (a.done_at) out += " " + format_local(*a.done_at, tz);
    return out;
}

std::string status_text(IncidentStore& store, const Incident& incident, const ActionItem& a, Timestamp now,
                        const std::string& tz) {
    if (a.state == ActionState::done) return "✅ " + done_text(store, incident, a, tz);
    if (a.due_at < now) return "⚠️ overdue by " + format_duration(now - a.due_at);
    return "open";
}

std::string action_line(IncidentStore& store, const Incident& incident, const ActionItem& a, Timestamp now,
                        const std::string& tz) {
    return "• **" + action_ref(a.id) + "** " + a.text + " — " + owner_label(store, incident, a) + ", due " +
           format_local(a.due_at, tz) + " — " + status_text(store, incident, a, now, tz) + ticket_suffix(a);
}

Timestamp default_due(const BotSettings& settings, Timestamp now) {
    if (auto at = parse_when(settings.reminders.default_due, now, settings.timezone)) return *at;
    if (auto d = parse_duration(settings.reminders.default_due)) return now + *d;
    return now + std::chrono::hours{24 * 7};
}

}  // namespace

CommandReply cmd_action(CommandContext& ctx, const Command& c) {
    auto owner = resolve_person(ctx, c.owner);
    if (!owner)
        return reply_ephemeral("Start with the owner, e.g. `/incident action @alice add an alert on replica lag due:+7d`.");

    Timestamp due;
    bool defaulted = c.when.empty();
    if (defaulted) {
        due = default_due(ctx.settings, ctx.now);
    } else {
        auto at = parse_when(c.when, ctx.now, ctx.settings.timezone);
        if (!at)
            return reply_ephemeral("I couldn't read the due date `" + c.when +
                                   "`, so nothing was added. Try `due:2026-12-01`, `due:2026-12-01T17:00`, `due:+3d`, "
                                   "`due:tomorrow` or `due:friday`.");
        due = *at;
    }

    ActionItem item;
    item.incident_id = ctx.incident->id;
    item.owner_id = owner->id;
    item.owner_name = owner->name;
    item.text = c.text;
    item.due_at = due;
    item.created_at = ctx.now;
    item.created_by = ctx.command.user_id;
    item.id = ctx.store.add_action(item);

    const std::string ref = action_ref(item.id);
    std::string out = "📋 Action item **" + ref + "** for " + mention(owner->id, owner->name) +
                      ", due " + format_local(due, ctx.settings.timezone) + (defaulted ? " (the default)" : "") +
                      ": " + item.text;
    if (due < ctx.now)
        out += "\n⚠️ That date has passed — the item is already overdue, so reminders start right away.";
    for (const auto& finding : check_action_quality(item)) out += "\n💡 " + finding.suggestion;
    out += blameless_hint(item.text, BlameContext::action_item);
    // After the checks above, which a held item's reply points to.
    out += file_ticket(ctx, *ctx.incident, item, false);
    out += "\nNext: `/incident done " + ref + "` when it's finished; `/incident actions` lists this incident's items.";
    return reply_in_channel(out);
}

CommandReply cmd_actions(CommandContext& ctx, const Command& c) {
    const auto& tz = ctx.settings.timezone;
    const bool across = c.filter == "all" || c.filter == "mine";

    // (incident, item) pairs in display order.
    std::vector<std::pair<const Incident*, const ActionItem*>> rows;
    std::vector<Incident> incidents;
    std::vector<ActionItem> items;
    if (across) {
        for (auto& i : ctx.store.list_incidents())
            if (same_team(i.where, ctx.command.where)) incidents.push_back(std::move(i));
        items = ctx.store.all_actions();
        std::map<std::int64_t, std::vector<const ActionItem*>> by_incident;
        for (const auto& a : items) {
            if (c.filter == "mine" && (a.state != ActionState::open ||
                                       (a.owner_id != ctx.command.user_id && !(a.owner_id == a.owner_name &&
                                                                                iequals(a.owner_name, ctx.command.user_name)))))
                continue;
            by_incident[a.incident_id].push_back(&a);
        }
        for (const auto& i : incidents)  // newest first
            for (const ActionItem* a : by_incident[i.id]) rows.emplace_back(&i, a);
    } else {
        incidents.push_back(*ctx.incident);
        items = ctx.store.actions(ctx.incident->id);
        for (const auto& a : items) {
            if (a.state != ActionState::open) continue;
            if (c.filter == "overdue" && !(a.due_at < ctx.now)) continue;
            rows.emplace_back(&incidents.front(), &a);
        }
    }

    std::string heading;
    std::string empty;
    if (c.filter == "all") {
        heading = "**All action items** in this workspace, newest incident first";
        empty = "No action items in this workspace yet. Add one in an incident channel: `/incident action @owner <text> due:<when>`.";
    } else if (c.filter == "mine") {
        heading = "**Your open action items**";
        empty = "You have no open action items. 🎉";
    } else if (c.filter == "overdue") {
        heading = "**Overdue action items** — " + ctx.incident->title;
        empty = "Nothing overdue for **" + ctx.incident->title + "**.";
    } else {
        heading = "**Open action items** — " + ctx.incident->title;
        empty = "No open action items for **" + ctx.incident->title +
                "**. Add one: `/incident action @owner <what will change> due:<when>`.";
    }
    if (rows.empty()) return reply_ephemeral(empty);

    std::string out = heading;
    const Incident* current = nullptr;
    std::size_t shown = 0;
    for (const auto& [incident, item] : rows) {
        if (shown == max_listed_actions) break;
        if (across && incident != current) {
            current = incident;
            out += "\n_" + incident->title + "_ (" + std::string(to_string(incident->state)) + ")";
        }
        out += "\n" + action_line(ctx.store, *incident, *item, ctx.now, tz);
        ++shown;
    }
    if (rows.size() > shown) out += "\n… and " + std::to_string(rows.size() - shown) + " more.";
    out += "\nFinish one with `/incident done <A-id>`, push its reminder back with `/incident snooze <A-id> <duration>`.";
    return reply_ephemeral(out);
}

CommandReply cmd_done(CommandContext& ctx, const Command& c) {
    auto found = find_scoped_action(ctx.store, ctx.command.where, c.action_id);
    if (!found) return unknown_action(c.action_id);
    auto& [item, incident] = *found;
    const std::string ref = action_ref(item.id);
    if (item.state == ActionState::done)
        return reply_ephemeral(ref + " is already " + done_text(ctx.store, incident, item, ctx.settings.timezone) +
                               ". Nothing left to do.");
    item.state = ActionState::done;
    item.done_by = ctx.command.user_id;
    item.done_at = ctx.now;
    ctx.store.update_action(item);

    std::size_t still_open = 0;
    for (const auto& a : ctx.store.actions(incident.id))
        if (a.state == ActionState::open) ++still_open;
    std::string out = "✅ **" + ref + "** done: " + item.text + " — completed by " +
                      display_name(ctx.store, ctx.command.where, ctx.command.user_id) + ". Reminders stop." +
                      ticket_on_done(ctx, item);
    out += still_open == 0 ? "\nThat was the last open action item of **" + incident.title + "**. 🎉"
                           : "\n" + count_of(still_open, "open action item", "open action items") + " left for **" + incident.title +
                                 "**: `/incident actions`.";
    // Done from a DM or another channel: the incident channel still hears it.
    if (ctx.command.where != incident.where) announce(ctx, incident.where, out);
    return reply_in_channel(out);
}

CommandReply cmd_snooze(CommandContext& ctx, const Command& c) {
    auto d = parse_duration(c.duration);
    if (!d || *d <= Duration{0})
        return reply_ephemeral("I couldn't read `" + c.duration + "` as a duration. Try `2h`, `1d` or `1w`, e.g. `/incident snooze " +
                               action_ref(c.action_id) + " 1d`.");
    auto found = find_scoped_action(ctx.store, ctx.command.where, c.action_id);
    if (!found) return unknown_action(c.action_id);
    auto& [item, incident] = *found;
    const std::string ref = action_ref(item.id);
    if (item.state == ActionState::done) return reply_ephemeral(ref + " is already done; there's nothing to snooze.");
    item.snoozed_until = ctx.now + *d;
    ctx.store.update_action(item);

    auto next = std::max(item.due_at, *item.snoozed_until);
    if (item.last_nudged_at) next = std::max(next, *item.last_nudged_at + ctx.settings.reminders.repeat_every);
    return reply_in_channel("⏰ **" + ref + "** snoozed for " + format_duration(*d) + ": no reminder before " +
                            format_local(next, ctx.settings.timezone) + ". `/incident done " + ref +
                            "` when it's finished.");
}

}  // namespace hindsight
