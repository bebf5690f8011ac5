#include "adapters/mattermost/history.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace hindsight::mattermost {

chat::PageResult history_page(Api& api, const ChannelRef& where, Timestamp since, const std::string& cursor,
                              const ParseContext& context, const HistoryOptions& options) {
    int page = 0;
    if (!cursor.empty()) std::from_chars(cursor.data(), cursor.data() + cursor.size(), page);
    if (page >= options.max_pages)
        return {{SendResult::Status::failed, "channel posts: stopped after " + std::to_string(options.max_pages) + " pages", {}, {}},
                std::nullopt};
    auto response = api.channel_posts_page(where.channel, page, options.per_page, false);
    if (!response.ok()) return {response.result("channel posts"), std::nullopt};
    PostList list;
    try {
        list = parse_post_list(response.body);
    } catch (const ParseError& e) {
        return {{SendResult::Status::failed, std::string("channel posts: ") + e.what(), {}, {}}, std::nullopt};
    }
    auto oldest = std::numeric_limits<std::int64_t>::max();
    for (const auto& id : list.order)
        if (auto it = list.posts.find(id); it != list.posts.end()) oldest = std::min(oldest, it->second.create_at);
    chat::HistoryPage out;
    out.events = post_list_events(list, where, context, since);
    if (!list.order.empty() && oldest >= to_millis(since)) out.next_cursor = std::to_string(page + 1);
    return {SendResult{}, std::move(out)};
}

History fetch_changes(Api& api, const ChannelRef& where, std::int64_t since_ms, const ParseContext& context) {
    History history;
    auto response = api.channel_posts_since(where.channel, since_ms);
    if (!response.ok()) {
        history.complete = false;
        history.error = "channel posts: " + response.describe();
        return history;
    }
    try {
        history.events = post_list_events(parse_post_list(response.body), where, context, from_millis(since_ms));
    } catch (const ParseError& e) {
        history.complete = false;
        history.error = e.what();
    }
    return history;
}

}  // namespace hindsight::mattermost
