#include "adapters/slack/endpoints.hpp"

#include "adapters/chat/wire.hpp"
#include "adapters/http/form.hpp"
#include "adapters/outbound/worker.hpp"
#include "adapters/slack/api.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/sender.hpp"
#include "adapters/slack/verifier.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

namespace hindsight::slack {

using chat::dump;
using nlohmann::json;

namespace {

constexpr auto form_type = "application/x-www-form-urlencoded";
constexpr auto json_type = "application/json";
constexpr int history_page = 200;

// A command reply or response_url message: mrkdwn text (blocks when long).
std::string reply_payload(const std::string& markdown, const char* response_type) {
    OutboundMessage m;
    m.text = markdown;
    json payload = json::parse(message_payload(m));
    payload["response_type"] = response_type;
    return dump(payload);
}

// team id → workspace domain ("acme"), learned from slash commands; shared
// with the flow's history reads, which may outlive the endpoints.
struct Domains {
    std::mutex mutex;
    std::map<std::string, std::string> by_team;

    void learn(const std::string& team, const std::string& domain) {
        std::lock_guard lock(mutex);
        by_team[team] = domain;
    }
    std::string of(const std::string& team) {
        std::lock_guard lock(mutex);
        auto it = by_team.find(team);
        return it == by_team.end() ? std::string{} : it->second;
    }
};

}  // namespace

struct Endpoints::State {
    config::SlackConfig settings;
    Api* api;
    outbound::Worker* background;
    const Clock& clock;

    std::shared_ptr<Domains> domains = std::make_shared<Domains>();

    std::unique_ptr<chat::Flow> flow;

    State(config::SlackConfig s, EndpointDeps deps, Api* a)
        : settings(std::move(s)), api(a), background(deps.background), clock(deps.clock) {
        flow = std::make_unique<chat::Flow>(std::move(deps), hooks());
    }

    chat::PlatformHooks hooks() {
        chat::PlatformHooks h;
        h.name = "slack";
        h.platform = Platform::slack;
        h.command_answer = [](const CommandReply& reply) {
            return http::Response::json(200, reply_payload(reply.text, reply.in_channel ? "in_channel" : "ephemeral"));
        };
        // Slack shows a 5xx as a bare error: answer 200 with words.
        h.command_failed = [] {
            return http::Response::json(
                200, reply_payload("Something went wrong; nothing was changed. Please try again.", "ephemeral"));
        };
        h.event_answer = [](bool ok) { return http::Response::empty(ok ? 200 : 500); };
        h.action_failed = [] { return http::Response::empty(500); };
        h.action_answer = [api = api, background = background](const ButtonAction& action, const CommandReply& reply) {
            replace_clicked(api, background, action.response_url, reply.text);
            return http::Response::empty(200);
        };
        if (api && background) {
            h.history = [api = api, domains = domains](const ChannelRef& where, Timestamp since,
                                                       const std::string& cursor) {
                auto page = api->history(where, to_ts(since), cursor, history_page, domains->of(where.team));
                return chat::PageResult{page.outcome, std::move(page.value)};
            };
            h.lookup_name = [api = api](const ChannelRef&, const std::string& user) {
                auto name = api->user_name(user);
                return chat::NameLookup{name.outcome, name.value.value_or(""), {}};
            };
        }
        return h;
    }

    // The clicked message is replaced by the outcome ("A-12 done").
    static void replace_clicked(Api* api, outbound::Worker* background, const std::string& response_url,
                                const std::string& text) {
        if (response_url.empty() || text.empty() || !api || !background) return;
        background->post([api = api, response_url, text] {
            OutboundMessage m;
            m.text = text;
            json payload = json::parse(message_payload(m));
            payload["replace_original"] = true;
            auto sent = api->respond(response_url, dump(payload));
            if (sent.status != SendResult::Status::delivered)
                spdlog::warn("slack interactions: reply not delivered: {}", sent.error);
        });
    }

    // Signature first, then the media type; false when already answered.
    bool admit(const http::Request& request, const char* route, const char* media_type,
               http::Responder& respond) {
        auto verdict = verify(settings.signing_secret,
                              request.header("X-Slack-Request-Timestamp").value_or(""),
                              request.header("X-Slack-Signature").value_or(""), request.body, clock.now());
        if (verdict != Verdict::ok) {
            spdlog::warn("slack {}: rejected request from {}: {}", route, request.remote, to_string(verdict));
            respond(http::Response::empty(401));
            return false;
        }
        if (request.content_type() != media_type) {
            spdlog::warn("slack {}: unsupported content type '{}' from {}", route, request.content_type(),
                         request.remote);
            respond(http::Response::empty(415));
            return false;
        }
        return true;
    }

    std::string domain_of(const std::string& team) { return domains->of(team); }
};

Endpoints::Endpoints(config::SlackConfig settings, EndpointDeps deps, Api* api)
    : state_(std::make_shared<State>(std::move(settings), std::move(deps), api)) {}

Endpoints::~Endpoints() = default;

chat::Flow& Endpoints::flow() { return *state_->flow; }

std::string Endpoints::team_domain(const std::string& team) const { return state_->domains->of(team); }

void Endpoints::commands(const http::Request& request, http::Responder respond) {
    if (!state_->admit(request, "commands", form_type, respond)) return;
    trusted_command(request, std::move(respond));
}

void Endpoints::trusted_command(const http::Request& request, http::Responder respond, std::string delivery_key) {
    auto& s = *state_;
    auto form = http::Form::parse(request.body);
    if (!form) {
        spdlog::warn("slack commands: malformed form body from {}", request.remote);
        respond(http::Response::empty(400));
        return;
    }
    auto parsed = parse_command(*form, s.clock.now());
    if (!parsed) {
        spdlog::warn("slack commands: {} (from {})", parsed.error, request.remote);
        respond(http::Response::empty(400));
        return;
    }
    if (parsed.value->ssl_check) {
        respond(http::Response::empty(200));
        return;
    }
    if (!parsed.value->team_domain.empty())
        s.domains->learn(parsed.value->command.where.team, parsed.value->team_domain);
    s.flow->command(std::move(parsed.value->command), std::move(respond), std::move(delivery_key));
}

void Endpoints::events(const http::Request& request, http::Responder respond) {
    if (!state_->admit(request, "events", json_type, respond)) return;
    trusted_event(request, std::move(respond));
}

void Endpoints::trusted_event(const http::Request& request, http::Responder respond) {
    auto& s = *state_;
    auto parsed = parse_events(request.body, [&s](const std::string& team) { return s.domain_of(team); });
    if (!parsed) {
        spdlog::warn("slack events: {} (from {})", parsed.error, request.remote);
        respond(http::Response::empty(400));
        return;
    }
    auto& payload = *parsed.value;
    if (auto* v = std::get_if<UrlVerification>(&payload)) {
        respond(http::Response::json(200, dump(json{{"challenge", v->challenge}})));
        return;
    }
    if (auto* limited = std::get_if<AppRateLimited>(&payload)) {
        spdlog::warn("slack events: app_rate_limited for team {} (minute {})", limited->team_id,
                     limited->minute_rate_limited);
        respond(http::Response::empty(200));
        return;
    }
    if (auto* unknown = std::get_if<UnknownEnvelope>(&payload)) {
        spdlog::debug("slack events: ignored envelope type '{}'", unknown->type);
        respond(http::Response::empty(200));
        return;
    }
    auto& callback = std::get<EventCallback>(payload);
    if (!callback.event) {
        spdlog::debug("slack events: ignored {} ({})", callback.kind, callback.event_id);
        respond(http::Response::empty(200));
        return;
    }
    // The delivery key is checked and stored in the same item as the event:
    // a retry whose original never committed is processed, not dropped.
    s.flow->event(std::move(*callback.event), "slack:" + callback.event_id, std::move(respond));
}

void Endpoints::interactions(const http::Request& request, http::Responder respond) {
    if (!state_->admit(request, "interactions", form_type, respond)) return;
    trusted_interaction(request, std::move(respond));
}

void Endpoints::trusted_interaction(const http::Request& request, http::Responder respond, std::string delivery_key) {
    auto& s = *state_;
    auto form = http::Form::parse(request.body);
    if (!form) {
        spdlog::warn("slack interactions: malformed form body from {}", request.remote);
        respond(http::Response::empty(400));
        return;
    }
    auto parsed = parse_interaction(*form, s.clock.now());
    if (!parsed) {
        spdlog::warn("slack interactions: {} (from {})", parsed.error, request.remote);
        respond(http::Response::empty(400));
        return;
    }
    if (!parsed.value->action) {
        spdlog::debug("slack interactions: ignored type '{}'", parsed.value->type);
        respond(http::Response::empty(200));
        return;
    }
    s.flow->action(std::move(*parsed.value->action), std::move(respond), std::move(delivery_key));
}

}  // namespace hindsight::slack
