#include "adapters/chat/flow.hpp"

#include "adapters/chat/gather.hpp"
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

// A live human message waiting in a gathered batch, with whom to answer.
struct Arrived {
    LiveMessage live;
    Answer answer;
    EventOutcome outcome = EventOutcome::ignored;
};

// The most live messages one write stores at once. Bounded anyway by the
// requests in flight (a platform waits for each answer), this caps the size
// of one statement and of what one failure sends back to be retried alone.
constexpr std::size_t kMaxGathered = 256;

}  // namespace

struct Flow::State : std::enable_shared_from_this<Flow::State> {
    EndpointDeps deps;
    PlatformHooks hooks;
    NameCache names;
    Gather<Arrived> messages{kMaxGathered};

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
    // `then` gets nullptr or the exception, on the writer thread. Messages
    // that arrive after this are written after it.
    void submit(std::function<void()> work, std::function<void(std::exception_ptr)> then) {
        messages.seal();
        deps.writes.submit(std::move(work), std::move(then));
    }

    // A live human message: joins the batch whose write is queued, or starts
    // one (see Gather).
    void gather(LiveMessage live, Answer answer) {
        if (auto batch = messages.add(Arrived{std::move(live), std::move(answer)})) write(std::move(batch));
    }

    // One write for a batch of live messages, answered after COMMIT. Should
    // it fail, a batch of several is written again one message at a time,
    // so that only a message that cannot be stored fails (and is retried by
    // its platform); the rest of the batch is not held hostage by it.
    void write(std::shared_ptr<Gather<Arrived>::Batch> batch) {
        // Repeatable: it only sets the outcomes, so it may share a savepoint
        // with its neighbours (see WriteQueue::submit_repeatable).
        deps.writes.submit_repeatable(
            [self = shared_from_this(), batch] {
                auto& items = self->messages.take(batch);
                // Lent to the store call and given back, thrown or not: the
                // completion needs them (names, and writing each alone).
                std::vector<LiveMessage> live;
                live.reserve(items.size());
                for (auto& item : items) live.push_back(std::move(item.live));
                auto give_back = [&] {
                    for (std::size_t i = 0; i < items.size(); ++i) items[i].live = std::move(live[i]);
                };
                std::vector<EventOutcome> outcomes;
                try {
                    outcomes = self->deps.bot.handle_messages(live);
                } catch (...) {
                    give_back();
                    throw;
                }
                give_back();
                for (std::size_t i = 0; i < items.size(); ++i) items[i].outcome = outcomes.at(i);
            },
            [self = shared_from_this(), batch](std::exception_ptr e) {
                auto& items = self->messages.take(batch);
                if (e && items.size() > 1) {
                    spdlog::warn("{} events: storing {} messages together failed ({}); storing each alone",
                                 self->label(), items.size(), describe(e));
                    for (auto& item : items)
                        self->write(std::make_shared<Gather<Arrived>::Batch>(1, std::move(item)));
                    return;
                }
                if (e) spdlog::error("{} events: storing an event failed: {}", self->label(), describe(e));
                for (auto& item : items) {
                    if (!e) self->count(item.outcome);
                    if (!e && item.outcome == EventOutcome::stored)
                        self->learn_names(item.live.where, {item.live.message.user_id});
                    // Not stored: let the platform retry.
                    if (item.answer) item.answer(self->hooks.event_answer(!e));
                }
                if (!e) self->on_outbox();
            });
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

    // Background worker, a history merge this process has claimed (at the
    // close whose draft already went out as outbox row merge.draft_row, or by
    // a scan): the history of the incident window merged in one transaction,
    // which removes the owed merge, and the posted draft updated in place
    // when that changed it (Bot::update_draft). A failed read is scheduled
    // again (retry_or_give_up).
    void backfill(const HistoryMerge& merge) {
        std::string what = "history of incident " + std::to_string(merge.incident_id);
        std::optional<Incident> incident;
        // Failing here, the claim stays until its lease runs out; a later scan retries.
        if (!run([&] { incident = deps.store.find_incident(merge.incident_id); }, what + ": reading the incident") ||
            !incident)
            return;
        const ChannelRef where = incident->where;
        what = "history of " + where_label(where);
        auto fetched_at = deps.clock.now();
        std::string error;
        auto history =
            read_history(hooks.history, where, incident->opened_at, hooks.history_options, hooks.name, &error);
        if (!history) return retry_or_give_up(merge, what, error);
        Reconciled merged;
        bool owed = true;
        bool updated = false;
        bool ok = run(
            [&] {
                // Gone: merged already (another replica, or an earlier claim
                // of this one): merging again would count the changes twice.
                owed = deps.store.finish_history_merge(merge.incident_id);
                if (!owed) return;
                auto before = deps.bot.close_draft(merge.incident_id);
                merged = reconcile_history(deps.bot, deps.store, *incident, *history, fetched_at, deps.clock.now(),
                                           hooks.history_options.lists_thread_replies);
                updated = deps.bot.update_draft(merge.incident_id, merge.draft_row, before, merged.changes);
            },
            what + ": merging");
        if (!ok) return;
        if (!owed) {
            spdlog::info("{}: {}: merged already, nothing to do", label(), what);
            return;
        }
        spdlog::info("{}: {}: {} events, {} stored, {} deleted while away; draft {}", label(), what, history->size(),
                     merged.stored, merged.deleted, updated ? "updated in place" : "unchanged");
        learn_names(where, merged.authors);
        if (updated) on_outbox();
    }

    // The history could not be read: the merge is due again after a backoff,
    // or, after MergePolicy::max_reads failed reads, given up.
    void retry_or_give_up(const HistoryMerge& merge, const std::string& what, const std::string& error) {
        const auto& policy = hooks.merge_policy;
        const int failed = merge.attempts + 1;
        if (failed >= policy.max_reads) {
            if (run([&] { deps.store.finish_history_merge(merge.incident_id); }, what + ": giving up"))
                spdlog::error("{}: {} not read after {} attempts (last: {}); merge given up, the draft stands as "
                              "recorded live",
                              label(), what, failed, error);
            return;
        }
        const auto delay = policy.retry_after(failed);
        if (run([&] { deps.store.retry_history_merge(merge.incident_id, deps.clock.now() + delay, error); },
                what + ": scheduling another read"))
            spdlog::warn("{}: {} not read ({}); attempt {} of {}, next in {}; the draft stands as recorded live "
                         "meanwhile",
                         label(), what, error, failed, policy.max_reads, format_duration(delay));
    }

    void resume_history_merges() {
        if (!hooks.history || !deps.background) return;
        auto claimed = std::make_shared<std::vector<HistoryMerge>>();
        submit(
            [self = shared_from_this(), claimed] {
                const auto& policy = self->hooks.merge_policy;
                *claimed = self->deps.store.claim_history_merges(self->hooks.platform, self->deps.clock.now(),
                                                                 policy.lease, policy.scan_limit);
            },
            [self = shared_from_this(), claimed](std::exception_ptr e) {
                if (e) {
                    spdlog::error("{}: claiming history merges failed: {}", self->label(), describe(e));
                    return;
                }
                for (const auto& merge : *claimed) {
                    spdlog::info("{}: resuming the history merge of incident {} ({} failed reads before)",
                                 self->label(), merge.incident_id, merge.attempts);
                    self->deps.background->post([self, merge] { self->backfill(merge); });
                }
            });
    }
};

Flow::Flow(EndpointDeps deps, PlatformHooks hooks)
    : state_(std::make_shared<State>(std::move(deps), std::move(hooks))) {}

Flow::~Flow() = default;

const EndpointDeps& Flow::deps() const { return state_->deps; }

void Flow::learn_names(const ChannelRef& where, const std::vector<std::string>& user_ids) {
    state_->learn_names(where, user_ids);
}

void Flow::resume_history_merges() { state_->resume_history_merges(); }

void Flow::command(SlashCommand command, Answer answer, std::string delivery_key) {
    auto& s = *state_;
    // A close posts its draft from what was recorded live at once; the
    // channel history is merged afterwards (backfill), owed durably.
    const bool backfill = Bot::wants_history(command) && s.hooks.history && s.deps.background;
    auto reply = std::make_shared<CommandReply>();
    auto merge = std::make_shared<HistoryMerge>();
    auto duplicate = std::make_shared<bool>(false);
    auto where = command.where;
    s.submit(
        [state = state_, reply, merge, duplicate, backfill, command = std::move(command),
         key = std::move(delivery_key)] {
            if (!state->first_delivery(key)) {
                *duplicate = true;
                return;
            }
            *reply = state->deps.bot.handle_command(command);
            if (!backfill || reply->draft_row == 0) return;
            auto incident = state->deps.store.latest_incident(command.where);
            if (!incident) return;
            // Owed in the close's own transaction, claimed by this process,
            // which starts it at once (below).
            const auto now = state->deps.clock.now();
            *merge = HistoryMerge{incident->id, reply->draft_row, 0, now, {}};
            state->deps.store.add_history_merge(*merge, now + state->hooks.merge_policy.lease);
        },
        [state = state_, reply, merge, duplicate, where, answer = std::move(answer)](std::exception_ptr e) {
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
            if (merge->incident_id != 0)
                state->deps.background->post([state, merge = *merge] { state->backfill(merge); });
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
    if (auto* m = std::get_if<ChatMessage>(&event)) {
        // The bulk of what arrives: written with the others that arrive
        // while the writer is busy.
        s.gather(Bot::live_message(*m, std::move(delivery_key)), std::move(answer));
        return;
    }
    // Edits, deletions and pins: after the messages that arrived before them.
    s.messages.seal();
    auto outcome = std::make_shared<EventOutcome>(EventOutcome::ignored);
    auto shared = std::make_shared<const ChatEvent>(std::move(event));
    // Repeatable, as a batch of messages is.
    s.deps.writes.submit_repeatable(
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
