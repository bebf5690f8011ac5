// The incident lifecycle (open, close, reopen), what it records (notes,
// impact, start, meeting) and the timeline views and curation.
#include "bot/core/blameless.hpp"
#include "bot/core/text.hpp"
#include "bot/core/action_items.hpp"
#include "bot/core/facilitator.hpp"
#include "bot/core/five_whys.hpp"
#include "bot/core/handlers.hpp"
#include "bot/core/patterns_commands.hpp"
#include "bot/core/postmortem.hpp"
#include "bot/core/timeline.hpp"
#include "bot/core/when.hpp"

namespace hindsight {

namespace {

std::string severity_label(int severity) {
    return severity > 0 ? "SEV" + std::to_string(severity) : "severity not set";
}

std::string when_usage(std::string_view what) {
    return "I couldn't read the time in `" + std::string(what) +
           "`. Try `14:05`, `2026-11-24 14:05`, `-30m`, `45m ago`, `yesterday 23:10` or an ISO date-time.";
}

const TimelineEntry* entry_number(const Timeline& timeline, int n) {
    for (const auto& e : timeline.entries)
        if (e.number == n) return &e;
    return nullptr;
}

}  // namespace

CommandReply cmd_open(CommandContext& ctx, const Command& c) {
    if (ctx.incident && ctx.incident->state == IncidentState::open) {
        return reply_ephemeral("This channel already has an open incident: **" + ctx.incident->title + "** (opened " +
                               format_local(ctx.incident->opened_at, ctx.settings.timezone) +
                               "). Close it first with `/incident close [summary]`, or use a new channel.");
    }
    Incident incident;
    incident.where = ctx.command.where;
    incident.title = c.text;
    incident.severity = c.severity;
    incident.commander_id = ctx.command.user_id;
    incident.commander_name = ctx.command.user_name.empty()
                                  ? display_name(ctx.store, ctx.command.where, ctx.command.user_id)
                                  : ctx.command.user_name;
    incident.state = IncidentState::open;
    incident.opened_at = ctx.now;
    incident.id = ctx.store.create_incident(incident);
    return reply_in_channel("🚨 **Incident opened:** " + incident.title + " (" + severity_label(incident.severity) +
                            ")\nCommander: " + incident.commander_name +
                            ". I'm recording this channel from now on.\n"
                            "Mark key moments with `/incident note <text>`; when it's over, `/incident close [summary]` "
                            "and I'll draft the timeline and postmortem.");
}

CommandReply cmd_note(CommandContext& ctx, const Command& c) {
    KeyEvent event;
    event.incident_id = ctx.incident->id;
    event.at = ctx.now;
    event.author_id = ctx.command.user_id;
    event.author_name = ctx.command.user_name.empty()
                            ? display_name(ctx.store, ctx.command.where, ctx.command.user_id)
                            : ctx.command.user_name;
    event.text = c.text;
    ctx.store.add_key_event(event);
    return reply_in_channel("📌 Key event noted by " + event.author_name + ": " + c.text +
                            blameless_hint(c.text, BlameContext::timeline_note));
}

CommandReply cmd_status(CommandContext& ctx, const Command&) {
    const Incident& i = *ctx.incident;
    auto end = i.closed_at.value_or(ctx.now);
    std::int64_t open_actions = 0;
    for (const auto& a : ctx.store.actions(i.id))
        if (a.state == ActionState::open) ++open_actions;
    std::string out = "**" + i.title + "** — " + severity_label(i.severity) + ", " + std::string(to_string(i.state)) + "\n";
    out += "Commander: " + (i.commander_name.empty() ? i.commander_id : i.commander_name) + "\n";
    out += "Opened: " + format_local(i.opened_at, ctx.settings.timezone);
    out += i.state == IncidentState::open ? " (" + format_duration(end - i.opened_at) + " ago)\n"
                                          : ", closed after " + format_duration(end - i.opened_at) + "\n";
    if (i.started_at) out += "Impact began: " + format_local(*i.started_at, ctx.settings.timezone) + "\n";
    out += "Recorded: " + count_of(ctx.store.count_messages(i.id), "message", "messages") + ", " +
           count_of(static_cast<long long>(ctx.store.key_events(i.id).size()), "key event", "key events") + ", " +
           count_of(open_actions, "open action item", "open action items") + ".";
    if (i.state == IncidentState::open) out += "\nNext: `/incident note <text>` for key moments, `/incident close [summary]` when it's over.";
    return reply_ephemeral(out);
}

CommandReply cmd_timeline(CommandContext& ctx, const Command& c) {
    const Incident& incident = *ctx.incident;
    auto input = gather_draft_input(ctx.store, ctx.settings, incident, ctx.now);
    using K = Command::Kind;
    input.explain = c.kind == K::timeline_why;
    auto timeline = draft_timeline(input);
    if (c.kind == K::timeline_why) return reply_ephemeral(render_entry_explanation(timeline, input, c.number));
    if (c.kind == K::timeline) {
        return reply_ephemeral(render_timeline(timeline, input));
    }
    TimelineCuration cur;
    cur.incident_id = incident.id;
    cur.author_id = ctx.command.user_id;
    cur.author_name = display_name(ctx.store, ctx.command.where, ctx.command.user_id);
    cur.created_at = ctx.now;
    std::string confirmation;
    if (c.kind == K::timeline_add) {
        auto at = parse_when(c.when, ctx.now, ctx.settings.timezone);
        if (!at) return reply_ephemeral(when_usage(c.when));
        cur.kind = TimelineCuration::Kind::add;
        cur.at = *at;
        cur.text = c.text;
        confirmation = "🕒 Added to the timeline at " + format_local(*at, ctx.settings.timezone) + ": " + c.text +
                       blameless_hint(c.text, BlameContext::timeline_note);
    } else {
        const TimelineEntry* entry = entry_number(timeline, c.number);
        if (!entry)
            return reply_ephemeral("There is no entry " + std::to_string(c.number) +
                                   " — `/incident timeline` shows the numbers.");
        cur.entry_key = entry->key;
        switch (c.kind) {
            case K::timeline_hide:
                cur.kind = TimelineCuration::Kind::hide;
                confirmation = "Entry " + std::to_string(c.number) + " hidden from the draft (`/incident timeline show " +
                               std::to_string(c.number) + "` brings it back).";
                break;
            case K::timeline_show:
                cur.kind = TimelineCuration::Kind::show;
                confirmation = "Entry " + std::to_string(c.number) + " is back in the draft.";
                break;
            case K::timeline_edit:
                cur.kind = TimelineCuration::Kind::edit;
                cur.text = c.text;
                confirmation = "Entry " + std::to_string(c.number) + " now reads: " + c.text +
                               blameless_hint(c.text, BlameContext::timeline_note);
                break;
            default: {
                auto at = parse_when(c.when, ctx.now, ctx.settings.timezone);
                if (!at) return reply_ephemeral(when_usage(c.when));
                cur.kind = TimelineCuration::Kind::retime;
                cur.at = *at;
                confirmation = "Entry " + std::to_string(c.number) + " moved to " +
                               format_local(*at, ctx.settings.timezone) + ".";
                break;
            }
        }
    }
    ctx.store.add_curation(cur);
    return reply_in_channel(confirmation + " The original messages stay untouched.");
}

CommandReply cmd_started(CommandContext& ctx, const Command& c) {
    auto at = parse_when(c.text, ctx.now, ctx.settings.timezone);
    if (!at) return reply_ephemeral(when_usage(c.text));
    if (*at > ctx.now) return reply_ephemeral("That's in the future — when did impact actually begin?");
    Incident incident = *ctx.incident;
    incident.started_at = *at;
    ctx.store.update_incident(incident);
    return reply_in_channel("Impact start recorded: " + format_local(*at, ctx.settings.timezone) +
                            ". Durations in the postmortem count from then.");
}

std::string close_post(CommandContext& ctx, Incident& incident) {
    auto input = gather_draft_input(ctx.store, ctx.settings, incident, incident.closed_at.value_or(ctx.now));
    auto timeline = draft_timeline(input);
    incident.postmortem_md = render_postmortem(input, timeline);
    ctx.store.update_incident(incident);

    std::string post = "📝 **Draft timeline** for " + incident.title + "\n" + render_timeline(timeline, input);
    if (auto link = page_link(ctx, incident.id); !link.empty())
        post += "\nFull postmortem draft: " + link;
    else
        post += "\nFull postmortem draft: `/incident postmortem`";
    post += "\n\n" + after_close_prompts(ctx, incident);
    return post;
}

CommandReply cmd_close(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    if (incident.state == IncidentState::closed)
        return reply_ephemeral("**" + incident.title + "** is already closed. `/incident reopen` resumes recording; "
                               "`/incident postmortem` shows the draft.");
    incident.state = IncidentState::closed;
    incident.closed_at = ctx.now;
    if (!c.text.empty()) incident.summary = c.text;
    ctx.store.update_incident(incident);

    // The draft goes out through the outbox: it can be long, and the
    // command's own reply must stay quick.
    auto draft_row = announce(ctx, incident.where, close_post(ctx, incident));

    auto start = incident.started_at.value_or(incident.opened_at);
    auto reply = reply_in_channel("✅ **Incident closed:** " + incident.title + " after " +
                                  format_duration(ctx.now - start) + ". " +
                                  count_of(ctx.store.count_messages(incident.id), "message", "messages") +
                                  " recorded — the draft timeline follows.");
    reply.draft_row = draft_row;
    return reply;
}

CommandReply cmd_reopen(CommandContext& ctx, const Command&) {
    Incident incident = *ctx.incident;
    if (incident.state == IncidentState::open)
        return reply_ephemeral("**" + incident.title + "** is still open.");
    incident.state = IncidentState::open;
    incident.closed_at.reset();
    ctx.store.update_incident(incident);
    return reply_in_channel("🔁 **Incident reopened:** " + incident.title +
                            ". Recording resumes; `/incident close` drafts again.");
}

CommandReply cmd_impact(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    incident.impact = c.text;
    ctx.store.update_incident(incident);
    return reply_in_channel("Impact recorded: " + c.text + blameless_hint(c.text, BlameContext::impact));
}

CommandReply cmd_meeting(CommandContext& ctx, const Command& c) {
    auto at = parse_when(c.when, ctx.now, ctx.settings.timezone);
    if (!at) return reply_ephemeral(when_usage(c.when));
    Incident incident = *ctx.incident;
    incident.meeting_at = *at;
    ctx.store.update_incident(incident);
    std::string out = "📅 Postmortem review scheduled for " + format_local(*at, ctx.settings.timezone) + ".";
    if (incident.closed_at && *at > *incident.closed_at + ctx.settings.postmortem.schedule_within)
        out += " That's later than the " + format_duration(ctx.settings.postmortem.schedule_within) +
               " we aim for — memories fade fast.";
    if (incident.facilitator_id.empty()) out += " No facilitator yet: `/incident facilitator`.";
    return reply_in_channel(out);
}

CommandReply cmd_postmortem(CommandContext& ctx, const Command&) {
    Incident incident = *ctx.incident;
    auto document = redraft_postmortem(ctx.store, ctx.settings, incident, ctx.now);
    if (auto link = page_link(ctx, incident.id); !link.empty())
        document += "\n\n_" + std::string(ctx.links ? "On the web: " : "Download: ") + link + "_";
    return reply_ephemeral(document);
}

}  // namespace hindsight
