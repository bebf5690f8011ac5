#include "bot/core/bot.hpp"

#include "bot/core/blameless.hpp"
#include "bot/core/action_items.hpp"
#include "bot/core/facilitator.hpp"
#include "bot/core/five_whys.hpp"
#include "bot/core/handlers.hpp"
#include "bot/core/patterns_commands.hpp"
#include "bot/core/postmortem.hpp"
#include "bot/core/text.hpp"
#include "bot/core/timeline.hpp"
#include "bot/core/tracker_commands.hpp"

#include <map>
#include <set>

namespace hindsight {

Bot::Bot(IncidentStore& store, Outbox& outbox, const Clock& clock, BotSettings settings)
    : store_(store), outbox_(outbox), clock_(clock), settings_(std::move(settings)) {}

namespace {

RecordedMessage recorded(const ChatMessage& m) {
    RecordedMessage r;
    r.message_id = m.message_id;
    r.user_id = m.user_id;
    r.user_name = m.user_name;
    r.text = m.text;
    r.original_text = m.text;
    r.thread_parent = m.thread_parent;
    r.at = m.at;
    r.permalink = m.permalink;
    return r;
}

// Records one event against the channel's open incident, or against
// `merging` (a history merge) whatever its state.
struct Recorder {
    IncidentStore& store;
    const Incident* merging = nullptr;

    std::optional<Incident> open_incident(const ChannelRef& where) {
        if (merging) return *merging;
        auto incident = store.latest_incident_to_record(where);
        if (!incident || incident->state != IncidentState::open) return std::nullopt;
        return incident;
    }

    // A message of a history merge (live ones go to record_message).
    EventOutcome operator()(const ChatMessage& m) {
        // Bots (this one included) and join/leave notices are not part of the
        // conversation; commands record their own key events.
        if (m.origin != Origin::human) return EventOutcome::ignored;
        auto incident = open_incident(m.where);
        if (!incident) return EventOutcome::ignored;
        if (incident->closed_at && m.at > *incident->closed_at) return EventOutcome::ignored;
        auto r = recorded(m);
        r.incident_id = incident->id;
        return store.insert_message(r) ? EventOutcome::stored : EventOutcome::duplicate;
    }

    EventOutcome operator()(const MessageEdited& e) {
        auto incident = open_incident(e.where);
        if (!incident) return EventOutcome::ignored;
        return store.edit_message(incident->id, e.message_id, e.new_text, e.at) ? EventOutcome::stored
                                                                                 : EventOutcome::ignored;
    }

    EventOutcome operator()(const MessageDeleted& e) {
        auto incident = open_incident(e.where);
        if (!incident) return EventOutcome::ignored;
        return store.delete_message(incident->id, e.message_id, e.at) ? EventOutcome::stored
                                                                      : EventOutcome::ignored;
    }

    EventOutcome operator()(const KeyEventMarked& e) {
        // Pins count after close too: people mark key moments while reviewing.
        auto incident = store.latest_incident_to_record(e.where);
        if (!incident) return EventOutcome::ignored;
        return store.mark_key_message(incident->id, e.message_id, e.marked) ? EventOutcome::stored
                                                                            : EventOutcome::ignored;
    }
};

}  // namespace

EventOutcome Bot::handle_event(const ChatEvent& event, std::string_view delivery_key) {
    // Most of what arrives: one store call, which a shared store answers in
    // one statement (delivery key, incident look-up and insert together).
    if (const auto* m = std::get_if<ChatMessage>(&event); m && m->origin == Origin::human)
        return store_.record_message(std::string(delivery_key), clock_.now(), m->where, recorded(*m));
    if (!delivery_key.empty() && !store_.remember_delivery(std::string(delivery_key), clock_.now()))
        return EventOutcome::duplicate;
    return std::visit(Recorder{store_}, event);
}

std::vector<EventOutcome> Bot::handle_messages(const std::vector<LiveMessage>& batch) {
    return store_.record_messages(clock_.now(), batch);
}

LiveMessage Bot::live_message(const ChatMessage& message, std::string delivery_key) {
    return LiveMessage{std::move(delivery_key), message.where, recorded(message)};
}

void Bot::send(const OutboundMessage& message) { outbox_.enqueue(message, clock_.now()); }

EventOutcome Bot::merge_history_event(const Incident& incident, const ChatEvent& event) {
    return std::visit(Recorder{store_, &incident}, event);
}

namespace {

// "2 messages, 1 edit and 1 deletion".
std::string describe_changes(const HistoryChanges& changes) {
    std::vector<std::string> parts;
    if (changes.added) parts.push_back(count_of(static_cast<long long>(changes.added), "message", "messages"));
    if (changes.edited) parts.push_back(count_of(static_cast<long long>(changes.edited), "edit", "edits"));
    if (changes.deleted) parts.push_back(count_of(static_cast<long long>(changes.deleted), "deletion", "deletions"));
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
        out += parts[i];
    }
    return out;
}

}  // namespace

std::string Bot::close_draft(std::int64_t incident_id) {
    auto incident = store_.find_incident(incident_id);
    if (!incident || incident->state != IncidentState::closed) return {};
    SlashCommand none;
    none.where = incident->where;
    // As of the close, signer and all: the link comes out as the first post
    // had it, so an unchanged draft reads the same and an update keeps it.
    CommandContext ctx{store_,   outbox_, settings_, none, incident, incident->closed_at.value_or(clock_.now()),
                       link_signer_};
    return close_post(ctx, *incident);
}

bool Bot::update_draft(std::int64_t incident_id, std::int64_t draft_row, const std::string& before,
                       const HistoryChanges& changes) {
    if (draft_row == 0) return false;
    auto after = close_draft(incident_id);
    if (after.empty() || after == before) return false;
    auto incident = store_.find_incident(incident_id);
    OutboundMessage update;
    update.platform = incident->where.platform;
    update.team = incident->where.team;
    update.channel = incident->where.channel;
    update.text = std::move(after);
    update.edit_of = draft_row;
    outbox_.enqueue(update, clock_.now());

    OutboundMessage note = update;
    note.edit_of = 0;
    note.reply_to = draft_row;
    note.text = "✏️ Draft updated: the channel history held " +
                (changes.any() ? describe_changes(changes) : std::string("changes")) +
                " I had not seen live. The draft above now includes them.";
    outbox_.enqueue(note, clock_.now());
    return true;
}

bool Bot::wants_history(const SlashCommand& command) {
    auto parsed = parse_command(command.text);
    return parsed.command && parsed.command->kind == Command::Kind::close;
}

CommandReply Bot::handle_command(const SlashCommand& command) {
    auto parsed = parse_command(command.text);
    if (!parsed.command) return reply_ephemeral(parsed.error);
    const Command& c = *parsed.command;
    // The login name a command carries is a fallback: it must not replace a
    // display name the adapter resolved from the platform's user API.
    if (!command.user_name.empty() && !store_.user_name(command.where, command.user_id))
        store_.remember_user(command.where, command.user_id, command.user_name);

    CommandContext ctx{store_,         outbox_,      settings_, command, store_.latest_incident(command.where),
                       clock_.now(),   link_signer_};
    using K = Command::Kind;
    switch (c.kind) {
        case K::help: return reply_ephemeral(help_text());
        case K::open: return cmd_open(ctx, c);
        case K::stats: return cmd_stats(ctx, c);
        case K::patterns: return cmd_patterns(ctx, c);
        case K::actions:
            if (c.filter == "all" || c.filter == "mine") return cmd_actions(ctx, c);
            break;
        case K::done: return cmd_done(ctx, c);
        case K::snooze: return cmd_snooze(ctx, c);
        case K::action_link:
        case K::action_unlink:
        case K::action_file: return cmd_action_ticket(ctx, c);
        default: break;
    }
    if (!ctx.incident) return no_incident_reply();
    switch (c.kind) {
        case K::note: return cmd_note(ctx, c);
        case K::status: return cmd_status(ctx, c);
        case K::timeline:
        case K::timeline_add:
        case K::timeline_hide:
        case K::timeline_show:
        case K::timeline_edit:
        case K::timeline_time:
        case K::timeline_why: return cmd_timeline(ctx, c);
        case K::started: return cmd_started(ctx, c);
        case K::close: return cmd_close(ctx, c);
        case K::reopen: return cmd_reopen(ctx, c);
        case K::impact: return cmd_impact(ctx, c);
        case K::why:
        case K::why_edit: return cmd_why(ctx, c);
        case K::rootcause: return cmd_rootcause(ctx, c);
        case K::factor: return cmd_factor(ctx, c);
        case K::action: return cmd_action(ctx, c);
        case K::tracker: return cmd_tracker(ctx, c);
        case K::actions: return cmd_actions(ctx, c);
        case K::facilitator: return cmd_facilitator(ctx, c);
        case K::meeting: return cmd_meeting(ctx, c);
        case K::postmortem: return cmd_postmortem(ctx, c);
        default: break;
    }
    return reply_ephemeral(help_text());
}

CommandReply Bot::handle_action(const ButtonAction& action) {
    return handle_reminder_action(store_, outbox_, settings_, action, clock_.now());
}

TicketOutcome Bot::handle_ticket_update(const TicketUpdate& update) {
    return apply_ticket_update(store_, outbox_, settings_, update, clock_.now());
}

void Bot::record_ticket(std::int64_t action_id, const TicketUpdate& ticket) {
    record_filed_ticket(store_, outbox_, ticket, action_id, clock_.now());
}

void Bot::ticket_trouble(const TrackerJob& job, const std::string& why, TicketTrouble trouble) {
    record_ticket_trouble(store_, outbox_, job, why, trouble, clock_.now());
}

std::optional<ItemOwner> Bot::unmapped_owner(std::int64_t action_id, const std::string& tracker) {
    return find_unmapped_owner(store_, settings_, action_id, tracker);
}

std::optional<TrackerUserMatch> Bot::tracker_match(const std::string& tracker, const ItemOwner& owner) {
    return store_.tracker_match_of_chat_user(tracker, owner.where, owner.user_id);
}

void Bot::record_tracker_match(const std::string& tracker, const ItemOwner& owner, const std::string& tracker_user) {
    if (tracker_user.empty()) {
        store_.forget_tracker_match(tracker, owner.where, owner.user_id);
        return;
    }
    store_.save_tracker_match(TrackerUserMatch{tracker, owner.where, owner.user_id, tracker_user, clock_.now()});
}

std::optional<TicketLink> Bot::ticket_of(std::int64_t action_id) {
    auto item = store_.find_action(action_id);
    if (!item) return std::nullopt;
    return item->ticket;
}

std::map<std::string, std::set<std::string>> Bot::ticket_projects() { return hindsight::ticket_projects(store_); }

std::size_t Bot::run_reminders() { return send_due_reminders(store_, outbox_, settings_, clock_.now()); }

// ---- helpers shared by the handlers

CommandReply reply_ephemeral(std::string text) { return CommandReply{std::move(text), false}; }
CommandReply reply_in_channel(std::string text) { return CommandReply{std::move(text), true}; }

CommandReply no_incident_reply() {
    return reply_ephemeral("There is no incident in this channel. Start one with `/incident open <title> [sev:1-4]`.");
}

std::string display_name(IncidentStore& store, const ChannelRef& where, const std::string& user_id) {
    if (user_id.empty()) return "someone";
    if (auto name = store.user_name(where, user_id)) return *name;
    return user_id;
}

std::int64_t announce(CommandContext& ctx, const ChannelRef& where, std::string text) {
    OutboundMessage m;
    m.platform = where.platform;
    m.team = where.team;
    m.channel = where.channel;
    m.text = std::move(text);
    return ctx.outbox.enqueue(m, ctx.now);
}

DraftInput gather_draft_input(IncidentStore& store, const BotSettings& settings, const Incident& incident,
                              Timestamp now) {
    DraftInput input;
    input.incident = incident;
    input.messages = store.messages(incident.id);
    input.key_events = store.key_events(incident.id);
    input.curations = store.curations(incident.id);
    input.whys = store.whys(incident.id);
    input.factors = store.factors(incident.id);
    input.actions = store.actions(incident.id);
    input.settings = settings;
    input.now = now;
    // Names: the users cache first, then what the messages carried, then the id.
    std::map<std::string, std::string> names;
    for (const auto& m : input.messages)
        if (!m.user_name.empty()) names.emplace(m.user_id, m.user_name);
    std::set<std::string> ids;
    for (const auto& m : input.messages) ids.insert(m.user_id);
    for (const auto& k : input.key_events) ids.insert(k.author_id);
    for (const auto& a : input.actions) ids.insert(a.owner_id);
    for (const auto& c : input.curations) ids.insert(c.author_id);
    ids.insert(incident.commander_id);
    if (!incident.facilitator_id.empty()) ids.insert(incident.facilitator_id);
    for (const auto& id : ids)
        if (auto cached = store.user_name(incident.where, id)) names[id] = *cached;
    if (!incident.commander_name.empty()) names.emplace(incident.commander_id, incident.commander_name);
    // A mention written "@username" (how Mattermost and the console write
    // them) reads as the display name an adapter cached under "@username";
    // mentions that carry an id (Slack's) resolve through the ids above.
    std::set<std::string> mentioned;
    NameResolver collect = [&](const std::string& username) {
        mentioned.insert(username);
        return std::string{};
    };
    for (const auto& m : input.messages)
        if (m.text.find('@') != std::string::npos) render_chat_markup(m.text, collect);
    for (const auto& username : mentioned)
        if (!names.contains(username))
            if (auto cached = store.user_name(incident.where, "@" + username)) names[username] = *cached;
    input.display_name = [names = std::move(names)](const std::string& id) {
        auto it = names.find(id);
        return it == names.end() ? id : it->second;
    };
    return input;
}

std::string redraft_postmortem(IncidentStore& store, const BotSettings& settings, Incident& incident,
                               Timestamp now) {
    auto input = gather_draft_input(store, settings, incident, now);
    auto timeline = draft_timeline(input);
    incident.postmortem_md = render_postmortem(input, timeline);
    store.update_incident(incident);
    return incident.postmortem_md;
}

std::string draft_postmortem_document(IncidentStore& store, const BotSettings& settings,
                                      const Incident& incident, Timestamp now) {
    auto input = gather_draft_input(store, settings, incident, now);
    return render_postmortem(input, draft_timeline(input));
}

PostmortemDraft draft_postmortem(IncidentStore& store, const BotSettings& settings, const Incident& incident,
                                 Timestamp now) {
    PostmortemDraft draft{gather_draft_input(store, settings, incident, now), {}, {}};
    draft.timeline = draft_timeline(draft.input);
    draft.markdown = render_postmortem(draft.input, draft.timeline);
    return draft;
}

std::string page_link(CommandContext& ctx, std::int64_t incident_id) {
    if (ctx.settings.public_url.empty()) return {};
    auto base = ctx.settings.public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string path = "/incidents";
    if (incident_id > 0) path += "/" + std::to_string(incident_id);
    if (!ctx.links) return incident_id > 0 ? base + path + "/postmortem.md" : std::string{};
    return base + path + ctx.links->query(ctx.store, path, ctx.now);
}

std::string explain_draft(IncidentStore& store, const BotSettings& settings, const Incident& incident, Timestamp now,
                          bool as_json) {
    auto input = gather_draft_input(store, settings, incident, now);
    input.explain = true;
    return render_explanation(draft_timeline(input), input, as_json);
}

std::string blameless_hint(std::string_view text, BlameContext context) {
    auto findings = check_blameless(text, context);
    if (findings.empty()) return {};
    std::string out = "\n_Blameless check:_";
    for (const auto& f : findings) {
        out += "\n• “" + f.matched + "” — " + f.suggestion;
    }
    out += "\n_(Kept as written; the postmortem's blameless check lists it. Ignore if it doesn't apply.)_";
    return out;
}

}  // namespace hindsight
