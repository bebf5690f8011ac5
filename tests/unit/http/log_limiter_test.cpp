#include "adapters/http/log_limiter.hpp"

#include <doctest/doctest.h>

using namespace hindsight::http;
using namespace std::chrono_literals;

TEST_CASE("log limiter: one line per interval, then reports how many it held back") {
    LogLimiter limiter(1000ms);
    LogLimiter::clock::time_point t0{};
    std::uint64_t suppressed = 99;
    CHECK(limiter.allow(t0 + 5s, suppressed));
    CHECK(suppressed == 0);
    CHECK_FALSE(limiter.allow(t0 + 5s + 1ms, suppressed));
    CHECK_FALSE(limiter.allow(t0 + 5s + 999ms, suppressed));
    CHECK(limiter.allow(t0 + 6s, suppressed));
    CHECK(suppressed == 2);
    CHECK(limiter.allow(t0 + 8s, suppressed));
    CHECK(suppressed == 0);
}
