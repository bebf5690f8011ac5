// Slack and Mattermost, wired: their endpoints on the router and their
// senders on the outbox delivery worker, each only when configured.
#pragma once

#include "config/config.hpp"

#include <memory>

namespace hindsight {
class Bot;
class Clock;
}  // namespace hindsight
namespace hindsight::storage {
class Database;
}
namespace hindsight::http {
class Router;
class Metrics;
}  // namespace hindsight::http
namespace hindsight::outbound {
class Worker;
class Delivery;
}  // namespace hindsight::outbound

namespace hindsight::service {

struct PlatformDeps {
    storage::Database& db;
    Bot& bot;
    const Clock& clock;
    outbound::Worker& background;
    http::Metrics& metrics;
    outbound::Delivery& delivery;
};

class Platforms {
public:
    Platforms(const config::Config& config, PlatformDeps deps);
    ~Platforms();
    void add_routes(http::Router& router);

private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

}  // namespace hindsight::service
