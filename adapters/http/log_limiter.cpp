#include "adapters/http/log_limiter.hpp"

namespace hindsight::http {

bool LogLimiter::allow(clock::time_point now, std::uint64_t& suppressed) {
    std::lock_guard lock(mutex_);
    if (started_ && now - last_ < interval_) {
        ++suppressed_;
        return false;
    }
    started_ = true;
    last_ = now;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
}

}  // namespace hindsight::http
