// The Mattermost path through the real binary: slash commands and outgoing
// webhooks into `hindsight serve`, the close backfill from the REST history,
// the draft posted back through the outbox.
#include "tests/integration/mattermost_service.hpp"

#include <ctime>

using namespace hindsight;
using namespace hindsight::test::mm;

namespace {

// "**14:25 UTC**" as the timeline shows a post made at `ms`.
std::string clock_label(std::int64_t ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "**%H:%M UTC**", &tm);
    return buffer;
}

std::string line_with(const std::string& doc, const std::string& fragment) {
    auto at = doc.find(fragment);
    if (at == std::string::npos) return {};
    auto start = doc.rfind('\n', at);
    auto end = doc.find('\n', at);
    return doc.substr(start == std::string::npos ? 0 : start + 1, end == std::string::npos ? end : end - start - 1);
}

std::size_t occurrences(const std::string& text, const std::string& fragment) {
    std::size_t n = 0;
    for (auto at = text.find(fragment); at != std::string::npos; at = text.find(fragment, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("mattermost flow: slash command tokens in the field or the Authorization header, a wrong one is 401 and changes nothing") {
    MattermostService svc;

    auto forged = svc.command("open Forged incident", alice, "not-a-configured-token");
    CHECK(forged.status == 401);
    CHECK(forged.body.empty());
    auto forged_header = svc.command("open Forged incident", alice, "not-a-configured-token", true);
    CHECK(forged_header.status == 401);
    CHECK(forged_header.body.empty());
    CHECK(svc.wait_for_log("mattermost: /mattermost/commands: bad or missing token"));
    CHECK(svc.incidents().empty());
    // The webhook's token is not the command's, but both are configured tokens.
    CHECK(svc.command("status", alice, hook_token).status == 200);

    // Only the header carries the token: Mattermost sends both, a proxy may strip one.
    auto opened = svc.command("open Replica lag on orders-db sev:2", alice, command_token, true);
    REQUIRE(opened.status == 200);
    CHECK(opened.header("Content-Type").value_or("").starts_with("application/json"));
    CHECK(json::parse(opened.body)["response_type"] == "in_channel");

    auto status = svc.command("status");
    REQUIRE(status.status == 200);
    auto reply = json::parse(status.body);
    CHECK(reply["response_type"] == "ephemeral");
    CHECK(reply["text"].get<std::string>().find("Replica lag on orders-db") != std::string::npos);

    auto list = svc.incidents();
    REQUIRE(list.size() == 1);
    CHECK(list[0]["platform"] == "mattermost");
    CHECK(list[0]["team"] == team_id);
    CHECK(list[0]["channel"] == channel_id);
    CHECK(list[0]["state"] == "open");
    svc.stop();
}

TEST_CASE("mattermost flow: outgoing webhooks in JSON (ms) and form (s), a duplicate stored once, the bot's own posts and forged tokens dropped") {
    MattermostService svc;
    REQUIRE(svc.command("open Checkout errors").status == 200);

    auto t = now_ms();
    // The posts are in the channel (the close reads its history) and reach us by webhook.
    svc.site.add_post({"pojson00000000000000000001", channel_id, bob, "", "replica lag alert fired, 45s behind", "", t});
    svc.site.add_post({"poform00000000000000000002", channel_id, carol, "", "restarting the replication worker on db-2",
                       "", (t / 1000 + 61) * 1000});
    auto json_post = svc.hook_json("pojson00000000000000000001", bob, "replica lag alert fired, 45s behind", t);
    CHECK(json_post.status == 200);
    CHECK(json_post.body.empty());  // Mattermost would post any text back into the channel
    // Form bodies carry whole seconds: 61 s later in wall time.
    auto form_seconds = t / 1000 + 61;
    CHECK(svc.hook_form("poform00000000000000000002", carol, "restarting the replication worker on db-2",
                        form_seconds)
              .status == 200);
    // Mattermost retries a delivery it thought failed: same post_id.
    CHECK(svc.hook_json("pojson00000000000000000001", bob, "replica lag alert fired, 45s behind", t).status == 200);
    // The bot's own REST posts trigger the outgoing webhook too.
    CHECK(svc.hook_json("pobot000000000000000000003", svc.site.bot_user_id(), "bot echo must not be recorded", t + 10)
              .status == 200);
    auto forged = svc.hook_json("poforged000000000000000004", bob, "forged delivery must not be recorded", t + 20,
                                "not-a-configured-token");
    CHECK(forged.status == 401);
    CHECK(forged.body.empty());

    auto metrics = svc.client.send({"GET", svc.base + "/metrics", {}, {}});
    CHECK(metrics.body.find("hindsight_events_total{outcome=\"stored\"} 2") != std::string::npos);
    CHECK(metrics.body.find("hindsight_events_total{outcome=\"duplicate\"} 1") != std::string::npos);
    CHECK(metrics.body.find("hindsight_events_total{outcome=\"ignored\"} 1") != std::string::npos);

    REQUIRE(svc.command("close Replication worker stalled on a lock").status == 200);
    // Display names are looked up in the background (GET /users/{id}) and the
    // document is drafted from the store on each request: wait for both.
    std::string doc;
    CHECK(test::wait_until(
        [&] {
            doc = svc.closed_postmortem();
            return doc.find("Bob Builder") != std::string::npos && doc.find("Carol Danvers") != std::string::npos;
        },
        15s));
    CHECK(occurrences(doc, "replica lag alert fired") == 1);
    CHECK(doc.find("bot echo must not be recorded") == std::string::npos);
    CHECK(doc.find("forged delivery") == std::string::npos);
    // Each entry at the time it was posted: ms read as ms, seconds as seconds.
    auto json_line = line_with(doc, "replica lag alert fired");
    auto form_line = line_with(doc, "restarting the replication worker on db-2");
    CHECK_MESSAGE(json_line.find(clock_label(t)) != std::string::npos, json_line);
    CHECK_MESSAGE(form_line.find(clock_label(form_seconds * 1000)) != std::string::npos, form_line);
    // Names come from GET /users/{id}, not the webhook's user_name.
    CHECK(json_line.find("Bob Builder") != std::string::npos);
    CHECK(form_line.find("Carol Danvers") != std::string::npos);
    CHECK(svc.site.requests_to("/api/v4/users/me").size() >= 1);
    svc.stop();
}

TEST_CASE("mattermost flow: close backfills the channel history, so an edit, a deletion and a missed post reach the draft posted in the channel") {
    MattermostService svc;
    REQUIRE(svc.command("open Replica lag on orders-db").status == 200);

    auto t = now_ms();
    REQUIRE(svc.say("poalert0000000000000000001", alice, "replica lag alert fired, 45s behind", t).status == 200);
    REQUIRE(svc.say("porestart00000000000000002", bob, "restarting the replication worker on db-2", t + 1).status ==
            200);
    REQUIRE(svc.say("powrong0000000000000000003", carol, "wrong host, the graphs were for staging", t + 2).status ==
            200);
    // Later, in the web app: outgoing webhooks report neither edits nor deletions.
    REQUIRE(svc.site.edit_post("porestart00000000000000002", "restarting the replication worker on db-3", t + 3));
    REQUIRE(svc.site.delete_post("powrong0000000000000000003", t + 4));
    // A post the webhook never delivered (the bot was down, say), before the
    // close (a post after it is not part of the incident).
    svc.site.add_post({"pomissed000000000000000004", channel_id, carol, "", "failover to the standby finished", "",
                       now_ms()});

    auto closing = svc.command("close Replication worker stalled on a lock");
    REQUIRE(closing.status == 200);

    // The draft reaches the incident channel through the outbox (POST /posts)
    // from what the webhook delivered; the history changes it, and it is
    // patched in place.
    REQUIRE_MESSAGE(svc.wait_for_post(channel_id, "Draft timeline"), svc.process->err());
    REQUIRE_MESSAGE(test::wait_until([&] { return svc.site.patches().size() == 1; }, 20s), svc.process->err());
    auto patched = svc.site.post(svc.site.patches()[0].first);
    REQUIRE(patched.has_value());
    std::string draft = patched->message;
    CHECK(draft.find("Draft timeline") != std::string::npos);
    CHECK(draft.find("restarting the replication worker on db-3") != std::string::npos);
    CHECK(draft.find("db-2") == std::string::npos);
    CHECK(draft.find("wrong host") == std::string::npos);
    CHECK(draft.find("failover to the standby finished") != std::string::npos);

    // The history was read through REST with the ordinary bot token: deleted
    // posts are never asked for (that needs a system admin); the deletion was
    // found by the post's absence.
    auto history = svc.site.requests_to("/api/v4/channels/" + std::string(channel_id) + "/posts");
    REQUIRE_FALSE(history.empty());
    CHECK(history[0].target.find("include_deleted") == std::string::npos);
    CHECK(history[0].header("Authorization") == std::string("Bearer ") + svc.site.bot_token());

    // The command's own answer is its HTTP answer: the close does not wait for the history.
    CHECK(closing.body.find("Incident closed") != std::string::npos);

    auto doc = svc.closed_postmortem();
    CHECK(doc.find("restarting the replication worker on db-3") != std::string::npos);
    CHECK(doc.find("wrong host") == std::string::npos);
    CHECK(doc.find("failover to the standby finished") != std::string::npos);
    // Entries link back to their posts.
    CHECK(doc.find(svc.front.url() + "/" + team_name + "/pl/poalert0000000000000000001") != std::string::npos);
    svc.stop();
}
