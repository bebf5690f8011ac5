// The whole Slack path through the real binary: signed slash commands and
// Events API deliveries into `hindsight serve`, the draft delivered to a fake
// Slack Web API through the outbox, and the incidents API reading it back.
#include "adapters/http/form.hpp"
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

const std::string binary = HINDSIGHT_BINARY;
constexpr auto secret = "integration-signing-secret";
constexpr auto api_token = "integration-api-token";

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct RunningService {
    test::TempDir dir;
    fakes::FakeSlack slack;
    std::unique_ptr<test::ChildProcess> process;
    std::string base;
    outbound::HttpClient client;

    RunningService() {
        json config = {{"listen", {{"port", 0}}},
                       {"storage", {{"path", "flow.db"}}},
                       {"api", {{"token", api_token}}},
                       {"slack", {{"signing_secret", secret}, {"bot_token", slack.bot_token()},
                                  {"api_base_url", slack.api_base_url()}}}};
        std::ofstream(dir.path() / "config.json") << config.dump();
        process = std::make_unique<test::ChildProcess>(binary, std::vector<std::string>{"serve", "--config", "config.json"},
                                                       dir.path());
        auto port = test::listening_port(*process);
        REQUIRE_MESSAGE(port.has_value(), process->err());
        base = "http://127.0.0.1:" + std::to_string(*port);
    }

    outbound::ClientResponse command(const std::string& text, const std::string& user = "U0ALICE") {
        std::string body = "team_id=T0FLOW&team_domain=flow&channel_id=C0INC&channel_name=inc-db&user_id=" + user +
                           "&user_name=" + user + "&command=%2Fincident&text=" + http::url_encode(text) +
                           "&response_url=" + http::url_encode(slack.new_response_url());
        return client.send({"POST", base + "/slack/commands",
                            test::slack_headers(secret, unix_now(), body, "application/x-www-form-urlencoded"), body});
    }

    outbound::ClientResponse message(const std::string& event_id, const std::string& ts, const std::string& user,
                                     const std::string& text) {
        json envelope = {{"token", "x"},
                         {"team_id", "T0FLOW"},
                         {"api_app_id", "A0FLOW"},
                         {"type", "event_callback"},
                         {"event_id", event_id},
                         {"event_time", unix_now()},
                         {"authorizations", json::array({{{"team_id", "T0FLOW"}, {"user_id", "U0BOT"}, {"is_bot", true}}})},
                         {"event", {{"type", "message"}, {"channel", "C0INC"}, {"user", user}, {"text", text},
                                    {"ts", ts}, {"event_ts", ts}, {"channel_type", "channel"}}}};
        auto body = envelope.dump();
        return client.send({"POST", base + "/slack/events",
                            test::slack_headers(secret, unix_now(), body, "application/json"), body});
    }
};

}  // namespace

TEST_CASE("slack flow: open, talk, close → the draft is posted to Slack and served by the API") {
    RunningService svc;
    auto opened = svc.command("open Replica lag on orders-db sev:2");
    REQUIRE(opened.status == 200);
    CHECK(json::parse(opened.body)["response_type"] == "in_channel");

    auto t = unix_now();
    CHECK(svc.message("Ev1", std::to_string(t) + ".000100", "U0ALICE", "replica lag alert fired, 45s behind").status == 200);
    CHECK(svc.message("Ev2", std::to_string(t) + ".000200", "U0BOB", "restarting the replication worker").status == 200);
    // Slack retries the same event: stored once.
    CHECK(svc.message("Ev2", std::to_string(t) + ".000200", "U0BOB", "restarting the replication worker").status == 200);
    CHECK(svc.message("Ev3", std::to_string(t) + ".000300", "U0BOT", "bot echo must not be recorded").status == 200);

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

    auto metrics = svc.client.send({"GET", svc.base + "/metrics", {}, {}});
    CHECK(metrics.body.find("hindsight_events_total{outcome=\"stored\"} 2") != std::string::npos);
    CHECK(metrics.body.find("hindsight_events_total{outcome=\"duplicate\"} 1") != std::string::npos);
    CHECK(metrics.body.find("hindsight_events_total{outcome=\"ignored\"} 1") != std::string::npos);

    auto unauthorized = svc.client.send({"GET", svc.base + "/incidents", {}, {}});
    CHECK(unauthorized.status == 401);
    auto list = svc.client.send({"GET", svc.base + "/incidents", {{"Authorization", std::string("Bearer ") + api_token}}, {}});
    REQUIRE(list.status == 200);
    auto incidents = json::parse(list.body)["incidents"];
    REQUIRE(incidents.size() == 1);
    CHECK(incidents[0]["title"] == "Replica lag on orders-db");
    CHECK(incidents[0]["state"] == "closed");
    CHECK(incidents[0]["platform"] == "slack");
    auto id = incidents[0]["id"].get<long long>();

    auto doc = svc.client.send({"GET", svc.base + "/incidents/" + std::to_string(id) + "/postmortem.md",
                                {{"Authorization", std::string("Bearer ") + api_token}}, {}});
    REQUIRE(doc.status == 200);
    CHECK(doc.body.find("## Timeline") != std::string::npos);
    CHECK(doc.body.find("restarting the replication worker") != std::string::npos);
    CHECK(doc.body.find("bot echo must not be recorded") == std::string::npos);
    // The retried event is in the document once.
    auto first = doc.body.find("restarting the replication worker");
    CHECK(doc.body.find("restarting the replication worker", first + 1) == std::string::npos);

    svc.process->signal(SIGTERM);
    CHECK(svc.process->wait(15s) == 0);
}

TEST_CASE("slack flow: a bad signature is 401 and changes nothing") {
    RunningService svc;
    std::string body = "team_id=T0FLOW&channel_id=C0INC&user_id=U0EVE&command=%2Fincident&text=open+Fake";
    auto headers = test::slack_headers("some-other-secret", unix_now(), body, "application/x-www-form-urlencoded");
    auto r = svc.client.send({"POST", svc.base + "/slack/commands", headers, body});
    CHECK(r.status == 401);
    auto list = svc.client.send({"GET", svc.base + "/incidents", {{"Authorization", std::string("Bearer ") + api_token}}, {}});
    REQUIRE(list.status == 200);
    CHECK(json::parse(list.body)["incidents"].empty());
}
