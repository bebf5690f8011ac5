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

    // Background worker, after a close whose draft already went out (outbox
    // row `draft_row`): the history of the incident window merged in one
    // transaction, and the posted draft updated in place when that changed
    // it (Bot::update_draft).
    void backfill(const ChannelRef& where, std::int64_t incident_id, std::int64_t draft_row) {
        const std::string what = "history of " + where_label(where);
        std::optional<Incident> incident;
        if (!run([&] { incident = deps.store.find_incident(incident_id); }, what + ": reading the incident") ||
            !incident)
            return;
        auto fetched_at = deps.clock.now();
        auto history = read_history(hooks.history, where, incident->opened_at, hooks.history_options, hooks.name);
        if (!history) {
            spdlog::warn("{}: {} not read; the draft stands as recorded live", label(), what);
            return;
        }
        Reconciled merged;
        bool updated = false;
        bool ok = run(
            [&] {
                auto before = deps.bot.close_draft(incident_id);
                merged = reconcile_history(deps.bot, deps.store, *incident, *history, fetched_at, deps.clock.now(),
                                           hooks.history_options.lists_thread_replies);
                updated = deps.bot.update_draft(incident_id, draft_row, before, merged.changes);
            },
            what + ": merging");
        if (!ok) return;
        spdlog::info("{}: {}: {} events, {} stored, {} deleted while away; draft {}", label(), what, history->size(),
                     merged.stored, merged.deleted, updated ? "updated in place" : "unchanged");
        learn_names(where, merged.authors);
        if (updated) on_outbox();
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
    // A close posts its draft from what was recorded live at once; the
    // channel history is merged afterwards (backfill).
    const bool backfill = Bot::wants_history(command) && s.hooks.history && s.deps.background;
    auto reply = std::make_shared<CommandReply>();
    auto incident_id = std::make_shared<std::int64_t>(0);
    auto duplicate = std::make_shared<bool>(false);
    auto where = command.where;
    s.submit(
        [state = state_, reply, incident_id, duplicate, backfill, command = std::move(command),
         key = std::move(delivery_key)] {
            if (!state->first_delivery(key)) {
                *duplicate = true;
                return;
            }
            *reply = state->deps.bot.handle_command(command);
            if (backfill && reply->draft_row != 0)
                if (auto incident = state->deps.store.latest_incident(command.where)) *incident_id = incident->id;
        },
        [state = state_, reply, incident_id, duplicate, where, answer = std::move(answer)](std::exception_ptr e) {
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
            // Queued before the answer: whoever got the answer finds the merge under way.
            if (*incident_id != 0)
                state->deps.background->post([state, where, id = *incident_id, row = reply->draft_row] {
                    state->backfill(where, id, row);
                });
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
