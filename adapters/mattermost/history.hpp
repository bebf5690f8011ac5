// Channel history from the REST API (GET /channels/{id}/posts), turned into
// neutral events for the bot to merge by message id: the close backfill and
// the WebSocket gap fill.
#pragma once

#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/inbound.hpp"

#include <string>
#include <vector>

namespace hindsight::mattermost {

struct History {
    std::vector<ChatEvent> events;  // chronological
    bool complete = true;           // false when a page failed (events hold what was read)
    std::string error;              // why not complete
    bool deleted_included = false;  // include_deleted=true was allowed (admin token)
};

struct HistoryOptions {
    int per_page = 200;    // the server's cap
    int max_pages = 500;   // 100,000 posts: a bound, not an expectation
    // include_deleted=true needs the read-deleted-posts permission (system
    // admin); without it the server answers 403 and we page again without.
    bool include_deleted = true;
};

// Posts of the channel created since `since` (plus edits and deletions the
// pages show), paging newest first with page/per_page until a page is empty
// or reaches back past `since`. Paging is used rather than `since=`, which is
// capped at 1000 posts and not guaranteed contiguous.
History fetch_history(Api& api, const ChannelRef& where, Timestamp since, const ParseContext& context,
                      const HistoryOptions& options = {});

// What changed in the channel since `since_ms` (`since=`: new, edited and
// deleted posts), for filling a WebSocket gap.
History fetch_changes(Api& api, const ChannelRef& where, std::int64_t since_ms, const ParseContext& context);

}  // namespace hindsight::mattermost
