// Builders for drafting tests: an incident on 2026-11-24 with three people.
#pragma once

#include "bot/core/timeline.hpp"

#include <date/date.h>

#include <string>

namespace hindsight::testing {

// 2026-11-24 hh:mm:ss UTC (day offsets via `day`).
inline Timestamp utc(int h, int m, int s = 0, int day = 24) {
    using namespace std::chrono;
    return Timestamp{date::sys_days{date::year{2026} / 11 / day}.time_since_epoch() + hours{h} + minutes{m} +
                     seconds{s}};
}

inline std::string person(const std::string& id) {
    if (id == "U1") return "Alice";
    if (id == "U2") return "Bob";
    if (id == "U3") return "Carol";
    return id;
}

inline RecordedMessage message(const std::string& id, const std::string& user, const std::string& text, Timestamp at) {
    RecordedMessage m;
    m.incident_id = 7;
    m.message_id = id;
    m.user_id = user;
    m.text = text;
    m.original_text = text;
    m.at = at;
    return m;
}

inline KeyEvent note(std::int64_t id, const std::string& user, const std::string& text, Timestamp at) {
    KeyEvent k;
    k.id = id;
    k.incident_id = 7;
    k.author_id = user;
    k.text = text;
    k.at = at;
    return k;
}

inline TimelineCuration curation(std::int64_t id, TimelineCuration::Kind kind, const std::string& key,
                                 const std::string& text = {}, std::optional<Timestamp> at = {}) {
    TimelineCuration c;
    c.id = id;
    c.incident_id = 7;
    c.kind = kind;
    c.entry_key = key;
    c.text = text;
    c.at = at;
    c.author_id = "U3";
    c.created_at = utc(16, 0);
    return c;
}

inline DraftInput base_input() {
    DraftInput in;
    in.incident.id = 7;
    in.incident.title = "Checkout errors";
    in.incident.severity = 2;
    in.incident.commander_id = "U1";
    in.incident.state = IncidentState::closed;
    in.incident.opened_at = utc(14, 0);
    in.incident.closed_at = utc(15, 0);
    in.display_name = person;
    in.settings.timezone = "UTC";
    in.now = utc(16, 0);
    return in;
}

}  // namespace hindsight::testing
