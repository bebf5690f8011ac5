// Which display-name look-ups are due. A name is asked for once per (team,
// user) and then again only after `ttl`: a renamed user shows up under the
// new name within the hour, and a busy channel costs one call per person per
// hour, not one per message. It stores no names (the store does); driven by
// the injected Clock.
#pragma once

#include "bot/core/time.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace hindsight::chat {

class NameCache {
public:
    static constexpr Duration default_ttl = std::chrono::hours{1};

    explicit NameCache(const Clock& clock, Duration ttl = default_ttl);

    // True when (team, user) has not been asked about within the ttl; from
    // then on it counts as asked (so one burst of messages makes one call).
    bool claim(const std::string& team, const std::string& user);
    // The look-up failed in a way that may pass later: the next message asks again.
    void forget(const std::string& team, const std::string& user);

private:
    const Clock& clock_;
    Duration ttl_;
    std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, Timestamp> asked_;  // (team, user) → when
    std::size_t prune_at_ = 1024;
};

}  // namespace hindsight::chat
