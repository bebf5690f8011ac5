#include "adapters/chat/flow.hpp"

#include "adapters/chat/name_cache.hpp"
#include "adapters/outbound/worker.hpp"

#include <spdlog/spdlog.h>

namespace hindsight::chat {

namespace {

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

std::string where_label(const ChannelRef& where) { return where.team + "/" + where.channel; }

// The answer to a redelivered command or click: already handled.
http::Response already_handled() { return http::Response::empty(200); }

}  // namespace

struct Flow::State : std::enable_shared_from_this<Flow::State> {
    EndpointDeps deps;
    PlatformHooks hooks;
    NameCache names;

    State(EndpointDeps d, PlatformHooks h) : deps(std::move(d)), hooks(std::move(h)), names(deps.clock) {}

    const char* label() const { return hooks.name.c_str(); }
    void on_outbox() const {
        if (deps.on_outbox) deps.on_outbox();
    }
    void count(EventOutcome outcome) const {
        if (deps.on_event) deps.on_event(outcome);
    }

    // Inside a write-queue item: false when `delivery_key` was remembered
    // before (a redelivery); an empty key is always new.
    bool first_delivery(const std::string& delivery_key) const {
        return delivery_key.empty() || deps.store.remember_delivery(delivery_key, deps.clock.now());
    }

    // The one "submit, then answer after COMMIT": `work` runs on the writer;
    // `then` gets nullptr or the exception, on the writer thread.
    void submit(std::function<void()> work, std::function<void(std::exception_ptr)> then) {
        deps.writes.submit(std::move(work), std::move(then));
    }

    // Runs `work` on the writer and waits for COMMIT (background worker only).
    // False, logged, when it failed.
    bool run(const std::function<void()>& work, const std::string& what) {
        try {
            deps.writes.run(work);
            return true;
        } catch (...) {
            spdlog::error("{}: {} failed: {}", label(), what, describe(std::current_exception()));
            return false;
        }
    }

    void learn_names(const ChannelRef& where, const std::vector<std::string>& user_ids) {
        if (!hooks.lookup_name || !deps.background) return;
        std::vector<std::string> due;
        for (const auto& id : user_ids)
            if (!id.empty() && names.claim(where.team, id)) due.push_back(id);
        if (due.empty()) return;
        deps.background->post([self = shared_from_this(), where, due = std::move(due)] {
            for (const auto& user : due) self->look_up(where, user);
        });
    }

    // Background worker: one look-up, stored as the user's display name.
    void look_up(const ChannelRef& where, const std::string& user) {
        auto found = hooks.lookup_name(where, user);
        if (found.outcome.status != SendResult::Status::delivered || found.display_name.empty()) {
            spdlog::warn("{}: display name of {} not resolved: {}", label(), user, found.outcome.error);
            // Ask again on a later message only when it may work then.
            if (found.outcome.status == SendResult::Status::retry) names.forget(where.team, user);
            return;
        }
        submit(
            [self = shared_from_this(), where, user, found] {
                self->deps.store.remember_user(where, user, found.display_name);
                for (const auto& alias : found.aliases) self->deps.store.remember_user(where, alias, found.display_name);
            },
            [self = shared_from_this(), where, user](std::exception_ptr e) {
                if (!e) return;
                spdlog::error("{}: storing the name of {} failed: {}", self->label(), user, describe(e));
                self->names.forget(where.team, user);
            });
    }

    // Background worker: the history of the incident window merged in one
    // transaction, then the command; its reply through the outbox.
    void close_with_history(const SlashCommand& command, const std::string& delivery_key) {
        std::optional<Incident> incident;
        run([&] { incident = deps.store.latest_incident(command.where); },
            "close in " + where_label(command.where) + ": reading the incident");
        if (incident && incident->state == IncidentState::open) {
            auto fetched_at = deps.clock.now();
            auto history = read_history(hooks.history, command.where, incident->opened_at, hooks.history_options,
                                        hooks.name);
            if (!history) {
                spdlog::warn("{}: close in {}: history not read; closing with what was recorded live", label(),
                             where_label(command.where));
            } else {
                Reconciled merged;
                bool ok = run(
                    [&] {
                        merged = reconcile_history(deps.bot, deps.store, *incident, *history, fetched_at,
                                                   deps.clock.now(), hooks.history_options.lists_thread_replies);
                    },
                    "close in " + where_label(command.where) + ": merging the history");
                if (ok) {
                    spdlog::info("{}: close in {}: {} history events, {} stored, {} deleted while away", label(),
                                 where_label(command.where), history->size(), merged.stored, merged.deleted);
                    learn_names(command.where, merged.authors);
                }
            }
        }

        bool closed = run(
            [&] {
                if (!first_delivery(delivery_key)) return;  // a redelivered close: already handled
                auto reply = deps.bot.handle_command(command);
                late_reply(command, reply);
            },
            "close in " + where_label(command.where));
        if (!closed) {
            run([&] { late_reply(command, {"Closing failed; nothing was changed. Try `/incident close` again.", false}); },
                "close in " + where_label(command.where) + ": the failure reply");
        }
        on_outbox();
    }

    // Inside a write-queue item: the reply to a command answered earlier,
    // through its response_url (the draft itself is a channel post already).
    void late_reply(const SlashCommand& command, const CommandReply& reply) {
        if (reply.text.empty() || command.response_url.empty()) return;
        OutboundMessage message;
        message.platform = command.where.platform;
        message.team = command.where.team;
        message.text = reply.text;
        message.ephemeral = !reply.in_channel;
        message.response_url = command.response_url;
        deps.bot.send(message);
    }
};

Flow::Flow(EndpointDeps deps, PlatformHooks hooks)
    : state_(std::make_shared<State>(std::move(deps), std::move(hooks))) {}

Flow::~Flow() = default;

const EndpointDeps& Flow::deps() const { return state_->deps; }

void Flow::learn_names(const ChannelRef& where, const std::vector<std::string>& user_ids) {
    state_->learn_names(where, user_ids);
}

void Flow::command(SlashCommand command, Answer answer, std::string delivery_key) {
    auto& s = *state_;
    if (Bot::wants_history(command) && s.hooks.history && s.deps.background) {
        // Platforms want an answer within seconds; the history and the draft follow.
        if (answer) answer(s.hooks.closing());
        s.deps.background->post([state = state_, command = std::move(command), key = std::move(delivery_key)] {
            state->close_with_history(command, key);
        });
        return;
    }
    auto reply = std::make_shared<CommandReply>();
    auto duplicate = std::make_shared<bool>(false);
    auto where = command.where;
    s.submit(
        [state = state_, reply, duplicate, command = std::move(command), key = std::move(delivery_key)] {
            if (!state->first_delivery(key)) {
                *duplicate = true;
                return;
            }
            *reply = state->deps.bot.handle_command(command);
        },
        [state = state_, reply, duplicate, where, answer = std::move(answer)](std::exception_ptr e) {
            if (e) {
                spdlog::error("{} commands: in {} failed: {}", state->label(), where_label(where), describe(e));
                if (answer) answer(state->hooks.command_failed());
                return;
            }
            if (*duplicate) {
                if (answer) answer(already_handled());
                return;
            }
            state->on_outbox();
            if (answer) answer(state->hooks.command_answer(*reply));
        });
}

void Flow::event(ChatEvent event, std::string delivery_key, Answer answer) {
    auto& s = *state_;
    if (const auto* m = std::get_if<ChatMessage>(&event); m && m->origin != Origin::human) {
        // Bots, this bot's own posts echoed back, join notices: never recorded.
        s.count(EventOutcome::ignored);
        if (answer) answer(s.hooks.event_answer(true));
        return;
    }
    auto outcome = std::make_shared<EventOutcome>(EventOutcome::ignored);
    auto shared = std::make_shared<const ChatEvent>(std::move(event));
    s.submit(
        [state = state_, outcome, shared, key = std::move(delivery_key)] {
            *outcome = state->deps.bot.handle_event(*shared, key);
        },
        [state = state_, outcome, shared, answer = std::move(answer)](std::exception_ptr e) {
            if (e) {
                spdlog::error("{} events: storing an event failed: {}", state->label(), describe(e));
                if (answer) answer(state->hooks.event_answer(false));  // not stored: let the platform retry
                return;
            }
            state->count(*outcome);
            const auto* message = std::get_if<ChatMessage>(shared.get());
            if (message && message->origin == Origin::human && *outcome == EventOutcome::stored)
                state->learn_names(message->where, {message->user_id});
            state->on_outbox();
            if (answer) answer(state->hooks.event_answer(true));
        });
}

void Flow::action(ButtonAction action, Answer answer, std::string delivery_key) {
    auto& s = *state_;
    auto reply = std::make_shared<CommandReply>();
    auto duplicate = std::make_shared<bool>(false);
    auto shared = std::make_shared<const ButtonAction>(std::move(action));
    s.submit(
        [state = state_, reply, duplicate, shared, key = std::move(delivery_key)] {
            if (!state->first_delivery(key)) {
                *duplicate = true;
                return;
            }
            *reply = state->deps.bot.handle_action(*shared);
        },
        [state = state_, reply, duplicate, shared, answer = std::move(answer)](std::exception_ptr e) {
            if (e) {
                spdlog::error("{} interactions: failed: {}", state->label(), describe(e));
                if (answer) answer(state->hooks.action_failed());
                return;
            }
            if (*duplicate) {
                if (answer) answer(already_handled());
                return;
            }
            state->on_outbox();
            auto response = state->hooks.action_answer(*shared, *reply);
            if (answer) answer(std::move(response));
        });
}

}  // namespace hindsight::chat
