// Recording a Slack incident through the real binary (issue 3): signed
// commands and Events API deliveries into `hindsight serve`, the timeline
// drafted at close and posted to the fake Slack Web API as Block Kit, the
// signature window and body check, rate limits and server errors on the way
// out, and an outbox row that survives kill -9.
// (platform_faults_test.cpp covers dead letters, resets and hangs; here the
// retry *timing* is measured from the fake's arrival times.)
#include "tests/integration/slack_service.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>

using namespace std::chrono_literals;
using namespace hindsight;
using hindsight::test::SlackService;
using hindsight::test::unix_now;
using hindsight::test::user_message;
using nlohmann::json;

namespace {

// The chat.postMessage bodies to `channel` that carry `needle`.
std::vector<json> posts_with(const fakes::FakeSlack& slack, const std::string& channel, const std::string& needle) {
    std::vector<json> out;
    for (const auto& p : slack.posted())
        if (p.value("channel", "") == channel && p.dump().find(needle) != std::string::npos) out.push_back(p);
    return out;
}

std::string section_text(const json& post) {
    std::string all;
    for (const auto& b : post["blocks"])
        if (b["type"] == "section") all += b["text"]["text"].get<std::string>() + "\n";
    return all;
}

}  // namespace

TEST_CASE("slack recording: retries, edits, deletions, bots and threads end up right in the posted timeline") {
    SlackService svc;
    REQUIRE(svc.command("open Checkout 500s sev:2").status == 200);

    // Message times a second after the open, as the channel would have them.
    auto t = std::to_string(unix_now() + 1);
    auto ts = [&](int n) { return t + ".00" + std::to_string(1000 + n); };
    auto first = user_message(ts(1), "U0ALICE", "checkout error rate alert fired at 5 percent");
    CHECK(svc.event("Ev0001", first).status == 200);
    // Slack's retry of the same delivery: same event_id, X-Slack-Retry-Num.
    CHECK(svc.event("Ev0001", first, {{"X-Slack-Retry-Num", "1"}, {"X-Slack-Retry-Reason", "http_timeout"}}).status ==
          200);
    CHECK(svc.event("Ev0002", user_message(ts(2), "U0BOB", "rolling back the payment deploy")).status == 200);
    CHECK(svc.event("Ev0003", user_message(ts(3), "U0CAROL", "wrong channel sorry, meant for lunch plans")).status ==
          200);
    CHECK(svc.event("Ev0004", {{"type", "message"}, {"subtype", "bot_message"}, {"bot_id", "B0PAGER"},
                               {"username", "pager"}, {"text", "PAGER BOT triggered incident 4711"}, {"ts", ts(4)}})
              .status == 200);
    auto reply = user_message(ts(5), "U0DAVE", "the alert threshold was lowered last week in config");
    reply["thread_ts"] = ts(1);
    CHECK(svc.event("Ev0005", reply).status == 200);
    // The edit: message_changed carries the original ts in event.message.
    CHECK(svc.event("Ev0006", {{"type", "message"}, {"subtype", "message_changed"}, {"hidden", true},
                               {"ts", ts(6)}, {"event_ts", ts(6)},
                               {"message", {{"type", "message"}, {"user", "U0BOB"},
                                            {"text", "rolling back payments deploy v142 to v141"}, {"ts", ts(2)},
                                            {"edited", {{"user", "U0BOB"}, {"ts", ts(6)}}}}},
                               {"previous_message", {{"type", "message"}, {"user", "U0BOB"},
                                                     {"text", "rolling back the payment deploy"}, {"ts", ts(2)}}}})
              .status == 200);
    CHECK(svc.event("Ev0007", {{"type", "message"}, {"subtype", "message_deleted"}, {"hidden", true},
                               {"ts", ts(7)}, {"event_ts", ts(7)}, {"deleted_ts", ts(3)}})
              .status == 200);
    CHECK(svc.event("Ev0008", user_message(ts(8), "U0ALICE", "error rate back to normal after the rollback")).status ==
          200);
    // What conversations.history returns at close: the channel as it is now
    // (edited text, no deleted message, no thread replies, the bot's post).
    svc.slack.set_history(SlackService::channel,
                          {user_message(ts(1), "U0ALICE", "checkout error rate alert fired at 5 percent"),
                           [&] {
                               auto m = user_message(ts(2), "U0BOB", "rolling back payments deploy v142 to v141");
                               m["edited"] = {{"user", "U0BOB"}, {"ts", ts(6)}};
                               return m;
                           }(),
                           {{"type", "message"}, {"subtype", "bot_message"}, {"bot_id", "B0PAGER"},
                            {"text", "PAGER BOT triggered incident 4711"}, {"ts", ts(4)}},
                           user_message(ts(8), "U0ALICE", "error rate back to normal after the rollback")});

    CHECK(svc.metric("hindsight_events_total{outcome=\"duplicate\"}") == 1);
    REQUIRE(svc.command("close Payment deploy v142 broke checkout").status == 200);

    REQUIRE_MESSAGE(test::wait_until([&] { return !posts_with(svc.slack, SlackService::channel, "Draft timeline").empty(); },
                                     20s),
                    svc.process->err());
    auto drafts = posts_with(svc.slack, SlackService::channel, "Draft timeline");
    REQUIRE(drafts.size() == 1);
    const json& post = drafts[0];
    REQUIRE(post.contains("blocks"));
    CHECK(post["blocks"].size() <= 50);
    CHECK(post["text"].get<std::string>().find("Draft timeline") != std::string::npos);  // the fallback
    auto text = section_text(post);
    auto at = [&](const std::string& needle) { return text.find(needle); };
    // The right entries, in order: edited text, the thread reply, no
    // deleted message, no bot post, the retried message once.
    auto alert = at("checkout error rate alert fired");
    auto rollback = at("rolling back payments deploy v142 to v141");
    auto thread = at("the alert threshold was lowered last week");
    auto recovered = at("error rate back to normal");
    REQUIRE(alert != std::string::npos);
    REQUIRE(rollback != std::string::npos);
    REQUIRE(thread != std::string::npos);
    REQUIRE(recovered != std::string::npos);
    CHECK(alert < rollback);
    CHECK(rollback < thread);
    CHECK(thread < recovered);
    CHECK(text.find("checkout error rate alert fired", alert + 1) == std::string::npos);
    CHECK(at("rolling back the payment deploy") == std::string::npos);
    CHECK(at("lunch plans") == std::string::npos);
    CHECK(at("PAGER BOT") == std::string::npos);
}

TEST_CASE("slack recording: a stale timestamp or an altered body is 401 and stores nothing") {
    SlackService svc;
    // A command signed six minutes ago: no incident is opened.
    auto stale_open = svc.command_body("open Stale replay", "U0EVE");
    CHECK(svc.post("/slack/commands", stale_open, "application/x-www-form-urlencoded", {}, unix_now() - 360).status ==
          401);
    auto list = svc.get("/incidents");
    REQUIRE(list.status == 200);
    CHECK(json::parse(list.body)["incidents"].empty());

    REQUIRE(svc.command("open Replay attempts").status == 200);
    auto t = std::to_string(unix_now());
    auto stale = SlackService::envelope("Ev1", user_message(t + ".000100", "U0EVE", "stale replayed message"));
    CHECK(svc.post("/slack/events", stale, "application/json", {}, unix_now() - 301).status == 401);
    // Signed correctly, then altered on the way.
    auto original = SlackService::envelope("Ev2", user_message(t + ".000200", "U0EVE", "harmless words"));
    auto headers = test::slack_headers(SlackService::secret, unix_now(), original, "application/json");
    auto altered = original;
    altered.replace(altered.find("harmless words"), 14, "ALTERED  WORDS");
    CHECK(svc.client.send({"POST", svc.base + "/slack/events", headers, altered}).status == 401);
    CHECK(svc.event("Ev3", user_message(t + ".000300", "U0BOB", "the one genuine message")).status == 200);
    CHECK(svc.metric("hindsight_events_total{outcome=\"stored\"}") == 1);
    CHECK(svc.metric("hindsight_http_requests_total{route=\"/slack/events\",status=\"401\"}") == 2);

    REQUIRE(svc.command("close").status == 200);
    auto id = [&] {
        auto incidents = json::parse(svc.get("/incidents").body)["incidents"];
        REQUIRE(incidents.size() == 1);
        return incidents[0]["id"].get<long long>();
    }();
    auto doc = svc.get("/incidents/" + std::to_string(id) + "/postmortem.md");
    REQUIRE(doc.status == 200);
    CHECK(doc.body.find("the one genuine message") != std::string::npos);
    CHECK(doc.body.find("stale replayed message") == std::string::npos);
    CHECK(doc.body.find("ALTERED") == std::string::npos);
    CHECK(doc.body.find("harmless words") == std::string::npos);
}

TEST_CASE("slack recording: a 429 is retried no sooner than Retry-After, a 500 is retried, the post lands once") {
    SlackService svc;
    const std::string path = "/api/chat.postMessage";
    auto limited = fakes::FakeResponse::json(429, R"({"ok":false,"error":"ratelimited"})");
    limited.headers = {{"Retry-After", "2"}};
    svc.slack.server().fail_next(path, {limited, fakes::FakeResponse::json(500, R"({"ok":false})")});

    REQUIRE(svc.command("open Rate limited draft").status == 200);
    REQUIRE(svc.command("close").status == 200);
    REQUIRE_MESSAGE(svc.slack.server().wait_for_requests(path, 3, 30s), svc.process->err());
    REQUIRE(test::wait_until([&] { return posts_with(svc.slack, SlackService::channel, "Draft timeline").size() == 1; },
                             10s));
    auto calls = svc.slack.calls("chat.postMessage");
    REQUIRE(calls.size() == 3);
    auto waited = calls[1].received_at - calls[0].received_at;
    CHECK_MESSAGE(waited >= 2s, std::chrono::duration<double>(waited).count());
    CHECK(calls[2].received_at > calls[1].received_at);
    CHECK(calls[2].body == calls[0].body);  // the same message, not a new one
    CHECK(test::wait_until([&] { return svc.metric("hindsight_outbox_pending") == 0; }, 10s));
    CHECK(posts_with(svc.slack, SlackService::channel, "Draft timeline").size() == 1);
}

TEST_CASE("slack recording: an undelivered outbox row survives kill -9 and is delivered exactly once") {
    SlackService svc;
    const std::string path = "/api/chat.postMessage";
    // Slack hangs: the draft's delivery is in flight when the bot dies.
    auto hang = fakes::FakeResponse::json(200, R"({"ok":true})");
    hang.delay = 60s;
    svc.slack.server().fail_next(path, {hang});

    REQUIRE(svc.command("open Survives a crash").status == 200);
    REQUIRE(svc.command("close").status == 200);
    REQUIRE_MESSAGE(svc.slack.server().wait_for_requests(path, 1, 20s), svc.process->err());
    // The draft (the reply to `close` was its answer).
    CHECK(svc.metric("hindsight_outbox_pending") == 1);
    svc.kill9();
    CHECK(svc.slack.posted().empty());

    // The fake is healthy now; the restarted bot delivers the row it kept.
    svc.start();
    REQUIRE_MESSAGE(
        test::wait_until([&] { return posts_with(svc.slack, SlackService::channel, "Draft timeline").size() == 1; },
                         30s),
        svc.process->err());
    REQUIRE(test::wait_until([&] { return svc.metric("hindsight_outbox_pending") == 0; }, 10s));
    // Delivered and marked so: nothing is left to send it again.
    CHECK(posts_with(svc.slack, SlackService::channel, "Draft timeline").size() == 1);
    CHECK(svc.slack.calls("chat.postMessage").size() == 2);  // the hung attempt and the delivery
    CHECK(svc.metric("hindsight_outbox_dead") == 0);
}
