// Time expressions people type: due dates, "started", meeting times and
// timeline corrections, read in the configured time zone.
#pragma once

#include "bot/core/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hindsight {

// Accepted forms (case-insensitive):
//   now · 14:05 (today) · 2026-12-01 · 2026-12-01 14:05 · 2026-12-01T14:05[:SS][Z|±HH:MM]
//   +3d · +12h · +30m · +1w (from now) · -30m · 45m ago (before now)
//   today|tomorrow|yesterday [HH:MM] · monday..sunday [HH:MM] (the next such day)
// A date without a time means 17:00 local — the end of the working day.
// nullopt when the text is none of these or the zone is unknown.
std::optional<Timestamp> parse_when(std::string_view text, Timestamp now, const std::string& timezone);

// "Tue 2026-12-01 17:00 CET" in the given zone (UTC when the zone is unknown).
std::string format_local(Timestamp t, const std::string& timezone);

}  // namespace hindsight
