#include "adapters/slack/endpoints.hpp"

#include "adapters/http/form.hpp"
#include "adapters/outbound/worker.hpp"
#include "adapters/slack/api.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "adapters/slack/sender.hpp"
#include "adapters/slack/verifier.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace hindsight::slack {

using nlohmann::json;

namespace {

constexpr auto form_type = "application/x-www-form-urlencoded";
constexpr auto json_type = "application/json";
constexpr int history_page = 200;
// Waits honoured in the background for a rate-limited read; longer ones
// give up (the close still happens, with what was recorded live).
constexpr auto max_history_wait = std::chrono::seconds{30};
constexpr int max_history_attempts = 4;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A command reply or response_url message: mrkdwn text (blocks when long).
std::string reply_payload(const std::string& markdown, const char* response_type) {
    OutboundMessage m;
    m.text = markdown;
    json payload = json::parse(message_payload(m));
    payload["response_type"] = response_type;
    return dump(payload);
}

const char* response_type(const CommandReply& reply) {
    return reply.in_channel ? "in_channel" : "ephemeral";
}

std::string where_label(const ChannelRef& where) { return where.team + "/" + where.channel; }

// What a failed work item threw, for the one log line that reports it.
std::string describe(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

struct Endpoints::State {
    config::SlackConfig settings;
    EndpointDeps deps;
    Api* api;

    std::mutex mutex;
    std::map<std::string, std::string> domains;            // team id → workspace domain
    NameCache names;                                       // users.info asked for, with expiry

    State(config::SlackConfig s, EndpointDeps d, Api* a)
        : settings(std::move(s)), deps(std::move(d)), api(a), names(deps.clock) {}

    bool background() const { return deps.background != nullptr && api != nullptr; }

    // Signature first, then the media type; false when already answered.
    bool admit(const http::Request& request, const char* route, const char* media_type,
               http::Responder& respond) {
        auto verdict = verify(settings.signing_secret,
                              request.header("X-Slack-Request-Timestamp").value_or(""),
                              request.header("X-Slack-Signature").value_or(""), request.body,
                              deps.clock.now());
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

    std::string domain_of(const std::string& team) {
        std::lock_guard lock(mutex);
        auto it = domains.find(team);
        return it == domains.end() ? std::string{} : it->second;
    }

    void on_outbox() const {
        if (deps.on_outbox) deps.on_outbox();
    }

    // users.info for a user not asked about within the cache's ttl, stored
    // as the cached display name (a rename replaces it). A failure forgets
    // the user so a later message asks again.
    void learn_name(const std::shared_ptr<State>& self, const ChannelRef& where, const std::string& user) {
        if (!background() || user.empty()) return;
        if (!names.claim(where.team, user)) return;
        deps.background->post([self, where, user] {
            auto name = self->api->user_name(user);
            if (!name.ok()) {
                spdlog::warn("slack: display name of {} not resolved: {}", user, name.outcome.error);
                // Ask again on a later message only when it may work then.
                if (name.outcome.status == SendResult::Status::retry) self->forget_name(where.team, user);
                return;
            }
            self->deps.writes.submit(
                [self, where, user, display = *name.value] {
                    self->deps.store.remember_user(where, user, display);
                },
                [self, where, user](std::exception_ptr e) {
                    if (!e) return;
                    spdlog::error("slack: storing the name of {} failed: {}", user, describe(e));
                    self->forget_name(where.team, user);
                });
        });
    }

    void forget_name(const std::string& team, const std::string& user) { names.forget(team, user); }

    // conversations.history for the incident window, newest first per page;
    // rate limits are waited out a few times. nullopt when it failed.
    std::optional<std::vector<ChatEvent>> fetch_history(const ChannelRef& where, Timestamp opened_at) {
        std::vector<ChatEvent> events;
        std::string cursor;
        int attempts = 0;
        do {
            auto page = api->history(where, to_ts(opened_at), cursor, history_page, domain_of(where.team));
            if (!page.ok()) {
                bool wait = page.outcome.status == SendResult::Status::retry &&
                            page.outcome.retry_after <= max_history_wait &&
                            ++attempts < max_history_attempts;
                spdlog::warn("slack: history of {}: {}{}", where_label(where), page.outcome.error,
                             wait ? ", retrying" : "");
                if (!wait) return std::nullopt;
                // Only on the background worker, never a request thread.
                std::this_thread::sleep_for(std::max(page.outcome.retry_after, Duration{std::chrono::seconds{1}}));
                continue;
            }
            attempts = 0;
            for (auto& e : page.value->events) events.push_back(std::move(e));
            cursor = page.value->next_cursor;
        } while (!cursor.empty());
        // Slack pages newest first; record oldest first. Keep an edit after
        // the message it edits (stable within equal times).
        std::reverse(events.begin(), events.end());
        std::stable_partition(events.begin(), events.end(),
                              [](const ChatEvent& e) { return !std::holds_alternative<MessageEdited>(e); });
        return events;
    }

    // `/incident close` with the channel history first (platform_contract.md).
    void close_with_history(const std::shared_ptr<State>& self, SlashCommand command, std::string delivery_key = {}) {
        deps.background->post([self, command = std::move(command), key = std::move(delivery_key)] {
            auto& deps = self->deps;
            std::optional<Incident> incident;
            try {
                deps.writes.run([&] { incident = deps.store.latest_incident(command.where); });
            } catch (const std::exception& e) {
                spdlog::error("slack: close in {}: reading the incident failed: {}", where_label(command.where),
                              e.what());
            } catch (...) {
                spdlog::error("slack: close in {}: reading the incident failed", where_label(command.where));
            }
            if (incident && incident->state == IncidentState::open) {
                auto fetched_at = deps.clock.now();
                auto history = self->fetch_history(command.where, incident->opened_at);
                if (history) self->merge_history(*incident, *history, fetched_at);
            }

            auto reply = std::make_shared<CommandReply>();
            try {
                deps.writes.run([&] {
                    // A redelivered close: already handled, nothing to answer.
                    if (!key.empty() && !deps.store.remember_delivery(key, deps.clock.now())) return;
                    *reply = deps.bot.handle_command(command);
                });
            } catch (...) {
                spdlog::error("slack: close in {} failed: {}", where_label(command.where), describe(std::current_exception()));
                reply->text = "Closing failed; nothing was changed. Try `/incident close` again.";
                reply->in_channel = false;
            }
            self->on_outbox();
            if (command.response_url.empty() || reply->text.empty()) return;
            auto sent = self->api->respond(command.response_url, reply_payload(reply->text, response_type(*reply)));
            if (sent.status != SendResult::Status::delivered)
                spdlog::warn("slack: close reply in {} not delivered: {}", where_label(command.where), sent.error);
        });
    }

    void merge_history(const Incident& incident, const std::vector<ChatEvent>& history, Timestamp fetched_at) {
        try {
            deps.writes.run([&] {
                std::set<std::string> seen;
                for (const auto& event : history) {
                    if (auto* m = std::get_if<ChatMessage>(&event)) seen.insert(m->message_id);
                    deps.bot.handle_event(event);
                }
                // A top-level message recorded live but absent from a complete
                // history was deleted while the bot was not listening. Thread
                // replies are never in the history, so they are left alone.
                for (const auto& recorded : deps.store.messages(incident.id)) {
                    if (recorded.deleted || !recorded.thread_parent.empty()) continue;
                    if (recorded.at < incident.opened_at || recorded.at >= fetched_at) continue;
                    if (seen.count(recorded.message_id)) continue;
                    deps.bot.handle_event(MessageDeleted{incident.where, recorded.message_id, deps.clock.now()});
                }
            });
        } catch (...) {
            spdlog::error("slack: merging the history of {} failed: {}", where_label(incident.where),
                          describe(std::current_exception()));
        }
    }
};

Endpoints::Endpoints(config::SlackConfig settings, EndpointDeps deps, Api* api)
    : state_(std::make_shared<State>(std::move(settings), std::move(deps), api)) {}

Endpoints::~Endpoints() = default;

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
    auto parsed = parse_command(*form, s.deps.clock.now());
    if (!parsed) {
        spdlog::warn("slack commands: {} (from {})", parsed.error, request.remote);
        respond(http::Response::empty(400));
        return;
    }
    if (parsed.value->ssl_check) {
        respond(http::Response::empty(200));
        return;
    }
    if (!parsed.value->team_domain.empty()) {
        std::lock_guard lock(s.mutex);
        s.domains[parsed.value->command.where.team] = parsed.value->team_domain;
    }
    SlashCommand command = std::move(parsed.value->command);

    if (Bot::wants_history(command) && s.background()) {
        // Slack wants an answer within 3 s; the history and the draft follow
        // through the response_url.
        respond(http::Response::json(200, reply_payload(closing_text, "ephemeral")));
        s.close_with_history(state_, std::move(command), std::move(delivery_key));
        return;
    }

    auto reply = std::make_shared<CommandReply>();
    auto duplicate = std::make_shared<bool>(false);
    auto where = command.where;
    s.deps.writes.submit(
        [state = state_, reply, duplicate, key = std::move(delivery_key), command = std::move(command)] {
            if (!key.empty() && !state->deps.store.remember_delivery(key, state->deps.clock.now())) {
                *duplicate = true;
                return;
            }
            *reply = state->deps.bot.handle_command(command);
        },
        [state = state_, reply, duplicate, where, respond = std::move(respond)](std::exception_ptr e) {
            if (e) {
                spdlog::error("slack commands: in {} failed: {}", where_label(where), describe(e));
                // Slack shows a 5xx as a bare error: answer 200 with words.
                respond(http::Response::json(
                    200, reply_payload("Something went wrong; nothing was changed. Please try again.", "ephemeral")));
                return;
            }
            if (*duplicate) return respond(http::Response::empty(200));
            state->on_outbox();
            respond(http::Response::json(200, reply_payload(reply->text, response_type(*reply))));
        });
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
    auto outcome = std::make_shared<EventOutcome>(EventOutcome::ignored);
    auto event = std::make_shared<const ChatEvent>(std::move(*callback.event));
    s.deps.writes.submit(
        [state = state_, outcome, event, key = "slack:" + callback.event_id] {
            *outcome = state->deps.bot.handle_event(*event, key);
        },
        [state = state_, outcome, event, id = callback.event_id,
         respond = std::move(respond)](std::exception_ptr e) {
            if (e) {
                spdlog::error("slack events: storing {} failed: {}", id, describe(e));
                respond(http::Response::empty(500));  // not stored: let Slack retry
                return;
            }
            if (state->deps.on_event) state->deps.on_event(*outcome);
            auto* message = std::get_if<ChatMessage>(event.get());
            if (message && message->origin == Origin::human && *outcome == EventOutcome::stored)
                state->learn_name(state, message->where, message->user_id);
            respond(http::Response::empty(200));
        });
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
    auto parsed = parse_interaction(*form, s.deps.clock.now());
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
    ButtonAction action = std::move(*parsed.value->action);
    auto reply = std::make_shared<CommandReply>();
    auto response_url = action.response_url;
    auto duplicate = std::make_shared<bool>(false);
    s.deps.writes.submit(
        [state = state_, reply, duplicate, key = std::move(delivery_key), action = std::move(action)] {
            if (!key.empty() && !state->deps.store.remember_delivery(key, state->deps.clock.now())) {
                *duplicate = true;
                return;
            }
            *reply = state->deps.bot.handle_action(action);
        },
        [state = state_, reply, duplicate, response_url, respond = std::move(respond)](std::exception_ptr e) {
            if (e) {
                spdlog::error("slack interactions: failed: {}", describe(e));
                respond(http::Response::empty(500));
                return;
            }
            if (*duplicate) return respond(http::Response::empty(200));
            state->on_outbox();
            if (!response_url.empty() && !reply->text.empty() && state->background()) {
                // The clicked message is replaced by the outcome ("A-12 done").
                state->deps.background->post([state, response_url, text = reply->text] {
                    OutboundMessage m;
                    m.text = text;
                    json payload = json::parse(message_payload(m));
                    payload["replace_original"] = true;
                    auto sent = state->api->respond(response_url, dump(payload));
                    if (sent.status != SendResult::Status::delivered)
                        spdlog::warn("slack interactions: reply not delivered: {}", sent.error);
                });
            }
            respond(http::Response::empty(200));
        });
}

}  // namespace hindsight::slack
