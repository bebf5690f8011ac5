#include "adapters/chat/name_cache.hpp"

#include <algorithm>

namespace hindsight::chat {

NameCache::NameCache(const Clock& clock, Duration ttl) : clock_(clock), ttl_(ttl) {}

bool NameCache::claim(const std::string& team, const std::string& user) {
    auto now = clock_.now();
    std::lock_guard lock(mutex_);
    // Expired entries are dropped now and then, so people who left the
    // incident channels do not stay in memory forever.
    if (asked_.size() >= prune_at_) {
        std::erase_if(asked_, [&](const auto& entry) { return now - entry.second >= ttl_; });
        prune_at_ = std::max<std::size_t>(1024, asked_.size() * 2);
    }
    auto [it, inserted] = asked_.try_emplace({team, user}, now);
    if (inserted) return true;
    if (now - it->second < ttl_) return false;
    it->second = now;
    return true;
}

void NameCache::forget(const std::string& team, const std::string& user) {
    std::lock_guard lock(mutex_);
    asked_.erase({team, user});
}

}  // namespace hindsight::chat
