// Internal: one accepted connection. Defined in session.cpp, the one file that
// instantiates Beast's HTTP parser and serializer (once for plain TCP, once
// for TLS).
#pragma once

#include "adapters/http/server_state.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace hindsight::http {

// Takes over an accepted socket (counted in state->active) and serves it
// until it closes.
void start_session(const std::shared_ptr<Server::State>& state, boost::asio::ip::tcp::socket socket);
// The same over TLS: the handshake first (within header_timeout), with
// `context` kept for the connection's lifetime.
void start_tls_session(const std::shared_ptr<Server::State>& state, boost::asio::ip::tcp::socket socket,
                       std::shared_ptr<boost::asio::ssl::context> context);

// Graceful shutdown: idle connections close now, the others after their
// current response.
void shut_down_sessions(Server::State& state);

}  // namespace hindsight::http
