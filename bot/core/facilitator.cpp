#include "bot/core/facilitator.hpp"

#include "bot/core/five_whys.hpp"
#include "bot/core/people.hpp"
#include "bot/core/text.hpp"
#include "bot/core/when.hpp"

#include <set>

namespace hindsight {

namespace {

// "48h" reads better than "2d" for the review deadline.
std::string format_window(Duration d) {
    using namespace std::chrono;
    if (d >= hours{1} && d % hours{1} == Duration{0} && d <= hours{99})
        return std::to_string(duration_cast<hours>(d).count()) + "h";
    return format_duration(d);
}

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

// A configured candidate is a user id or a username: the adapter renders
// the token its platform's way (an id as a mention, a name as "@name").
std::string candidate_mention(IncidentStore& store, const ChannelRef& where, const std::string& candidate) {
    return mention(candidate, display_name(store, where, candidate));
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
    std::string out = "🧭 " + mention(person->id, person->name) +
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

}  // namespace hindsight
