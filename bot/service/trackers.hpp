// The issue trackers, wired (docs/trackers.md): one sender on the outbox
// delivery worker for every tracker job, the webhook route of each tracker
// that has a webhook secret, and the poller on the background worker.
#pragma once

#include "bot/service/platforms.hpp"
#include "config/config.hpp"

#include <memory>

namespace hindsight::service {

class Trackers {
public:
    // Before delivery starts (the sender is added to it).
    // `email_of`: the chat users' e-mails, for owners matched by e-mail.
    Trackers(const config::Config& config, PlatformDeps deps, trackers::EmailOf email_of);
    ~Trackers();
    void add_routes(http::Router& router);

private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

}  // namespace hindsight::service
