// Records and helpers shared by the storage tests.
#pragma once

#include "bot/core/incident.hpp"
#include "bot/core/ports.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>

namespace hindsight::storage_test {

using namespace std::chrono_literals;

// 2026-03-01T12:00:00Z, with a sub-second part so precision loss would show.
inline const Timestamp kT0 = from_micros(1'772'366'400'000'000LL + 123'456);

inline ChannelRef channel(const std::string& id = "C1", const std::string& team = "T1",
                          Platform platform = Platform::slack) {
    return ChannelRef{platform, team, id};
}

inline Incident incident(const ChannelRef& where = channel(), const std::string& title = "API down") {
    Incident i;
    i.where = where;
    i.title = title;
    i.severity = 2;
    i.commander_id = "U1";
    i.commander_name = "alice";
    i.opened_at = kT0;
    return i;
}

inline RecordedMessage message(std::int64_t incident_id, const std::string& id, Timestamp at,
                               const std::string& text = "restarting the api") {
    RecordedMessage m;
    m.incident_id = incident_id;
    m.message_id = id;
    m.user_id = "U2";
    m.user_name = "bob";
    m.text = text;
    m.at = at;
    m.permalink = "https://example.slack.com/archives/C1/p" + id;
    return m;
}

inline ActionItem action(std::int64_t incident_id, Timestamp due, const std::string& text = "add a lag alert") {
    ActionItem a;
    a.incident_id = incident_id;
    a.owner_id = "U3";
    a.owner_name = "carol";
    a.text = text;
    a.due_at = due;
    a.created_at = kT0;
    a.created_by = "U1";
    return a;
}

// Waits (bounded) for a future; fails the test instead of hanging.
template <typename T>
T await(std::future<T>& f, std::chrono::seconds limit = 20s) {
    REQUIRE(f.wait_for(limit) == std::future_status::ready);
    return f.get();
}

}  // namespace hindsight::storage_test
