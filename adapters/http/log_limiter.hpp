// Lets a warning through at most once per interval and counts what it held
// back, so a flood of bad clients cannot flood the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace hindsight::http {

class LogLimiter {
public:
    using clock = std::chrono::steady_clock;

    explicit LogLimiter(std::chrono::milliseconds interval = std::chrono::seconds(1)) : interval_(interval) {}

    // True when a line may be logged at `now`; `suppressed` is then the number
    // of lines held back since the last one allowed.
    bool allow(clock::time_point now, std::uint64_t& suppressed);
    bool allow(std::uint64_t& suppressed) { return allow(clock::now(), suppressed); }

private:
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    bool started_ = false;
    clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace hindsight::http
