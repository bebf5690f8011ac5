// Action items and their tickets: filing when an item is added, `/incident
// tracker`, `/incident action link|unlink|file`, done in chat reaching the
// ticket, and what a tracker reports coming back (docs/trackers.md).
#include "bot/core/tracker_commands.hpp"

#include "bot/core/action_items.hpp"
#include "bot/core/blameless.hpp"
#include "bot/core/people.hpp"
#include "bot/core/text.hpp"
#include "bot/core/tracker.hpp"
#include "bot/core/when.hpp"

#include <set>

namespace hindsight {

namespace {

constexpr std::size_t kMaxTitleBytes = 200;

// The item's text as a ticket title: long texts are cut at a word.
std::string ticket_title(const std::string& text) {
    if (text.size() <= kMaxTitleBytes) return text;
    auto cut = text.rfind(' ', kMaxTitleBytes);
    if (cut == std::string::npos || cut < kMaxTitleBytes / 2) cut = kMaxTitleBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    return text.substr(0, cut) + "…";
}

std::string local_date(Timestamp t, const std::string& tz) { return format_local(t, tz).substr(4, 10); }

std::string tracker_user(const TrackerSettings& tracker, const std::string& chat_user) {
    auto it = tracker.users.find(chat_user);
    return it == tracker.users.end() ? std::string{} : it->second;
}

std::optional<std::string> chat_user(const TrackerSettings& tracker, const std::string& tracker_login) {
    for (const auto& [user, login] : tracker.users)
        if (login == tracker_login) return user;
    return std::nullopt;
}

// The postmortem link is the incident's web page, signed like the links
// posted in chat (page_link): people reading the ticket have no API token.
std::string ticket_body(CommandContext& ctx, const Incident& incident, const ActionItem& item) {
    const auto& settings = ctx.settings;
    const std::string owner = item.owner_name.empty() ? display_name(ctx.store, incident.where, item.owner_id)
                                                      : item.owner_name;
    std::string body = neutralise_markup(item.text) + "\n\nAction item " + action_ref(item.id) +
                       " from the incident “" + incident.title + "”" +
                       (incident.severity > 0 ? " (SEV" + std::to_string(incident.severity) + ")" : "") +
                       ", owner " + owner + ".\n";
    if (auto link = page_link(ctx, incident.id); !link.empty()) body += "Postmortem: " + link + "\n";
    body += "Due: " + local_date(item.due_at, settings.timezone) + "\n\n";
    body += "Filed by Hindsight (" + ticket_marker(item.id) + "); closing this ticket completes the action item.";
    return body;
}

void post_to_channel(Outbox& outbox, const Incident& incident, std::string text, Timestamp now) {
    OutboundMessage m;
    m.platform = incident.where.platform;
    m.team = incident.where.team;
    m.channel = incident.where.channel;
    m.text = std::move(text);
    outbox.enqueue(m, now);
}

std::string ticket_label(const TicketLink& t) {
    return t.url.empty() ? t.key : "[" + t.key + "](" + t.url + ")";
}

}  // namespace

std::string file_ticket(CommandContext& ctx, const Incident& incident, ActionItem& item, bool as_written) {
    auto where = tracker_for(ctx.store, ctx.settings, incident);
    if (!where) return {};
    const auto* tracker = find_tracker(ctx.settings, where->tracker);
    const std::string ref = action_ref(item.id);
    if (!as_written && !check_blameless(item.text, BlameContext::action_item).empty()) {
        item.ticket = {TicketStatus::held, where->tracker, {}, {}};
        ctx.store.update_action(item);
        return "\n🚫 Not filed in " + where->tracker + ": the wording reads as blame (above). Add a reworded item, "
               "or `/incident action file " + ref + "` to file it as written.";
    }
    TrackerJob job;
    job.op = TrackerJob::Op::file;
    job.action_id = item.id;
    job.tracker = where->tracker;
    job.project = where->project;
    job.title = ticket_title(neutralise_markup(item.text));
    job.body = ticket_body(ctx, incident, item);
    job.marker = ticket_marker(item.id);
    job.due_date = local_date(item.due_at, ctx.settings.timezone);
    job.assignee = tracker_user(*tracker, item.owner_id);
    job.queued_at = ctx.now;
    ctx.outbox.enqueue(tracker_message(job), ctx.now);
    item.ticket = {TicketStatus::filing, where->tracker, {}, {}};
    ctx.store.update_action(item);
    return "\n🔗 Filing it in " + where->tracker + " (" + where->project + "); the link follows here.";
}

std::string ticket_on_done(CommandContext& ctx, const ActionItem& item) {
    const auto& t = item.ticket;
    const bool has_ticket = t.status == TicketStatus::open || t.status == TicketStatus::filing ||
                            t.status == TicketStatus::delayed;
    const auto* tracker = find_tracker(ctx.settings, t.tracker);
    if (!has_ticket || !tracker) return {};
    TrackerJob job;
    job.action_id = item.id;
    job.tracker = t.tracker;
    job.key = t.key;  // empty while filing: the sender reads it when the job's turn comes
    if (tracker->comment_on_done) {
        job.op = TrackerJob::Op::comment;
        job.body = "Done in chat by " + display_name(ctx.store, ctx.command.where, ctx.command.user_id) + " (" +
                   action_ref(item.id) + ").";
    } else {
        job.op = TrackerJob::Op::close;
    }
    ctx.outbox.enqueue(tracker_message(job), ctx.now);
    return tracker->comment_on_done ? " The ticket gets a comment." : " The ticket is being closed.";
}

std::string ticket_suffix(const ActionItem& item) {
    const auto& t = item.ticket;
    switch (t.status) {
        case TicketStatus::none: return {};
        case TicketStatus::held: return " — not filed (held by the quality check)";
        case TicketStatus::filing: return " — ticket: being filed in " + t.tracker;
        case TicketStatus::delayed: return " — ticket: filing in " + t.tracker + " delayed, retrying";
        case TicketStatus::failed: return " — ticket: filing in " + t.tracker + " failed";
        case TicketStatus::open: return " — ticket " + ticket_label(t) + " (open)";
        case TicketStatus::closed: return " — ticket " + ticket_label(t) + " (closed)";
    }
    return {};
}

CommandReply cmd_tracker(CommandContext& ctx, const Command& c) {
    const auto& settings = ctx.settings;
    if (settings.trackers.empty())
        return reply_ephemeral("No issue tracker is configured (trackers.* in the configuration; docs/trackers.md).");
    if (c.text.empty()) {
        auto where = tracker_for(ctx.store, settings, *ctx.incident);
        if (!where)
            return reply_ephemeral("Action items of **" + ctx.incident->title +
                                   "** are not filed in a tracker. Choose one: `/incident tracker [<tracker>] <project>`.");
        return reply_ephemeral("Action items of **" + ctx.incident->title + "** are filed in " + where->tracker + " (" +
                               where->project + "). Change it: `/incident tracker [<tracker>] <project>`.");
    }
    IncidentTracker choice;
    auto space = c.text.find(' ');
    if (space == std::string::npos) {
        choice = {settings.trackers.front().name, c.text};
        if (settings.trackers.size() > 1) {
            if (auto current = tracker_for(ctx.store, settings, *ctx.incident)) choice.tracker = current->tracker;
        }
    } else {
        choice = {c.text.substr(0, space), c.text.substr(space + 1)};
        if (!find_tracker(settings, choice.tracker)) {
            std::string names;
            for (const auto& t : settings.trackers) names += (names.empty() ? "" : ", ") + t.name;
            return reply_ephemeral("There is no tracker `" + choice.tracker + "`. Configured: " + names + ".");
        }
    }
    ctx.store.set_incident_tracker(ctx.incident->id, choice);
    return reply_in_channel("🔗 New action items of **" + ctx.incident->title + "** are filed in " + choice.tracker +
                            " (" + choice.project + ").");
}

CommandReply cmd_action_ticket(CommandContext& ctx, const Command& c) {
    auto item = ctx.store.find_action(c.action_id);
    std::optional<Incident> incident;
    if (item) incident = ctx.store.find_incident(item->incident_id);
    if (!item || !incident || !same_team(incident->where, ctx.command.where))
        return reply_ephemeral("There is no action item " + action_ref(c.action_id) +
                               " here. `/incident actions all` lists this workspace's items.");
    const std::string ref = action_ref(item->id);
    using K = Command::Kind;
    if (c.kind == K::action_unlink) {
        if (item->ticket.status == TicketStatus::none)
            return reply_ephemeral(ref + " has no ticket. Nothing to unlink.");
        auto was = item->ticket;
        item->ticket = {};
        ctx.store.update_action(*item);
        return reply_in_channel("🔗 " + ref + " is no longer linked to " + (was.key.empty() ? was.tracker : ticket_label(was)) +
                                "; the ticket itself is left as it is.");
    }
    if (c.kind == K::action_file) {
        if (item->ticket.status != TicketStatus::none && item->ticket.status != TicketStatus::held &&
            item->ticket.status != TicketStatus::failed)
            return reply_ephemeral(ref + " already has a ticket" + ticket_suffix(*item) + ".");
        auto said = file_ticket(ctx, *incident, *item, true);
        if (said.empty())
            return reply_ephemeral("No tracker is set for **" + incident->title +
                                   "**: `/incident tracker [<tracker>] <project>` first.");
        return reply_in_channel("📋 " + ref + ": " + item->text + said);
    }
    // link
    auto parsed = parse_ticket_url(ctx.settings, c.text);
    if (!parsed)
        return reply_ephemeral("I can't tell which configured tracker `" + c.text +
                               "` belongs to. Give the ticket's web address, e.g. https://github.com/acme/ops/issues/12, "
                               "https://gitlab.example.com/group/project/-/issues/12 or https://acme.atlassian.net/browse/OPS-12.");
    if (auto other = ctx.store.find_action_by_ticket(parsed->tracker, parsed->key); other && other->id != item->id)
        return reply_ephemeral(parsed->key + " already tracks " + action_ref(other->id) + "; `/incident action unlink " +
                               action_ref(other->id) + "` first.");
    item->ticket = {TicketStatus::open, parsed->tracker, parsed->key, c.text};
    ctx.store.update_action(*item);
    TrackerJob fetch;
    fetch.op = TrackerJob::Op::fetch;
    fetch.action_id = item->id;
    fetch.tracker = parsed->tracker;
    fetch.key = parsed->key;
    ctx.outbox.enqueue(tracker_message(fetch), ctx.now);
    return reply_in_channel("🔗 " + ref + " is now tracked by " + ticket_label(item->ticket) +
                            ". Closing or reopening it there updates the item here.");
}

TicketOutcome apply_ticket_update(IncidentStore& store, Outbox& outbox, const BotSettings& settings,
                                  const TicketUpdate& u, Timestamp now) {
    auto found = store.find_action_by_ticket(u.tracker, u.key);
    const auto* tracker = find_tracker(settings, u.tracker);
    if (!found || !tracker) return TicketOutcome::unknown;
    auto incident = store.find_incident(found->incident_id);
    if (!incident) return TicketOutcome::unknown;
    ActionItem item = *found;
    std::vector<std::string> changes;
    std::string reminders;

    // The tracker wins for state, on a change of the ticket's state only: a
    // ticket left open on purpose (comment_on_done) does not reopen an item
    // that was done in chat.
    const auto before = item.ticket.status;
    if (u.state == TicketState::closed && before != TicketStatus::closed) {
        item.ticket.status = TicketStatus::closed;
        if (item.state == ActionState::open) {
            item.state = ActionState::done;
            item.done_by = u.actor;
            item.done_at = now;
            changes.push_back("closed");
            reminders = " Reminders stop.";
        }
    } else if (u.state == TicketState::open && before != TicketStatus::open) {
        item.ticket.status = TicketStatus::open;
        if (before == TicketStatus::closed && item.state == ActionState::done) {
            item.state = ActionState::open;
            item.done_by.clear();
            item.done_at.reset();
            item.last_nudged_at.reset();
            changes.push_back("reopened");
            reminders = " Reminders resume.";
        }
    }
    if (u.assignee && !u.assignee->empty() && *u.assignee != tracker_user(*tracker, item.owner_id)) {
        auto mapped = chat_user(*tracker, *u.assignee);
        if (!mapped && tracker->match_email)
            if (auto match = store.tracker_match_of_tracker_user(u.tracker, incident->where, *u.assignee))
                mapped = match->user_id;
        // Matching by e-mail: an assignee neither in `users` nor matched is
        // someone Hindsight cannot tell (perhaps the owner, under an account
        // their e-mail does not lead to); it changes nothing.
        const bool unknown = !mapped && tracker->match_email;
        if (!unknown && !(mapped && *mapped == item.owner_id) && !(!mapped && item.owner_id == *u.assignee)) {
            item.owner_id = mapped.value_or(*u.assignee);
            item.owner_name = mapped ? std::string{} : *u.assignee;
            changes.push_back("reassigned to " + mention(item.owner_id, item.owner_name));
        }
    }
    if (u.due_date && !u.due_date->empty() && *u.due_date != local_date(item.due_at, settings.timezone)) {
        if (auto at = parse_when(*u.due_date, now, settings.timezone)) {
            item.due_at = *at;
            item.last_nudged_at.reset();
            changes.push_back("due " + format_local(*at, settings.timezone));
        }
    }
    if (!u.url.empty()) item.ticket.url = u.url;
    const bool stored_change = item.ticket.status != found->ticket.status || item.ticket.url != found->ticket.url;
    if (changes.empty()) {
        if (stored_change) store.update_action(item);
        return TicketOutcome::unchanged;
    }
    store.update_action(item);
    std::string text = "🔁 **" + action_ref(item.id) + "** ";
    for (std::size_t i = 0; i < changes.size(); ++i) text += (i ? ", " : "") + changes[i];
    text += " in " + u.tracker + " (" + ticket_label(item.ticket) + ")" + (u.actor.empty() ? "" : " by " + u.actor) +
            ": " + item.text + "." + reminders;
    post_to_channel(outbox, *incident, std::move(text), now);
    return TicketOutcome::updated;
}

void record_filed_ticket(IncidentStore& store, Outbox& outbox, const TicketUpdate& ticket, std::int64_t action_id,
                         Timestamp now) {
    auto item = store.find_action(action_id);
    if (!item) return;
    // Unlinked or linked by hand while the job waited: the person's choice stands.
    if (item->ticket.status != TicketStatus::filing && item->ticket.status != TicketStatus::delayed) return;
    item->ticket = {ticket.state == TicketState::closed ? TicketStatus::closed : TicketStatus::open, ticket.tracker,
                    ticket.key, ticket.url};
    store.update_action(*item);
    if (auto incident = store.find_incident(item->incident_id))
        post_to_channel(outbox, *incident,
                        "🔗 **" + action_ref(item->id) + "** is tracked in " + ticket.tracker + ": " +
                            ticket_label(item->ticket),
                        now);
}

void record_ticket_trouble(IncidentStore& store, Outbox& outbox, const TrackerJob& job, const std::string& why,
                           TicketTrouble trouble, Timestamp now) {
    auto item = store.find_action(job.action_id);
    if (!item) return;
    auto incident = store.find_incident(item->incident_id);
    if (!incident) return;
    const std::string ref = action_ref(item->id);
    const bool retrying = trouble == TicketTrouble::retrying;
    // `why` is the client's short account ("create issue: HTTP 404 (Not
    // Found)"): never a credential, never the tracker's raw answer.
    const std::string failed = trouble == TicketTrouble::refused ? job.tracker + " refused to "
                                                                 : job.tracker + " did not answer; gave up trying to ";
    if (job.op == TrackerJob::Op::file) {
        const auto status = item->ticket.status;
        if (status != TicketStatus::filing && status != TicketStatus::delayed) return;
        if (retrying && status == TicketStatus::delayed) return;  // told once already
        item->ticket.status = retrying ? TicketStatus::delayed : TicketStatus::failed;
        store.update_action(*item);
        std::string text;
        if (retrying)
            text = "⏳ " + job.tracker + " isn't answering (" + why + "); **" + ref + "** will be filed when it is.";
        else
            text = "⚠️ " + failed + "file **" + ref + "** (" + why + "). " +
                   (trouble == TicketTrouble::refused ? "Fix the tracker's settings and" : "Once it is back,") +
                   " `/incident action file " + ref + "`, or link a ticket: `/incident action link " + ref + " <url>`.";
        post_to_channel(outbox, *incident, std::move(text), now);
        return;
    }
    // Close, reopen, comment or fetch: retries are quiet; the dead letter is told.
    if (!retrying)
        post_to_channel(outbox, *incident,
                        "⚠️ " + failed + std::string(to_string(job.op)) + " the ticket of **" + ref + "** (" + why +
                            "). Please update it there by hand.",
                        now);
}

std::optional<ItemOwner> find_unmapped_owner(IncidentStore& store, const BotSettings& settings,
                                             std::int64_t action_id, const std::string& tracker) {
    const auto* t = find_tracker(settings, tracker);
    auto item = store.find_action(action_id);
    if (!t || !t->match_email || !item) return std::nullopt;
    // A name typed without a mention keeps it as its id: not a chat user.
    if (item->owner_id.empty() || item->owner_id == item->owner_name || t->users.count(item->owner_id)) return std::nullopt;
    auto incident = store.find_incident(item->incident_id);
    if (!incident) return std::nullopt;
    return ItemOwner{incident->where, item->owner_id};
}

std::string ticket_project(const std::string& key) {
    if (auto hash = key.rfind('#'); hash != std::string::npos) return key.substr(0, hash);
    if (auto dash = key.rfind('-'); dash != std::string::npos) return key.substr(0, dash);
    return key;
}

std::map<std::string, std::set<std::string>> ticket_projects(IncidentStore& store) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& a : store.all_actions())
        if (!a.ticket.key.empty()) out[a.ticket.tracker].insert(ticket_project(a.ticket.key));
    return out;
}

}  // namespace hindsight
