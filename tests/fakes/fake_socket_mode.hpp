// A fake Slack Socket Mode service for tests (the protocol is summarised in
// docs/slack-socket-mode.md): `apps.connections.open` on a
// FakeSlack hands out single-use wss:// URLs to a TLS WebSocket server on
// 127.0.0.1 (a certificate made at test time), which greets with `hello`,
// sends what the test scripts (envelopes, disconnect messages, closes,
// silence) and records the acknowledgements it receives. Its own I/O
// thread; no Boost here.
#pragma once

#include "tests/fakes/fake_slack.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hindsight::fakes {

struct FakeAck {
    std::string envelope_id;
    nlohmann::json payload;  // null when the ack carried none
    int connection = 0;
    std::chrono::steady_clock::time_point at;
};

class FakeSocketMode {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr const char* default_app_token = "xapp-1-A0FAKE-1-fakeapptoken";

    // Serves apps.connections.open on `slack` (which must outlive this).
    explicit FakeSocketMode(FakeSlack& slack, std::string app_token = default_app_token);
    ~FakeSocketMode();
    FakeSocketMode(const FakeSocketMode&) = delete;
    FakeSocketMode& operator=(const FakeSocketMode&) = delete;

    const std::string& app_token() const;
    // The certificate of the wss:// server, as a CA file for the client.
    std::string ca_file() const;

    // The next apps.connections.open answers {"ok":false,"error":error}.
    void fail_open_next(const std::string& error);
    // Whether later connections are greeted with `hello` (default true).
    void set_greeting(bool hello);

    std::size_t url_requests() const;  // apps.connections.open calls answered ok
    std::size_t refused() const;       // upgrades with an unknown or already used ticket
    int connections() const;           // upgrades accepted; their ids are 1..n
    std::vector<int> open() const;     // ids of the connections open now, oldest first
    bool wait_for_connections(int n, std::chrono::milliseconds timeout) const;
    // Waits until connection `id` was accepted and greeted.
    bool wait_for_greeted(int id, std::chrono::milliseconds timeout) const;
    bool wait_for_closed(int id, std::chrono::milliseconds timeout) const;
    std::optional<Clock::time_point> accepted_at(int id) const;
    std::optional<Clock::time_point> greeted_at(int id) const;
    // When the client's close frame arrived (nullopt: it did not close it).
    std::optional<Clock::time_point> closed_by_client_at(int id) const;

    // Frames on connection `id` (ignored once it is closed).
    void send(int id, std::string frame);
    // An envelope of `type` around `payload`; returns its envelope_id (a
    // fresh one unless given).
    std::string envelope(int id, const std::string& type, nlohmann::json payload, int retry_attempt = 0,
                         std::string envelope_id = {}, bool accepts_response_payload = false);
    void disconnect(int id, const std::string& reason);  // {"type":"disconnect","reason":…}
    void close(int id);       // a closing handshake from the server
    void go_silent(int id);   // stops reading (so no pongs) and writing, keeps TCP open

    std::vector<FakeAck> acks() const;
    // Called on the fake's I/O thread for every ack, once it is recorded (for
    // the benchmark, which sends the next envelope from it). Set it before the
    // traffic starts; it may call send().
    void on_ack(std::function<void(const FakeAck&)> listener);
    std::optional<FakeAck> wait_for_ack(const std::string& envelope_id, std::chrono::milliseconds timeout) const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace hindsight::fakes
