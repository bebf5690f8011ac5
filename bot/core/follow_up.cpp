// After the fire is out: five whys, contributing factors, action items, the
// review facilitator, and what recurs across postmortems (SPEC.md §4, §6).
#include "bot/core/blameless.hpp"
#include "bot/core/handlers.hpp"
#include "bot/core/postmortem.hpp"
#include "bot/core/patterns.hpp"
#include "bot/core/text.hpp"
#include "bot/core/when.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace hindsight {

namespace {

constexpr int max_whys = 5;
constexpr std::size_t max_listed_actions = 50;
constexpr std::size_t max_quoted_chars = 200;

std::string action_ref(std::int64_t id) { return "A-" + std::to_string(id); }

bool same_team(const ChannelRef& a, const ChannelRef& b) { return a.platform == b.platform && a.team == b.team; }

bool iequals(std::string_view a, std::string_view b) { return to_lower_ascii(a) == to_lower_ascii(b); }

// How to address a person in a post so the platform notifies them: Slack
// needs the user id, Mattermost and the console the username.
std::string mention(Platform platform, const std::string& id, const std::string& name) {
    if (platform == Platform::slack && !id.empty() && id != name) return "<@" + id + ">";
    return "@" + (name.empty() ? id : name);
}

// A Slack member id as listed in `postmortem.facilitators` ("U0123", "W9AB").
bool looks_like_slack_id(std::string_view s) {
    if (s.size() < 2 || (s[0] != 'U' && s[0] != 'W')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// "48h" reads better than "2d" for the review deadline.
std::string format_window(Duration d) {
    using namespace std::chrono;
    if (d >= hours{1} && d % hours{1} == Duration{0} && d <= hours{99})
        return std::to_string(duration_cast<hours>(d).count()) + "h";
    return format_duration(d);
}

struct Person {
    std::string id;
    std::string name;
};

// An owner or facilitator as typed. Slack escapes mentions to "<@U1|bob>";
// Mattermost and the console send "@bob", and Mattermost also tells us the id.
std::optional<Person> resolve_person(CommandContext& ctx, const std::string& typed) {
    auto parsed = parse_mention(typed);
    if (!parsed) return std::nullopt;
    Person p{parsed->first, parsed->second};
    const ChannelRef& where = ctx.command.where;
    if (typed.rfind("<@", 0) == 0) {
        // Without a label the name stays empty (shown through the users cache
        // later) rather than pretending the id is a name.
        if (p.name.empty()) p.name = ctx.store.user_name(where, p.id).value_or("");
        else if (!ctx.store.user_name(where, p.id)) ctx.store.remember_user(where, p.id, p.name);
        return p;
    }
    for (const auto& [username, id] : ctx.command.mentions) {
        std::string_view u = username;
        if (!u.empty() && u.front() == '@') u.remove_prefix(1);
        if (!id.empty() && iequals(u, p.name)) {
            p.id = id;
            // Keep a nicer display name the adapter may have cached already.
            if (!ctx.store.user_name(where, p.id)) ctx.store.remember_user(where, p.id, p.name);
            break;
        }
    }
    return p;
}

std::string owner_label(IncidentStore& store, const Incident& incident, const ActionItem& a) {
    return a.owner_name.empty() ? display_name(store, incident.where, a.owner_id) : a.owner_name;
}

// ---- five whys

std::string question_about(std::string_view subject) {
    return "Why did \"" + shorten(collapse_whitespace(subject), max_quoted_chars) + "\" happen?";
}

// The question step `n` answers: the first is about the incident, every
// later one about the previous answer.
std::string question_for(const Incident& incident, const std::vector<WhyStep>& whys, int n) {
    if (n > 1)
        for (const auto& w : whys)
            if (w.n == n - 1) return question_about(w.answer);
    return question_about(why_subject(incident));
}

bool chain_complete(const Incident& incident, const std::vector<WhyStep>& whys) {
    return !incident.root_cause.empty() || static_cast<int>(whys.size()) >= max_whys;
}

std::string render_chain(const Incident& incident, const std::vector<WhyStep>& whys) {
    std::string out = "**Five whys** — " + incident.title;
    for (const auto& w : whys)
        out += "\n" + std::to_string(w.n) + ". " + question_for(incident, whys, w.n) + "\n    → " + w.answer;
    return out;
}

std::string next_step_prompt(const Incident& incident, const std::vector<WhyStep>& whys) {
    if (chain_complete(incident, whys)) {
        std::string out = "\n🎯 **Root cause:** " + (incident.root_cause.empty() ? whys.back().answer : incident.root_cause);
        out += "\nNext: turn it into an action item that changes the system — "
               "`/incident action @owner <what will change> due:<when>`. Fix a step with `/incident why edit <n> <text>`.";
        return out;
    }
    int n = static_cast<int>(whys.size()) + 1;
    std::string out = "\n**" + std::to_string(n) + ". " + question_for(incident, whys, n) + "**";
    out += "\nAnswer with `/incident why <answer>`";
    out += whys.empty() ? " — describe what the system allowed, not who did what."
                        : "; `/incident rootcause <text>` ends the chain early.";
    return out;
}

std::string root_cause_recorded(const std::string& root_cause) {
    return "\n🎯 **Root cause recorded:** " + root_cause +
           "\nNext: turn it into an action item that changes the system — "
           "`/incident action @owner <what will change> due:<when>`.";
}

// ---- action items

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
           format_local(a.due_at, tz) + " — " + status_text(store, incident, a, now, tz);
}

Timestamp default_due(const BotSettings& settings, Timestamp now) {
    if (auto at = parse_when(settings.reminders.default_due, now, settings.timezone)) return *at;
    if (auto d = parse_duration(settings.reminders.default_due)) return now + *d;
    return now + std::chrono::hours{24 * 7};
}

// ---- facilitator

// Everyone who took part: wrote in the channel, noted a key event, or led it.
std::set<std::string> participants(IncidentStore& store, const Incident& incident) {
    std::set<std::string> out;
    auto add = [&](const std::string& s) {
        if (!s.empty()) out.insert(to_lower_ascii(s));
    };
    for (const auto& m : store.messages(incident.id)) {
        add(m.user_id);
        add(m.user_name);
    }
    for (const auto& k : store.key_events(incident.id)) {
        add(k.author_id);
        add(k.author_name);
    }
    add(incident.commander_id);
    add(incident.commander_name);
    std::set<std::string> ids(out.begin(), out.end());
    for (const auto& id : ids)
        if (auto name = store.user_name(incident.where, id)) add(*name);
    return out;
}

// `postmortem.facilitators` holds ids or usernames; a person counts as
// `candidate` under either.
bool is_person(IncidentStore& store, const ChannelRef& where, const std::string& candidate,
               const std::string& id) {
    if (id.empty()) return false;
    if (iequals(candidate, id)) return true;
    auto name = store.user_name(where, id);
    return name && iequals(candidate, *name);
}

bool took_part(IncidentStore& store, const Incident& incident, const std::set<std::string>& people,
               const std::string& candidate) {
    if (people.count(to_lower_ascii(candidate))) return true;
    auto name = store.user_name(incident.where, candidate);
    return name && people.count(to_lower_ascii(*name));
}

// Someone from the configured list who did not take part, rotating fairly:
// whoever never facilitated first (in list order), else whoever facilitated
// least recently.
std::optional<std::string> suggest_facilitator(IncidentStore& store, const BotSettings& settings,
                                               const Incident& incident) {
    const auto& candidates = settings.postmortem.facilitators;
    if (candidates.empty()) return std::nullopt;
    auto people = participants(store, incident);
    std::vector<Incident> history;
    for (auto& i : store.list_incidents())
        if (i.id != incident.id && same_team(i.where, incident.where) && !i.facilitator_id.empty())
            history.push_back(std::move(i));

    std::optional<std::string> best;
    std::optional<Timestamp> best_last;  // nullopt: never facilitated
    for (const auto& candidate : candidates) {
        if (candidate.empty() || took_part(store, incident, people, candidate)) continue;
        std::optional<Timestamp> last;
        for (const auto& i : history) {
            if (!is_person(store, i.where, candidate, i.facilitator_id)) continue;
            auto at = i.closed_at.value_or(i.opened_at);
            if (!last || at > *last) last = at;
        }
        bool better = !best || (best_last && (!last || *last < *best_last));
        if (better) {
            best = candidate;
            best_last = last;
        }
    }
    return best;
}

std::string candidate_mention(IncidentStore& store, const ChannelRef& where, const std::string& candidate) {
    if (where.platform == Platform::slack && looks_like_slack_id(candidate)) return "<@" + candidate + ">";
    if (where.platform == Platform::slack) return "@" + display_name(store, where, candidate);
    return "@" + candidate;
}

std::string facilitator_prompt(CommandContext& ctx, const Incident& incident) {
    const ChannelRef& where = incident.where;
    if (!incident.facilitator_id.empty())
        return "🧭 Facilitator: " + display_name(ctx.store, where, incident.facilitator_id) + ".";
    if (auto candidate = suggest_facilitator(ctx.store, ctx.settings, incident)) {
        return "🧭 Suggested facilitator: " + candidate_mention(ctx.store, where, *candidate) +
               " (didn't take part in the incident). Confirm with `/incident facilitator @" +
               display_name(ctx.store, where, *candidate) + "`, or pick someone else who wasn't involved.";
    }
    return "🧭 No facilitator available who wasn't involved in this incident. List people who can run reviews in "
           "`postmortem.facilitators` (user ids or usernames) in the config, or assign one with "
           "`/incident facilitator @user`.";
}

}  // namespace

// ---- five whys

CommandReply cmd_why(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    auto whys = ctx.store.whys(incident.id);

    if (c.kind == Command::Kind::why_edit) {
        auto it = std::find_if(whys.begin(), whys.end(), [&](const WhyStep& w) { return w.n == c.number; });
        if (it == whys.end())
            return reply_ephemeral("There is no step " + std::to_string(c.number) + " yet — the chain has " +
                                   count_of(static_cast<long long>(whys.size()), "answer", "answers") +
                                   ". `/incident why` shows it.");
        std::string previous = it->answer;
        it->answer = c.text;
        it->author_id = ctx.command.user_id;
        it->at = ctx.now;
        ctx.store.set_why(*it);
        std::string out = "✏️ Step " + std::to_string(c.number) + " corrected.\n" + render_chain(incident, whys);
        // The fifth answer is the root cause; correcting it corrects both.
        if (c.number == static_cast<int>(whys.size()) && incident.root_cause == previous) {
            incident.root_cause = c.text;
            ctx.store.update_incident(incident);
            out += "\nThe root cause now reads the same.";
        }
        out += next_step_prompt(incident, whys);
        return reply_in_channel(out + blameless_hint(c.text, BlameContext::why_answer));
    }

    if (c.text.empty()) return reply_ephemeral(render_chain(incident, whys) + next_step_prompt(incident, whys));

    if (chain_complete(incident, whys))
        return reply_ephemeral("The five whys are complete — root cause: " +
                               (incident.root_cause.empty() ? whys.back().answer : incident.root_cause) +
                               "\nCorrect a step with `/incident why edit <n> <text>`, or restate the root cause "
                               "with `/incident rootcause <text>`.");

    WhyStep step;
    step.incident_id = incident.id;
    step.n = static_cast<int>(whys.size()) + 1;
    step.answer = c.text;
    step.author_id = ctx.command.user_id;
    step.at = ctx.now;
    ctx.store.set_why(step);
    whys.push_back(step);

    std::string out = render_chain(incident, whys);
    if (step.n == max_whys) {
        incident.root_cause = c.text;
        ctx.store.update_incident(incident);
        out += root_cause_recorded(c.text);
    } else {
        out += next_step_prompt(incident, whys);
    }
    return reply_in_channel(out + blameless_hint(c.text, BlameContext::why_answer));
}

CommandReply cmd_rootcause(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    std::string previous = incident.root_cause;
    incident.root_cause = c.text;
    ctx.store.update_incident(incident);
    auto whys = ctx.store.whys(incident.id);
    std::string out = whys.empty() ? std::string("**Five whys** — " + incident.title) : render_chain(incident, whys);
    out += root_cause_recorded(c.text);
    if (!previous.empty() && previous != c.text) out += "\n_(Replaces the earlier root cause: " + previous + ")_";
    return reply_in_channel(out + blameless_hint(c.text, BlameContext::why_answer));
}

// ---- contributing factors

CommandReply cmd_factor(CommandContext& ctx, const Command& c) {
    ctx.store.add_factor(ctx.incident->id, c.text);
    std::string listed;
    for (const auto& tag : ctx.store.factors(ctx.incident->id)) listed += (listed.empty() ? "`" : ", `") + tag + "`";
    return reply_in_channel("🏷️ Contributing factor tagged: `" + c.text + "`.\nFactors of this incident: " + listed +
                            ".\n`/incident patterns` shows which factors recur across postmortems.");
}

// ---- action items

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
    std::string out = "📋 Action item **" + ref + "** for " + mention(ctx.command.where.platform, owner->id, owner->name) +
                      ", due " + format_local(due, ctx.settings.timezone) + (defaulted ? " (the default)" : "") +
                      ": " + item.text;
    if (due < ctx.now)
        out += "\n⚠️ That date has passed — the item is already overdue, so reminders start right away.";
    for (const auto& finding : check_action_quality(item)) out += "\n💡 " + finding.suggestion;
    out += blameless_hint(item.text, BlameContext::action_item);
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
                      display_name(ctx.store, ctx.command.where, ctx.command.user_id) + ". Reminders stop.";
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

// ---- facilitator

CommandReply cmd_facilitator(CommandContext& ctx, const Command& c) {
    Incident incident = *ctx.incident;
    if (c.owner.empty()) {
        if (!incident.facilitator_id.empty())
            return reply_ephemeral("🧭 Facilitator: " + display_name(ctx.store, incident.where, incident.facilitator_id) +
                                   ". Change it with `/incident facilitator @user`.");
        return reply_in_channel(facilitator_prompt(ctx, incident));
    }
    auto person = resolve_person(ctx, c.owner);
    if (!person) return reply_ephemeral("Mention the facilitator, e.g. `/incident facilitator @alice`.");
    incident.facilitator_id = person->id;
    ctx.store.update_incident(incident);
    std::string out = "🧭 " + mention(ctx.command.where.platform, person->id, person->name) +
                      " will facilitate the review of **" + incident.title + "**.";
    auto people = participants(ctx.store, incident);
    if (people.count(to_lower_ascii(person->id)) || people.count(to_lower_ascii(person->name)))
        out += "\nHeads-up: they took part in the incident — a facilitator who wasn't involved keeps the review neutral.";
    if (!incident.meeting_at) out += "\nNext: schedule the review with `/incident meeting <when>`.";
    return reply_in_channel(out);
}

std::string after_close_prompts(CommandContext& ctx, const Incident& incident) {
    auto whys = ctx.store.whys(incident.id);
    std::string out = "**Five whys** — how did the system allow this?";
    if (!whys.empty()) out += "\n" + render_chain(incident, whys);
    out += next_step_prompt(incident, whys);
    out += "\n\n" + facilitator_prompt(ctx, incident);
    if (incident.meeting_at)
        out += "\n📅 Review meeting: " + format_local(*incident.meeting_at, ctx.settings.timezone) + ".";
    else
        out += "\n📅 Schedule the review within " + format_window(ctx.settings.postmortem.schedule_within) +
               " — `/incident meeting <when>`.";
    return out;
}

// ---- patterns and stats

CommandReply cmd_patterns(CommandContext& ctx, const Command&) {
    std::vector<Incident> closed;
    for (auto& i : ctx.store.list_incidents())
        if (same_team(i.where, ctx.command.where) && i.state == IncidentState::closed && i.closed_at)
            closed.push_back(std::move(i));
    std::stable_sort(closed.begin(), closed.end(),
                     [](const Incident& a, const Incident& b) { return *a.closed_at > *b.closed_at; });
    const auto window = static_cast<std::size_t>(std::max(ctx.settings.patterns_window, 1));
    if (closed.size() > window) closed.resize(window);
    if (closed.empty())
        return reply_ephemeral("No closed postmortems in this workspace yet. Patterns show up once incidents are closed "
                               "and tagged with `/incident factor <tag>`.");

    std::vector<std::vector<std::string>> factors;
    factors.reserve(closed.size());
    for (const auto& i : closed) factors.push_back(ctx.store.factors(i.id));
    auto report = find_patterns(factors);

    const auto n = std::to_string(report.postmortems);
    std::string out = "**Patterns** across the last " +
                      (report.postmortems == 1 ? std::string("closed postmortem")
                                               : n + " closed postmortems");
    if (report.recurring.empty()) {
        out += "\nNo contributing factor appears in two or more of them. Tag factors with `/incident factor <tag>`.";
        return reply_ephemeral(out);
    }
    out += "\n**Recurring contributing factors:**";
    for (const auto& f : report.recurring) out += "\n• " + f.tag + " — " + std::to_string(f.count) + " of " + n;
    if (!report.streaks.empty()) {
        out += "\n**Streaks:**";
        for (const auto& s : report.streaks)
            out += "\n• " + std::to_string(s.length) + " in a row: " + s.tag + (s.ongoing ? " (ongoing)" : "");
    }
    out += "\nA recurring factor is a system gap: address it once with an action item — "
           "`/incident action @owner <what will change> due:<when>`.";
    return reply_ephemeral(out);
}

CommandReply cmd_stats(CommandContext& ctx, const Command&) {
    std::vector<Incident> incidents;
    std::set<std::int64_t> ids;
    for (auto& i : ctx.store.list_incidents())
        if (same_team(i.where, ctx.command.where)) {
            ids.insert(i.id);
            incidents.push_back(std::move(i));
        }
    std::vector<ActionItem> actions;
    for (auto& a : ctx.store.all_actions())
        if (ids.count(a.incident_id)) actions.push_back(std::move(a));
    auto s = compute_stats(incidents, actions, ctx.now);

    std::string out = "**Incident stats** for this workspace";
    out += "\nIncidents: " + std::to_string(s.incidents) + " (" + std::to_string(s.open) + " open, " +
           std::to_string(s.closed) + " closed)";
    out += "\nMedian time to close: " +
           (s.median_time_to_close ? format_duration(*s.median_time_to_close) : std::string("— (none closed yet)"));
    out += "\nAction items: " + std::to_string(s.actions_done) + " of " + std::to_string(s.actions) + " done";
    if (s.actions > 0) out += " (" + std::to_string((s.actions_done * 100 + s.actions / 2) / s.actions) + "%)";
    out += ", " + std::to_string(s.actions_overdue) + " overdue";
    if (s.actions_overdue > 0) out += "\nNext: `/incident actions all` shows who owns what.";
    return reply_ephemeral(out);
}

}  // namespace hindsight
