// Internal: what the listener (server.cpp) and the sessions (session.cpp)
// share. Lives in a shared_ptr so pending handlers can outlive the Server.
#pragma once

#include "adapters/http/log_limiter.hpp"
#include "adapters/http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <mutex>
#include <unordered_set>

namespace hindsight::http {

class SessionBase;

struct Server::State : std::enable_shared_from_this<Server::State> {
    State(boost::asio::io_context& ioc, ServerOptions options, const Router& router, Metrics& metrics);

    // A session's connection is closed (called once per accepted connection).
    void connection_closed();
    // Calls `done` (on the loop) if shutting down and no connection is left.
    void maybe_done();
    // The TLS settings new connections get (null without TLS).
    std::shared_ptr<boost::asio::ssl::context> tls_context();

    boost::asio::io_context& ioc;
    const ServerOptions options;
    const Router& router;
    Metrics& metrics;

    // The acceptor, its retry timer and `shutting_down` belong to this strand.
    boost::asio::strand<boost::asio::io_context::executor_type> strand;
    boost::asio::ip::tcp::acceptor acceptor;
    boost::asio::steady_timer accept_retry;
    bool started = false;

    std::atomic<std::size_t> active{0};    // accepted and not yet closed
    std::atomic<std::size_t> refusing{0};  // being answered 503 over the cap
    std::atomic<bool> shutting_down{false};

    std::mutex mutex;  // sessions, done
    std::unordered_set<SessionBase*> sessions;
    std::function<void()> done;

    // Replaced whole by a reload; each TLS session holds the one it started with.
    std::mutex tls_mutex;
    std::shared_ptr<boost::asio::ssl::context> tls;

    // Warnings a hostile or broken client could trigger at will.
    LogLimiter client_errors_log;
    LogLimiter refused_log;
    LogLimiter accept_errors_log;
};

}  // namespace hindsight::http
