// The composition root: builds every part from the configuration, owns the
// event loop, the database, the delivery worker and the reminder timer, and
// shuts them down in order on SIGTERM/SIGINT.
#pragma once

#include "config/config.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace hindsight::service {

std::string version_string();  // "0.1.0 (git abc1234)"

class Service {
public:
    explicit Service(config::Config config);
    ~Service();

    // Runs until SIGTERM/SIGINT (or stop()); returns the exit code.
    // `on_ready` is called with the bound port once the listener accepts.
    int run(std::function<void(std::uint16_t port)> on_ready = {});
    void stop();  // thread-safe: the same orderly shutdown as a signal

private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

}  // namespace hindsight::service
