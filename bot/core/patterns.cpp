#include "bot/core/patterns.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace hindsight {

PatternReport find_patterns(const std::vector<std::vector<std::string>>& factors_newest_first) {
    PatternReport report;
    report.postmortems = factors_newest_first.size();

    // One incident tagged twice with the same factor still counts once.
    std::vector<std::set<std::string>> tagged;
    tagged.reserve(factors_newest_first.size());
    for (const auto& tags : factors_newest_first) tagged.emplace_back(tags.begin(), tags.end());

    std::map<std::string, int> counts;
    for (const auto& tags : tagged)
        for (const auto& tag : tags) ++counts[tag];
    for (const auto& [tag, count] : counts)
        if (count >= 2) report.recurring.push_back({tag, count});
    std::stable_sort(report.recurring.begin(), report.recurring.end(),
                     [](const FactorCount& a, const FactorCount& b) { return a.count > b.count; });

    for (const auto& [tag, count] : counts) {
        if (count < min_streak) continue;
        FactorStreak best{tag, 0, false};
        int run = 0;
        bool run_from_latest = true;
        for (std::size_t i = 0; i < tagged.size(); ++i) {
            if (tagged[i].count(tag)) {
                ++run;
                if (run > best.length) best = {tag, run, run_from_latest};
            } else {
                run = 0;
                run_from_latest = false;
            }
        }
        if (best.length >= min_streak) report.streaks.push_back(best);
    }
    std::stable_sort(report.streaks.begin(), report.streaks.end(),
                     [](const FactorStreak& a, const FactorStreak& b) { return a.length > b.length; });
    return report;
}

FollowUpStats compute_stats(const std::vector<Incident>& incidents, const std::vector<ActionItem>& actions,
                            Timestamp now) {
    FollowUpStats stats;
    std::vector<Duration> to_close;
    for (const auto& i : incidents) {
        ++stats.incidents;
        if (i.state == IncidentState::open) {
            ++stats.open;
            continue;
        }
        ++stats.closed;
        if (i.closed_at) to_close.push_back(*i.closed_at - i.started_at.value_or(i.opened_at));
    }
    if (!to_close.empty()) {
        std::sort(to_close.begin(), to_close.end());
        auto mid = to_close.size() / 2;
        stats.median_time_to_close =
            to_close.size() % 2 ? to_close[mid] : (to_close[mid - 1] + to_close[mid]) / 2;
    }
    for (const auto& a : actions) {
        ++stats.actions;
        if (a.state == ActionState::done)
            ++stats.actions_done;
        else if (a.due_at < now)
            ++stats.actions_overdue;
    }
    return stats;
}

}  // namespace hindsight
