#include "adapters/mattermost/history.hpp"
#include "tests/fakes/fake_mattermost.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;
using std::chrono::milliseconds;

namespace {

const ChannelRef where{Platform::mattermost, "tm1", "ch1"};
const ParseContext context{FakeMattermost::default_bot_user_id, ""};
constexpr std::int64_t opened_ms = 1700000000000;

fakes::FakeMattermostPost post(int n, std::int64_t at) {
    fakes::FakeMattermostPost p;
    p.id = "po" + std::to_string(n);
    p.channel_id = "ch1";
    p.user_id = "usalice";
    p.message = "message " + std::to_string(n);
    p.create_at = at;
    return p;
}

std::vector<std::string> message_ids(const std::vector<ChatEvent>& events) {
    std::vector<std::string> ids;
    for (const auto& e : events)
        if (auto* m = std::get_if<ChatMessage>(&e)) ids.push_back(m->message_id);
    return ids;
}

// The whole history as the close reads it: every page, in order.
std::optional<std::vector<ChatEvent>> read_all(Api& api, const HistoryOptions& options = {}) {
    chat::HistoryOptions reading;
    reading.wait = [](Duration) {};
    return chat::read_history(
        [&](const ChannelRef& w, Timestamp since, const std::string& cursor) {
            return history_page(api, w, since, cursor, context, options);
        },
        where, from_millis(opened_ms), reading, "test");
}

}  // namespace

TEST_CASE("history: pages newest first until it reaches back past the window, oldest first out") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    for (int i = 0; i < 5; ++i) fake.add_post(post(i, opened_ms - 5000 + i * 1000));  // before the incident
    for (int i = 5; i < 12; ++i) fake.add_post(post(i, opened_ms + i * 1000));
    Api api{fake.url(), FakeMattermost::default_bot_token};
    HistoryOptions options;
    options.per_page = 3;
    auto history = read_all(api, options);
    REQUIRE(history);
    CHECK(message_ids(*history) == std::vector<std::string>{"po5", "po6", "po7", "po8", "po9", "po10", "po11"});
    // 7 posts in the window at 3 per page: the third page reaches back past it; no fourth request.
    // include_deleted is never asked for: it needs a system admin.
    auto calls = fake.requests_to("/api/v4/channels/ch1/posts");
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].target == "/api/v4/channels/ch1/posts?page=0&per_page=3");
    CHECK(calls[2].target == "/api/v4/channels/ch1/posts?page=2&per_page=3");
    CHECK(std::get<ChatMessage>((*history)[0]).where == where);
}

TEST_CASE("history: stops on an empty page — edits come after the messages, deleted posts are absent") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    auto edited = post(1, opened_ms + 1000);
    edited.edit_at = edited.update_at = opened_ms + 9000;
    edited.message = "rolled back (edited)";
    fake.add_post(edited);
    auto deleted = post(2, opened_ms + 2000);
    deleted.delete_at = deleted.update_at = opened_ms + 8000;
    fake.add_post(deleted);
    fake.add_post(post(3, opened_ms + 3000));
    Api api{fake.url(), FakeMattermost::default_bot_token};
    auto history = read_all(api);
    REQUIRE(history);
    CHECK(fake.requests_to("/api/v4/channels/ch1/posts").size() == 2);  // the second page is empty
    REQUIRE(history->size() == 3);
    CHECK(message_ids(*history) == std::vector<std::string>{"po1", "po3"});
    CHECK(std::get<MessageEdited>((*history)[2]).new_text == "rolled back (edited)");
}

TEST_CASE("history: a rate-limited page is read again after the wait, a failing page fails the history") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    for (int i = 0; i < 4; ++i) fake.add_post(post(i, opened_ms + 1000 * (i + 1)));
    fake.rate_limit_next("/api/v4/channels/ch1/posts", 1, 2);
    Api api{fake.url(), FakeMattermost::default_bot_token};
    std::vector<Duration> waits;
    chat::HistoryOptions reading;
    reading.wait = [&](Duration d) { waits.push_back(d); };
    auto fetch = [&](const ChannelRef& w, Timestamp since, const std::string& cursor) {
        return history_page(api, w, since, cursor, context);
    };
    auto history = chat::read_history(fetch, where, from_millis(opened_ms), reading, "test");
    REQUIRE(history);
    CHECK(message_ids(*history).size() == 4);
    CHECK(waits == std::vector<Duration>{std::chrono::seconds{2}});

    fake.fail_next("/api/v4/channels/ch1/posts", 403, "api.context.permissions", "no");
    CHECK_FALSE(chat::read_history(fetch, where, from_millis(opened_ms), reading, "test"));
}

TEST_CASE("history: changes since a time (WebSocket gap) use since= and include edits of older posts") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    auto old_edited = post(1, opened_ms + 1000);
    old_edited.edit_at = old_edited.update_at = opened_ms + 60000;
    fake.add_post(old_edited);
    fake.add_post(post(2, opened_ms + 2000));   // before the gap, unchanged
    fake.add_post(post(3, opened_ms + 70000));  // in the gap
    Api api{fake.url(), FakeMattermost::default_bot_token};
    auto history = fetch_changes(api, where, opened_ms + 50000, context);
    CHECK(history.complete);
    auto calls = fake.requests_to("/api/v4/channels/ch1/posts");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].target == "/api/v4/channels/ch1/posts?since=1700000050000");
    REQUIRE(history.events.size() == 2);
    CHECK(std::get<MessageEdited>(history.events[0]).message_id == "po1");
    CHECK(std::get<ChatMessage>(history.events[1]).message_id == "po3");
}

TEST_CASE("history: a post made in the millisecond the incident opened is in the window") {
    // The bot's clock has microseconds, Mattermost's create_at milliseconds:
    // an incident opened 0.7 ms into a millisecond holds a post stamped with it.
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    fake.add_post(post(1, opened_ms - 1));
    fake.add_post(post(2, opened_ms));
    fake.add_post(post(3, opened_ms + 1));
    Api api{fake.url(), FakeMattermost::default_bot_token};
    chat::HistoryOptions reading;
    reading.wait = [](Duration) {};
    const Timestamp opened = from_millis(opened_ms) + std::chrono::microseconds{700};
    auto history = chat::read_history(
        [&](const ChannelRef& w, Timestamp since, const std::string& cursor) {
            return history_page(api, w, since, cursor, context);
        },
        where, opened, reading, "test");
    REQUIRE(history);
    CHECK(message_ids(*history) == std::vector<std::string>{"po2", "po3"});
}
