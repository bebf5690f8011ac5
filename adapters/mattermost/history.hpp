// Channel history from the REST API (GET /channels/{id}/posts), turned into
// neutral events: one page at a time for the close backfill (read and merged
// by adapters/chat/history.hpp) and the changes since a time for the
// WebSocket gap fill.
#pragma once

#include "adapters/chat/history.hpp"
#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/inbound.hpp"

#include <string>
#include <vector>

namespace hindsight::mattermost {

struct History {
    std::vector<ChatEvent> events;  // chronological
    bool complete = true;           // false when a page failed (events hold what was read)
    std::string error;              // why not complete
};

struct HistoryOptions {
    int per_page = 200;   // the server's cap
    int max_pages = 500;  // 100,000 posts: a bound, not an expectation
};

// Page `cursor` ("" = 0) of the channel's posts, newest first
// (page/per_page; `since=` is capped at 1000 posts and not contiguous). Its
// next_cursor is the next page, or empty when this page was empty or reaches
// back past `since`. Posts created before `since` contribute only their edits.
// Deleted posts are absent: `include_deleted` needs a system admin, so
// deletions are found by their absence from the complete history.
chat::PageResult history_page(Api& api, const ChannelRef& where, Timestamp since, const std::string& cursor,
                              const ParseContext& context, const HistoryOptions& options = {});

// What changed in the channel since `since_ms` (`since=`: new, edited and
// deleted posts), for filling a WebSocket gap.
History fetch_changes(Api& api, const ChannelRef& where, std::int64_t since_ms, const ParseContext& context);

}  // namespace hindsight::mattermost
