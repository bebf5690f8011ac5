// The interfaces the domain needs from the outside world. bot/core declares
// them; storage/ and adapters/ implement them; bot/service wires them.
#pragma once

#include "bot/core/chat_event.hpp"
#include "bot/core/incident.hpp"
#include "bot/core/time.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hindsight {

// One row of an incident list (GET /incidents): what a list shows, without
// the large texts (drafted postmortem, summary) a list never needs.
struct IncidentSummary {
    std::int64_t id = 0;
    ChannelRef where;
    std::string title;
    int severity = 0;
    std::string commander_id;
    std::string commander_name;
    IncidentState state = IncidentState::open;
    Timestamp opened_at{};
    std::optional<Timestamp> closed_at;
    std::int64_t open_actions = 0;
};

// A channel-history merge still owed to a closed incident: recorded in the
// transaction that closes it, removed in the one that merges the history (see
// adapters/chat/flow.hpp), so a restart in between does not lose it.
struct HistoryMerge {
    std::int64_t incident_id = 0;
    std::int64_t draft_row = 0;    // the outbox row that posted the draft (updated in place)
    int attempts = 0;              // failed history reads so far
    Timestamp next_attempt_at{};   // not claimed before then
    std::string last_error;        // why the last read failed
};

// An action item's owner matched to a tracker user by e-mail
// (docs/trackers.md, "Owners matched by e-mail"), kept so that a filing
// after a restart needs no second search and an assignment to that tracker
// user is known coming back. Ids only: the e-mail address is never stored.
struct TrackerUserMatch {
    std::string tracker;       // configured name
    ChannelRef where;          // the chat user's platform and team; the channel is not stored
    std::string user_id;       // the chat user
    std::string tracker_user;  // GitHub login, GitLab user id, Jira account id or user name
    Timestamp found_at{};      // when the search found it
};

// What became of one chat event.
enum class EventOutcome {
    stored,     // a new message, edit, deletion or mark was recorded
    duplicate,  // already seen (same delivery key or message id)
    ignored,    // not for us: no open incident, a bot, a join notice, ...
};

// A live message as it arrived, for IncidentStore::record_messages.
struct LiveMessage {
    std::string delivery_key;  // "" when the platform gives none
    ChannelRef where;
    RecordedMessage message;   // its incident_id is ignored
};

// Everything the domain stores. Implementations are used from one thread at a
// time (the database writer); every call is a prepared statement.
class IncidentStore {
public:
    virtual ~IncidentStore() = default;

    // --- incidents
    virtual std::int64_t create_incident(const Incident& incident) = 0;  // returns the new id
    virtual void update_incident(const Incident& incident) = 0;          // every field, by id
    virtual std::optional<Incident> find_incident(std::int64_t id) = 0;
    // The newest incident of a channel, whatever its state.
    virtual std::optional<Incident> latest_incident(const ChannelRef& where) = 0;
    // The same, to record a message, an edit, a deletion or a pin into it. Recorders only
    // add to the incident, so they may share it, while a command that changes
    // it (found through latest_incident) waits for them and then sees what
    // they recorded: a store shared by several processes locks accordingly.
    virtual std::optional<Incident> latest_incident_to_record(const ChannelRef& where) {
        return latest_incident(where);
    }
    virtual std::vector<Incident> list_incidents() = 0;  // newest first
    // Closed incidents with no review meeting and no meeting reminder yet,
    // closed at or before `closed_before`; longest closed first (then by id).
    // The scheduler asks on every tick: a store should answer from an index.
    // The default filters list_incidents() (for stores without one).
    virtual std::vector<Incident> incidents_awaiting_meeting_reminder(Timestamp closed_before);
    // Every incident as a summary with its open action-item count, newest
    // first. The default is built from list_incidents() and actions().
    virtual std::vector<IncidentSummary> incident_summaries();

    // --- recorded messages; (incident_id, message_id) is unique
    // false when the message is already recorded (a duplicate delivery).
    virtual bool insert_message(const RecordedMessage& message) = 0;
    // Replaces the text, keeps original_text. false when the message is unknown.
    virtual bool edit_message(std::int64_t incident_id, const std::string& message_id,
                              const std::string& new_text, Timestamp edited_at) = 0;
    // Leaves a tombstone. false when unknown.
    virtual bool delete_message(std::int64_t incident_id, const std::string& message_id,
                                Timestamp deleted_at) = 0;
    // Pin/pushpin: marks or unmarks. false when unknown.
    virtual bool mark_key_message(std::int64_t incident_id, const std::string& message_id,
                                  bool marked) = 0;
    // Chronological (at, then insertion order), tombstones included.
    virtual std::vector<RecordedMessage> messages(std::int64_t incident_id) = 0;
    virtual std::int64_t count_messages(std::int64_t incident_id) = 0;  // excluding tombstones

    // --- key events (`note`)
    virtual std::int64_t add_key_event(const KeyEvent& event) = 0;
    virtual std::vector<KeyEvent> key_events(std::int64_t incident_id) = 0;  // chronological

    // --- timeline curation, in id order
    virtual std::int64_t add_curation(const TimelineCuration& curation) = 0;
    virtual std::vector<TimelineCuration> curations(std::int64_t incident_id) = 0;

    // --- five whys: set_why replaces step n if it exists
    virtual void set_why(const WhyStep& step) = 0;
    virtual std::vector<WhyStep> whys(std::int64_t incident_id) = 0;  // by n

    // --- contributing factors (normalised tags); adding twice is a no-op
    virtual void add_factor(std::int64_t incident_id, const std::string& tag) = 0;
    virtual std::vector<std::string> factors(std::int64_t incident_id) = 0;

    // --- action items; ids come from one deployment-wide sequence, never reused
    virtual std::int64_t add_action(const ActionItem& item) = 0;
    virtual void update_action(const ActionItem& item) = 0;
    virtual std::optional<ActionItem> find_action(std::int64_t id) = 0;
    virtual std::vector<ActionItem> actions(std::int64_t incident_id) = 0;  // by id
    virtual std::vector<ActionItem> all_actions() = 0;                       // by id
    // Open items with due_at <= now, not snoozed past now, and not nudged
    // since (now - repeat_every). One indexed query.
    virtual std::vector<ActionItem> actions_due_for_nudge(Timestamp now, Duration repeat_every,
                                                          std::size_t limit) = 0;
    // The item whose ticket is (tracker, key); the newest when several were
    // linked to it. The default searches all_actions().
    virtual std::optional<ActionItem> find_action_by_ticket(const std::string& tracker, const std::string& key);

    // --- `/incident tracker`: the incident's own tracker and project. The
    // defaults are for read-only stores: none chosen, and no writing.
    virtual std::optional<IncidentTracker> incident_tracker(std::int64_t incident_id);
    virtual void set_incident_tracker(std::int64_t incident_id, const IncidentTracker& choice);

    // --- display names, cached per (platform, team, user id)
    virtual void remember_user(const ChannelRef& where, const std::string& user_id,
                               const std::string& display_name) = 0;
    virtual std::optional<std::string> user_name(const ChannelRef& where,
                                                 const std::string& user_id) = 0;

    // --- history merges owed after a close, at most one per incident
    // Recorded claimed by this process until claimed_until (the close's own
    // merge starts at once); a second one for the incident replaces it.
    virtual void add_history_merge(const HistoryMerge& merge, Timestamp claimed_until) = 0;
    // Up to `limit` merges of `platform`'s incidents that are due at `now` and
    // not claimed by a live process, each claimed for this process until
    // now + lease, oldest due first. A claim whose lease has run out is free
    // again (its holder died or hangs); a store only one process serves
    // (SQLite) also frees every claim not its own, a previous run's. A store
    // shared by several processes claims under row locks.
    virtual std::vector<HistoryMerge> claim_history_merges(Platform platform, Timestamp now, Duration lease,
                                                           std::size_t limit) = 0;
    // The merge is done: removed. false when it was not there (already done,
    // by another process): the caller merges nothing.
    virtual bool finish_history_merge(std::int64_t incident_id) = 0;
    // A read failed: attempts + 1, the error, not before `next_attempt_at`;
    // the claim is released.
    virtual void retry_history_merge(std::int64_t incident_id, Timestamp next_attempt_at,
                                     const std::string& error) = 0;
    // Every pending merge, by incident id (operators, tests).
    virtual std::vector<HistoryMerge> history_merges() = 0;

    // --- owners matched to tracker users by e-mail. In a tracker and a
    // workspace (platform, team), a chat user has at most one tracker user and
    // a tracker user at most one chat user.
    // Stores the match: it replaces the chat user's row, and another chat
    // user's row for the same tracker user is removed (the newer match wins).
    virtual void save_tracker_match(const TrackerUserMatch& match) = 0;
    // The chat user's match in `tracker` (where: platform and team).
    virtual std::optional<TrackerUserMatch> tracker_match_of_chat_user(const std::string& tracker, const ChannelRef& where,
                                                                       const std::string& user_id) = 0;
    // The match of `tracker_user` in `tracker` and that workspace.
    virtual std::optional<TrackerUserMatch> tracker_match_of_tracker_user(const std::string& tracker,
                                                                          const ChannelRef& where,
                                                                          const std::string& tracker_user) = 0;
    // A search found nobody for the chat user now: their row goes.
    virtual void forget_tracker_match(const std::string& tracker, const ChannelRef& where,
                                      const std::string& user_id) = 0;
    // Every match, by tracker, platform, team and chat user (operators, tests).
    virtual std::vector<TrackerUserMatch> tracker_matches() = 0;

    // --- delivery de-duplication (e.g. Slack event_id). false when already seen.
    virtual bool remember_delivery(const std::string& key, Timestamp at) = 0;

    // --- a live message, the bulk of what a deployment stores, in one step:
    // remembers `delivery_key` (unless empty; seen before: duplicate), then
    // records `message` (its incident_id is ignored) into the channel's
    // latest incident if that is open and the message is not later than its
    // close: stored, or duplicate when the message id is already recorded;
    // otherwise ignored. The default makes the calls above one by one; a
    // store reached over the network does it in one statement, because a
    // round trip per call is what limits its writer.
    virtual EventOutcome record_message(const std::string& delivery_key, Timestamp received_at,
                                        const ChannelRef& where, RecordedMessage message);

    // --- many live messages in one step: the outcome of each, as if
    // record_message had been called for each in order (a key or message id
    // that comes twice: the later one is a duplicate). The default does just
    // that; a store reached over the network sends the batch as one
    // statement, so that a busy writer pays one round trip and one executor
    // start for many messages instead of one each.
    virtual std::vector<EventOutcome> record_messages(Timestamp received_at, const std::vector<LiveMessage>& batch);

    // --- the secret that signs links to the incident pages, one per deployment
    // The stored secret; "" before the first ensure_link_secret.
    virtual std::string link_secret() = 0;
    // Stores `candidate` unless a secret exists already (another replica may
    // have been first) and returns the one stored.
    virtual std::string ensure_link_secret(const std::string& candidate) = 0;
    // Replaces the secret: every link signed with the old one stops working.
    virtual void replace_link_secret(const std::string& secret) = 0;
};

// Makes the links the bot posts to its incident pages openable without the
// API token until they expire (adapters/web signs them with the stored
// secret, so rotating it revokes every link).
class LinkSigner {
public:
    virtual ~LinkSigner() = default;
    // The query ("?exp=…&sig=…") that opens `path` from now until the link
    // lifetime has passed. `store` is the caller's: inside a command, the
    // writer's.
    virtual std::string query(IncidentStore& store, std::string_view path, Timestamp now) const = 0;
};

// A message the bot wants to send. Text is Markdown; the platform sender
// renders it (Slack mrkdwn, Mattermost Markdown).
struct OutboundButton {
    std::string label;
    std::string action;  // e.g. "done", "snooze"
    std::string value;   // e.g. "A-12"
};

struct OutboundMessage {
    Platform platform = Platform::console;
    std::string team;
    std::string channel;       // channel id; empty when to_user is set
    std::string to_user;       // direct message to this user id (sender opens the DM)
    std::string thread;        // reply in this thread, optional
    std::string text;
    std::string response_url;  // deliver through the platform's response URL instead
    bool ephemeral = false;    // with response_url: only the invoker sees it
    std::vector<OutboundButton> buttons;
    // A message this bot posted earlier through the outbox, named by its
    // outbox row: the platform's id for it is known only once that row has
    // been delivered, so the delivery worker looks it up then.
    std::int64_t edit_of = 0;   // replace that post's text in place (same channel)
    std::int64_t reply_to = 0;  // post in that post's thread (sets `thread`)
    // Filled in by the delivery worker from edit_of: the platform's id of the
    // post to update. Senders update instead of posting when it is set.
    std::string replaces;
};

// The persistent outbox: enqueue is part of the caller's transaction, so a
// message is either stored with the change that caused it or not at all.
class Outbox {
public:
    virtual ~Outbox() = default;
    virtual std::int64_t enqueue(const OutboundMessage& message, Timestamp at) = 0;
};

struct OutboxItem {
    std::int64_t id = 0;
    OutboundMessage message;
    int attempts = 0;
    Timestamp next_attempt_at{};
    // An outbox shared by several processes leases what due_messages returns:
    // until then the row is this process's to send; after it, another may
    // claim it. Unset: no lease (one process owns the outbox).
    std::optional<Timestamp> claimed_until;
};

// What the delivery worker needs from the outbox.
class OutboxStore : public Outbox {
public:
    virtual std::vector<OutboxItem> due_messages(Timestamp now, std::size_t limit) = 0;
    // `posted_id`: the platform's id of the posted message (Slack ts,
    // Mattermost post id), when the platform gave one.
    virtual void mark_delivered(std::int64_t id, Timestamp at, const std::string& posted_id) = 0;
    void mark_delivered(std::int64_t id, Timestamp at) { mark_delivered(id, at, {}); }
    // The platform's id of what row `id` posted: nullopt while the row is
    // pending; empty when it was dead-lettered, posted without an id, or is
    // gone (forgotten).
    virtual std::optional<std::string> posted_id(std::int64_t id) = 0;
    virtual void mark_retry(std::int64_t id, Timestamp next_attempt_at, const std::string& error) = 0;
    virtual void mark_dead(std::int64_t id, const std::string& error) = 0;  // dead letter, kept
    // Deletes up to `limit` delivered rows delivered before `before`, oldest
    // first; pending and dead rows are never touched. Returns how many went.
    virtual std::int64_t forget_delivered(Timestamp before, std::size_t limit) = 0;
    virtual std::int64_t pending_count() = 0;
    virtual std::int64_t dead_count() = 0;
};

// Runs work on the single database writer. Concurrent submissions are batched
// into one transaction (group commit); each work item runs in its own
// savepoint, so a throwing item rolls back alone. `done` is called after
// COMMIT with nullptr, or with the exception of a failed item; it runs on the
// writer thread and must not block.
class WriteQueue {
public:
    virtual ~WriteQueue() = default;
    // `work` runs in the batch's transaction, isolated from the other items
    // (a savepoint each): when it throws, only what it wrote is undone.
    virtual void submit(std::function<void()> work,
                        std::function<void(std::exception_ptr)> done) = 0;
    // The same for work that may safely run more than once: outside the
    // database it only overwrites its own results. A queue may then run a
    // series of such items under one savepoint, and only when one of them
    // throws roll the series back and run each again in a savepoint of its
    // own (PostgreSQL: a savepoint costs a round trip). The default is submit().
    virtual void submit_repeatable(std::function<void()> work, std::function<void(std::exception_ptr)> done) {
        submit(std::move(work), std::move(done));
    }
    // Submits and waits for COMMIT; rethrows the work's exception.
    void run(std::function<void()> work);
};

// Sends one outbox message to its platform. Used by the delivery worker.
struct SendResult {
    enum class Status { delivered, retry, failed };  // failed: permanent, dead-letter
    Status status = Status::delivered;
    std::string error;        // for logs and dead letters; never contains secrets
    Duration retry_after{0};  // from 429 Retry-After, when the platform said
    std::string posted_id;    // delivered: the platform's id of the new post, when it has one
};

class ChatSender {
public:
    virtual ~ChatSender() = default;
    virtual SendResult send(const OutboundMessage& message) = 0;
    // The delivery worker gave up on `message`: refused for good, or its
    // attempts ran out (`gave_up`). Called once per row, inside the write that
    // marks it dead, so what it stores or enqueues commits with the dead
    // letter or not at all. It runs on the writer: it must not call
    // WriteQueue::run. The default does nothing (the log says it).
    virtual void dead_lettered(const OutboundMessage& message, const std::string& why, bool gave_up) {
        (void)message;
        (void)why;
        (void)gave_up;
    }
};

}  // namespace hindsight
