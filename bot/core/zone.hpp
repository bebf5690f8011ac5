// Time-zone formatting for the timeline and the document. Times are shown in
// UTC with the configured zone beside them: "14:03 UTC (15:03 CET)"; when the
// configured zone is UTC (or shows as UTC at that instant), just "14:03 UTC".
#pragma once

#include "bot/core/time.hpp"

#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace hindsight {

// True when `name` is an IANA zone the tz database knows.
bool is_valid_time_zone(std::string_view name);

class ZoneFormatter {
public:
    // Throws std::invalid_argument naming the zone when it is unknown.
    explicit ZoneFormatter(std::string_view zone_name);

    // "14:03 UTC (15:03 CET)"; with_date: "2026-11-24 14:03 UTC (15:03 CET)",
    // and the local date too when it differs: "2026-11-24 23:30 UTC (2026-11-25 00:30 CET)".
    std::string time(Timestamp t, bool with_date) const;
    // Always with the date.
    std::string date_time(Timestamp t) const { return time(t, true); }
    // "2026-11-24" in UTC and, when different, in the zone: "2026-11-24 (2026-11-25 CET)".
    std::string date(Timestamp t) const;

    // True when a and b fall on the same calendar day in UTC and in the zone.
    bool same_day(Timestamp a, Timestamp b) const;

    // "UTC" or "UTC / Europe/Berlin": the zones the times are shown in.
    std::string legend() const;

    const std::string& zone_name() const { return name_; }
    bool is_utc() const { return utc_; }

private:
    std::string name_;
    const date::time_zone* zone_ = nullptr;
    bool utc_ = false;
};

}  // namespace hindsight
