#include "adapters/http/server.hpp"

#include "adapters/http/event_loop_impl.hpp"
#include "adapters/http/server_state.hpp"
#include "adapters/http/session.hpp"
#include "adapters/http/tls_context.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace hindsight::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Connections over the cap get this and a close; a handful being refused at
// once is plenty, beyond that they are closed without a word.
constexpr std::string_view kRefusal =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Server: hindsight\r\n"
    "Retry-After: 1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 24\r\n"
    "Connection: close\r\n"
    "\r\n"
    "too many connections\r\n\r\n";
constexpr std::size_t kMaxRefusing = 64;
constexpr auto kRefusalTimeout = std::chrono::seconds(1);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

std::string endpoint_name(const std::string& address, std::uint16_t port) {
    bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

using tls_stream = beast::ssl_stream<tcp::socket>;

// A connection refused over the cap: write the 503 (over TLS after the
// handshake, all within kRefusalTimeout), half-close, then read what the
// client sent until it closes (bounded), so the close does not reset the
// connection before the client has read the answer.
template <class Stream>
struct Refusal : std::enable_shared_from_this<Refusal<Stream>> {
    static constexpr bool kTls = std::is_same_v<Stream, tls_stream>;

    Refusal(std::shared_ptr<Server::State> s, tcp::socket&& sock)
        requires(!kTls)
        : state(std::move(s)), stream(std::move(sock)), deadline(stream.get_executor()) {}
    Refusal(std::shared_ptr<Server::State> s, tcp::socket&& sock, std::shared_ptr<ssl::context> c)
        requires(kTls)
        : state(std::move(s)),
          context(std::move(c)),
          stream(std::move(sock), *context),
          deadline(stream.get_executor()) {}
    ~Refusal() { --state->refusing; }

    tcp::socket& socket() { return beast::get_lowest_layer(stream); }

    void start() {
        deadline.expires_after(kRefusalTimeout);
        deadline.async_wait([self = this->shared_from_this()](const error_code& ec) {
            if (!ec) self->socket().close();
        });
        if constexpr (kTls) {
            stream.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](const error_code& ec) {
                if (ec) return self->finish();
                self->answer();
            });
        } else {
            answer();
        }
    }

    void answer() {
        asio::async_write(stream, asio::buffer(kRefusal.data(), kRefusal.size()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                              if (ec) return self->finish();
                              error_code ignored;
                              self->socket().shutdown(tcp::socket::shutdown_send, ignored);
                              self->drain();
                          });
    }

    // Below TLS: what still arrives is only discarded.
    void drain() {
        socket().async_read_some(asio::buffer(scratch),
                                 [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                                     if (ec) return self->finish();
                                     self->drain();
                                 });
    }

    void finish() {
        deadline.cancel();
        error_code ignored;
        socket().close(ignored);
    }

    std::shared_ptr<Server::State> state;
    std::shared_ptr<ssl::context> context;  // TLS only: outlives the stream
    Stream stream;
    asio::steady_timer deadline;
    char scratch[512];
};

void refuse(const std::shared_ptr<Server::State>& state, tcp::socket&& socket) {
    if (auto context = state->tls_context())
        std::make_shared<Refusal<tls_stream>>(state, std::move(socket), std::move(context))->start();
    else
        std::make_shared<Refusal<tcp::socket>>(state, std::move(socket))->start();
}

bool out_of_resources(const error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory || ec.value() == ENFILE;
}

void do_accept(const std::shared_ptr<Server::State>& state);

void on_accept(const std::shared_ptr<Server::State>& state, const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) return;
    if (ec) {
        std::uint64_t suppressed = 0;
        if (state->accept_errors_log.allow(suppressed))
            spdlog::error("http accept: {} ({} similar suppressed)", ec.message(), suppressed);
        if (out_of_resources(ec)) {
            // Out of file descriptors: accepting again at once would spin.
            state->accept_retry.expires_after(kAcceptRetry);
            state->accept_retry.async_wait([state](const error_code& wait_ec) {
                if (!wait_ec) do_accept(state);
            });
            return;
        }
        return do_accept(state);
    }
    if (state->shutting_down) return;  // the socket closes as it goes out of scope
    if (state->active.load() >= state->options.max_connections) {
        std::uint64_t suppressed = 0;
        if (state->refused_log.allow(suppressed))
            spdlog::warn("http: {} connections open (the maximum): refusing new ones with 503 ({} more refused "
                         "since the last warning)",
                         state->options.max_connections, suppressed);
        state->metrics.add("hindsight_http_connections_refused_total",
                           "Connections refused because max_connections were open.");
        if (state->refusing.load() < kMaxRefusing) {
            ++state->refusing;
            refuse(state, std::move(socket));
        }
    } else {
        ++state->active;
        if (auto context = state->tls_context()) start_tls_session(state, std::move(socket), std::move(context));
        else start_session(state, std::move(socket));
    }
    do_accept(state);
}

void do_accept(const std::shared_ptr<Server::State>& state) {
    // Each connection gets its own strand: its handlers never run concurrently.
    state->acceptor.async_accept(asio::make_strand(state->ioc),
                                 [state](const error_code& ec, tcp::socket socket) {
                                     on_accept(state, ec, std::move(socket));
                                 });
}

}  // namespace

Server::State::State(asio::io_context& io, ServerOptions opts, const Router& r, Metrics& m)
    : ioc(io),
      options(std::move(opts)),
      router(r),
      metrics(m),
      strand(asio::make_strand(io)),
      acceptor(strand),
      accept_retry(strand) {}

void Server::State::connection_closed() {
    if (active.fetch_sub(1) == 1) maybe_done();
}

std::shared_ptr<ssl::context> Server::State::tls_context() {
    std::lock_guard lock(tls_mutex);
    return tls;
}

void Server::State::maybe_done() {
    std::function<void()> fn;
    {
        std::lock_guard lock(mutex);
        // A stopped loop runs nothing more (and may be on its way out).
        if (!shutting_down || active.load() != 0 || !done || ioc.stopped()) return;
        fn = std::move(done);
        done = nullptr;
    }
    asio::post(ioc, std::move(fn));
}

Server::Server(EventLoop& loop, ServerOptions options, const Router& router, Metrics& metrics)
    : state_(std::make_shared<State>(loop.impl().io_context(), std::move(options), router, metrics)) {
    metrics.gauge("hindsight_http_connections_active", "Open client connections.",
                  [weak = std::weak_ptr<State>(state_)] {
                      auto state = weak.lock();
                      return state ? static_cast<double>(state->active.load()) : 0.0;
                  });
}

Server::~Server() {
    // Pending handlers keep the state alive; only the listening socket must go.
    asio::post(state_->strand, [state = state_] {
        error_code ignored;
        state->acceptor.close(ignored);
        state->accept_retry.cancel();
    });
}

std::uint16_t Server::start() {
    const auto& opts = state_->options;
    auto where = endpoint_name(opts.address, opts.port);
    error_code ec;
    auto address = asio::ip::make_address(opts.address, ec);
    if (ec) throw std::runtime_error("http listen on " + where + ": invalid address");

    // Nothing else touches the acceptor before the first accept is posted,
    // so it is set up here, on the caller's thread, and errors throw directly.
    auto& acceptor = state_->acceptor;
    tcp::endpoint endpoint(address, opts.port);
    if (state_->started) throw std::logic_error("http server started twice");
    if (opts.tls) state_->tls = make_tls_context(*opts.tls);  // before binding: a bad file leaves no socket behind
    state_->started = true;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error_code ignored;
        acceptor.close(ignored);
        throw std::runtime_error("http listen on " + where + ": " + ec.message());
    }
    std::uint16_t port = acceptor.local_endpoint(ec).port();
    spdlog::info("http: listening on {}://{}", opts.tls ? "https" : "http", endpoint_name(opts.address, port));
    asio::post(state_->strand, [state = state_] { do_accept(state); });
    return port;
}

void Server::shutdown(std::function<void()> done) {
    asio::post(state_->strand, [state = state_, done = std::move(done)]() mutable {
        {
            std::lock_guard lock(state->mutex);
            state->shutting_down = true;
            state->done = std::move(done);
        }
        error_code ignored;
        state->acceptor.close(ignored);
        state->accept_retry.cancel();
        spdlog::info("http: shutting down, {} connection(s) open", state->active.load());
        shut_down_sessions(*state);
        state->maybe_done();
    });
}

std::size_t Server::active_connections() const { return state_->active.load(); }

void Server::reload_tls() {
    const auto& files = state_->options.tls;
    if (!files) throw TlsError("TLS is not configured (listen.tls): nothing to reload");
    auto context = make_tls_context(*files);  // throws before anything is replaced
    std::lock_guard lock(state_->tls_mutex);
    state_->tls = std::move(context);
}

bool Server::tls() const { return state_->options.tls.has_value(); }

}  // namespace hindsight::http
