// Time as the domain sees it: one timestamp type with microsecond precision
// (Slack ts carries microseconds) and an injected clock.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace hindsight {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
public:
    Timestamp now() const override;
};

// A clock that moves only when told to: the console's simulated time, and
// every test that needs a reminder or a window to pass.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start);
    Timestamp now() const override;
    void advance(Duration d);
    void set(Timestamp t);

private:
    mutable std::mutex mutex_;
    Timestamp now_;
};

// Microseconds since the epoch, the form stored in the database.
std::int64_t to_micros(Timestamp t);
Timestamp from_micros(std::int64_t us);

// "2026-11-24T11:41:43Z" (fraction only when non-zero: "...43.250Z").
std::string format_rfc3339(Timestamp t);

// Parses a relative duration: "90s", "30m", "12h", "3d", "1w", optionally
// prefixed with '+', and combinations like "1h30m". nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);

// Human-friendly rendering of a duration: "2h 14m", "3d 4h", "45s".
std::string format_duration(Duration d);

}  // namespace hindsight
