#include "adapters/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>
#include <type_traits>

namespace hindsight::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// After the last response of a connection: how long we keep reading (and
// discarding) what the client still sends, so closing does not reset the
// connection under a response it has not read yet.
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kKeptBuffer = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Peers hang up, keep-alive connections time out, shutdown cancels reads:
// routine events, logged at debug only on purpose.
bool expected_close(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
           ec == asio::error::operation_aborted || ec == beast::error::timeout ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::not_connected || ec == asio::error::bad_descriptor ||
           ec == ssl::error::stream_truncated;  // a TLS peer that hung up without close_notify
}

bool is_parse_error(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// Headers the server owns: a handler cannot set framing, and a value with
// CR/LF would let it forge headers.
bool acceptable_extra_header(const std::string& name, const std::string& value) {
    if (name.empty() || name.find_first_of("\r\n: ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos)
        return false;
    return !iequals(name, "Content-Length") && !iequals(name, "Transfer-Encoding") && !iequals(name, "Connection");
}

std::string endpoint_text(const tcp::socket& socket) {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    auto address = ep.address().to_string();
    if (ep.address().is_v6()) address = "[" + address + "]";
    return address + ":" + std::to_string(ep.port());
}

}  // namespace

// What graceful shutdown needs from a session, whatever its stream.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
public:
    virtual ~SessionBase() = default;
    virtual void begin_shutdown() = 0;
};

namespace {

// One connection over plain TCP (beast::tcp_stream) or TLS (tls_stream).
// Both share every step; only the handshake and the final close differ.
template <class Stream>
class Session : public SessionBase {
    static constexpr bool kTls = std::is_same_v<Stream, tls_stream>;

public:
    Session(std::shared_ptr<Server::State> state, tcp::socket&& socket)
        requires(!kTls)
        : state_(std::move(state)), stream_(std::move(socket)), handler_timer_(stream_.get_executor()) {
        init();
    }
    Session(std::shared_ptr<Server::State> state, tcp::socket&& socket, std::shared_ptr<ssl::context> context)
        requires(kTls)
        : state_(std::move(state)),
          context_(std::move(context)),
          stream_(std::move(socket), *context_),
          handler_timer_(stream_.get_executor()) {
        init();
    }

    ~Session() override {
        if (!closed_) state_->connection_closed();
        std::lock_guard lock(state_->mutex);
        state_->sessions.erase(this);
    }

    void start() {
        asio::dispatch(stream_.get_executor(), [self = shared()] {
            if constexpr (kTls) self->handshake();
            else self->next_request(true);
        });
    }

    void begin_shutdown() override {
        asio::dispatch(stream_.get_executor(), [self = shared()] {
            self->shutting_down_ = true;
            // Nothing in flight: close now. A request being received, handled or
            // answered finishes first, then the connection closes.
            if (self->phase_ == Phase::idle || self->phase_ == Phase::header) self->tcp().cancel();
        });
    }

private:
    enum class Phase { idle, header, body, handling, writing, closing };

    void init() {
        request_.remote = endpoint_text(tcp().socket());
        beast::error_code ec;
        tcp().socket().set_option(tcp::no_delay(true), ec);  // responses are written whole: no need to batch
        std::lock_guard lock(state_->mutex);
        state_->sessions.insert(this);
    }

    std::shared_ptr<Session> shared() { return std::static_pointer_cast<Session>(shared_from_this()); }
    // The TCP stream under the TLS layer (or the stream itself): deadlines,
    // cancel and close apply there.
    beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

    // --- TLS

    // Counts as receiving the header: a client that never finishes the
    // handshake is closed after header_timeout, like one that never sends one.
    void handshake() {
        phase_ = Phase::header;
        tcp().expires_after(state_->options.header_timeout);
        stream_.async_handshake(ssl::stream_base::server, [self = shared()](const beast::error_code& ec) {
            if (!ec) return self->next_request(true);
            if (self->shutting_down_ && ec == asio::error::operation_aborted) return self->close_now();
            if (ec == beast::error::timeout)
                self->warn_client("TLS handshake not completed within the header timeout from {}",
                                  self->request_.remote);
            else if (expected_close(ec))
                spdlog::debug("http TLS handshake {}: {}", self->request_.remote, ec.message());
            else
                self->warn_client("TLS handshake from {} failed: {}", self->request_.remote, ec.message());
            self->close_now();
        });
    }

    // --- reading

    void next_request(bool first) {
        if (shutting_down_) return close_now();
        // One large request must not pin a large buffer to an idle connection.
        if (buffer_.size() == 0 && buffer_.capacity() > kKeptBuffer) buffer_.shrink_to_fit();
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        parser_->body_limit(state_->options.max_body_bytes);
        // A pipelined request may already be buffered; otherwise a keep-alive
        // connection may idle (idle timeout) before the header clock starts.
        if (first || buffer_.size() > 0) return read_header();
        phase_ = Phase::idle;
        tcp().expires_after(state_->options.idle_timeout);
        stream_.async_read_some(buffer_.prepare(kReadChunk),
                                [self = shared()](const beast::error_code& ec, std::size_t n) {
                                    self->buffer_.commit(n);
                                    if (ec) return self->on_read_error(ec);
                                    self->read_header();
                                });
    }

    void read_header() {
        phase_ = Phase::header;
        tcp().expires_after(state_->options.header_timeout);
        bhttp::async_read_header(stream_, buffer_, *parser_,
                                 [self = shared()](const beast::error_code& ec, std::size_t) {
                                     self->on_header(ec);
                                 });
    }

    void on_header(const beast::error_code& ec) {
        if (ec) return on_read_error(ec);
        started_ = steady::now();
        fill_request_head();
        if (parser_->is_done()) return handle();
        auto expect = parser_->get()[bhttp::field::expect];
        if (iequals(expect, "100-continue")) {
            // The client waits for this before sending the body (curl does for large bodies).
            phase_ = Phase::body;
            tcp().expires_after(state_->options.body_timeout);
            asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                              [self = shared()](const beast::error_code& ec, std::size_t) {
                                  if (ec) {
                                      self->fail(ec, "write 100-continue");
                                      return self->close_now();
                                  }
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        phase_ = Phase::body;
        tcp().expires_after(state_->options.body_timeout);
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared()](const beast::error_code& ec, std::size_t) {
                              if (ec) return self->on_read_error(ec);
                              self->handle();
                          });
    }

    void on_read_error(const beast::error_code& ec) {
        if (shutting_down_ && ec == asio::error::operation_aborted) return close_now();
        if (ec == bhttp::error::body_limit) {
            fill_request_head();
            auto route = state_->router.route_label_view(request_);
            warn_client("413: body over {} bytes from {} on {}", state_->options.max_body_bytes,
                        request_.remote, route);
            return send_error(413, "request body too large\n", route);
        }
        if (ec == bhttp::error::header_limit) {
            warn_client("431: request header over {} bytes from {}", kHeaderLimit, request_.remote);
            return send_error(431, "request header too large\n", "unmatched");
        }
        if (ec == beast::error::timeout) {
            // The stream closed the socket already. A connection that sent
            // nothing merely idled; one that stopped mid-request is a slow client.
            bool partial = phase_ == Phase::body || buffer_.size() > 0 || parser_->got_some();
            if (partial)
                warn_client("request {} not received within the timeout from {}",
                            phase_ == Phase::body ? "body" : "header", request_.remote);
            else
                spdlog::debug("http: idle connection from {} timed out", request_.remote);
            return close_now();
        }
        if (is_parse_error(ec) && ec != bhttp::error::partial_message) {
            warn_client("400: malformed request from {}: {}", request_.remote, ec.message());
            return send_error(400, "malformed request\n", "unmatched");
        }
        fail(ec, "read");
        close_now();
    }

    // Method, target and headers of the request being read, reusing the
    // strings of the previous request (no allocation once warmed up).
    void fill_request_head() {
        const auto& msg = parser_->get();
        request_.method.assign(msg.method_string());
        request_.target.assign(msg.target());
        auto& headers = request_.headers;
        std::size_t i = 0;
        for (const auto& field : msg) {
            if (i == headers.size()) headers.emplace_back();
            headers[i].first.assign(field.name_string());
            headers[i].second.assign(field.value());
            ++i;
        }
        headers.resize(i);
        version_ = msg.version();
    }

    // --- handling

    void handle() {
        auto& msg = parser_->get();
        request_.body = std::move(msg.body());  // untouched: signatures cover these bytes
        keep_alive_ = msg.keep_alive();
        route_ = state_->router.route_label_view(request_);
        phase_ = Phase::handling;
        awaiting_ = true;
        auto seq = ++seq_;
        // The handler may answer later from another thread (after a database
        // commit): the answer hops back onto this connection's strand. The
        // responder holds the session weakly: the pending handler timer keeps
        // it alive meanwhile, and a responder kept past the connection (or past
        // the event loop) must not keep sockets and timers alive with it.
        Responder respond = [weak = std::weak_ptr<Session>(shared()), seq](Response response) {
            auto self = weak.lock();
            if (!self) return;
            auto ex = self->stream_.get_executor();
            asio::dispatch(ex, [self = std::move(self), seq, response = std::move(response)]() mutable {
                self->on_response(seq, std::move(response));
            });
        };
        try {
            state_->router.handle(request_, std::move(respond));
        } catch (const std::exception& e) {
            spdlog::error("http handler {}: {}", route_, e.what());
            if (awaiting_ && seq_ == seq) on_response(seq, Response::text(500, "internal error\n"));
        }
        if (awaiting_ && seq_ == seq) {
            timer_armed_ = true;
            handler_timer_.expires_after(state_->options.handler_timeout);
            handler_timer_.async_wait([self = shared(), seq](const beast::error_code& ec) {
                if (!ec) self->on_handler_timeout(seq);
            });
        }
    }

    void on_response(std::uint64_t seq, Response response) {
        if (seq != seq_ || !awaiting_) {
            spdlog::debug("http: late or repeated answer for {} from {} ignored", route_, request_.remote);
            return;
        }
        awaiting_ = false;
        if (timer_armed_) {
            timer_armed_ = false;
            handler_timer_.cancel();
        }
        write(std::move(response));
    }

    void on_handler_timeout(std::uint64_t seq) {
        timer_armed_ = false;
        if (seq != seq_ || !awaiting_) return;
        awaiting_ = false;
        spdlog::warn("http: handler for {} {} gave no answer within {} ms: 503", request_.method, route_,
                     state_->options.handler_timeout.count());
        write(Response::text(503, "service busy, try again\n"));
    }

    // --- writing

    void send_error(int status, std::string_view body, std::string_view route) {
        started_ = steady::now();
        route_ = route;
        keep_alive_ = false;
        discard_input_ = true;
        if (version_ == 0) version_ = 11;
        write(Response::text(status, std::string(body)));
    }

    void write(Response response) {
        phase_ = Phase::writing;
        if (response.status < 200 || response.status > 599) {
            // Beast throws on codes it cannot send; interim (1xx) answers are the server's business.
            spdlog::error("http handler {}: invalid status {}, answering 500", route_, response.status);
            response = Response::text(500, "internal error\n");
        }
        if (response.status == 204 || response.status == 304) response.body.clear();  // these never carry a body
        bool keep = keep_alive_ && !shutting_down_;
        res_ = {};
        res_.version(version_);
        res_.result(static_cast<unsigned>(response.status));
        res_.set(bhttp::field::server, "hindsight");
        if (!response.content_type.empty()) res_.set(bhttp::field::content_type, response.content_type);
        for (const auto& [name, value] : response.headers) {
            if (acceptable_extra_header(name, value)) res_.insert(name, value);
            else spdlog::error("http handler {}: response header '{}' refused", route_, name);
        }
        res_.body() = std::move(response.body);
        res_.keep_alive(keep);
        res_.prepare_payload();
        tcp().expires_after(state_->options.body_timeout);
        bhttp::async_write(stream_, res_,
                           [self = shared(), keep](const beast::error_code& ec, std::size_t) {
                               self->on_write(ec, keep);
                           });
    }

    void on_write(const beast::error_code& ec, bool keep) {
        std::chrono::duration<double> took = steady::now() - started_;
        state_->metrics.count_request(route_, static_cast<int>(res_.result_int()), took.count());
        if (ec) {
            fail(ec, "write");
            return close_now();
        }
        if (keep && !shutting_down_) return next_request(false);
        if (discard_input_) return linger_close();
        if constexpr (kTls) return tls_close();
        // A complete exchange leaves nothing unread: a plain close is clean.
        beast::error_code ignored;
        tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
        close_now();
    }

    // --- closing

    // After an error answer the client may still be sending (the rest of a
    // 413 body): half-close, then read and discard until the peer closes
    // (bounded by kLingerTimeout). Closing with unread input would send a
    // reset that can destroy the answer before the client has read it.
    void linger_close() {
        phase_ = Phase::closing;
        beast::error_code ec;
        tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return close_now();
        buffer_.clear();
        tcp().expires_after(kLingerTimeout);
        linger();
    }

    // Below TLS on purpose: after the half-close the records are only discarded.
    void linger() {
        tcp().async_read_some(buffer_.prepare(kReadChunk),
                                [self = shared()](const beast::error_code& ec, std::size_t) {
                                    if (ec) return self->close_now();
                                    self->linger();
                                });
    }

    // The end of a complete exchange over TLS: close_notify (so the client can
    // tell the close from a truncation), waiting for the peer's at most
    // kLingerTimeout, then the socket closes whatever the outcome.
    void tls_close()
        requires(kTls)
    {
        phase_ = Phase::closing;
        tcp().expires_after(kLingerTimeout);
        stream_.async_shutdown([self = shared()](const beast::error_code&) { self->close_now(); });
    }

    void close_now() {
        phase_ = Phase::closing;
        if (closed_) return;
        closed_ = true;
        if (timer_armed_) {
            timer_armed_ = false;
            handler_timer_.cancel();
        }
        beast::error_code ec;
        tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
        tcp().close();
        state_->connection_closed();
    }

    void fail(const beast::error_code& ec, std::string_view what) {
        if (expected_close(ec)) spdlog::debug("http {} {}: {}", what, request_.remote, ec.message());
        else spdlog::warn("http {} {}: {}", what, request_.remote, ec.message());
    }

    template <class... Args>
    void warn_client(fmt::format_string<Args...> format, Args&&... args) {
        std::uint64_t suppressed = 0;
        if (!state_->client_errors_log.allow(suppressed)) return;
        auto line = fmt::format(format, std::forward<Args>(args)...);
        if (suppressed > 0) spdlog::warn("http {} ({} similar suppressed)", line, suppressed);
        else spdlog::warn("http {}", line);
    }

    std::shared_ptr<Server::State> state_;
    std::shared_ptr<ssl::context> context_;  // TLS only: outlives stream_, a reload does not touch it
    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bhttp::response<bhttp::string_body> res_;
    asio::steady_timer handler_timer_;
    Request request_;
    std::string_view route_ = "unmatched";  // a label owned by the router, or a literal
    unsigned version_ = 0;
    std::uint64_t seq_ = 0;
    steady::time_point started_{};
    Phase phase_ = Phase::header;
    bool keep_alive_ = false;
    bool discard_input_ = false;  // closing after an error answer: unread input likely
    bool awaiting_ = false;
    bool timer_armed_ = false;
    bool shutting_down_ = false;
    bool closed_ = false;
};

}  // namespace

void start_session(const std::shared_ptr<Server::State>& state, tcp::socket socket) {
    std::make_shared<Session<beast::tcp_stream>>(state, std::move(socket))->start();
}

void start_tls_session(const std::shared_ptr<Server::State>& state, tcp::socket socket,
                       std::shared_ptr<ssl::context> context) {
    std::make_shared<Session<tls_stream>>(state, std::move(socket), std::move(context))->start();
}

void shut_down_sessions(Server::State& state) {
    std::vector<std::shared_ptr<SessionBase>> sessions;
    {
        std::lock_guard lock(state.mutex);
        sessions.reserve(state.sessions.size());
        // A session being destroyed waits on this mutex to unregister; its
        // weak_from_this() is already expired and it is skipped.
        for (auto* session : state.sessions)
            if (auto alive = session->weak_from_this().lock()) sessions.push_back(std::move(alive));
    }
    for (auto& session : sessions) session->begin_shutdown();
}

}  // namespace hindsight::http
