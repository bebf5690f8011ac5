// Two `hindsight serve` replicas on one PostgreSQL database (the throw-away
// test server), each behind its own Slack fake: a Slack retry landing on the
// other replica is a duplicate, a close received by either drafts and posts
// once, both report ready, losing the database turns /readyz to 503 and
// recovery needs no restart — and the database password never shows.
#include "tests/integration/slack_service.hpp"
#include "tests/support/postgres_server.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace hindsight;
using hindsight::test::SlackService;
using hindsight::test::unix_now;
using hindsight::test::user_message;
using nlohmann::json;

namespace {

// Accepted and ignored by the test server (trust authentication): it is here
// to be looked for in everything the replicas print.
const std::string kPassword = "Pg-Repl1ca-SECRET";

int count_in(const SlackService& svc, const std::string& needle) {
    int n = 0;
    for (const auto& post : svc.slack.posted()) n += post.dump().find(needle) != std::string::npos;
    for (const auto& r : svc.slack.responses()) n += r.dump().find(needle) != std::string::npos;
    return n;
}

int readyz(SlackService& svc) { return svc.client.send({"GET", svc.base + "/readyz", {}, {}}).status; }

}  // namespace

TEST_CASE("replicas: two services on one PostgreSQL database share incidents, dedupe, deliver once, recover") {
    auto url = test::postgres_database();
    if (!url) return;
    const json storage = {{"storage", {{"backend", "postgres"}, {"url", *url + "&password=" + kPassword}}},
                          {"reminders", {{"check_interval_s", 0.2}}}};
    SlackService a(storage);
    SlackService b(storage);
    CHECK(readyz(a) == 200);
    CHECK(readyz(b) == 200);

    REQUIRE(a.command("open Checkout errors sev:2").status == 200);
    const auto t = unix_now();
    const auto first = user_message(std::to_string(t) + ".000100", "U0BOB", "checkout pods are crash looping");
    CHECK(a.event("EvR1", first).status == 200);
    CHECK(b.event("EvR1", first).status == 200);  // Slack's retry, on the other replica
    CHECK(b.event("EvR2", user_message(std::to_string(t) + ".000200", "U0CAROL", "rolling back to v41")).status ==
          200);
    CHECK(a.metric("hindsight_events_total{outcome=\"stored\"}") == 1);
    CHECK(b.metric("hindsight_events_total{outcome=\"stored\"}") == 1);
    CHECK(b.metric("hindsight_events_total{outcome=\"duplicate\"}") == 1);

    // The incident opened on a is closed on b: b drafts from what both recorded.
    REQUIRE(b.command("close Bad config in v42").status == 200);
    const auto delivered = [&] {
        return count_in(a, "rolling back to v41") + count_in(b, "rolling back to v41") >= 1 &&
               a.metric("hindsight_outbox_pending") == 0;
    };
    CHECK_MESSAGE(test::wait_until(delivered, 60s), std::string(a.process->err() + b.process->err()));
    CHECK(count_in(a, "rolling back to v41") + count_in(b, "rolling back to v41") == 1);
    CHECK(count_in(a, "crash looping") + count_in(b, "crash looping") == 1);
    CHECK(a.metric("hindsight_outbox_claims") + b.metric("hindsight_outbox_claims") >= 1);
    CHECK(a.metric("hindsight_db_pool_size") == 4);
    CHECK(a.metric("hindsight_db_pool_waiting") == 0);

    auto list = a.get("/incidents");
    REQUIRE(list.status == 200);
    auto incidents = json::parse(list.body)["incidents"];
    REQUIRE(incidents.size() == 1);
    CHECK(incidents[0]["state"] == "closed");

    // Losing the database: not ready, a clear log line; back without a restart.
    auto* server = test::PostgresServer::instance();
    server->stop();
    CHECK(test::wait_until([&] { return readyz(a) == 503; }, 60s));
    CHECK(a.logged("lost the PostgreSQL connection", 60s));
    server->start();
    CHECK(test::wait_until([&] { return readyz(a) == 200 && readyz(b) == 200; }, 60s));
    CHECK(a.logged("restored", 60s));  // "storage: PostgreSQL connection to … restored"
    CHECK(a.command("open After the outage").status == 200);

    // Nothing either replica printed carries the password; the URL shows redacted.
    const std::string logs = a.process->err() + a.process->out() + b.process->err() + b.process->out();
    CHECK(logs.find(kPassword) == std::string::npos);
    CHECK(logs.find("password=<redacted>") != std::string::npos);
    a.stop();
    b.stop();
}

TEST_CASE("replicas: two services scanning reminders every 50 ms send an overdue item's DM once") {
    auto url = test::postgres_database();
    if (!url) return;
    const json config = {{"storage", {{"backend", "postgres"}, {"url", *url}}},
                         {"reminders", {{"check_interval_s", 0.05}, {"repeat_every_s", 3600}}}};
    SlackService a(config);
    SlackService b(config);
    REQUIRE(a.command("open Search latency").status == 200);
    auto added = b.command("action <@U0DAVE|dave> add a latency alert due:2026-01-01");
    REQUIRE(added.status == 200);

    auto dms = [&](const SlackService& svc) {
        int n = 0;
        for (const auto& call : svc.slack.calls("chat.postMessage"))
            n += call.body.find("add a latency alert") != std::string::npos &&
                 call.body.find("DU0DAVE") != std::string::npos;
        return n;
    };
    CHECK_MESSAGE(test::wait_until([&] { return dms(a) + dms(b) >= 1 && a.metric("hindsight_outbox_pending") == 0; },
                                   60s),
                  std::string(a.process->err() + b.process->err()));
    // Many more scans on both replicas after the nudge: still one DM.
    const double batches_a = a.metric("hindsight_db_write_batches");
    const double batches_b = b.metric("hindsight_db_write_batches");
    CHECK(test::wait_until(
        [&] {
            return a.metric("hindsight_db_write_batches") >= batches_a + 20 &&
                   b.metric("hindsight_db_write_batches") >= batches_b + 20;
        },
        60s));
    const std::string logs = a.process->err() + b.process->err();
    CHECK_MESSAGE(dms(a) + dms(b) == 1, logs);
    // A counter a replica never incremented is absent (-1).
    auto sent = [](SlackService& svc) { return std::max(0.0, svc.metric("hindsight_reminders_sent_total")); };
    CHECK_MESSAGE(sent(a) + sent(b) == 1, logs);
    CHECK_MESSAGE(a.metric("hindsight_reminder_claims") + b.metric("hindsight_reminder_claims") == 1, logs);
}
