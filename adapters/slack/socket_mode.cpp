#include "adapters/slack/socket_mode.hpp"

#include "adapters/http/event_loop_impl.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/outbound/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <random>

namespace hindsight::slack {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using net::use_awaitable;
using steady = std::chrono::steady_clock;
using Strand = net::strand<net::io_context::executor_type>;

namespace {

// Why a connection attempt or a connection ended: the metric label and the
// words for the log.
struct Ended : std::runtime_error {
    Ended(std::string label, const std::string& what) : std::runtime_error(what), reason(std::move(label)) {}
    std::string reason;
};

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

// Slack's limit of sockets per app: one more is answered with
// too_many_websockets. A refresh never takes the client above it.
constexpr std::size_t slack_max_sockets = 10;

// The envelope type as a metric label: the documented ones, or "other" (a
// label value never carries text from the wire).
std::string type_label(const std::string& type) {
    if (type == "events_api" || type == "slash_commands" || type == "interactive") return type;
    return "other";
}

constexpr const char* reconnects_metric = "hindsight_slack_socket_reconnects_total";
constexpr const char* reconnects_help = "Slack Socket Mode connections replaced, by reason";

}  // namespace

struct SocketModeClient::Impl : std::enable_shared_from_this<Impl> {
    using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

    struct Conn {
        std::uint64_t id = 0;
        std::optional<Ws> ws;
        bool greeted = false;
        bool draining = false;  // Slack asked for a refresh: a successor is on its way
        bool closing = false;   // we are closing it (or it is gone)
        bool expected = false;  // its end needs no reconnect accounting
        bool retiring = false;  // its successor is greeted: closes once its envelopes are acked
        bool open = false;      // the WebSocket handshake completed
        std::string end_reason;
        int inflight = 0;       // envelopes handed out and not yet acked
        std::deque<std::string> outbox;
        bool writing = false;
        std::unique_ptr<net::steady_timer> hello_timer;
        std::unique_ptr<net::steady_timer> close_timer;
    };

    Impl(http::EventLoop& loop, SocketModeOptions o, EnvelopeHandler h, http::Metrics* m)
        : strand(net::make_strand(loop.impl().io_context())),
          options(std::move(o)),
          clock(options.clock ? *options.clock : system_clock),
          handler(std::move(h)),
          metrics(m),
          retry_timer(strand),
          stop_timer(strand),
          random(std::random_device{}()) {
        options.connections = std::clamp(options.connections, 1, 10);
        try {
            tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
            tls.set_verify_mode(ssl::verify_peer);
            tls.set_default_verify_paths();
            if (!options.ca_file.empty()) tls.load_verify_file(options.ca_file);
        } catch (const std::exception& e) {
            tls_error = "cannot load CA file " + options.ca_file + ": " + e.what();
        }
    }

    Strand strand;
    SocketModeOptions options;
    SystemClock system_clock;
    const Clock& clock;  // the back-offs
    EnvelopeHandler handler;
    http::Metrics* metrics;
    ssl::context tls{ssl::context::tls_client};
    std::string tls_error;

    // Only on the strand.
    std::list<std::shared_ptr<Conn>> conns;
    std::uint64_t next_id = 1;
    bool started = false;
    bool stopping = false;
    std::function<void()> stopped;
    int failures = 0;  // consecutive, since the last hello
    Timestamp retry_at{};    // on `clock`
    Timestamp hold_until{};
    net::steady_timer retry_timer;
    net::steady_timer stop_timer;
    bool retry_armed = false;
    std::mt19937 random;

    // Read from any thread.
    std::atomic<int> ready{0};
    std::atomic<std::uint64_t> hellos{0};
    mutable std::mutex status_mutex;
    bool disabled = false;
    std::string disabled_reason;
    std::optional<Timestamp> next_connect_at;

    void count(const char* name, const char* help, const std::string& labels) {
        if (metrics) metrics->add(name, help, 1, labels);
    }

    // ---- supervision (strand) -------------------------------------------

    // Sockets that said hello and are neither draining nor closing.
    void recount() {
        int n = 0;
        for (const auto& c : conns)
            if (c->greeted && !c->draining && !c->closing) ++n;
        ready = n;
    }

    int live() const {
        int n = 0;
        for (const auto& c : conns)
            if (!c->draining && !c->closing) ++n;
        return n;
    }

    bool is_disabled() const {
        std::lock_guard lock(status_mutex);
        return disabled;
    }

    // Opens sockets until `connections` are live (or waits for the backoff).
    void reconcile() {
        if (stopping || is_disabled()) return;
        auto now = clock.now();
        auto at = std::max(retry_at, hold_until);
        if (live() >= options.connections) return set_next_connect({});
        if (at > now) {
            set_next_connect(at);
            if (!retry_armed) {
                // Real time runs on while the clock may be another one: look
                // at the clock again after the wait or the tick, whichever first.
                retry_armed = true;
                retry_timer.expires_after(std::min<steady::duration>(at - now, options.clock_tick));
                retry_timer.async_wait([self = shared_from_this()](boost::system::error_code) {
                    self->retry_armed = false;
                    self->reconcile();
                });
            }
            return;
        }
        set_next_connect({});
        while (live() < options.connections && conns.size() < slack_max_sockets) open_one();
    }

    void set_next_connect(std::optional<Timestamp> at) {
        std::lock_guard lock(status_mutex);
        next_connect_at = at;
    }

    std::chrono::milliseconds backoff() {
        auto d = options.initial_backoff;
        for (int i = 1; i < failures && d < options.max_backoff; ++i) d *= 2;
        d = std::min(d, options.max_backoff);
        auto half = d.count() / 2;
        return std::chrono::milliseconds{half + std::uniform_int_distribution<long long>(0, d.count() - half)(random)};
    }

    void open_one() {
        auto conn = std::make_shared<Conn>();
        conn->id = next_id++;
        conns.push_back(conn);
        net::co_spawn(strand, session(conn), [self = shared_from_this(), conn](std::exception_ptr e) {
            std::string reason = conn->end_reason.empty() ? "closed" : conn->end_reason;
            std::string why = "closed by Slack";
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const Ended& x) {
                    if (conn->end_reason.empty()) reason = x.reason;
                    why = x.what();
                } catch (const boost::system::system_error& x) {
                    if (conn->end_reason.empty())
                        reason = x.code() == beast::error::timeout ? "timeout"
                                 : x.code() == websocket::error::closed ? "closed"
                                                                       : "error";
                    why = x.code() == beast::error::timeout ? "no frame or pong within the idle timeout"
                                                            : x.code().message();
                } catch (const std::exception& x) {
                    if (conn->end_reason.empty()) reason = "error";
                    why = x.what();
                }
            }
            self->ended(conn, reason, why);
        });
    }

    void ended(const std::shared_ptr<Conn>& conn, const std::string& reason, const std::string& why) {
        conn->closing = true;
        if (conn->hello_timer) conn->hello_timer->cancel();
        conns.remove(conn);
        recount();
        if (stopping) {
            if (conns.empty() && stopped) {
                stop_timer.cancel();
                std::exchange(stopped, nullptr)();
            }
            return;
        }
        if (is_disabled()) return;
        if (!conn->expected) {
            ++failures;
            auto wait = backoff();
            retry_at = std::max(retry_at, clock.now() + wait);
            count(reconnects_metric, reconnects_help, "reason=\"" + reason + "\"");
            spdlog::warn("slack socket mode: connection {} ended ({}: {}); reconnecting in {} ms", conn->id, reason, why,
                         wait.count());
        }
        reconcile();
    }

    // Close a socket of ours: the closing handshake, bounded.
    void close(const std::shared_ptr<Conn>& conn, const std::string& reason) {
        if (conn->closing) return;
        conn->closing = true;
        recount();
        if (conn->end_reason.empty()) conn->end_reason = reason;
        if (!conn->ws) return;  // still asking for a URL: the session sees `closing` and ends
        if (!conn->open) {      // connecting: cut it short
            beast::error_code ignored;
            beast::get_lowest_layer(*conn->ws).socket().close(ignored);
            return;
        }
        websocket::stream_base::timeout t;
        t.handshake_timeout = options.close_timeout;
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        conn->ws->set_option(t);
        // The handlers hold the connection: its stream outlives every operation on it.
        conn->ws->async_close(websocket::close_code::normal, [conn](beast::error_code) {});
        // Slack may not end TCP after the handshake: cut it after the bound.
        conn->close_timer = std::make_unique<net::steady_timer>(strand);
        conn->close_timer->expires_after(options.close_timeout);
        conn->close_timer->async_wait([conn](boost::system::error_code ec) {
            if (ec || !conn->ws) return;
            beast::error_code ignored;
            beast::get_lowest_layer(*conn->ws).socket().close(ignored);
        });
    }

    // A successor said hello: retire the oldest draining socket once its
    // envelopes are acked (bounded).
    void retire_one_draining() {
        for (auto& c : conns) {
            if (!c->draining || c->closing || c->retiring) continue;
            retire(c);
            return;
        }
    }

    // Closes a draining socket once the envelopes it handed out are acked
    // (bounded by the close timeout).
    void retire(const std::shared_ptr<Conn>& c) {
        c->retiring = true;
        if (c->inflight == 0) {
            close(c, "refresh");
            return;
        }
        auto timer = std::make_shared<net::steady_timer>(strand);
        timer->expires_after(options.close_timeout);
        timer->async_wait([self = shared_from_this(), c, timer](boost::system::error_code) { self->close(c, "refresh"); });
    }

    // ---- one connection (strand) ----------------------------------------

    net::awaitable<void> session(std::shared_ptr<Conn> conn) {
        if (!tls_error.empty()) throw Ended("error", tls_error);
        auto url = co_await open_url();
        if (conn->closing) co_return;
        auto target = outbound::Url::parse("https://" + url.substr(std::string_view("wss://").size()));
        if (!target) throw Ended("open_failed", "apps.connections.open returned an unusable URL");

        tcp::resolver resolver(strand);
        auto endpoints = co_await resolver.async_resolve(target->host, target->port, use_awaitable);
        conn->ws.emplace(strand, tls);
        auto& ws = *conn->ws;
        beast::get_lowest_layer(ws).expires_after(options.connect_timeout);
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
        // Acks are small frames written whole: Nagle would hold one back until
        // the previous one's TCP ACK came, adding up to a delayed-ACK timeout.
        beast::error_code nagle;
        beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), nagle);
        if (!is_ip_literal(target->host) && !SSL_set_tlsext_host_name(ws.next_layer().native_handle(), target->host.c_str()))
            throw Ended("error", "tls: cannot set SNI host name");
        ws.next_layer().set_verify_callback(ssl::host_name_verification(target->host));
        co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_awaitable);
        beast::get_lowest_layer(ws).expires_never();  // the websocket timeouts take over

        websocket::stream_base::timeout timeouts;
        timeouts.handshake_timeout = options.connect_timeout;
        timeouts.idle_timeout = options.idle_timeout;
        timeouts.keep_alive_pings = true;  // ping at idle/2, give up at idle
        ws.set_option(timeouts);
        ws.set_option(websocket::stream_base::decorator(
            [](websocket::request_type& request) { request.set(bhttp::field::user_agent, "hindsight"); }));
        // Named, not a temporary inside the co_await (GCC 12 frees those twice).
        const std::string host = target->port == "443" ? target->host : target->host + ":" + target->port;
        const std::string path = target->target;
        co_await ws.async_handshake(host, path, use_awaitable);
        ws.text(true);
        conn->open = true;
        if (conn->closing) co_return;

        // No `hello` in time: this attempt failed.
        conn->hello_timer = std::make_unique<net::steady_timer>(strand);
        conn->hello_timer->expires_after(options.connect_timeout);
        conn->hello_timer->async_wait([conn](boost::system::error_code ec) {
            if (ec || conn->greeted || !conn->ws) return;
            conn->end_reason = "no_hello";
            beast::error_code ignored;
            beast::get_lowest_layer(*conn->ws).socket().close(ignored);
        });

        beast::flat_buffer buffer;
        while (true) {
            buffer.clear();
            co_await ws.async_read(buffer, use_awaitable);
            // A flat_buffer is one contiguous block: parsed where it lies.
            frame(conn, std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()));
        }
    }

    // POST apps.connections.open with the app token: a fresh wss:// URL.
    net::awaitable<std::string> open_url() {
        auto base = outbound::Url::parse(options.api_base_url);
        if (!base) throw Ended("open_failed", "slack.api_base_url is not an http(s) URL");
        bhttp::request<bhttp::string_body> request{bhttp::verb::post, base->target + "apps.connections.open", 11};
        const bool default_port = (base->scheme == "https" && base->port == "443") ||
                                  (base->scheme == "http" && base->port == "80");
        request.set(bhttp::field::host, default_port ? base->host : base->host + ":" + base->port);
        request.set(bhttp::field::authorization, "Bearer " + options.app_token);
        request.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
        request.set(bhttp::field::user_agent, "hindsight");
        request.keep_alive(false);
        request.prepare_payload();

        tcp::resolver resolver(strand);
        auto endpoints = co_await resolver.async_resolve(base->host, base->port, use_awaitable);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024);
        beast::flat_buffer buffer;
        if (base->scheme == "https") {
            beast::ssl_stream<beast::tcp_stream> stream(strand, tls);
            beast::get_lowest_layer(stream).expires_after(options.connect_timeout);
            co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
            if (!is_ip_literal(base->host) && !SSL_set_tlsext_host_name(stream.native_handle(), base->host.c_str()))
                throw Ended("open_failed", "tls: cannot set SNI host name");
            stream.set_verify_callback(ssl::host_name_verification(base->host));
            co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
            co_await bhttp::async_write(stream, request, use_awaitable);
            co_await bhttp::async_read(stream, buffer, parser, use_awaitable);
            beast::error_code ignored;
            beast::get_lowest_layer(stream).socket().close(ignored);
        } else {
            beast::tcp_stream stream(strand);
            stream.expires_after(options.connect_timeout);
            co_await stream.async_connect(endpoints, use_awaitable);
            co_await bhttp::async_write(stream, request, use_awaitable);
            co_await bhttp::async_read(stream, buffer, parser, use_awaitable);
        }
        const auto& response = parser.get();
        auto answer = parse_open_answer(response.result_int(), response.body());
        if (!answer.error.empty()) throw Ended("open_failed", answer.error);
        co_return std::move(answer.url);
    }

    void frame(const std::shared_ptr<Conn>& conn, std::string_view text) {
        auto f = parse_frame(text);
        switch (f.kind) {
        case Frame::Kind::hello: return hello(conn, f.refresh_in_s);
        case Frame::Kind::disconnect: return disconnect(conn, f.disconnect, f.reason);
        case Frame::Kind::envelope: return envelope(conn, std::move(f.envelope));
        case Frame::Kind::ignored:
            spdlog::debug("slack socket mode: ignored a frame of type '{}'", f.type);
            return;
        case Frame::Kind::malformed:
            spdlog::debug("slack socket mode: dropped a malformed frame: {}", f.problem);
            return;
        }
    }

    void envelope(const std::shared_ptr<Conn>& conn, Envelope e) {
        count("hindsight_slack_socket_envelopes_total", "Slack Socket Mode envelopes received, by type",
              "type=\"" + type_label(e.type) + "\"");
        ++conn->inflight;
        auto once = std::make_shared<std::atomic<bool>>(false);
        Ack ack = [weak = weak_from_this(), wconn = std::weak_ptr<Conn>(conn), once, id = e.envelope_id,
                   received = steady::now()](std::string payload) {
            if (once->exchange(true)) return;
            auto self = weak.lock();
            if (!self) return;
            net::post(self->strand, [self, wconn, id, received, payload = std::move(payload)] {
                self->acknowledge(wconn.lock(), id, payload, received);
            });
        };
        try {
            handler(std::move(e), std::move(ack));
        } catch (const std::exception& x) {
            spdlog::error("slack socket mode: envelope handler failed: {}", x.what());
        }
    }

    void acknowledge(const std::shared_ptr<Conn>& conn, const std::string& id, const std::string& payload,
                     steady::time_point received) {
        if (conn) --conn->inflight;
        if (!conn || !conn->ws || conn->closing) {
            spdlog::info("slack socket mode: envelope {} not acknowledged: its connection closed (Slack redelivers it)",
                         id);
            return;
        }
        // Counted before the write starts: the peer may see the ack before send() returns.
        if (metrics)
            metrics->observe("hindsight_slack_socket_ack_seconds",
                             "Time from a Slack Socket Mode envelope's arrival to its acknowledgement",
                             std::chrono::duration<double>(steady::now() - received).count());
        send(conn, ack_frame(id, payload));
        if (conn->retiring && conn->inflight == 0) close(conn, "refresh");
    }

    void send(const std::shared_ptr<Conn>& conn, std::string text) {
        conn->outbox.push_back(std::move(text));
        if (!conn->writing) write_next(conn);
    }

    void write_next(const std::shared_ptr<Conn>& conn) {
        if (conn->outbox.empty() || !conn->ws) {
            conn->writing = false;
            return;
        }
        conn->writing = true;
        auto text = std::make_shared<std::string>(std::move(conn->outbox.front()));
        conn->outbox.pop_front();
        conn->ws->async_write(net::buffer(*text),
                              net::bind_executor(strand, [self = shared_from_this(), conn, text](beast::error_code ec,
                                                                                                 std::size_t) {
                                  if (ec) {
                                      conn->writing = false;
                                      conn->outbox.clear();
                                      return;  // the read side sees the failure and ends the session
                                  }
                                  self->write_next(conn);
                              }));
    }

    void hello(const std::shared_ptr<Conn>& conn, std::optional<long long> refresh_in) {
        if (conn->greeted) return;
        conn->greeted = true;
        if (conn->hello_timer) conn->hello_timer->cancel();
        ++hellos;
        failures = 0;
        recount();
        if (conn->closing) return;
        spdlog::info("slack socket mode: connection {} ready ({} of {} open{})", conn->id, ready.load(),
                     options.connections,
                     refresh_in ? ", Slack expects to refresh it in about " + std::to_string(*refresh_in) + " s"
                                     : std::string{});
        retire_one_draining();
    }

    void disconnect(const std::shared_ptr<Conn>& conn, DisconnectReason what, const std::string& reason) {
        if (what == DisconnectReason::refresh) {
            if (conn->draining || conn->closing) return;
            spdlog::info("slack socket mode: connection {}: Slack asked for a refresh ({}); opening its successor first",
                         conn->id, reason);
            count(reconnects_metric, reconnects_help, "reason=\"" + reason + "\"");
            conn->draining = true;
            conn->expected = true;
            recount();
            retry_at = clock.now();  // a refresh is no failure: no backoff
            if (conns.size() >= slack_max_sockets) {
                // A successor now would be one socket too many: this one
                // goes first; the other live sockets keep the bot listening.
                spdlog::info("slack socket mode: connection {}: at Slack's limit of {} sockets; closing it before "
                             "opening its successor",
                             conn->id, slack_max_sockets);
                retire(conn);
                return;
            }
            reconcile();
            return;
        }
        if (what == DisconnectReason::too_many_websockets) {
            count(reconnects_metric, reconnects_help, "reason=\"too_many_websockets\"");
            ++failures;
            auto wait = std::max(options.busy_backoff, backoff());
            hold_until = clock.now() + wait;
            spdlog::warn("slack socket mode: connection {}: Slack reports too many WebSockets for this app; "
                         "closing it and opening none for {} ms",
                         conn->id, wait.count());
            conn->expected = true;
            close(conn, "too_many_websockets");
            reconcile();
            return;
        }
        if (what == DisconnectReason::link_disabled) {
            {
                std::lock_guard lock(status_mutex);
                disabled = true;
                disabled_reason =
                    "Slack disabled Socket Mode for this app (link_disabled): turn Socket Mode on in the app's "
                    "settings (or set slack.mode to \"http\"), then restart Hindsight";
            }
            spdlog::error("slack socket mode: {}; not reconnecting", disabled_reason);
            for (auto& c : std::list<std::shared_ptr<Conn>>(conns)) {
                c->expected = true;
                close(c, "link_disabled");
            }
            return;
        }
        spdlog::warn("slack socket mode: connection {}: disconnect with unknown reason '{}'; reconnecting", conn->id,
                     reason);
        close(conn, "disconnect");
    }

    void stop(std::function<void()> done) {
        stopping = true;
        retry_timer.cancel();
        if (done) {
            // A second stop() while the first is closing: both callers hear of the end.
            stopped = [first = std::move(stopped), done = std::move(done)] {
                if (first) first();
                done();
            };
        }
        if (conns.empty()) {
            if (stopped) std::exchange(stopped, nullptr)();
            return;
        }
        for (auto& c : std::list<std::shared_ptr<Conn>>(conns)) {
            c->expected = true;
            close(c, "stop");
        }
        // A socket still asking for its URL (or resolving) ends only with its
        // own timeout: do not hold the caller for longer than a close.
        stop_timer.expires_after(options.close_timeout + std::chrono::seconds{1});
        stop_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->stopped) return;
            spdlog::warn("slack socket mode: {} socket(s) still closing at shutdown; not waiting for them",
                         self->conns.size());
            std::exchange(self->stopped, nullptr)();
        });
    }
};

SocketModeClient::SocketModeClient(http::EventLoop& loop, SocketModeOptions options, EnvelopeHandler handler,
                                   http::Metrics* metrics)
    : impl_(std::make_shared<Impl>(loop, std::move(options), std::move(handler), metrics)) {
    if (metrics) {
        auto impl = impl_;
        metrics->gauge("hindsight_slack_socket_connections",
                       "Slack Socket Mode connections open and greeted (hello)",
                       [impl] { return static_cast<double>(impl->ready.load()); });
        metrics->gauge("hindsight_slack_socket_disabled", "1 when Slack disabled Socket Mode for the app (link_disabled)",
                       [impl] {
                           std::lock_guard lock(impl->status_mutex);
                           return impl->disabled ? 1.0 : 0.0;
                       });
    }
}

SocketModeClient::~SocketModeClient() = default;

void SocketModeClient::start() {
    net::post(impl_->strand, [impl = impl_] {
        if (impl->started || impl->stopping) return;
        impl->started = true;
        impl->reconcile();
    });
}

void SocketModeClient::stop(std::function<void()> done) {
    net::post(impl_->strand, [impl = impl_, done = std::move(done)]() mutable { impl->stop(std::move(done)); });
}

SocketModeStatus SocketModeClient::status() const {
    SocketModeStatus s;
    s.ready = impl_->ready.load();
    std::lock_guard lock(impl_->status_mutex);
    s.disabled = impl_->disabled;
    s.disabled_reason = impl_->disabled_reason;
    s.next_connect_at = impl_->next_connect_at;
    return s;
}

std::uint64_t SocketModeClient::hellos() const { return impl_->hellos.load(); }

}  // namespace hindsight::slack
