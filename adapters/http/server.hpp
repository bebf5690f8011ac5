// The inbound HTTP/1.1 service: a listener that accepts connections and one
// session per connection (deadlines on every step, body and header limits,
// keep-alive), handing each request to the Router. No Boost here (pimpl).
#pragma once

#include "adapters/http/event_loop.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/http/router.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace hindsight::http {

// PEM files for serving HTTPS: the certificate (chain, leaf first) and its key.
struct TlsFiles {
    std::string cert_file;
    std::string key_file;
};

// A certificate or key that cannot be read or used; what() names the file.
class TlsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Loads the files as start() would and throws the same TlsError, for
// callers that want to know before they create anything else.
void check_tls_files(const TlsFiles& files);

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;  // 0: an ephemeral port (start() returns it)
    std::size_t max_body_bytes = 1048576;
    std::chrono::milliseconds header_timeout{10000};   // request line and headers
    std::chrono::milliseconds body_timeout{30000};     // the body; also writing the response
    std::chrono::milliseconds idle_timeout{60000};     // keep-alive wait for the next request
    std::chrono::milliseconds handler_timeout{30000};  // a handler's answer, else 503
    std::size_t max_connections = 1024;
    std::optional<TlsFiles> tls;  // set: HTTPS only (TLS 1.2+), the handshake within header_timeout
};

// The router and metrics must outlive every connection: destroy the Server
// (and them) after EventLoop::run() returned or after shutdown's `done`.
class Server {
public:
    Server(EventLoop& loop, ServerOptions options, const Router& router, Metrics& metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; returns the port actually bound. Throws
    // std::runtime_error naming address:port when it cannot, TlsError when
    // the certificate or key cannot be used.
    std::uint16_t start();

    // Reads the certificate and key again (TLS only): connections accepted
    // from now on use them, open ones keep theirs. Throws TlsError naming the
    // file and keeps the previous ones when the new ones cannot be used.
    // Thread-safe.
    void reload_tls();
    bool tls() const;

    // Stops accepting now, lets requests in flight finish (each bounded by
    // handler_timeout), closes idle keep-alive connections; calls `done` on
    // the loop once no connection is left.
    void shutdown(std::function<void()> done);

    std::size_t active_connections() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace hindsight::http
