#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/websocket.hpp"
#include "tests/fakes/fake_mattermost.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;
using hindsight::fakes::FakeMattermostSocket;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t base_ms = 1800000000000;

std::string posted(std::int64_t seq, const std::string& id, std::int64_t at, const std::string& user = "usalice") {
    json post{{"id", id},       {"channel_id", "ch1"}, {"user_id", user}, {"root_id", ""}, {"message", "text of " + id},
              {"create_at", at}, {"update_at", at},     {"edit_at", 0},    {"delete_at", 0}, {"type", ""}};
    return json{{"event", "posted"},
                {"data", {{"post", post.dump()}, {"sender_name", "@alice"}, {"channel_type", "P"}}},
                {"broadcast", {{"channel_id", "ch1"}, {"team_id", ""}}},
                {"seq", seq}}
        .dump();
}

// Collects what the stream delivers; waits are bounded.
struct Sink {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<ChatEvent> events;

    void operator()(const ChatEvent& e) {
        std::lock_guard lock(mutex);
        events.push_back(e);
        changed.notify_all();
    }
    bool wait_for(std::size_t n) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return events.size() >= n; });
    }
    std::vector<std::string> ids() {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto& e : events) out.push_back(std::visit([](auto& x) { return x.message_id; }, e));
        return out;
    }
};

struct Rig {
    FakeMattermost rest;
    FakeMattermostSocket socket;
    Api api{rest.url(), FakeMattermost::default_bot_token};
    Sink sink;
    std::unique_ptr<LiveStream> stream;

    explicit Rig(std::string token = FakeMattermost::default_bot_token) {
        rest.add_channel("ch1", "tm1", "P");
        StreamOptions options;
        options.site_url = socket.url();
        options.bot_token = std::move(token);
        options.initial_backoff = milliseconds(20);
        options.max_backoff = milliseconds(100);
        stream = std::make_unique<LiveStream>(options, ParseContext{FakeMattermost::default_bot_user_id, ""}, &api,
                                              [this](const ChatEvent& e) { sink(e); });
        stream->start();
    }
};

}  // namespace

TEST_CASE("websocket: Bearer upgrade, hello, then posts arrive with the channel's team") {
    Rig rig;
    REQUIRE(rig.socket.wait_for_connections(1, std::chrono::seconds(10)));
    CHECK(rig.socket.last_authorization() == std::string("Bearer ") + FakeMattermost::default_bot_token);
    rig.socket.send(posted(1, "po5", base_ms + 5000));
    REQUIRE(rig.sink.wait_for(1));
    auto& m = std::get<ChatMessage>(rig.sink.events.at(0));
    CHECK(m.where == ChannelRef{Platform::mattermost, "tm1", "ch1"});  // resolved via GET /channels/ch1
    CHECK(m.message_id == "po5");
    CHECK(m.user_name == "alice");
    CHECK(m.at == Timestamp{milliseconds{base_ms + 5000}});
    CHECK(rig.stream->sessions() == 1);
    // A second post in the channel needs no second lookup.
    rig.socket.send(posted(2, "po6", base_ms + 6000));
    REQUIRE(rig.sink.wait_for(2));
    CHECK(rig.rest.requests_to("/api/v4/channels/ch1").size() == 1);
    CHECK(rig.stream->gap_fills() == 0);
}

TEST_CASE("websocket: a refused token never gets a session and keeps retrying with backoff") {
    Rig rig("not-the-token");
    REQUIRE(rig.socket.wait_for_rejected(3, std::chrono::seconds(10)));
    CHECK(rig.socket.connections() == 0);
    CHECK(rig.stream->sessions() == 0);
    rig.stream->stop();
    CHECK(rig.sink.ids().empty());
}

TEST_CASE("websocket: after a dropped connection it reconnects and fills the gap from the last millisecond seen") {
    Rig rig;
    REQUIRE(rig.socket.wait_for_connections(1, std::chrono::seconds(10)));
    rig.socket.send(posted(1, "po5", base_ms + 5000));
    REQUIRE(rig.sink.wait_for(1));
    // Posted while the bot is away (added first so the fill can't miss it),
    // one of them in the millisecond of the last post seen.
    rig.rest.add_post({"po6", "ch1", "usalice", "", "missed", "", base_ms + 7000});
    rig.rest.add_post({"po7", "ch1", "usbob", "", "same millisecond", "", base_ms + 5000});
    rig.socket.drop();
    REQUIRE(rig.socket.wait_for_connections(2, std::chrono::seconds(10)));
    REQUIRE(rig.sink.wait_for(3));
    CHECK(rig.sink.ids() == std::vector<std::string>{"po5", "po7", "po6"});
    // since= is exclusive: asking from the millisecond before the last post
    // seen may repeat that post, which the store ignores by its id.
    auto fills = rig.rest.requests_to("/api/v4/channels/ch1/posts");
    REQUIRE(fills.size() == 1);
    CHECK(fills[0].target == "/api/v4/channels/ch1/posts?since=" + std::to_string(base_ms + 4999));
    CHECK(rig.stream->sessions() == 2);
}

TEST_CASE("websocket: a seq jump fills the gap before the newer event") {
    Rig rig;
    REQUIRE(rig.socket.wait_for_connections(1, std::chrono::seconds(10)));
    rig.socket.send(posted(1, "po5", base_ms + 5000));
    REQUIRE(rig.sink.wait_for(1));
    rig.rest.add_post({"po6", "ch1", "usalice", "", "lost on the wire", "", base_ms + 6000});
    rig.socket.send(posted(3, "po7", base_ms + 7000));  // seq 2 never came
    REQUIRE(rig.sink.wait_for(3));
    CHECK(rig.sink.ids() == std::vector<std::string>{"po5", "po6", "po7"});
    CHECK(rig.stream->gap_fills() == 1);
}

TEST_CASE("websocket: the bot's own posts are marked, system posts too") {
    Rig rig;
    REQUIRE(rig.socket.wait_for_connections(1, std::chrono::seconds(10)));
    rig.socket.send(posted(1, "po5", base_ms, FakeMattermost::default_bot_user_id));
    REQUIRE(rig.sink.wait_for(1));
    CHECK(std::get<ChatMessage>(rig.sink.events.at(0)).origin == Origin::bot);
}

TEST_CASE("websocket: stop() ends a live session promptly and is idempotent") {
    Rig rig;
    REQUIRE(rig.socket.wait_for_connections(1, std::chrono::seconds(10)));
    rig.socket.send(posted(1, "po5", base_ms));
    REQUIRE(rig.sink.wait_for(1));  // the session is live
    rig.stream->stop();
    rig.stream->stop();
    CHECK(rig.stream->sessions() == 1);
    CHECK(rig.sink.ids() == std::vector<std::string>{"po5"});
}
