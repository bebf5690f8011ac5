// The Socket Mode client against a fake Socket Mode service over TLS on
// 127.0.0.1: URLs from apps.connections.open, hello, envelopes and acks,
// refreshes, back-off, link_disabled, silent sockets. Waits are bounded.
#include "adapters/http/event_loop.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/slack/socket_mode.hpp"
#include "tests/fakes/fake_socket_mode.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

using namespace hindsight;
using namespace hindsight::slack;
using hindsight::fakes::FakeSlack;
using hindsight::fakes::FakeSocketMode;
using nlohmann::json;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = 10s;

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout = bound) {
    return hindsight::test::wait_until(ready, timeout);
}

double sample(const http::Metrics& metrics, const std::string& series) {
    auto text = metrics.render();
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

// The client on a running EventLoop, with a handler that queues what it gets.
struct Harness {
    FakeSlack slack;
    FakeSocketMode fake{slack};
    http::EventLoop loop{2};
    http::Metrics metrics;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::pair<Envelope, Ack>> received;
    std::function<void(Envelope&, Ack&)> on_envelope;  // set before start: answer at once
    std::unique_ptr<SocketModeClient> client;
    std::thread runner;

    explicit Harness(const std::function<void(SocketModeOptions&)>& tweak = {}) {
        SocketModeOptions options;
        options.api_base_url = slack.api_base_url();
        options.app_token = fake.app_token();
        options.ca_file = fake.ca_file();
        options.connections = 1;
        options.connect_timeout = 3s;
        options.initial_backoff = 20ms;
        options.max_backoff = 200ms;
        options.busy_backoff = 300ms;
        options.close_timeout = 1s;
        if (tweak) tweak(options);
        client = std::make_unique<SocketModeClient>(
            loop, options,
            [this](Envelope e, Ack ack) {
                if (on_envelope) on_envelope(e, ack);
                std::lock_guard lock(mutex);
                received.emplace_back(std::move(e), std::move(ack));
                changed.notify_all();
            },
            &metrics);
        runner = std::thread([this] { loop.run(); });
    }

    ~Harness() {
        bool stopped = false;
        std::mutex m;
        std::condition_variable cv;
        client->stop([&] {
            std::lock_guard lock(m);
            stopped = true;
            cv.notify_all();
        });
        {
            std::unique_lock lock(m);
            cv.wait_for(lock, bound, [&] { return stopped; });
        }
        loop.stop();
        runner.join();
    }

    std::optional<std::pair<Envelope, Ack>> next(std::chrono::milliseconds timeout = bound) {
        std::unique_lock lock(mutex);
        if (!changed.wait_for(lock, timeout, [&] { return !received.empty(); })) return std::nullopt;
        auto front = std::move(received.front());
        received.pop_front();
        return front;
    }

    bool ready(int n) {
        return wait_until([&] { return client->status().ready >= n; });
    }
};

}  // namespace

TEST_CASE("socket mode: each connection gets a fresh URL from apps.connections.open with the app token") {
    Harness h([](SocketModeOptions& o) { o.connections = 2; });
    h.client->start();
    REQUIRE(h.ready(2));
    CHECK(h.fake.connections() == 2);
    CHECK(h.fake.url_requests() == 2);
    CHECK(h.fake.refused() == 0);  // no ticket used twice
    auto calls = h.slack.server().requests_to("/api/apps.connections.open");
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].header("Authorization") == "Bearer " + std::string(FakeSocketMode::default_app_token));
    CHECK(calls[0].body.empty());
    CHECK(h.client->hellos() == 2);
    CHECK(sample(h.metrics, "hindsight_slack_socket_connections") == 2);
}

TEST_CASE("socket mode: an envelope reaches the handler and is acked only when the handler says so") {
    Harness h;
    h.client->start();
    REQUIRE(h.ready(1));
    auto id = h.fake.envelope(1, "slash_commands", json{{"command", "/incident"}, {"text", "status"}}, 0, {}, true);
    auto got = h.next();
    REQUIRE(got);
    CHECK(got->first.envelope_id == id);
    CHECK(got->first.type == "slash_commands");
    CHECK(json::parse(got->first.payload)["text"] == "status");
    CHECK(got->first.accepts_response_payload);
    // Nothing acked yet: the handler has not stored anything.
    CHECK(h.fake.acks().empty());
    got->second(R"({"response_type":"ephemeral","text":"No open incident here."})");
    got->second("{}");  // a second call is ignored
    auto ack = h.fake.wait_for_ack(id, bound);
    REQUIRE(ack);
    CHECK(ack->payload["text"] == "No open incident here.");
    CHECK(ack->connection == 1);
    // An ack without a payload carries none.
    auto plain = h.fake.envelope(1, "events_api", json{{"type", "event_callback"}});
    auto second = h.next();
    REQUIRE(second);
    second->second("");
    auto plain_ack = h.fake.wait_for_ack(plain, bound);
    REQUIRE(plain_ack);
    CHECK(plain_ack->payload.is_null());
    CHECK(h.fake.acks().size() == 2);
    CHECK(sample(h.metrics, "hindsight_slack_socket_ack_seconds_count") == 2);
    auto text = h.metrics.render();
    CHECK(text.find(R"(hindsight_slack_socket_envelopes_total{type="slash_commands"} 1)") != std::string::npos);
    CHECK(text.find(R"(hindsight_slack_socket_envelopes_total{type="events_api"} 1)") != std::string::npos);
}

TEST_CASE("socket mode: malformed frames are dropped and the socket keeps serving, odd types are counted as other") {
    Harness h;
    h.client->start();
    REQUIRE(h.ready(1));
    // Each of these used to throw out of the read loop and cost the socket.
    h.fake.send(1, R"({"type":5})");
    h.fake.send(1, R"({"type":"disconnect","reason":7})");
    h.fake.send(1, R"({"type":"events_api","envelope_id":"e-x","retry_attempt":"1"})");
    h.fake.send(1, "not json");
    auto odd = h.fake.envelope(1, "type\"with} quotes", json::object());
    auto got = h.next();
    REQUIRE(got);
    CHECK(got->first.envelope_id == odd);  // the malformed ones never reached the handler
    got->second("");
    REQUIRE(h.fake.wait_for_ack(odd, bound));
    CHECK(h.fake.connections() == 1);
    CHECK(h.fake.open() == std::vector<int>{1});
    CHECK(sample(h.metrics, "hindsight_slack_socket_envelopes_total{type=\"other\"}") == 1);
}

TEST_CASE("socket mode: a refresh opens the new socket before closing the old, and the old one's envelope is acked") {
    // The old socket waits this long for the acks of its envelopes.
    Harness h([](SocketModeOptions& o) { o.close_timeout = bound; });
    h.client->start();
    REQUIRE(h.ready(1));
    // An envelope handed out on the old socket, not acked yet when Slack asks
    // for the refresh. (Delivered before the disconnect frame: one sent after
    // it races the successor's hello, and the close discards it; Slack then
    // redelivers it on the new socket.)
    auto id = h.fake.envelope(1, "events_api", json{{"type", "event_callback"}, {"event_id", "Ev1"}});
    auto got = h.next();
    REQUIRE(got);
    h.fake.disconnect(1, "refresh_requested");
    REQUIRE(h.fake.wait_for_greeted(2, bound));
    got->second("");
    auto ack = h.fake.wait_for_ack(id, bound);
    REQUIRE(ack);
    CHECK(ack->connection == 1);
    REQUIRE(h.fake.wait_for_closed(1, bound));
    auto closed = h.fake.closed_by_client_at(1);
    REQUIRE(closed);  // the client closed it with a handshake
    CHECK(*closed >= *h.fake.greeted_at(2));
    CHECK(h.fake.open() == std::vector<int>{2});
    CHECK(h.client->status().ready == 1);
    CHECK(h.metrics.render().find(R"(hindsight_slack_socket_reconnects_total{reason="refresh_requested"} 1)") !=
          std::string::npos);
}

TEST_CASE("socket mode: at Slack's limit of 10 sockets a refresh closes the old socket before opening its successor") {
    Harness h([](SocketModeOptions& o) { o.connections = 10; });
    h.client->start();
    REQUIRE(h.ready(10));
    REQUIRE(h.fake.wait_for_connections(10, bound));
    h.fake.disconnect(3, "refresh_requested");
    REQUIRE(h.fake.wait_for_closed(3, bound));
    REQUIRE(h.fake.wait_for_greeted(11, bound));
    // The 11th socket was accepted only after the client had closed the 3rd:
    // never more than 10 at once, and nine kept listening meanwhile.
    REQUIRE(h.fake.closed_by_client_at(3).has_value());
    CHECK(*h.fake.accepted_at(11) >= *h.fake.closed_by_client_at(3));
    CHECK(h.ready(10));
    CHECK(h.fake.open().size() == 10);
}

// The back-offs on an injected clock: the test moves time, the client looks
// at the clock every few milliseconds.
ManualClock& test_clock() {
    static ManualClock clock{Timestamp{} + std::chrono::hours(24 * 365 * 56)};
    return clock;
}

void on_test_clock(SocketModeOptions& o) {
    o.clock = &test_clock();
    o.clock_tick = 5ms;
}

// The back-off the client waits for now, once a new one (later than the clock) is planned.
std::optional<Duration> planned_wait(SocketModeClient& client) {
    std::optional<Duration> wait;
    wait_until([&] {
        auto at = client.status().next_connect_at;
        if (at && *at > test_clock().now()) wait = *at - test_clock().now();
        return wait.has_value();
    });
    return wait;
}

TEST_CASE("socket mode: too_many_websockets closes the socket and opens none for the back-off") {
    Harness h(on_test_clock);
    h.client->start();
    REQUIRE(h.ready(1));
    h.fake.disconnect(1, "too_many_websockets");
    REQUIRE(h.fake.wait_for_closed(1, bound));
    CHECK(h.fake.closed_by_client_at(1).has_value());
    auto wait = planned_wait(*h.client);
    REQUIRE(wait);
    CHECK(*wait >= 300ms);  // busy_backoff
    test_clock().advance(*wait - 1ms);
    CHECK_FALSE(h.fake.wait_for_connections(2, 100ms));  // twenty looks at the clock: still waiting
    test_clock().advance(1ms);
    REQUIRE(h.fake.wait_for_connections(2, bound));
    CHECK(h.metrics.render().find(R"(hindsight_slack_socket_reconnects_total{reason="too_many_websockets"} 1)") !=
          std::string::npos);
}

TEST_CASE("socket mode: link_disabled stops the client for good and says why") {
    Harness h([](SocketModeOptions& o) { o.connections = 2; });
    h.client->start();
    REQUIRE(h.ready(2));
    h.fake.disconnect(1, "link_disabled");
    REQUIRE(h.fake.wait_for_closed(1, bound));
    REQUIRE(h.fake.wait_for_closed(2, bound));
    auto status = h.client->status();
    CHECK(status.disabled);
    CHECK(status.ready == 0);
    CHECK(status.disabled_reason.find("link_disabled") != std::string::npos);
    CHECK(sample(h.metrics, "hindsight_slack_socket_disabled") == 1);
    // Far beyond the back-off (20 ms): still no new socket.
    CHECK_FALSE(h.fake.wait_for_connections(3, 500ms));
    CHECK(h.fake.url_requests() == 2);
}

TEST_CASE("socket mode: a silent socket (no frame, no pong) is replaced") {
    Harness h([](SocketModeOptions& o) { o.idle_timeout = 400ms; });
    h.client->start();
    REQUIRE(h.ready(1));
    h.fake.go_silent(1);
    REQUIRE(h.fake.wait_for_greeted(2, bound));
    CHECK(h.ready(1));
    CHECK(h.metrics.render().find(R"(hindsight_slack_socket_reconnects_total{reason="timeout"} 1)") !=
          std::string::npos);
}

TEST_CASE("socket mode: a failed apps.connections.open and a socket without hello are retried") {
    Harness h([](SocketModeOptions& o) { o.connect_timeout = 300ms; });
    h.fake.fail_open_next("internal_error");
    h.fake.set_greeting(false);
    h.client->start();
    REQUIRE(h.fake.wait_for_connections(1, bound));
    h.fake.set_greeting(true);
    REQUIRE(h.ready(1));
    auto text = h.metrics.render();
    CHECK(text.find(R"(hindsight_slack_socket_reconnects_total{reason="open_failed"} 1)") != std::string::npos);
    CHECK(text.find(R"(hindsight_slack_socket_reconnects_total{reason="no_hello"})") != std::string::npos);
}

TEST_CASE("socket mode: an ack after its socket closed is dropped, and the redelivery is handed over again") {
    Harness h;
    h.client->start();
    REQUIRE(h.ready(1));
    auto id = h.fake.envelope(1, "events_api", json{{"event_id", "Ev9"}});
    auto first = h.next();
    REQUIRE(first);
    h.fake.close(1);  // Slack goes away before the ack
    REQUIRE(h.fake.wait_for_greeted(2, bound));
    first->second("");
    // Slack redelivers it on the new socket, retry_attempt 1.
    h.fake.envelope(2, "events_api", json{{"event_id", "Ev9"}}, 1, id);
    auto again = h.next();
    REQUIRE(again);
    CHECK(again->first.envelope_id == id);
    CHECK(again->first.retry_attempt == 1);
    CHECK(again->first.retry_reason == "timeout");
    again->second("");
    auto ack = h.fake.wait_for_ack(id, bound);
    REQUIRE(ack);
    CHECK(ack->connection == 2);
    CHECK(h.fake.acks().size() == 1);
}

TEST_CASE("socket mode: stop closes every socket with a handshake and then reports done") {
    Harness h([](SocketModeOptions& o) { o.connections = 2; });
    h.client->start();
    REQUIRE(h.ready(2));
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    h.client->stop([&] {
        std::lock_guard lock(m);
        done = true;
        cv.notify_all();
    });
    {
        std::unique_lock lock(m);
        REQUIRE(cv.wait_for(lock, bound, [&] { return done; }));
    }
    REQUIRE(h.fake.wait_for_closed(1, bound));
    REQUIRE(h.fake.wait_for_closed(2, bound));
    CHECK(h.fake.closed_by_client_at(1).has_value());
    CHECK(h.fake.closed_by_client_at(2).has_value());
    CHECK(h.client->status().ready == 0);
}

TEST_CASE("socket mode: consecutive failures back off exponentially, with jitter, up to the cap") {
    Harness h([](SocketModeOptions& o) {
        on_test_clock(o);
        o.initial_backoff = 100ms;
        o.max_backoff = 400ms;
    });
    for (int i = 0; i < 4; ++i) h.fake.fail_open_next("ratelimited");
    h.client->start();
    // Each failure plans the next attempt; the test lets the clock reach it.
    std::vector<Duration> waits;
    for (std::size_t i = 1; i <= 4; ++i) {
        REQUIRE(wait_until([&] { return h.slack.server().requests_to("/api/apps.connections.open").size() == i; }));
        auto wait = planned_wait(*h.client);
        REQUIRE(wait);
        waits.push_back(*wait);
        CHECK(h.slack.server().requests_to("/api/apps.connections.open").size() == i);  // nothing before the time
        test_clock().advance(*wait);
    }
    REQUIRE(h.ready(1));
    CHECK(h.slack.server().requests_to("/api/apps.connections.open").size() == 5);
    // Waits are drawn from [d/2, d] for d = 100, 200, 400, 400 (capped) ms.
    const std::vector<Duration> full = {100ms, 200ms, 400ms, 400ms};
    for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        CHECK(waits[i] >= full[i] / 2);
        CHECK(waits[i] <= full[i]);
    }
    CHECK(h.metrics.render().find(R"(hindsight_slack_socket_reconnects_total{reason="open_failed"} 4)") !=
          std::string::npos);
}

TEST_CASE("socket mode: a close Slack never answers is cut after the close timeout") {
    Harness h([](SocketModeOptions& o) { o.close_timeout = 300ms; });
    h.client->start();
    REQUIRE(h.ready(1));
    h.fake.go_silent(1);  // reads nothing more: our close frame goes unanswered
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    auto asked = std::chrono::steady_clock::now();
    h.client->stop([&] {
        std::lock_guard lock(m);
        done = true;
        cv.notify_all();
    });
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, bound, [&] { return done; }));
    auto took = std::chrono::steady_clock::now() - asked;
    CHECK(took >= 250ms);  // it did wait for the handshake first
    CHECK(took < 3s);      // and not for ever
}
