#include "bot/core/zone.hpp"

#include <date/tz.h>

#include <stdexcept>

namespace hindsight {

namespace {

using Seconds = date::sys_time<std::chrono::seconds>;

Seconds to_seconds(Timestamp t) { return std::chrono::floor<std::chrono::seconds>(t); }

const date::time_zone* find_zone(std::string_view name) {
    try {
        return date::locate_zone(std::string(name));
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace

bool is_valid_time_zone(std::string_view name) { return !name.empty() && find_zone(name) != nullptr; }

ZoneFormatter::ZoneFormatter(std::string_view zone_name) : name_(zone_name) {
    zone_ = name_.empty() ? nullptr : find_zone(name_);
    if (zone_ == nullptr) throw std::invalid_argument("unknown time zone '" + name_ + "'");
    utc_ = name_ == "UTC" || name_ == "Etc/UTC" || name_ == "Etc/UCT" || name_ == "UCT" ||
           name_ == "Etc/Universal" || name_ == "Universal" || name_ == "Zulu" || name_ == "Etc/Zulu";
}

std::string ZoneFormatter::time(Timestamp t, bool with_date) const {
    auto utc = to_seconds(t);
    std::string out = date::format(with_date ? "%Y-%m-%d %H:%M UTC" : "%H:%M UTC", utc);
    if (utc_) return out;
    auto info = zone_->get_info(utc);
    // A zone that reads as UTC at this instant adds nothing.
    if (info.offset == std::chrono::seconds{0} && info.abbrev == "UTC") return out;
    auto local = date::make_zoned(zone_, utc);
    bool other_day = date::floor<date::days>(local.get_local_time()).time_since_epoch() !=
                     date::floor<date::days>(utc).time_since_epoch();
    out += " (";
    out += date::format(with_date && other_day ? "%Y-%m-%d %H:%M %Z" : "%H:%M %Z", local);
    out += ')';
    return out;
}

std::string ZoneFormatter::date(Timestamp t) const {
    auto utc = to_seconds(t);
    std::string out = date::format("%Y-%m-%d", utc);
    if (utc_) return out;
    auto local = date::make_zoned(zone_, utc);
    if (date::floor<date::days>(local.get_local_time()).time_since_epoch() !=
        date::floor<date::days>(utc).time_since_epoch())
        out += " (" + date::format("%Y-%m-%d %Z", local) + ")";
    return out;
}

bool ZoneFormatter::same_day(Timestamp a, Timestamp b) const {
    auto ua = to_seconds(a), ub = to_seconds(b);
    if (date::floor<date::days>(ua) != date::floor<date::days>(ub)) return false;
    if (utc_) return true;
    auto la = date::make_zoned(zone_, ua).get_local_time();
    auto lb = date::make_zoned(zone_, ub).get_local_time();
    return date::floor<date::days>(la) == date::floor<date::days>(lb);
}

std::string ZoneFormatter::legend() const { return utc_ ? "UTC" : "UTC / " + name_; }

}  // namespace hindsight
