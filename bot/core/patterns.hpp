// What recurs across postmortems and how a team is doing with follow-up
// (`/incident patterns`, `/incident stats`): plain computations over incidents and their factors and
// action items, so the numbers are tested apart from their wording.
#pragma once

#include "bot/core/incident.hpp"
#include "bot/core/time.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hindsight {

// A streak is only worth mentioning from this length on; two in a row
// already shows up as a recurring factor.
inline constexpr int min_streak = 3;

struct FactorCount {
    std::string tag;
    int count = 0;  // postmortems in the window tagged with it
};

struct FactorStreak {
    std::string tag;
    int length = 0;       // consecutive postmortems tagged with it
    bool ongoing = false;  // the run includes the most recent postmortem
};

struct PatternReport {
    std::size_t postmortems = 0;           // how many the window held
    std::vector<FactorCount> recurring;    // count >= 2, most frequent first
    std::vector<FactorStreak> streaks;     // length >= min_streak, longest first
};

// `factors_newest_first`: the factor tags of each closed postmortem in the
// window, most recently closed first.
PatternReport find_patterns(const std::vector<std::vector<std::string>>& factors_newest_first);

struct FollowUpStats {
    int incidents = 0;
    int open = 0;
    int closed = 0;
    std::optional<Duration> median_time_to_close;  // from impact start (or open) to close
    int actions = 0;
    int actions_done = 0;
    int actions_overdue = 0;  // open and past due
};

// `incidents` and `actions` are already scoped to one team.
FollowUpStats compute_stats(const std::vector<Incident>& incidents, const std::vector<ActionItem>& actions,
                            Timestamp now);

}  // namespace hindsight
