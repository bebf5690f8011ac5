#include "adapters/mattermost/endpoints.hpp"

#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/history.hpp"
#include "adapters/mattermost/inbound.hpp"
#include "adapters/mattermost/sender.hpp"
#include "adapters/mattermost/verifier.hpp"
#include "adapters/outbound/worker.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <map>
#include <set>

namespace hindsight::mattermost {

using nlohmann::json;

namespace {

// Replies and posts quote what people typed: bytes that are not UTF-8 are
// replaced, never allowed to make the whole answer fail.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

http::Response command_response(const CommandReply& reply) {
    // Content-Type must be application/json or Mattermost shows the JSON raw.
    return http::Response::json(
        200, dump(json{{"response_type", reply.in_channel ? "in_channel" : "ephemeral"}, {"text", reply.text}}));
}

http::Response ephemeral(int status, const std::string& text) {
    return http::Response::json(status, dump(json{{"response_type", "ephemeral"}, {"text", text}}));
}

// Outgoing webhooks: Mattermost ignores the status and posts any JSON `text`
// it gets back, so every answer to them is an empty body.
http::Response empty(int status) {
    auto response = http::Response::empty(status);
    response.body.clear();
    return response;
}

}  // namespace

struct Endpoints::State {
    Settings settings;
    EndpointDeps deps;
    Api* api;
    TokenVerifier verifier;

    std::mutex mutex;  // guards the two below
    std::string bot_user_id;
    // (team, user) → when its name was last resolved: again after
    // user_cache_ttl, so renames reach the store.
    std::map<std::pair<std::string, std::string>, Timestamp> named;

    State(Settings s, EndpointDeps d, Api* a)
        : settings(std::move(s)), deps(std::move(d)), api(a), verifier(settings.tokens),
          bot_user_id(settings.bot_user_id) {}

    ParseContext context() {
        std::lock_guard lock(mutex);
        return ParseContext{bot_user_id, settings.site_url};
    }

    void count(EventOutcome outcome) const {
        if (deps.on_event) deps.on_event(outcome);
    }
    void wake_outbox() const {
        if (deps.on_outbox) deps.on_outbox();
    }

    void learn_bot_user_id() {
        if (!api || !deps.background) return;
        deps.background->post([this] {
            if (auto id = api->bot_user_id()) {
                {
                    std::lock_guard lock(mutex);
                    bot_user_id = *id;
                }
                // Operators check this when the bot's echoes show up in timelines.
                spdlog::info("mattermost: the bot's user id is {}; its own posts are not recorded", *id);
            } else {
                spdlog::warn("mattermost: could not read the bot's user id (users/me); its own posts may be recorded");
            }
        });
    }

    // The users among `user_ids` whose names are not known or are older
    // than the cache lifetime; marks them as being resolved now.
    std::vector<std::string> due_for_names(const ChannelRef& where, std::vector<std::string> user_ids) {
        std::vector<std::string> fresh;
        auto now = deps.clock.now();
        std::lock_guard lock(mutex);
        for (auto& id : user_ids) {
            if (id.empty()) continue;
            auto [it, added] = named.try_emplace({where.team, id}, now);
            if (!added && now - it->second < user_cache_ttl) continue;
            it->second = now;
            fresh.push_back(std::move(id));
        }
        return fresh;
    }

    // Resolves display names on the background worker and stores them, once
    // per user and cache lifetime (the Api caches too).
    void remember_names(const ChannelRef& where, std::vector<std::string> user_ids) {
        if (!api || !deps.background) return;
        auto fresh = due_for_names(where, std::move(user_ids));
        if (fresh.empty()) return;
        deps.background->post([this, where, fresh = std::move(fresh)] { store_names(where, fresh); });
    }

    void store_names(const ChannelRef& where, const std::vector<std::string>& user_ids) {
        std::vector<std::pair<std::string, std::string>> names;
        for (const auto& id : user_ids) {
            if (auto user = api->user(id)) {
                names.emplace_back(id, user->display_name);
                // Mentions in Mattermost text are "@username": the draft looks
                // their names up under that key.
                if (!user->username.empty()) names.emplace_back("@" + user->username, user->display_name);
            } else {
                std::lock_guard lock(mutex);
                named.erase({where.team, id});  // try again next time
            }
        }
        if (names.empty()) return;
        deps.writes.submit(
            [this, where, names] {
                for (const auto& [id, name] : names) deps.store.remember_user(where, id, name);
            },
            [](std::exception_ptr error) {
                if (!error) return;
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    spdlog::error("mattermost: storing display names failed: {}", e.what());
                }
            });
    }

    // Runs on the background worker: backfill the incident window from the
    // REST API, then run the command and answer through its response_url.
    void close_with_history(const CommandRequest& request) {
        const auto& command = request.command;
        std::optional<Incident> incident;
        try {
            deps.writes.run([&] { incident = deps.store.latest_incident(command.where); });
        } catch (const std::exception& e) {
            spdlog::error("mattermost: close: reading the incident failed: {}", e.what());
        }
        if (incident && incident->state == IncidentState::open) backfill(command.where, incident->opened_at);

        CommandReply reply;
        try {
            deps.writes.run([&] { reply = deps.bot.handle_command(command); });
        } catch (const std::exception& e) {
            spdlog::error("mattermost: close: command failed: {}", e.what());
            reply = CommandReply{"Closing failed; nothing was changed. Please try again.", false};
        }
        wake_outbox();
        deliver_late_reply(request, reply);
    }

    void backfill(const ChannelRef& where, Timestamp since) {
        auto history = fetch_history(*api, where, since, context());
        if (!history.complete)
            spdlog::warn("mattermost: close: history incomplete, closing with what was read: {}", history.error);
        if (!history.deleted_included)
            spdlog::info("mattermost: close: the bot token may not read deleted posts (include_deleted needs a system admin); deletions seen live are kept");
        std::vector<std::string> users;
        std::size_t stored = 0;
        for (const auto& event : history.events) {
            if (const auto* m = std::get_if<ChatMessage>(&event); m && m->origin == Origin::human)
                users.push_back(m->user_id);
        }
        try {
            // One work item per event: a failing event rolls back alone.
            for (const auto& event : history.events) {
                EventOutcome outcome = EventOutcome::ignored;
                deps.writes.run([&] { outcome = deps.bot.handle_event(event); });
                if (outcome == EventOutcome::stored) ++stored;
                count(outcome);
            }
        } catch (const std::exception& e) {
            spdlog::error("mattermost: close: storing history failed: {}", e.what());
        }
        spdlog::info("mattermost: close: backfilled {} of {} history events", stored, history.events.size());
        std::sort(users.begin(), users.end());
        users.erase(std::unique(users.begin(), users.end()), users.end());
        auto fresh = due_for_names(where, std::move(users));
        if (!fresh.empty()) store_names(where, fresh);  // already on the worker
    }

    void deliver_late_reply(const CommandRequest& request, const CommandReply& reply) {
        const auto& command = request.command;
        bool delivered = false;
        if (!command.response_url.empty()) {
            delivered = true;
            for (const auto& part : split_message(reply.text)) {
                auto body = json{{"response_type", reply.in_channel ? "in_channel" : "ephemeral"}, {"text", part}};
                auto response = api->post_response_url(command.response_url, dump(body));
                if (!response.ok()) {
                    spdlog::warn("mattermost: close: response_url failed: {}", response.describe());
                    delivered = false;
                    break;
                }
            }
        }
        // response_url allows 5 uses in 30 minutes; an announcement still reaches the channel.
        if (!delivered && reply.in_channel) {
            Sender sender(*api, {}, settings.action_secret);
            OutboundMessage message;
            message.platform = Platform::mattermost;
            message.team = command.where.team;
            message.channel = command.where.channel;
            message.text = reply.text;
            auto result = sender.send(message);
            if (result.status != SendResult::Status::delivered)
                spdlog::warn("mattermost: close: posting the reply failed: {}", result.error);
        }
    }
};

Endpoints::Endpoints(Settings settings, EndpointDeps deps, Api* api)
    : state_(std::make_unique<State>(std::move(settings), std::move(deps), api)) {
    if (state_->bot_user_id.empty()) state_->learn_bot_user_id();
}

Endpoints::~Endpoints() = default;

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
                                     s.deps.clock.now());
    } catch (const ParseError& e) {
        spdlog::warn("mattermost: /mattermost/commands: {}", e.what());
        respond(ephemeral(400, "That command could not be read."));
        return;
    }

    if (Bot::wants_history(parsed.command) && s.api && s.deps.background) {
        respond(ephemeral(200, "Closing — collecting the channel history and drafting…"));
        s.deps.background->post([&s, parsed = std::move(parsed)] { s.close_with_history(parsed); });
        return;
    }

    auto reply = std::make_shared<CommandReply>();
    auto command = std::make_shared<SlashCommand>(std::move(parsed.command));
    s.deps.writes.submit([&s, reply, command] { *reply = s.deps.bot.handle_command(*command); },
                         [&s, reply, respond = std::move(respond)](std::exception_ptr error) {
                             if (error) {
                                 try {
                                     std::rethrow_exception(error);
                                 } catch (const std::exception& e) {
                                     spdlog::error("mattermost: /mattermost/commands: {}", e.what());
                                 }
                                 respond(ephemeral(500, "Something went wrong; nothing was changed."));
                                 return;
                             }
                             s.wake_outbox();
                             respond(command_response(*reply));
                         });
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
            post = parse_webhook_json(request.body, s.context());
        else if (type == "application/x-www-form-urlencoded" || type.empty())
            post = parse_webhook_form(request.body, s.context());
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
    if (post.message.origin != Origin::human) {
        // The bot's own REST posts trigger outgoing webhooks too (pitfall 14).
        s.count(EventOutcome::ignored);
        respond(empty(200));
        return;
    }

    auto outcome = std::make_shared<EventOutcome>(EventOutcome::ignored);
    auto event = std::make_shared<ChatEvent>(post.message);
    s.deps.writes.submit([&s, outcome, event] { *outcome = s.deps.bot.handle_event(*event); },
                         [&s, outcome, where = post.message.where, user = post.message.user_id,
                          respond = std::move(respond)](std::exception_ptr error) {
                             if (error) {
                                 try {
                                     std::rethrow_exception(error);
                                 } catch (const std::exception& e) {
                                     spdlog::error("mattermost: /mattermost/events: {}", e.what());
                                 }
                                 respond(empty(500));
                                 return;
                             }
                             s.count(*outcome);
                             if (*outcome == EventOutcome::stored) s.remember_names(where, {user});
                             respond(empty(200));
                         });
}

void Endpoints::interactions(const http::Request& request, http::Responder respond) {
    auto& s = *state_;
    ActionRequest parsed;
    try {
        parsed = parse_action(request.body, s.deps.clock.now());
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
    auto reply = std::make_shared<CommandReply>();
    auto action = std::make_shared<ButtonAction>(std::move(parsed.action));
    s.deps.writes.submit([&s, reply, action] { *reply = s.deps.bot.handle_action(*action); },
                         [&s, reply, respond = std::move(respond)](std::exception_ptr error) {
                             if (error) {
                                 try {
                                     std::rethrow_exception(error);
                                 } catch (const std::exception& e) {
                                     spdlog::error("mattermost: /mattermost/actions: {}", e.what());
                                 }
                                 respond(http::Response::json(
                                     200, json{{"ephemeral_text", "Something went wrong; nothing was changed."}}.dump()));
                                 return;
                             }
                             // A state change replaces the post (and its buttons, so a
                             // second click can't repeat it); anything else is ephemeral.
                             json body = reply->in_channel
                                             ? json{{"update", {{"message", reply->text}, {"props", json::object()}}}}
                                             : json{{"ephemeral_text", reply->text}};
                             s.wake_outbox();
                             respond(http::Response::json(200, dump(body)));
                         });
}

void Endpoints::live_event(const ChatEvent& event) {
    auto& s = *state_;
    auto outcome = std::make_shared<EventOutcome>(EventOutcome::ignored);
    auto shared = std::make_shared<ChatEvent>(event);
    s.deps.writes.submit([&s, outcome, shared] { *outcome = s.deps.bot.handle_event(*shared); },
                         [&s, outcome, shared](std::exception_ptr error) {
                             if (error) {
                                 try {
                                     std::rethrow_exception(error);
                                 } catch (const std::exception& e) {
                                     spdlog::error("mattermost: live event: {}", e.what());
                                 }
                                 return;
                             }
                             s.count(*outcome);
                             // Private channels may never reach a webhook: names come from here.
                             if (const auto* m = std::get_if<ChatMessage>(shared.get());
                                 m && *outcome == EventOutcome::stored)
                                 s.remember_names(m->where, {m->user_id});
                             s.wake_outbox();
                         });
}

}  // namespace hindsight::mattermost
