#include "bot/service/trackers.hpp"

#include "adapters/http/event_loop.hpp"
#include "adapters/http/router.hpp"
#include "adapters/outbound/delivery.hpp"
#include "adapters/outbound/http_client.hpp"
#include "adapters/outbound/worker.hpp"
#include "adapters/trackers/sync.hpp"
#include "storage/database.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

namespace hindsight::service {

struct Trackers::Parts {
    explicit Parts(PlatformDeps d) : deps(d) {}
    PlatformDeps deps;
    std::unique_ptr<trackers::EmailDirectory> people;
    std::unique_ptr<trackers::Sender> sender;
    std::unique_ptr<trackers::Poller> poller;
    // Clients the webhooks verify with, one per tracker with a secret.
    std::vector<std::unique_ptr<trackers::TrackerClient>> webhook_clients;
    std::vector<std::unique_ptr<trackers::Webhooks>> webhooks;
    std::vector<std::string> webhook_names;
    std::atomic<bool> polling{false};
};

Trackers::Trackers(const config::Config& config, PlatformDeps deps, trackers::EmailOf email_of)
    : parts_(std::make_unique<Parts>(deps)) {
    if (config.trackers.empty()) return;
    auto& p = *parts_;
    trackers::SyncDeps sync{deps.db.writes(), deps.bot, deps.clock, [&delivery = deps.delivery] { delivery.kick(); }};
    p.people = std::make_unique<trackers::EmailDirectory>(std::move(email_of), deps.clock);
    sync.people = p.people.get();
    outbound::ClientOptions options;
    options.request_timeout = std::chrono::milliseconds{static_cast<std::int64_t>(config.outbound.timeout_s * 1000.0)};
    p.sender = std::make_unique<trackers::Sender>(sync);
    p.poller = std::make_unique<trackers::Poller>(sync);
    Duration tick = std::chrono::minutes(1);
    for (const auto& t : config.trackers) {
        // Each thread its own client: the delivery worker, the background
        // worker (polls), the event loop (webhook checks use no connection).
        p.sender->add(t.name, trackers::make_client(t, options, deps.clock));
        p.poller->add(t.name, trackers::make_client(t, options, deps.clock), t.poll_interval);
        if (t.poll_interval > Duration::zero()) tick = std::min(tick, t.poll_interval);
        if (!t.webhook_secret.empty()) {
            p.webhook_clients.push_back(trackers::make_client(t, options, deps.clock));
            p.webhooks.push_back(std::make_unique<trackers::Webhooks>(sync, t.name, *p.webhook_clients.back()));
            p.webhook_names.push_back(t.name);
        }
        spdlog::info("trackers.{}: {} at {}; webhook {}, polling {}", t.name, t.kind, t.base_url,
                     t.webhook_secret.empty() ? "off" : "/trackers/" + t.name + "/webhook",
                     t.poll_interval > Duration::zero() ? "every " + format_duration(t.poll_interval) : "off");
    }
    deps.delivery.add_sender(Platform::tracker, *p.sender);
    if (!p.poller->any()) return;
    // The loop's timer only posts; the polls run on the background worker,
    // one at a time.
    deps.loop.every(std::chrono::duration_cast<std::chrono::milliseconds>(std::max<Duration>(tick, std::chrono::seconds(1))),
                    [&p] {
                        if (p.polling.exchange(true)) return;
                        p.deps.background.post([&p] {
                            try {
                                p.poller->poll_due();
                            } catch (const std::exception& e) {
                                spdlog::error("trackers: polling failed: {}", e.what());
                            }
                            p.polling = false;
                        });
                    });
}

Trackers::~Trackers() = default;

void Trackers::add_routes(http::Router& router) {
    auto& p = *parts_;
    for (std::size_t i = 0; i < p.webhooks.size(); ++i) {
        auto* hook = p.webhooks[i].get();
        router.add("POST", "/trackers/" + p.webhook_names[i] + "/webhook",
                   [hook](const http::Request& r, http::Responder respond) { hook->handle(r, std::move(respond)); });
    }
}

}  // namespace hindsight::service
