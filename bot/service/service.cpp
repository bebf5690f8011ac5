#include "bot/service/service.hpp"

#include "adapters/http/event_loop.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/http/router.hpp"
#include "adapters/http/server.hpp"
#include "adapters/outbound/delivery.hpp"
#include "adapters/outbound/worker.hpp"
#include "bot/core/bot.hpp"
#include "bot/service/database.hpp"
#include "bot/service/links.hpp"
#include "bot/service/platforms.hpp"
#include "bot/service/routes.hpp"
#include "bot/service/trackers.hpp"
#include "storage/database.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#ifndef HINDSIGHT_VERSION
#define HINDSIGHT_VERSION "0.0.0"
#endif
#ifndef HINDSIGHT_GIT_REV
#define HINDSIGHT_GIT_REV "unknown"
#endif

namespace hindsight::service {

std::string version_string() { return std::string(HINDSIGHT_VERSION) + " (git " + HINDSIGHT_GIT_REV + ")"; }

namespace {

// How often due history merges are looked for: well under the first retry
// delay (30 s, adapters/chat/history.hpp MergePolicy).
constexpr std::chrono::milliseconds kHistoryMergeScan{10000};

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds{static_cast<std::int64_t>(seconds * 1000.0)};
}

// config.outbound: the retry policy; the poll interval stays the worker's own.
outbound::Delivery::Options delivery_options(const config::OutboundConfig& c) {
    outbound::Delivery::Options options;
    options.max_attempts = c.max_attempts;
    options.base_backoff = c.backoff_base;
    options.max_backoff = c.backoff_max;
    options.keep_delivered = c.keep_delivered;
    // A send may take two requests (a DM first opens the conversation).
    options.send_deadline = std::chrono::duration_cast<Duration>(2 * to_ms(c.timeout_s));
    return options;
}

}  // namespace

// Members are destroyed in reverse order: the server first (no more
// requests), then the background worker (drains jobs that use the platform
// endpoints), then delivery (uses the platform senders), then the platforms,
// and the database last.
struct Service::Parts {
    explicit Parts(config::Config c)
        : cfg(std::move(c)),
          db(open_database(cfg, clock)),
          links(std::chrono::hours(24) * cfg.link_ttl_days),
          bot(db.store(), db.outbox(), clock, cfg.bot),
          loop(cfg.listen.threads),
          delivery(db.writes(), db.outbox(), clock, delivery_options(cfg.outbound)),
          background("background") {}

    config::Config cfg;
    SystemClock clock;
    storage::Database db;
    StoredLinkSigner links;
    Bot bot;
    http::EventLoop loop;
    http::Metrics metrics;
    http::Router router;
    std::unique_ptr<Platforms> platforms;
    std::unique_ptr<Trackers> trackers;
    std::unique_ptr<ApiRoutes> api;
    outbound::Delivery delivery;
    outbound::Worker background;
    std::unique_ptr<http::Server> server;
    std::atomic<bool> stopping{false};
};

namespace {

// Before the database is opened: a configuration error leaves nothing behind.
config::Config with_usable_tls_files(config::Config config) {
    if (config.listen.tls) {
        try {
            http::check_tls_files({config.listen.tls->cert, config.listen.tls->key});
        } catch (const http::TlsError& e) {
            throw config::ConfigError(e.what());
        }
    }
    return config;
}

}  // namespace

Service::Service(config::Config config)
    : parts_(std::make_unique<Parts>(with_usable_tls_files(std::move(config)))) {}

Service::~Service() = default;

void Service::stop() {
    auto& p = *parts_;
    if (p.stopping.exchange(true)) return;
    p.loop.post([&p] {
        spdlog::info("shutting down: no new connections, finishing in-flight requests");
        auto shutdown = [&p] {
            p.server->shutdown([&p] {
                p.delivery.stop();
                p.loop.stop();
            });
        };
        // Slack Socket Mode's sockets close first (bounded), then the server.
        if (p.platforms) p.platforms->stop([&p, shutdown] { p.loop.post(shutdown); });
        else shutdown();
    });
}

int Service::run(std::function<void(std::uint16_t)> on_ready) {
    auto& p = *parts_;
    const auto& cfg = p.cfg;
    for (const auto& w : config::warnings(cfg)) spdlog::warn("config: {}", w);

    // The outbox lives on the writer's connection: count through the writer.
    auto outbox_count = [&p](bool dead) {
        double count = 0;
        p.db.writes().run([&] {
            count = static_cast<double>(dead ? p.db.outbox().dead_count() : p.db.outbox().pending_count());
        });
        return count;
    };
    p.metrics.gauge("hindsight_outbox_pending", "Outbox messages waiting for delivery",
                    [outbox_count] { return outbox_count(false); });
    p.metrics.gauge("hindsight_outbox_dead", "Outbox messages given up on (dead letters, kept in the database)",
                    [outbox_count] { return outbox_count(true); });
    p.metrics.gauge("hindsight_outbox_delivered", "Outbox messages delivered since start",
                    [&p] { return static_cast<double>(p.delivery.delivered_total()); });
    p.metrics.gauge("hindsight_outbox_failed", "Outbox messages dead-lettered since start (platform API errors)",
                    [&p] { return static_cast<double>(p.delivery.failed_total()); });
    p.metrics.gauge("hindsight_db_write_batches", "Group-commit transactions since start",
                    [&p] { return static_cast<double>(p.db.write_batches()); });
    p.metrics.gauge("hindsight_db_write_queue_depth", "Writes waiting for the database writer",
                    [&p] { return static_cast<double>(p.db.write_queue_depth()); });
    if (p.db.postgres()) {
        p.metrics.gauge("hindsight_db_pool_size", "PostgreSQL read connections in this replica's pool",
                        [&p] { return static_cast<double>(p.db.pool_stats().size); });
        p.metrics.gauge("hindsight_db_pool_in_use", "PostgreSQL read connections lent out now",
                        [&p] { return static_cast<double>(p.db.pool_stats().in_use); });
        p.metrics.gauge("hindsight_db_pool_waiting", "Callers waiting for a PostgreSQL read connection",
                        [&p] { return static_cast<double>(p.db.pool_stats().waiting); });
        p.metrics.gauge("hindsight_outbox_claims", "Outbox messages this replica claimed for delivery since start",
                        [&p] { return static_cast<double>(p.db.pool_stats().outbox_claims); });
        p.metrics.gauge("hindsight_outbox_claims_lost",
                        "Send results this replica discarded because its outbox lease had run out and another "
                        "replica had claimed the message",
                        [&p] { return static_cast<double>(p.db.pool_stats().outbox_claims_lost); });
        p.metrics.gauge("hindsight_reminder_claims",
                        "Action items and incidents this replica's reminder scans claimed since start",
                        [&p] { return static_cast<double>(p.db.pool_stats().reminder_claims); });
    }

    // The first start makes the secret that signs page links (another
    // replica may have been first: its secret is kept).
    p.db.writes().run([&p] { p.db.store().ensure_link_secret(new_link_secret()); });
    p.bot.set_link_signer(&p.links);

    PlatformDeps deps{p.db, p.bot, p.clock, p.background, p.metrics, p.delivery, p.loop};
    p.platforms = std::make_unique<Platforms>(cfg, deps);
    p.platforms->add_routes(p.router);
    p.trackers = std::make_unique<Trackers>(cfg, deps, p.platforms->email_lookup());
    p.trackers->add_routes(p.router);
    p.api = std::make_unique<ApiRoutes>(cfg, p.db, p.metrics, p.clock);
    p.api->add_routes(p.router);
    p.api->add_readiness_check([&p] { return p.platforms->not_ready(); });

    // Catch SIGTERM/SIGINT before listening, so a signal that arrives while
    // starting up still means an orderly stop (handled once the loop runs).
    p.loop.on_shutdown_signal([this](int signo) {
        spdlog::info("received signal {}", signo);
        stop();
    });
    // SIGHUP (`systemctl reload`) swaps in renewed certificate files; without
    // TLS there is nothing to reload, and it must not end the process either.
    p.loop.on_reload_signal([&p] {
        if (!p.server || !p.server->tls()) {
            spdlog::info("SIGHUP: no listen.tls configured, nothing to reload");
            return;
        }
        try {
            p.server->reload_tls();
            spdlog::info("SIGHUP: TLS certificate reloaded from {} (new connections use it)", p.cfg.listen.tls->cert);
        } catch (const http::TlsError& e) {
            spdlog::error("SIGHUP: TLS reload failed, still serving the previous certificate: {}", e.what());
        }
    });

    http::ServerOptions options;
    options.address = cfg.listen.address;
    options.port = cfg.listen.port;
    options.max_body_bytes = cfg.listen.max_body_bytes;
    options.header_timeout = to_ms(cfg.listen.header_timeout_s);
    options.body_timeout = to_ms(cfg.listen.body_timeout_s);
    options.idle_timeout = to_ms(cfg.listen.idle_timeout_s);
    options.max_connections = cfg.listen.max_connections;
    if (cfg.listen.tls) options.tls = http::TlsFiles{cfg.listen.tls->cert, cfg.listen.tls->key};
    p.server = std::make_unique<http::Server>(p.loop, options, p.router, p.metrics);
    std::uint16_t port = 0;
    try {
        port = p.server->start();
    } catch (const http::TlsError& e) {
        // Unusable certificate files are a configuration problem (exit code 2), not a crash.
        throw config::ConfigError(e.what());
    }

    p.delivery.start();
    auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.bot.reminders.check_interval);
    p.loop.every(std::max(interval, std::chrono::milliseconds{10}), [&p] {
        auto sent = std::make_shared<std::size_t>(0);
        p.db.writes().submit([&p, sent] { *sent = p.bot.run_reminders(); },
                             [&p, sent](std::exception_ptr error) {
                                 if (*sent > 0)
                                     p.metrics.add("hindsight_reminders_sent_total",
                                                   "Reminder and escalation messages enqueued", static_cast<double>(*sent));
                                 if (error) {
                                     try {
                                         std::rethrow_exception(error);
                                     } catch (const std::exception& e) {
                                         spdlog::error("reminders: {}", e.what());
                                     }
                                 }
                                 p.delivery.kick();
                             });
    });

    // History merges due again after a failed read, or left by a replica
    // that stopped (docs/operations.md, "Reliability").
    p.loop.every(kHistoryMergeScan, [&p] { p.platforms->resume_history_merges(); });

    spdlog::info("hindsight {} listening on {}://{}:{} (database {})", version_string(),
                 cfg.listen.tls ? "https" : "http", cfg.listen.address, port, p.db.path());
    if (on_ready) on_ready(port);
    p.loop.run();
    p.delivery.stop();
    // Writes still queued (the last reminder scan, a recorded event's) commit
    // now, while what their completions touch (delivery's kick, metrics) is
    // alive: Parts are destroyed before the database drains its writer.
    p.db.writes().run([] {});
    spdlog::info("stopped");
    return 0;
}

}  // namespace hindsight::service
