#include "bot/core/when.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace hindsight {

namespace {

using namespace std::chrono;

std::string lower_trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool read_int(std::string_view s, int& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

// "14:05" or "14:05:30" → time of day.
std::optional<seconds> parse_clock(std::string_view s) {
    int h = 0, m = 0, sec = 0;
    auto c1 = s.find(':');
    if (c1 == std::string_view::npos) return std::nullopt;
    auto c2 = s.find(':', c1 + 1);
    if (!read_int(s.substr(0, c1), h)) return std::nullopt;
    if (c2 == std::string_view::npos) {
        if (!read_int(s.substr(c1 + 1), m) || s.size() - c1 - 1 != 2) return std::nullopt;
    } else {
        if (!read_int(s.substr(c1 + 1, c2 - c1 - 1), m) || !read_int(s.substr(c2 + 1), sec)) return std::nullopt;
    }
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return std::nullopt;
    return hours{h} + minutes{m} + seconds{sec};
}

std::optional<date::year_month_day> parse_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int y = 0, mo = 0, d = 0;
    if (!read_int(s.substr(0, 4), y) || !read_int(s.substr(5, 2), mo) || !read_int(s.substr(8, 2), d))
        return std::nullopt;
    date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)}, date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

// Local wall time in the zone → instant. Ambiguous (DST fold) picks the
// earlier instant, nonexistent (DST gap) moves forward.
Timestamp from_local(const date::time_zone* zone, date::local_days day, seconds time_of_day) {
    auto local = date::local_seconds{day.time_since_epoch()} + time_of_day;
    auto info = zone->get_info(local);
    sys_seconds sys;
    if (info.result == date::local_info::nonexistent)
        sys = info.second.begin;
    else
        sys = sys_seconds{local.time_since_epoch()} - info.first.offset;
    return time_point_cast<microseconds>(sys);
}

constexpr seconds end_of_working_day = hours{17};

constexpr std::array<std::string_view, 7> weekday_names{"sunday", "monday", "tuesday", "wednesday",
                                                        "thursday", "friday", "saturday"};

std::optional<Timestamp> parse_iso(std::string_view s, const date::time_zone* zone) {
    // 2026-12-01T14:05[:SS][.fff][Z|±HH:MM]
    auto t = s.find('t');
    if (t == std::string_view::npos) return std::nullopt;
    auto day = parse_date(s.substr(0, t));
    if (!day) return std::nullopt;
    auto rest = s.substr(t + 1);
    std::optional<minutes> offset;
    if (!rest.empty() && rest.back() == 'z') {
        offset = minutes{0};
        rest.remove_suffix(1);
    } else if (rest.size() > 6 && (rest[rest.size() - 6] == '+' || rest[rest.size() - 6] == '-') &&
               rest[rest.size() - 3] == ':') {
        int oh = 0, om = 0;
        if (!read_int(rest.substr(rest.size() - 5, 2), oh) || !read_int(rest.substr(rest.size() - 2, 2), om))
            return std::nullopt;
        minutes off = hours{oh} + minutes{om};
        offset = rest[rest.size() - 6] == '-' ? -off : off;
        rest.remove_suffix(6);
    }
    if (auto dot = rest.find('.'); dot != std::string_view::npos) rest = rest.substr(0, dot);
    auto clock = parse_clock(rest);
    if (!clock) return std::nullopt;
    if (offset) return time_point_cast<microseconds>(date::sys_days{*day} + *clock - *offset);
    return from_local(zone, date::local_days{*day}, *clock);
}

}  // namespace

std::optional<Timestamp> parse_when(std::string_view text, Timestamp now, const std::string& timezone) {
    const date::time_zone* zone = nullptr;
    try {
        zone = date::locate_zone(timezone);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    auto s = lower_trimmed(text);
    if (s.empty()) return std::nullopt;
    if (s == "now") return now;

    if (s.front() == '+') {
        auto d = parse_duration(s);
        if (!d) return std::nullopt;
        return now + *d;
    }
    if (s.front() == '-') {
        auto d = parse_duration(std::string_view(s).substr(1));
        if (!d) return std::nullopt;
        return now - *d;
    }
    if (s.size() > 4 && s.ends_with(" ago")) {
        auto d = parse_duration(std::string_view(s).substr(0, s.size() - 4));
        if (!d) return std::nullopt;
        return now - *d;
    }
    if (auto iso = parse_iso(s, zone)) return iso;

    // "<day word> [HH:MM]"
    std::string_view sv(s);
    auto space = sv.find(' ');
    auto day_word = sv.substr(0, space);
    std::optional<seconds> clock;
    if (space != std::string_view::npos) {
        clock = parse_clock(sv.substr(space + 1));
        if (!clock) return std::nullopt;
    }

    auto local_now = zone->to_local(time_point_cast<seconds>(now));
    auto today = floor<date::days>(local_now);

    if (auto only_clock = parse_clock(day_word); only_clock && !clock) return from_local(zone, today, *only_clock);
    if (auto day = parse_date(day_word)) return from_local(zone, date::local_days{*day}, clock.value_or(end_of_working_day));
    if (day_word == "today") return from_local(zone, today, clock.value_or(end_of_working_day));
    if (day_word == "tomorrow") return from_local(zone, today + date::days{1}, clock.value_or(end_of_working_day));
    if (day_word == "yesterday") return from_local(zone, today - date::days{1}, clock.value_or(end_of_working_day));
    for (unsigned i = 0; i < weekday_names.size(); ++i) {
        auto name = weekday_names[i];
        if (day_word == name || (day_word.size() >= 3 && name.starts_with(day_word))) {
            date::weekday target{i};
            date::weekday current{today};
            auto ahead = (target - current).count();
            if (ahead == 0) ahead = 7;  // "friday" on a Friday means next week
            return from_local(zone, today + date::days{ahead}, clock.value_or(end_of_working_day));
        }
    }
    return std::nullopt;
}

std::string format_local(Timestamp t, const std::string& timezone) {
    const date::time_zone* zone = nullptr;
    try {
        zone = date::locate_zone(timezone);
    } catch (const std::exception&) {
        zone = date::locate_zone("UTC");
    }
    auto zoned = date::make_zoned(zone, time_point_cast<seconds>(t));
    return date::format("%a %F %H:%M %Z", zoned);
}

}  // namespace hindsight
