// Socket Mode envelopes through the real flow: the fake Socket Mode server
// over TLS, the client, SocketDispatch, the Slack endpoints, the Bot and a
// real SQLite database. Acks come after COMMIT; redeliveries run once.
#include "adapters/http/event_loop.hpp"
#include "adapters/outbound/worker.hpp"
#include "adapters/slack/api.hpp"
#include "adapters/slack/endpoints.hpp"
#include "adapters/slack/socket_dispatch.hpp"
#include "adapters/slack/socket_mode.hpp"
#include "storage/database.hpp"
#include "tests/fakes/fake_socket_mode.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/slack/fixture.hpp"
#include "adapters/http/form.hpp"

#include <doctest/doctest.h>

#include <future>
#include <thread>

using namespace hindsight;
using namespace hindsight::slack;
using hindsight::fakes::FakeSlack;
using hindsight::fakes::FakeSocketMode;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = 10s;
const ChannelRef incident_channel{Platform::slack, "T0SOCK", "C0SOCK"};

json command(const std::string& text) {
    return {{"token", "vtok"},         {"team_id", "T0SOCK"},     {"team_domain", "sock"},
            {"channel_id", "C0SOCK"},  {"channel_name", "inc-x"}, {"user_id", "U0ALICE"},
            {"user_name", "alice"},    {"command", "/incident"},  {"text", text},
            {"api_app_id", "A0FAKE"},  {"is_enterprise_install", "false"},
            {"response_url", ""},      {"trigger_id", "1.2.3"}};
}

json message_event(const std::string& event_id, const std::string& ts, const std::string& text) {
    return {{"token", "vtok"},
            {"team_id", "T0SOCK"},
            {"api_app_id", "A0FAKE"},
            {"type", "event_callback"},
            {"event_id", event_id},
            {"event_time", 1700000000},
            {"authorizations", json::array({{{"team_id", "T0SOCK"}, {"user_id", "U0BOT"}, {"is_bot", true}}})},
            {"event",
             {{"type", "message"}, {"channel", "C0SOCK"}, {"channel_type", "channel"}, {"user", "U0BOB"},
              {"text", text}, {"ts", ts}, {"event_ts", ts}}}};
}

struct Rig {
    hindsight::test::TempDir dir;
    storage::Database db{dir.file("hindsight.db")};
    ManualClock clock{Timestamp{std::chrono::seconds{1700000000}}};
    Bot bot{db.store(), db.outbox(), clock, BotSettings{}};
    FakeSlack slack;
    FakeSocketMode fake{slack};
    Endpoints endpoints{config::SlackConfig{}, EndpointDeps{db.writes(), bot, db.store(), clock, nullptr, {}, {}}};
    http::EventLoop loop{2};
    std::unique_ptr<SocketModeClient> client;
    std::thread runner;

    Rig() {
        SocketModeOptions options;
        options.api_base_url = slack.api_base_url();
        options.app_token = fake.app_token();
        options.ca_file = fake.ca_file();
        options.connections = 1;
        options.initial_backoff = 20ms;
        client = std::make_unique<SocketModeClient>(loop, options, SocketDispatch(endpoints));
        runner = std::thread([this] { loop.run(); });
        client->start();
        REQUIRE(fake.wait_for_greeted(1, bound));
    }

    ~Rig() {
        auto stopped = std::make_shared<std::promise<void>>();
        auto future = stopped->get_future();
        client->stop([stopped] { stopped->set_value(); });
        future.wait_for(bound);
        loop.stop();
        runner.join();
    }

    std::vector<RecordedMessage> messages() {
        auto reader = db.open_reader();
        auto incident = reader->latest_incident(incident_channel);
        REQUIRE(incident.has_value());
        return reader->messages(incident->id);
    }
};

}  // namespace

TEST_CASE("socket dispatch: a slash command's reply rides in the ack's payload") {
    Rig rig;
    auto id = rig.fake.envelope(1, "slash_commands", command("open Checkout latency sev:2"), 0, {}, true);
    auto ack = rig.fake.wait_for_ack(id, bound);
    REQUIRE(ack);
    REQUIRE(ack->payload.is_object());
    CHECK(ack->payload["response_type"] == "in_channel");
    CHECK(ack->payload["text"].get<std::string>().find("Incident opened") != std::string::npos);
    auto incident = rig.db.open_reader()->latest_incident(incident_channel);
    REQUIRE(incident.has_value());
    CHECK(incident->title == "Checkout latency");
}

TEST_CASE("socket dispatch: an event is acked only after it is stored") {
    Rig rig;
    REQUIRE(rig.fake.wait_for_ack(rig.fake.envelope(1, "slash_commands", command("open Outage")), bound));

    // Hold the database writer: the event cannot commit, so it must not be acked.
    std::promise<void> release;
    auto held = release.get_future().share();
    std::promise<void> holding;
    rig.db.writes().submit([held, &holding] { holding.set_value(); held.wait(); }, [](std::exception_ptr) {});
    holding.get_future().wait();
    auto id = rig.fake.envelope(1, "events_api", message_event("Ev0001", "1700000100.000100", "db is down"));
    CHECK_FALSE(rig.fake.wait_for_ack(id, 300ms).has_value());
    release.set_value();
    auto ack = rig.fake.wait_for_ack(id, bound);
    REQUIRE(ack);
    CHECK(ack->payload.is_null());
    auto stored = rig.messages();
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].text == "db is down");
}

TEST_CASE("socket dispatch: an envelope delivered twice is stored once and acked twice") {
    Rig rig;
    REQUIRE(rig.fake.wait_for_ack(rig.fake.envelope(1, "slash_commands", command("open Outage")), bound));
    auto event = message_event("Ev0002", "1700000200.000100", "rolling back");
    auto id = rig.fake.envelope(1, "events_api", event);
    REQUIRE(rig.fake.wait_for_ack(id, bound));
    rig.fake.envelope(1, "events_api", event, 1, id);  // Slack's redelivery: same envelope, same event
    auto acked_twice = [&] {
        int n = 0;
        for (const auto& a : rig.fake.acks()) n += a.envelope_id == id;
        return n == 2;
    };
    CHECK(hindsight::test::wait_until(acked_twice, bound));
    CHECK(rig.messages().size() == 1);

    // A command redelivered under its envelope_id runs once: the repeat gets an empty ack.
    auto note = rig.fake.envelope(1, "slash_commands", command("note paged the database team"), 0, "env-note");
    auto first = rig.fake.wait_for_ack(note, bound);
    REQUIRE(first);
    CHECK(first->payload.is_object());
    rig.fake.envelope(1, "slash_commands", command("note paged the database team"), 1, "env-note");
    std::vector<fakes::FakeAck> notes;
    REQUIRE(hindsight::test::wait_until(
        [&] {
            notes.clear();
            for (const auto& a : rig.fake.acks())
                if (a.envelope_id == "env-note") notes.push_back(a);
            return notes.size() == 2;
        },
        bound));
    CHECK(notes[1].payload.is_null());
    auto reader = rig.db.open_reader();
    auto incident = reader->latest_incident(incident_channel);
    REQUIRE(incident);
    CHECK(reader->key_events(incident->id).size() == 1);
}

TEST_CASE("socket dispatch: an envelope of an unknown type is acked and ignored") {
    Rig rig;
    auto id = rig.fake.envelope(1, "something_new", json::object());
    auto ack = rig.fake.wait_for_ack(id, bound);
    REQUIRE(ack);
    CHECK(ack->payload.is_null());
}

TEST_CASE("socket dispatch: a button click arrives as an interactive envelope and runs once") {
    Rig rig;
    REQUIRE(rig.fake.wait_for_ack(rig.fake.envelope(1, "slash_commands", command("open Outage")), bound));
    auto added = rig.fake.wait_for_ack(
        rig.fake.envelope(1, "slash_commands", command("action <@U0ALICE|alice> add an alert on replica lag due:+3d")),
        bound);
    REQUIRE(added);
    auto text = added->payload["text"].get<std::string>();
    auto pos = text.find("A-");
    REQUIRE(pos != std::string::npos);
    auto id = text.substr(pos, text.find_first_not_of("0123456789", pos + 2) - pos);

    json click = json::parse(http::url_decode(slack::test::fixture("interaction_block_actions.form").substr(8)).value());
    click["actions"][0]["value"] = id;
    click["team"]["id"] = "T0SOCK";
    click["channel"]["id"] = "C0SOCK";
    click["user"]["id"] = "U0ALICE";
    auto first = rig.fake.wait_for_ack(rig.fake.envelope(1, "interactive", click, 0, "env-click"), bound);
    REQUIRE(first);
    auto reader = rig.db.open_reader();
    auto actions = reader->actions(reader->latest_incident(incident_channel)->id);
    REQUIRE(actions.size() == 1);
    CHECK(actions[0].state == ActionState::done);
    CHECK(actions[0].done_by == "U0ALICE");

    // Slack redelivers the click (its ack was late), now with another user on it: it does not run again.
    click["user"]["id"] = "U0BOB";
    rig.fake.envelope(1, "interactive", click, 1, "env-click");
    auto acked_twice = [&] {
        int n = 0;
        for (const auto& a : rig.fake.acks()) n += a.envelope_id == "env-click";
        return n == 2;
    };
    REQUIRE(hindsight::test::wait_until(acked_twice, bound));
    actions = rig.db.open_reader()->actions(reader->latest_incident(incident_channel)->id);
    CHECK(actions[0].done_by == "U0ALICE");
    // The envelope's key went into the deliveries table with the click.
    bool fresh = true;
    rig.db.writes().run([&] { fresh = rig.db.store().remember_delivery("slack-envelope:env-click", rig.clock.now()); });
    CHECK_FALSE(fresh);
}
