// The whole Slack path through the real binary: signed slash commands and
// Events API deliveries into `hindsight serve`, the draft delivered to a fake
// Slack Web API through the outbox, and the incidents API reading it back.
#include "tests/integration/slack_service.hpp"

using namespace std::chrono_literals;
using namespace hindsight;
using hindsight::test::SlackService;
using hindsight::test::unix_now;
using hindsight::test::user_message;
using nlohmann::json;

TEST_CASE("slack flow: open, talk, close → the draft is posted to Slack and served by the API") {
    SlackService svc;
    auto opened = svc.command("open Replica lag on orders-db sev:2");
    REQUIRE(opened.status == 200);
    CHECK(json::parse(opened.body)["response_type"] == "in_channel");

    auto t = unix_now();
    auto restarting = user_message(std::to_string(t) + ".000200", "U0BOB", "restarting the replication worker");
    CHECK(svc.event("Ev1", user_message(std::to_string(t) + ".000100", "U0ALICE", "replica lag alert fired, 45s behind"))
              .status == 200);
    CHECK(svc.event("Ev2", restarting).status == 200);
    // Slack retries the same event: stored once.
    CHECK(svc.event("Ev2", restarting).status == 200);
    CHECK(svc.event("Ev3", user_message(std::to_string(t) + ".000300", SlackService::bot_user, "bot echo must not be recorded"))
              .status == 200);

    auto closed = svc.command("close Replication worker stalled on a lock");
    REQUIRE(closed.status == 200);

    // The draft reaches Slack through the outbox (chat.postMessage or the
    // command's response_url), carrying the recorded messages.
    bool drafted = test::wait_until(
        [&] {
            for (const auto& post : svc.slack.posted())
                if (post.dump().find("restarting the replication worker") != std::string::npos) return true;
            for (const auto& r : svc.slack.responses())
                if (r.dump().find("restarting the replication worker") != std::string::npos) return true;
            return false;
        },
        15s);
    CHECK_MESSAGE(drafted, svc.process->err());

    CHECK(svc.metric("hindsight_events_total{outcome=\"stored\"}") == 2);
    CHECK(svc.metric("hindsight_events_total{outcome=\"duplicate\"}") == 1);
    CHECK(svc.metric("hindsight_events_total{outcome=\"ignored\"}") == 1);

    auto unauthorized = svc.client.send({"GET", svc.base + "/incidents", {}, {}});
    CHECK(unauthorized.status == 401);
    auto list = svc.get("/incidents");
    REQUIRE(list.status == 200);
    auto incidents = json::parse(list.body)["incidents"];
    REQUIRE(incidents.size() == 1);
    CHECK(incidents[0]["title"] == "Replica lag on orders-db");
    CHECK(incidents[0]["state"] == "closed");
    CHECK(incidents[0]["platform"] == "slack");
    auto id = incidents[0]["id"].get<long long>();

    auto doc = svc.get("/incidents/" + std::to_string(id) + "/postmortem.md");
    REQUIRE(doc.status == 200);
    CHECK(doc.body.find("## Timeline") != std::string::npos);
    CHECK(doc.body.find("restarting the replication worker") != std::string::npos);
    CHECK(doc.body.find("bot echo must not be recorded") == std::string::npos);
    // The retried event is in the document once.
    auto first = doc.body.find("restarting the replication worker");
    CHECK(doc.body.find("restarting the replication worker", first + 1) == std::string::npos);
}

TEST_CASE("slack flow: a bad signature is 401 and changes nothing") {
    SlackService svc;
    auto body = svc.command_body("open Fake", "U0EVE");
    auto headers = test::slack_headers("some-other-secret", unix_now(), body, "application/x-www-form-urlencoded");
    auto r = svc.client.send({"POST", svc.base + "/slack/commands", headers, body});
    CHECK(r.status == 401);
    auto list = svc.get("/incidents");
    REQUIRE(list.status == 200);
    CHECK(json::parse(list.body)["incidents"].empty());
}
