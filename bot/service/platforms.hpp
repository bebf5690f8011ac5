// Slack and Mattermost, wired: their endpoints on the router and their
// senders on the outbox delivery worker, each only when configured.
#pragma once

#include "adapters/trackers/client.hpp"
#include "config/config.hpp"

#include <functional>
#include <memory>
#include <string>

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
class EventLoop;
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
    http::EventLoop& loop;  // Slack Socket Mode runs on it
};

class Platforms {
public:
    Platforms(const config::Config& config, PlatformDeps deps);
    ~Platforms();
    void add_routes(http::Router& router);
    // Closes live connections (Slack Socket Mode); `done` runs once they are
    // closed (at once when there are none). Call on the running loop.
    void stop(std::function<void()> done);
    // Claims the history merges owed after closes that are due (an earlier
    // run's, or due again after a failed read) and runs them on the
    // background worker: once at start-up (the constructor), then on a timer.
    void resume_history_merges();
    // Empty when ready; otherwise why not (for /readyz).
    std::string not_ready() const;
    // A chat user's e-mail from their platform (Slack users.info, Mattermost
    // GET /users/{id}), for matching tracker users (docs/trackers.md). Its
    // own connections, one caller at a time; valid while this lives.
    trackers::EmailOf email_lookup();

private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

}  // namespace hindsight::service
