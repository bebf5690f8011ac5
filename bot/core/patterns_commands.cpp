#include "bot/core/patterns_commands.hpp"

#include "bot/core/patterns.hpp"
#include "bot/core/people.hpp"
#include "bot/core/text.hpp"
#include "bot/core/when.hpp"

#include <algorithm>
#include <set>

namespace hindsight {

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
    if (auto link = page_link(ctx, 0); !link.empty()) out += "\nCharts and every incident: " + link;
    return reply_ephemeral(out);
}

}  // namespace hindsight
