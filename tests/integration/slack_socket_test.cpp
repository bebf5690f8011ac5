// `hindsight serve` in Slack Socket Mode, end to end: no public URL, the
// binary opens its sockets to a fake Socket Mode service over TLS (trusted
// through OpenSSL's SSL_CERT_FILE, as any private CA would be), gets envelopes
// and acks them; the draft still reaches the fake Slack Web API.
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_socket_mode.hpp"
#include "tests/integration/slack_service.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

constexpr auto bound = 15s;
constexpr const char* team = "T0SOCKE2E";
constexpr const char* channel = "C0SOCKINC";
constexpr const char* bot_user = "U0HINDSIGHT";

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json message(const std::string& ts, const std::string& user, const std::string& text) {
    return {{"type", "message"}, {"user", user}, {"text", text}, {"ts", ts}, {"event_ts", ts}, {"channel", channel},
            {"channel_type", "channel"}};
}

json event_callback(const std::string& event_id, json event) {
    return {{"token", "vtok"},
            {"team_id", team},
            {"api_app_id", "A0FAKE"},
            {"type", "event_callback"},
            {"event_id", event_id},
            {"event_time", unix_now()},
            {"authorizations", json::array({{{"team_id", team}, {"user_id", bot_user}, {"is_bot", true}}})},
            {"event", std::move(event)}};
}

struct SocketService {
    test::TempDir dir;
    fakes::FakeSlack slack;
    fakes::FakeSocketMode fake{slack};
    std::unique_ptr<test::ChildProcess> process;
    std::string base;
    outbound::HttpClient client;

    SocketService() {
        json config = {{"listen", {{"port", 0}}},
                       {"storage", {{"path", "socket-e2e.db"}}},
                       {"api", {{"token", "socket-e2e-api-token"}}},
                       {"log", {{"level", "debug"}}},  // the app token must not show even there
                       {"slack", {{"mode", "socket"}, {"bot_token", slack.bot_token()},
                                  {"api_base_url", slack.api_base_url()}}}};
        std::ofstream(dir.path() / "config.json") << config.dump();
        process = std::make_unique<test::ChildProcess>(
            HINDSIGHT_BINARY, std::vector<std::string>{"serve", "--config", "config.json"}, dir.path(),
            std::vector<std::string>{"HINDSIGHT_SLACK_APP_TOKEN=" + fake.app_token(), "SSL_CERT_FILE=" + fake.ca_file()});
        auto port = test::listening_port(*process, bound);
        REQUIRE_MESSAGE(port.has_value(), process->err());
        base = "http://127.0.0.1:" + std::to_string(*port);
    }

    ~SocketService() {
        if (!process) return;
        process->signal(SIGTERM);
        CHECK_MESSAGE(process->wait(30s) == 0, process->err());
    }

    outbound::ClientResponse get(const std::string& path) {
        return client.send({"GET", base + path, {{"Authorization", "Bearer socket-e2e-api-token"}}, {}});
    }

    json command(const std::string& text) {
        return {{"token", "vtok"},          {"team_id", team},       {"team_domain", "e2e"},
                {"channel_id", channel},    {"channel_name", "inc"}, {"user_id", "U0ALICE"},
                {"user_name", "alice"},     {"command", "/incident"}, {"text", text},
                {"api_app_id", "A0FAKE"},   {"response_url", slack.new_response_url()},
                {"trigger_id", "1.2.3"}};
    }

    // Sends an envelope on the newest open socket and waits for its ack.
    fakes::FakeAck deliver(const std::string& type, json payload, const std::string& envelope_id = {}, int retry = 0) {
        auto open = fake.open();
        REQUIRE(!open.empty());
        auto id = fake.envelope(open.back(), type, std::move(payload), retry, envelope_id, type == "slash_commands");
        auto ack = fake.wait_for_ack(id, bound);
        REQUIRE_MESSAGE(ack.has_value(), process->err());
        return *ack;
    }

    double metric(const std::string& series) {
        auto text = client.send({"GET", base + "/metrics", {}, {}}).body;
        auto at = text.find("\n" + series + " ");
        if (at == std::string::npos) return -1;
        return std::stod(text.substr(at + series.size() + 2));
    }
};

}  // namespace

TEST_CASE("slack socket mode e2e: open, talk, close → the draft is posted, with readyz, metrics and no /slack routes") {
    SocketService svc;
    REQUIRE(svc.fake.wait_for_greeted(2, bound));  // slack.connections defaults to 2
    REQUIRE(test::wait_until([&] { return svc.get("/readyz").status == 200; }, bound));

    auto opened = svc.deliver("slash_commands", svc.command("open Replica lag on orders-db sev:2"));
    REQUIRE(opened.payload.is_object());
    CHECK(opened.payload["response_type"] == "in_channel");

    auto first = message(test::slack_ts_now(), "U0ALICE", "replica lag alert fired, 45s behind");
    auto second = message(test::slack_ts_now(), "U0BOB", "restarting the replication worker");
    svc.deliver("events_api", event_callback("Ev1", first));
    auto acked = svc.deliver("events_api", event_callback("Ev2", second));
    // Slack redelivers Ev2 (the ack was late): acked again, stored once.
    svc.deliver("events_api", event_callback("Ev2", second), acked.envelope_id, 1);
    // One message the bot missed while it was away comes with the history at close.
    auto missed = message(test::slack_ts_now(), "U0CAROL", "killing the stuck vacuum job that holds the lock");
    svc.slack.set_history(channel, {first, second, missed});

    auto closing = svc.deliver("slash_commands", svc.command("close Replication worker stalled on a lock"));
    REQUIRE(closing.payload.is_object());
    CHECK(closing.payload["text"].get<std::string>().find("Incident closed") != std::string::npos);

    bool drafted = test::wait_until(
        [&] {
            auto has = [](const json& j) {
                auto text = j.dump();
                return text.find("restarting the replication worker") != std::string::npos &&
                       text.find("killing the stuck vacuum job that holds the lock") != std::string::npos;
            };
            for (const auto& post : svc.slack.posted())
                if (has(post)) return true;
            // The draft went out from what was recorded live; the history
            // brought the missed message and the draft was updated in place.
            for (const auto& update : svc.slack.updated())
                if (has(update)) return true;
            return false;
        },
        bound);
    std::string seen;
    for (const auto& post : svc.slack.posted()) seen += post.dump() + "\n";
    for (const auto& update : svc.slack.updated()) seen += update.dump() + "\n";
    for (const auto& r : svc.slack.responses()) seen += r.dump() + "\n";
    CHECK_MESSAGE(drafted, seen);

    auto list = svc.get("/incidents");
    REQUIRE(list.status == 200);
    auto incidents = json::parse(list.body)["incidents"];
    REQUIRE(incidents.size() == 1);
    CHECK(incidents[0]["state"] == "closed");
    auto doc = svc.get("/incidents/" + std::to_string(incidents[0]["id"].get<long long>()) + "/postmortem.md");
    auto once = doc.body.find("restarting the replication worker");
    REQUIRE(once != std::string::npos);
    CHECK(doc.body.find("restarting the replication worker", once + 1) == std::string::npos);

    CHECK(svc.metric("hindsight_slack_socket_connections") == 2);
    CHECK(svc.metric("hindsight_events_total{outcome=\"stored\"}") == 2);
    CHECK(svc.metric("hindsight_events_total{outcome=\"duplicate\"}") == 1);
    CHECK(svc.metric("hindsight_slack_socket_envelopes_total{type=\"slash_commands\"}") == 2);
    CHECK(svc.metric("hindsight_slack_socket_envelopes_total{type=\"events_api\"}") == 3);
    CHECK(svc.metric("hindsight_slack_socket_ack_seconds_count") == 5);

    // Socket mode serves no Slack request URLs.
    auto post = svc.client.send({"POST", svc.base + "/slack/commands", {{"Content-Type", "application/x-www-form-urlencoded"}}, "text=help"});
    CHECK(post.status == 404);
    CHECK(svc.process->err().find(svc.fake.app_token()) == std::string::npos);
}

TEST_CASE("slack socket mode e2e: link_disabled → /readyz 503 with the reason, logged, and the process still stops cleanly") {
    SocketService svc;
    REQUIRE(svc.fake.wait_for_greeted(2, bound));
    REQUIRE(test::wait_until([&] { return svc.get("/readyz").status == 200; }, bound));
    svc.fake.disconnect(svc.fake.open().front(), "link_disabled");
    REQUIRE(test::wait_until([&] { return svc.get("/readyz").status == 503; }, bound));
    auto ready = svc.get("/readyz");
    CHECK(ready.body.find("link_disabled") != std::string::npos);
    CHECK(svc.process->err().find("link_disabled") != std::string::npos);
    CHECK(svc.metric("hindsight_slack_socket_disabled") == 1);
    REQUIRE(test::wait_until([&] { return svc.fake.open().empty(); }, bound));
    CHECK(svc.fake.url_requests() == 2);
}
