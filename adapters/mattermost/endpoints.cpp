#include "adapters/mattermost/endpoints.hpp"

#include "adapters/chat/wire.hpp"
#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/history.hpp"
#include "adapters/mattermost/inbound.hpp"
#include "adapters/mattermost/sender.hpp"
#include "adapters/mattermost/verifier.hpp"
#include "adapters/outbound/worker.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <mutex>

namespace hindsight::mattermost {

using chat::dump;
using nlohmann::json;

namespace {

http::Response ephemeral(int status, const std::string& text) {
    // Content-Type must be application/json or Mattermost shows the JSON raw.
    return http::Response::json(status, dump(json{{"response_type", "ephemeral"}, {"text", text}}));
}

// Outgoing webhooks: Mattermost ignores the status and posts any JSON `text`
// it gets back, so every answer to them is an empty body.
http::Response empty(int status) {
    auto response = http::Response::empty(status);
    response.body.clear();
    return response;
}

// The bot's own user id (learned from users/me) and the site, shared with
// the flow's history reads, which may outlive the endpoints.
struct Context {
    std::mutex mutex;
    ParseContext value;

    ParseContext get() {
        std::lock_guard lock(mutex);
        return value;
    }
    void set_bot(const std::string& id) {
        std::lock_guard lock(mutex);
        value.bot_user_id = id;
    }
};

}  // namespace

struct Endpoints::State {
    Settings settings;
    Api* api;
    outbound::Worker* background;
    const Clock& clock;
    TokenVerifier verifier;
    std::shared_ptr<Context> context = std::make_shared<Context>();
    std::unique_ptr<chat::Flow> flow;

    State(Settings s, EndpointDeps deps, Api* a)
        : settings(std::move(s)), api(a), background(deps.background), clock(deps.clock), verifier(settings.tokens) {
        context->value = ParseContext{settings.bot_user_id, settings.site_url};
        flow = std::make_unique<chat::Flow>(std::move(deps), hooks());
    }

    chat::PlatformHooks hooks() {
        chat::PlatformHooks h;
        h.name = "mattermost";
        h.platform = Platform::mattermost;
        h.command_answer = [](const CommandReply& reply) {
            return http::Response::json(
                200, dump(json{{"response_type", reply.in_channel ? "in_channel" : "ephemeral"},
                               {"text", with_mattermost_mentions(reply.text)}}));
        };
        h.command_failed = [] { return ephemeral(500, "Something went wrong; nothing was changed."); };
        h.event_answer = [](bool ok) { return empty(ok ? 200 : 500); };
        h.action_failed = [] {
            return http::Response::json(200, dump(json{{"ephemeral_text", "Something went wrong; nothing was changed."}}));
        };
        // A state change replaces the post (and its buttons, so a second
        // click can't repeat it); anything else is ephemeral.
        h.action_answer = [](const ButtonAction&, const CommandReply& reply) {
            auto text = with_mattermost_mentions(reply.text);
            json body = reply.in_channel ? json{{"update", {{"message", text}, {"props", json::object()}}}}
                                         : json{{"ephemeral_text", text}};
            return http::Response::json(200, dump(body));
        };
        if (api && background) {
            h.history = [api = api, context = context](const ChannelRef& where, Timestamp since,
                                                       const std::string& cursor) {
                return history_page(*api, where, since, cursor, context->get());
            };
            h.history_options.lists_thread_replies = true;
            h.lookup_name = [api = api](const ChannelRef&, const std::string& id) {
                chat::NameLookup out;
                auto user = api->user(id);
                if (!user) {
                    out.outcome = {SendResult::Status::retry, "users/" + id + ": not read", {}, {}};
                    return out;
                }
                out.display_name = user->display_name;
                // Mentions in Mattermost text are "@username": the draft looks
                // their names up under that key.
                if (!user->username.empty()) out.aliases.push_back("@" + user->username);
                return out;
            };
        }
        return h;
    }

    void learn_bot_user_id() {
        if (!api || !background) return;
        background->post([api = api, context = context] {
            if (auto id = api->bot_user_id()) {
                context->set_bot(*id);
                // Operators check this when the bot's echoes show up in timelines.
                spdlog::info("mattermost: the bot's user id is {}; its own posts are not recorded", *id);
            } else {
                spdlog::warn("mattermost: could not read the bot's user id (users/me); its own posts may be recorded");
            }
        });
    }
};

Endpoints::Endpoints(Settings settings, EndpointDeps deps, Api* api)
    : state_(std::make_shared<State>(std::move(settings), std::move(deps), api)) {
    if (state_->settings.bot_user_id.empty()) state_->learn_bot_user_id();
}

Endpoints::~Endpoints() = default;

chat::Flow& Endpoints::flow() { return *state_->flow; }

void Endpoints::commands(const http::Request& request, http::Responder respond) {
    auto& s = *state_;
    if (!s.verifier.verify(request)) {
        spdlog::warn("mattermost: /mattermost/commands: bad or missing token from {}", request.remote);
        respond(empty(401));
        return;
    }
    CommandRequest parsed;
    try {
        parsed = parse_slash_command(request.method == "GET" ? request.query() : std::string_view(request.body),
                                     s.clock.now());
    } catch (const ParseError& e) {
        spdlog::warn("mattermost: /mattermost/commands: {}", e.what());
        respond(ephemeral(400, "That command could not be read."));
        return;
    }
    s.flow->command(std::move(parsed.command), std::move(respond));
}

void Endpoints::events(const http::Request& request, http::Responder respond) {
    auto& s = *state_;
    if (!s.verifier.verify(request)) {
        spdlog::warn("mattermost: /mattermost/events: bad or missing token from {}", request.remote);
        respond(empty(401));
        return;
    }
    auto type = request.content_type();
    WebhookPost post;
    try {
        if (type == "application/json")
            post = parse_webhook_json(request.body, s.context->get());
        else if (type == "application/x-www-form-urlencoded" || type.empty())
            post = parse_webhook_form(request.body, s.context->get());
        else {
            spdlog::warn("mattermost: /mattermost/events: unsupported content type {}", type);
            respond(empty(415));
            return;
        }
    } catch (const ParseError& e) {
        spdlog::warn("mattermost: /mattermost/events: {}", e.what());
        respond(empty(400));
        return;
    }
    // The bot's own REST posts trigger outgoing webhooks too: the flow ignores them.
    s.flow->event(std::move(post.message), {}, std::move(respond));
}

void Endpoints::interactions(const http::Request& request, http::Responder respond) {
    auto& s = *state_;
    ActionRequest parsed;
    try {
        parsed = parse_action(request.body, s.clock.now());
    } catch (const ParseError& e) {
        spdlog::warn("mattermost: /mattermost/actions: {} (from {})", e.what(), request.remote);
        respond(empty(400));
        return;
    }
    // The click carries the token we put into the button's context.
    if (!verify_action_token(s.settings.action_secret, parsed.action.action, parsed.action.value, parsed.team,
                             parsed.token)) {
        spdlog::warn("mattermost: /mattermost/actions: bad or missing action token from {}", request.remote);
        respond(empty(401));
        return;
    }
    s.flow->action(std::move(parsed.action), std::move(respond));
}

void Endpoints::live_event(const ChatEvent& event) { state_->flow->event(event, {}, {}); }

}  // namespace hindsight::mattermost
