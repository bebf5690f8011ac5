// Slack Socket Mode: the bot opens WebSockets to Slack itself (no public
// URL), receives envelopes — Events API callbacks, slash commands,
// interactions — and acknowledges each by its envelope_id. This client only
// moves frames: it hands every envelope to a handler together with an Ack,
// and the handler decides when (after COMMIT) and with what payload to ack.
// It runs on the service's EventLoop (one strand); no Boost in this header.
#pragma once

#include "adapters/slack/socket_frames.hpp"
#include "bot/core/time.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hindsight::http {
class EventLoop;
class Metrics;
}  // namespace hindsight::http

namespace hindsight::slack {

struct SocketModeOptions {
    std::string api_base_url = "https://slack.com/api/";  // apps.connections.open is appended
    std::string app_token;  // xapp-…; sent only in the Authorization header, never logged
    std::string ca_file;    // extra CA bundle (a private CA); empty: the system store only
    int connections = 2;    // sockets held at once (Slack allows up to 10)
    // Each step of a connect (URL request, TCP, TLS, upgrade) and the wait for `hello`.
    std::chrono::milliseconds connect_timeout{10000};
    // No frame for half of it: we ping; nothing at all for all of it: reconnect.
    std::chrono::milliseconds idle_timeout{30000};
    // The closing handshake (and TLS shutdown) of a socket we close.
    std::chrono::milliseconds close_timeout{5000};
    // Reconnects after failures: initial * 2^(n-1) capped at max, each with
    // jitter (a wait drawn from [d/2, d]). A greeted connection starts over.
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{60000};
    // After `too_many_websockets`: no new socket for at least this long.
    std::chrono::milliseconds busy_backoff{30000};
    // The back-offs above run on this clock (null: the system clock), read
    // again at least every `clock_tick` of real time while one is pending, so
    // an injected clock moves them along. The I/O timeouts (connect, idle,
    // close) bound real socket operations and stay on real time.
    const Clock* clock = nullptr;
    std::chrono::milliseconds clock_tick{1000};
};

// Acknowledges one envelope on the socket it came on; `payload` (JSON object
// text, empty for none) rides along. Thread-safe; only the first call counts.
// Not calling it means no ack: Slack delivers the envelope again. An ack
// whose socket has closed meanwhile is dropped (Slack redelivers, too).
using Ack = std::function<void(std::string payload)>;
// Runs on the client's strand: hand the work off, do not block.
using EnvelopeHandler = std::function<void(Envelope envelope, Ack ack)>;

struct SocketModeStatus {
    int ready = 0;                // sockets that said `hello` and are not being closed
    bool disabled = false;        // link_disabled: stopped for good
    std::string disabled_reason;  // why, for the log and /readyz
    // A back-off holds new sockets until then (on the options' clock).
    std::optional<Timestamp> next_connect_at;
};

class SocketModeClient {
public:
    // `metrics` (may be null) gains the hindsight_slack_socket_* series.
    SocketModeClient(http::EventLoop& loop, SocketModeOptions options, EnvelopeHandler handler,
                     http::Metrics* metrics = nullptr);
    // Destroy it once the loop has stopped or stop()'s `done` has run.
    ~SocketModeClient();
    SocketModeClient(const SocketModeClient&) = delete;
    SocketModeClient& operator=(const SocketModeClient&) = delete;

    // Opens `connections` sockets (asynchronously). Thread-safe.
    void start();
    // Closes every socket (each close bounded by close_timeout) and opens no
    // more; `done` runs once they are all gone. Thread-safe, returns at once.
    void stop(std::function<void()> done = {});

    SocketModeStatus status() const;
    std::uint64_t hellos() const;  // sockets greeted since start (for tests and logs)

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace hindsight::slack
