#include "bot/service/platforms.hpp"

#include "adapters/http/metrics.hpp"
#include "adapters/http/router.hpp"
#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/endpoints.hpp"
#include "adapters/mattermost/sender.hpp"
#include "adapters/mattermost/websocket.hpp"
#include "adapters/outbound/delivery.hpp"
#include "adapters/outbound/worker.hpp"
#include "adapters/slack/api.hpp"
#include "adapters/slack/endpoints.hpp"
#include "adapters/slack/sender.hpp"
#include "adapters/slack/socket_dispatch.hpp"
#include "adapters/slack/socket_mode.hpp"
#include "bot/core/bot.hpp"
#include "storage/database.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <mutex>

namespace hindsight::service {

namespace {

std::string_view outcome_label(EventOutcome outcome) {
    switch (outcome) {
        case EventOutcome::stored: return "stored";
        case EventOutcome::duplicate: return "duplicate";
        case EventOutcome::ignored: return "ignored";
    }
    return "unknown";
}

template <class Endpoints>
void add_endpoint_routes(http::Router& router, Endpoints& endpoints, const std::string& prefix,
                         const std::string& interactions_path) {
    router.add("POST", prefix + "/commands",
               [&endpoints](const http::Request& r, http::Responder respond) { endpoints.commands(r, std::move(respond)); });
    router.add("POST", prefix + "/events",
               [&endpoints](const http::Request& r, http::Responder respond) { endpoints.events(r, std::move(respond)); });
    router.add("POST", prefix + interactions_path, [&endpoints](const http::Request& r, http::Responder respond) {
        endpoints.interactions(r, std::move(respond));
    });
}

// config.outbound.timeout_s on every client that calls a platform.
outbound::ClientOptions client_options(const config::OutboundConfig& c) {
    outbound::ClientOptions options;
    options.request_timeout = std::chrono::milliseconds{static_cast<std::int64_t>(c.timeout_s * 1000.0)};
    return options;
}

}  // namespace

struct Platforms::Parts {
    explicit Parts(PlatformDeps d) : deps(d) {}
    PlatformDeps deps;
    std::unique_ptr<slack::Api> slack_api;
    std::unique_ptr<slack::SlackSender> slack_sender;
    std::unique_ptr<slack::Endpoints> slack;
    bool slack_routes = false;                          // http mode: the /slack/* routes
    std::unique_ptr<slack::SocketModeClient> slack_socket;  // socket mode
    std::unique_ptr<mattermost::Api> mattermost_api;
    std::unique_ptr<mattermost::Sender> mattermost_sender;
    std::unique_ptr<mattermost::Endpoints> mattermost;
    // The tracker sender's e-mail look-ups (the delivery worker's thread).
    std::unique_ptr<slack::Api> slack_email_api;
    std::unique_ptr<mattermost::Api> mattermost_email_api;
    std::mutex email_mutex;
    std::unique_ptr<mattermost::LiveStream> live;  // guarded by live_mutex (started from the background worker)
    std::mutex live_mutex;
};

Platforms::Platforms(const config::Config& config, PlatformDeps deps)
    : parts_(std::make_unique<Parts>(deps)) {
    auto& p = *parts_;
    auto on_event = [&metrics = deps.metrics](EventOutcome outcome) {
        metrics.add("hindsight_events_total", "Chat events received, by outcome", 1,
                    "outcome=\"" + std::string(outcome_label(outcome)) + "\"");
    };
    auto on_outbox = [&delivery = deps.delivery] { delivery.kick(); };
    auto endpoint_deps = [&] {
        return slack::EndpointDeps{deps.db.writes(), deps.bot,  deps.db.store(), deps.clock,
                                   &deps.background, on_event,  on_outbox};
    };

    if (config.slack.enabled()) {
        slack::ApiSettings api_settings{config.slack.api_base_url, config.slack.bot_token};
        if (!config.slack.bot_token.empty()) {
            p.slack_api = std::make_unique<slack::Api>(api_settings, client_options(config.outbound));
            p.slack_email_api = std::make_unique<slack::Api>(api_settings, client_options(config.outbound));
            p.slack_sender = std::make_unique<slack::SlackSender>(api_settings, client_options(config.outbound));
            deps.delivery.add_sender(Platform::slack, *p.slack_sender);
        }
        p.slack = std::make_unique<slack::Endpoints>(config.slack, endpoint_deps(),
                                                     p.slack_api.get());
        if (config.slack.socket_mode()) {
            slack::SocketModeOptions options;
            options.api_base_url = config.slack.api_base_url;
            options.app_token = config.slack.app_token;
            options.connections = config.slack.connections;
            options.clock = &deps.clock;
            p.slack_socket = std::make_unique<slack::SocketModeClient>(deps.loop, options,
                                                                       slack::SocketDispatch(*p.slack), &deps.metrics);
            p.slack_socket->start();
            spdlog::info("slack: socket mode, {} connection(s); no /slack/* routes", options.connections);
        } else {
            p.slack_routes = true;
        }
    }

    if (config.mattermost.enabled()) {
        // Button tokens are HMACs keyed with the bot token: it never leaves
        // this process, and both sides of the round trip know it.
        std::string action_secret = config.mattermost.bot_token.empty()
                                        ? (config.mattermost.tokens.empty() ? std::string{} : config.mattermost.tokens.front())
                                        : config.mattermost.bot_token;
        if (!config.mattermost.bot_token.empty()) {
            p.mattermost_api = std::make_unique<mattermost::Api>(config.mattermost.url, config.mattermost.bot_token,
                                                                 client_options(config.outbound));
            p.mattermost_email_api = std::make_unique<mattermost::Api>(
                config.mattermost.url, config.mattermost.bot_token, client_options(config.outbound));
            p.mattermost_sender =
                std::make_unique<mattermost::Sender>(*p.mattermost_api, config.bot.public_url, action_secret);
            deps.delivery.add_sender(Platform::mattermost, *p.mattermost_sender);
        }
        mattermost::Settings settings{config.mattermost.tokens, action_secret, {}, config.mattermost.url};
        mattermost::EndpointDeps mm_deps{deps.db.writes(), deps.bot,  deps.db.store(), deps.clock,
                                         &deps.background, on_event,  on_outbox};
        p.mattermost = std::make_unique<mattermost::Endpoints>(std::move(settings), mm_deps, p.mattermost_api.get());

        // Live capture (private channels, edits, deletions) needs the bot's
        // own id to drop its echoes, so it starts once users/me answered —
        // on the background worker, never blocking start-up.
        if (config.mattermost.websocket && p.mattermost_api) {
            mattermost::StreamOptions options;
            options.site_url = config.mattermost.url;
            options.bot_token = config.mattermost.bot_token;
            deps.background.post([&p, options] {
                auto bot_id = p.mattermost_api->bot_user_id();
                if (!bot_id)
                    spdlog::warn("mattermost: users/me failed; the live stream drops bot posts by their from_bot flag only");
                auto& endpoints = *p.mattermost;
                auto stream = std::make_unique<mattermost::LiveStream>(
                    options, mattermost::ParseContext{bot_id.value_or(""), options.site_url}, p.mattermost_api.get(),
                    [&endpoints](const ChatEvent& event) { endpoints.live_event(event); });
                stream->start();
                std::lock_guard lock(p.live_mutex);
                p.live = std::move(stream);
            });
        }
    }
    // A merge a previous run owed (it stopped between a close and its merge) starts now.
    resume_history_merges();
}

void Platforms::resume_history_merges() {
    if (parts_->slack) parts_->slack->flow().resume_history_merges();
    if (parts_->mattermost) parts_->mattermost->flow().resume_history_merges();
}

Platforms::~Platforms() {
    std::lock_guard lock(parts_->live_mutex);
    if (parts_->live) parts_->live->stop();
}

void Platforms::stop(std::function<void()> done) {
    if (parts_->slack_socket) return parts_->slack_socket->stop(std::move(done));
    if (done) done();
}

trackers::EmailOf Platforms::email_lookup() {
    return [&p = *parts_](const ChannelRef& where, const std::string& user) {
        std::lock_guard lock(p.email_mutex);
        trackers::EmailLookup out;
        if (where.platform == Platform::slack && p.slack_email_api) {
            auto found = p.slack_email_api->user_email(user);
            // A refusal (user_not_found, missing_scope) is "not visible".
            out.retry = found.outcome.status == SendResult::Status::retry;
            out.error = found.outcome.error;
            out.email = found.value.value_or("");
        } else if (where.platform == Platform::mattermost && p.mattermost_email_api) {
            if (auto found = p.mattermost_email_api->user(user)) out.email = found->email;
        }
        return out;
    };
}

std::string Platforms::not_ready() const {
    if (!parts_->slack_socket) return {};
    auto status = parts_->slack_socket->status();
    if (status.disabled) return "slack socket mode: " + status.disabled_reason;
    if (status.ready == 0) return "slack socket mode: no connection to Slack is open";
    return {};
}

void Platforms::add_routes(http::Router& router) {
    auto& p = *parts_;
    if (p.slack && p.slack_routes) add_endpoint_routes(router, *p.slack, "/slack", "/interactions");
    if (p.mattermost) add_endpoint_routes(router, *p.mattermost, "/mattermost", "/actions");
}

}  // namespace hindsight::service
