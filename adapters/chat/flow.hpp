// The one inbound flow every chat transport goes through. A transport
// (Slack or Mattermost HTTP endpoints, the Mattermost WebSocket, Slack Socket
// Mode) verifies and parses what it received into the neutral vocabulary and
// hands it here; the flow runs it on the database writer and calls `answer`
// once, after COMMIT ("acked means stored"), with what to answer the platform.
//
//   command(): `/incident …`. A `close` runs at once, like any command: its
//     draft goes out from what was recorded live. The merge of the channel
//     history it owes is recorded in the same transaction (a HistoryMerge
//     row), so it survives a restart. Then the history is read and merged on
//     the background worker (one transaction, which also removes the row),
//     and when it changed the draft, the posted draft is updated in place and
//     a reply in its thread says so (Bot::update_draft; both are outbox rows).
//     A failed read is tried again later (MergePolicy), until a bound.
//   resume_history_merges(): claims the merges owed by an earlier run (or
//     due again after a failed read) and runs them the same way; at start-up
//     and then periodically.
//   event(): a message, edit, deletion or pin. `delivery_key` de-duplicates
//     platform retries in the same transaction. A stored human message gets
//     its author's display name looked up (once per hour per user). Human
//     messages that arrive while the writer is busy are written together, in
//     one store call (Gather, Bot::handle_messages); everything else the flow
//     submits goes after the messages that arrived before it.
//   action(): a button click.
//   A non-empty `delivery_key` given to command() or action() is remembered
//   in the transaction that runs it (a transport's redelivery id, e.g. a
//   Socket Mode envelope): a redelivery runs nothing and is answered 200 with
//   an empty body.
// Failures are logged with the platform's name and answered with the hook's
// failure response; nothing is half-stored (each item is its own savepoint).
// The flow's state is shared with every pending callback, so a Flow may be
// destroyed while answers are outstanding; the background worker must be
// stopped before the Bot and the store it uses.
// No Boost here.
#pragma once

#include "adapters/chat/history.hpp"
#include "adapters/http/message.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/ports.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hindsight::outbound {
class Worker;
}

namespace hindsight::chat {

struct EndpointDeps {
    WriteQueue& writes;      // all Bot and store calls run inside writes.submit / run
    Bot& bot;                // only inside a write-queue item
    IncidentStore& store;    // the writer's store; only inside items
    const Clock& clock;
    outbound::Worker* background = nullptr;      // slow work after the ack; may be null
    std::function<void(EventOutcome)> on_event;  // metrics hook, may be empty
    std::function<void()> on_outbox;             // after commits that may have enqueued, may be empty
};

// A display-name look-up: the name, and further keys to store it under
// (e.g. Mattermost's "@username", which its mentions use).
struct NameLookup {
    SendResult outcome;  // delivered, or why not (retry: ask again on a later message)
    std::string display_name;
    std::vector<std::string> aliases;
};
using LookupName = std::function<NameLookup(const ChannelRef& where, const std::string& user_id)>;

// Answers after COMMIT. May be empty (nobody waits, e.g. a WebSocket event).
using Answer = std::function<void(http::Response)>;

// What differs between platforms.
struct PlatformHooks {
    std::string name;  // "slack", "mattermost": the prefix of every log line
    Platform platform = Platform::console;  // whose incidents' history merges this flow runs
    std::function<http::Response(const CommandReply&)> command_answer;
    std::function<http::Response()> command_failed;
    std::function<http::Response(bool stored_ok)> event_answer;  // false: not stored, let the platform retry
    std::function<http::Response(const ButtonAction&, const CommandReply&)> action_answer;
    std::function<http::Response()> action_failed;
    FetchPage history;  // empty: no history backfill after a close
    HistoryOptions history_options;
    MergePolicy merge_policy;
    LookupName lookup_name;  // empty: names are not looked up
};

class Flow {
public:
    Flow(EndpointDeps deps, PlatformHooks hooks);
    ~Flow();
    Flow(const Flow&) = delete;
    Flow& operator=(const Flow&) = delete;

    void command(SlashCommand command, Answer answer, std::string delivery_key = {});
    void event(ChatEvent event, std::string delivery_key, Answer answer);
    void action(ButtonAction action, Answer answer, std::string delivery_key = {});

    // Claims this platform's history merges that are due (owed by an earlier
    // run, or due again after a failed read) and runs them on the background
    // worker. Does nothing without a history reader or a worker.
    void resume_history_merges();

    // Looks up and stores display names of `user_ids` that are due (see
    // NameCache) on the background worker.
    void learn_names(const ChannelRef& where, const std::vector<std::string>& user_ids);

    const EndpointDeps& deps() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace hindsight::chat
