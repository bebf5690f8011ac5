// Live capture through the real binary: Mattermost's WebSocket stream in a
// private channel (where outgoing webhooks never fire), edits and deletions
// as they happen, and a dropped stream whose gap is filled through REST.
#include "tests/integration/mattermost_service.hpp"

using namespace hindsight;
using namespace hindsight::test::mm;

namespace {

fakes::FakeMattermostPost post(const std::string& id, const std::string& user, const std::string& text,
                               std::int64_t at) {
    return {id, channel_id, user, "", text, "", at};
}

// The draft as `/incident timeline` shows it while the incident is open: what
// was recorded live, before any close backfill.
std::string live_timeline(MattermostService& svc) {
    auto r = svc.command("timeline");
    if (r.status != 200) return {};
    return json::parse(r.body).value("text", "");
}

bool timeline_shows(MattermostService& svc, const std::function<bool(const std::string&)>& ready) {
    return test::wait_until([&] { return ready(live_timeline(svc)); }, 20s);
}

bool has(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

}  // namespace

TEST_CASE("mattermost live: a private-channel post, its edit and a deletion arrive over the WebSocket, the bot's own post does not count") {
    MattermostService svc(Options{.websocket = true, .channel_type = "P"});
    REQUIRE_MESSAGE(svc.front.wait_for_connections(1, 15s), svc.process->err());
    CHECK(svc.front.last_authorization() == std::string("Bearer ") + svc.site.bot_token());
    REQUIRE(svc.command("open Payments API timeouts").status == 200);

    auto t = now_ms();
    auto alert = post("poalert0000000000000000001", alice, "latency alert fired on payments-api", t);
    auto restart = post("porestart00000000000000002", bob, "restarting payments-api pods in zone a", t + 1000);
    auto wrong = post("powrong0000000000000000003", carol, "rolling back the wrong service", t + 2000);
    auto echo = post("poecho00000000000000000004", svc.site.bot_user_id(), "bot echo over the stream", t + 2500);
    svc.front.send(fakes::FakeMattermost::post_event("posted", alert, 1, "@alice", "P"));
    svc.front.send(fakes::FakeMattermost::post_event("posted", restart, 2, "@bob", "P"));
    svc.front.send(fakes::FakeMattermost::post_event("posted", wrong, 3, "@carol", "P"));
    svc.front.send(fakes::FakeMattermost::post_event("posted", echo, 4, "@hindsight", "P"));
    REQUIRE_MESSAGE(timeline_shows(svc, [](const std::string& t) {
                        return has(t, "latency alert fired") && has(t, "zone a") && has(t, "wrong service");
                    }),
                    live_timeline(svc));

    restart.message = "restarting payments-api pods in zone b";
    restart.edit_at = restart.update_at = t + 3000;
    wrong.delete_at = wrong.update_at = t + 4000;
    svc.front.send(fakes::FakeMattermost::post_event("post_edited", restart, 5, {}, "P"));
    svc.front.send(fakes::FakeMattermost::post_event("post_deleted", wrong, 6, {}, "P"));
    CHECK_MESSAGE(timeline_shows(svc, [](const std::string& t) {
                      return has(t, "zone b") && !has(t, "zone a") && !has(t, "wrong service");
                  }),
                  live_timeline(svc));
    CHECK_FALSE(has(live_timeline(svc), "bot echo"));
    // Names come from GET /users/{id} for stream-only authors too.
    CHECK_MESSAGE(timeline_shows(svc, [](const std::string& t) { return has(t, "Bob Builder"); }), live_timeline(svc));
    // Nothing came through webhooks or history: the stream alone carried it.
    CHECK(svc.site.requests_to("/api/v4/channels/" + std::string(channel_id) + "/posts").empty());
    // The private channel's team came from GET /channels/{id}.
    CHECK_FALSE(svc.site.requests_to("/api/v4/channels/" + std::string(channel_id)).empty());
    svc.stop();
}

TEST_CASE("mattermost live: a dropped stream reconnects and the gap is filled from the REST history") {
    MattermostService svc(Options{.websocket = true, .channel_type = "P"});
    REQUIRE_MESSAGE(svc.front.wait_for_connections(1, 15s), svc.process->err());
    REQUIRE(svc.command("open Search index lagging").status == 200);

    auto t = now_ms();
    auto first = post("pofirst0000000000000000001", alice, "indexer queue depth alert fired", t);
    svc.site.add_post(first);
    svc.front.send(fakes::FakeMattermost::post_event("posted", first, 1, "@alice", "P"));
    REQUIRE(timeline_shows(svc, [](const std::string& t) { return has(t, "indexer queue depth alert"); }));

    // The outage: the connection dies, and meanwhile people keep talking.
    svc.site.add_post(post("pomissed000000000000000002", bob, "restarting the indexer workers", t + 1000));
    svc.site.add_post(post("pomissed000000000000000003", carol, "failover to the replica index done", t + 2000));
    svc.front.drop();

    REQUIRE_MESSAGE(svc.front.wait_for_connections(2, 30s), svc.process->err());
    CHECK_MESSAGE(timeline_shows(svc, [](const std::string& t) {
                      return has(t, "restarting the indexer workers") && has(t, "failover to the replica index done");
                  }),
                  live_timeline(svc));
    // Filled with since=<the millisecond before the last change seen>, not by
    // replaying the whole channel.
    bool filled_since = false;
    for (const auto& r : svc.site.requests_to("/api/v4/channels/" + std::string(channel_id) + "/posts"))
        filled_since = filled_since || r.target.find("since=" + std::to_string(t - 1)) != std::string::npos;
    CHECK(filled_since);

    // Live again after the reconnect.
    auto after = post("poafter0000000000000000004", alice, "queue depth back to normal", t + 3000);
    svc.front.send(fakes::FakeMattermost::post_event("posted", after, 1, "@alice", "P"));
    CHECK(timeline_shows(svc, [](const std::string& t) { return has(t, "queue depth back to normal"); }));
    svc.stop();
}
