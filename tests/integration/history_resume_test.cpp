// A restart between `/incident close` and its history merge, on both
// platforms: the close commits and its draft goes out, the history read is
// held at the fake platform, the service is killed with SIGKILL, started
// again, and the draft is updated in place with the message the bot missed —
// once (docs/operations.md, "Reliability").
#include "tests/integration/mattermost_service.hpp"
#include "tests/integration/slack_service.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

const std::string live = "checkout 5xx rate at 18%, paging payments";
const std::string missed = "payments-db connections at 500/500, the pool is exhausted";

// How often `text` was recorded, and how many history merges are still owed.
std::pair<std::int64_t, std::int64_t> stored(const std::string& database, const std::string& text) {
    SQLite::Database db(database, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM messages WHERE text = ?");
    q.bind(1, text);
    q.executeStep();
    return {q.getColumn(0).getInt64(), db.execAndGet("SELECT count(*) FROM history_merges").getInt64()};
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("restart: slack — a history merge cut off by kill -9 runs after the restart, and updates the draft once") {
    test::SlackService svc;
    const std::string history = "/api/conversations.history";
    REQUIRE(svc.command("open Checkout errors sev:2").status == 200);
    auto live_message = test::user_message(test::slack_ts_now(), "U0ALICE", live);
    REQUIRE(svc.event("EvLIVE", live_message).status == 200);
    svc.slack.set_history(test::SlackService::channel,
                          {live_message, test::user_message(test::slack_ts_now(), "U0BOB", missed)});

    svc.slack.server().hold(history);
    REQUIRE(svc.command("close").status == 200);
    REQUIRE(svc.slack.server().wait_for_requests(history, 1, 20s));
    // The draft went out from what was recorded live; the merge is under way.
    auto draft_posted = [&] {
        for (const auto& p : svc.slack.posted())
            if (has(p.dump(), "Draft timeline")) return true;
        return false;
    };
    REQUIRE_MESSAGE(test::wait_until(draft_posted, 20s), svc.process->err());
    svc.kill9();
    svc.slack.server().release(history);

    svc.start();
    auto updated = [&] { return svc.slack.updated().size() == 1; };
    REQUIRE_MESSAGE(test::wait_until(updated, 20s), svc.process->err());
    REQUIRE_MESSAGE(svc.logged("draft updated in place"), svc.process->err());
    CHECK(has(svc.process->err(), "resuming the history merge of incident 1"));
    const auto update = svc.slack.updated()[0].dump();
    CHECK(has(update, "the pool is exhausted"));
    CHECK(has(update, "paging payments"));
    // The note in the draft's thread, once.
    REQUIRE(test::wait_until(
        [&] {
            for (const auto& p : svc.slack.posted())
                if (has(p.dump(), "Draft updated")) return true;
            return false;
        },
        20s));
    svc.stop();
    int notes = 0;
    for (const auto& p : svc.slack.posted()) notes += has(p.dump(), "Draft updated") ? 1 : 0;
    CHECK(notes == 1);
    CHECK(svc.slack.updated().size() == 1);
    CHECK(stored(svc.database(), missed) == std::pair<std::int64_t, std::int64_t>{1, 0});
}

TEST_CASE("restart: mattermost — a history merge cut off by kill -9 runs after the restart, and updates the draft "
          "once") {
    using namespace test::mm;
    MattermostService svc;
    const std::string history = "/api/v4/channels/" + std::string(channel_id) + "/posts";
    REQUIRE(svc.command("open Checkout errors sev:2", alice).status == 200);
    REQUIRE(svc.say("polive000000000000000000001", alice, live, now_ms()).status == 200);
    svc.site.add_post({"pomissed00000000000000002", channel_id, bob, "", missed, "", now_ms()});

    svc.site.server().hold(history);
    REQUIRE(svc.command("close", alice).status == 200);
    REQUIRE(svc.site.server().wait_for_requests(history, 1, 20s));
    REQUIRE_MESSAGE(svc.wait_for_post(channel_id, "Draft timeline"), svc.process->err());
    svc.kill9();
    svc.site.server().release(history);

    svc.start();
    REQUIRE_MESSAGE(test::wait_until([&] { return svc.site.patches().size() == 1; }, 20s), svc.process->err());
    REQUIRE_MESSAGE(svc.wait_for_log("draft updated in place"), svc.process->err());
    CHECK(svc.logged("resuming the history merge of incident 1"));
    const auto update = json::parse(svc.site.patches()[0].second).value("message", "");
    CHECK(has(update, "the pool is exhausted"));
    CHECK(has(update, "paging payments"));
    REQUIRE(svc.wait_for_post(channel_id, "Draft updated"));
    svc.stop();
    int notes = 0;
    for (const auto& post : svc.posts_in(channel_id)) notes += has(post.value("message", ""), "Draft updated") ? 1 : 0;
    CHECK(notes == 1);
    CHECK(svc.site.patches().size() == 1);
    CHECK(stored((svc.dir.path() / "mattermost.db").string(), missed) == std::pair<std::int64_t, std::int64_t>{1, 0});
}
