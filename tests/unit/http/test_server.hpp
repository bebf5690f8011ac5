// The real HTTP server for tests: 127.0.0.1, an ephemeral port, its loop on
// two threads, routes set up by the test. With options.tls it serves HTTPS.
#pragma once

#include "adapters/http/server.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

namespace hindsight::http::test {

struct TestServer {
    explicit TestServer(std::function<void(Router&)> routes, ServerOptions options = {}) : loop(2) {
        options.address = "127.0.0.1";
        options.port = 0;
        routes(router);
        server = std::make_unique<Server>(loop, options, router, metrics);
        port = server->start();
        thread = std::thread([this] { loop.run(); });
    }
    ~TestServer() {
        loop.stop();
        thread.join();
        server.reset();
    }

    EventLoop loop;
    Router router;
    Metrics metrics;
    std::unique_ptr<Server> server;
    std::uint16_t port = 0;
    std::thread thread;
};

}  // namespace hindsight::http::test
