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

}  // namespace

TEST_CASE("history: pages newest first until it reaches back past the window, oldest first out") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    for (int i = 0; i < 5; ++i) fake.add_post(post(i, opened_ms - 5000 + i * 1000));  // before the incident
    for (int i = 5; i < 12; ++i) fake.add_post(post(i, opened_ms + i * 1000));
    Api api{fake.url(), FakeMattermost::default_bot_token};
    HistoryOptions options;
    options.per_page = 3;
    auto history = fetch_history(api, where, from_millis(opened_ms), context, options);
    CHECK(history.complete);
    CHECK(history.deleted_included);
    CHECK(message_ids(history.events) ==
          std::vector<std::string>{"po5", "po6", "po7", "po8", "po9", "po10", "po11"});
    // 7 posts in the window at 3 per page: the third page reaches back past it; no fourth request.
    auto calls = fake.requests_to("/api/v4/channels/ch1/posts");
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].target == "/api/v4/channels/ch1/posts?page=0&per_page=3&include_deleted=true");
    CHECK(calls[2].target == "/api/v4/channels/ch1/posts?page=2&per_page=3&include_deleted=true");
    CHECK(std::get<ChatMessage>(history.events[0]).where == where);
}

TEST_CASE("history: stops on an empty page — edits and deletions reconciled") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    auto edited = post(1, opened_ms + 1000);
    edited.edit_at = edited.update_at = opened_ms + 9000;
    edited.message = "rolled back (edited)";
    fake.add_post(edited);
    auto deleted = post(2, opened_ms + 2000);
    deleted.delete_at = deleted.update_at = opened_ms + 8000;
    fake.add_post(deleted);
    Api api{fake.url(), FakeMattermost::default_bot_token};
    auto history = fetch_history(api, where, from_millis(opened_ms), context);
    CHECK(history.complete);
    CHECK(fake.requests_to("/api/v4/channels/ch1/posts").size() == 2);  // the second page is empty
    REQUIRE(history.events.size() == 4);
    CHECK(std::get<MessageEdited>(history.events[1]).new_text == "rolled back (edited)");
    CHECK(std::get<MessageDeleted>(history.events[3]).message_id == "po2");
}

TEST_CASE("history: without the include_deleted permission (403) it pages on without deleted posts") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    fake.forbid_include_deleted(true);
    fake.add_post(post(1, opened_ms + 1000));
    auto deleted = post(2, opened_ms + 2000);
    deleted.delete_at = opened_ms + 3000;
    fake.add_post(deleted);
    Api api{fake.url(), FakeMattermost::default_bot_token};
    auto history = fetch_history(api, where, from_millis(opened_ms), context);
    CHECK(history.complete);
    CHECK_FALSE(history.deleted_included);
    CHECK(message_ids(history.events) == std::vector<std::string>{"po1"});
}

TEST_CASE("history: a failing page leaves what was read and says why") {
    FakeMattermost fake;
    fake.add_channel("ch1", "tm1");
    for (int i = 0; i < 4; ++i) fake.add_post(post(i, opened_ms + 1000 * (i + 1)));
    fake.server().fail_next("/api/v4/channels/ch1/posts",
                            {fakes::FakeResponse::json(200, R"({"order":["po3","po2"],"posts":{"po3":{"id":"po3","channel_id":"ch1","user_id":"u","create_at":1700000004000},"po2":{"id":"po2","channel_id":"ch1","user_id":"u","create_at":1700000003000}}})"),
                             fakes::FakeResponse::json(500, FakeMattermost::error_json(500, "app.x", "boom"))});
    Api api{fake.url(), FakeMattermost::default_bot_token};
    HistoryOptions options;
    options.per_page = 2;
    auto history = fetch_history(api, where, from_millis(opened_ms), context, options);
    CHECK_FALSE(history.complete);
    CHECK(history.error == "channel posts: HTTP 500 app.x: boom");
    CHECK(message_ids(history.events) == std::vector<std::string>{"po2", "po3"});
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
