#include "adapters/mattermost/history.hpp"

#include <algorithm>

namespace hindsight::mattermost {

namespace {

bool read_page(const ApiResponse& response, PostList& into, History& history, std::size_t& added,
               std::int64_t& oldest) {
    if (!response.ok()) {
        history.complete = false;
        history.error = "channel posts: " + response.describe();
        return false;
    }
    PostList page;
    try {
        page = parse_post_list(response.body);
    } catch (const ParseError& e) {
        history.complete = false;
        history.error = e.what();
        return false;
    }
    added = page.order.size();
    oldest = std::numeric_limits<std::int64_t>::max();
    for (const auto& id : page.order) {
        const auto& post = page.posts.at(id);
        oldest = std::min(oldest, post.create_at);
        // Pages may overlap when posts arrive while we read: keep each post once.
        if (into.posts.emplace(id, post).second) into.order.push_back(id);
    }
    return true;
}

}  // namespace

History fetch_history(Api& api, const ChannelRef& where, Timestamp since, const ParseContext& context,
                      const HistoryOptions& options) {
    History history;
    PostList all;
    const auto since_ms = to_millis(since);
    bool include_deleted = options.include_deleted;
    for (int page = 0; page < options.max_pages; ++page) {
        auto response = api.channel_posts_page(where.channel, page, options.per_page, include_deleted);
        if (include_deleted && response.status == 403) {
            include_deleted = false;  // not an admin token: live without deleted posts
            response = api.channel_posts_page(where.channel, page, options.per_page, false);
        }
        std::size_t added = 0;
        std::int64_t oldest = 0;
        if (!read_page(response, all, history, added, oldest)) break;
        if (added == 0 || oldest < since_ms) break;
        if (page + 1 == options.max_pages) {
            history.complete = false;
            history.error = "channel posts: stopped after " + std::to_string(options.max_pages) + " pages";
        }
    }
    history.deleted_included = include_deleted;
    history.events = post_list_events(all, where, context, since);
    return history;
}

History fetch_changes(Api& api, const ChannelRef& where, std::int64_t since_ms, const ParseContext& context) {
    History history;
    PostList list;
    std::size_t added = 0;
    std::int64_t oldest = 0;
    if (read_page(api.channel_posts_since(where.channel, since_ms), list, history, added, oldest))
        history.events = post_list_events(list, where, context, from_millis(since_ms));
    return history;
}

}  // namespace hindsight::mattermost
