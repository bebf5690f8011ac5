// The bot: turns neutral chat events and commands into recorded facts,
// replies and outbox messages. Pure domain: synchronous, no I/O of its own.
// Every call runs inside a WriteQueue work item, so all it stores (and
// enqueues) commits together or not at all.
#pragma once

#include "bot/core/chat_event.hpp"
#include "bot/core/ports.hpp"
#include "bot/core/settings.hpp"
#include "bot/core/timeline.hpp"
#include "bot/core/tracker.hpp"

#include <map>
#include <set>
#include <string_view>

namespace hindsight {

// What merging the channel history into an incident changed.
struct HistoryChanges {
    std::size_t added = 0;    // messages the bot had missed
    std::size_t edited = 0;   // edits it had missed
    std::size_t deleted = 0;  // deletions it had missed
    bool any() const { return added + edited + deleted > 0; }
};

class Bot {
public:
    Bot(IncidentStore& store, Outbox& outbox, const Clock& clock, BotSettings settings);

    // Records what happened in an incident channel. `delivery_key` (e.g.
    // "slack:Ev123") de-duplicates platform retries in the same transaction.
    EventOutcome handle_event(const ChatEvent& event, std::string_view delivery_key = {});

    // Live human messages, many at once (the flow gathers those that arrive
    // while the writer is busy): each recorded as handle_event records it,
    // in one store call. The outcomes are in the batch's order.
    std::vector<EventOutcome> handle_messages(const std::vector<LiveMessage>& batch);
    // A human message as handle_messages takes it.
    static LiveMessage live_message(const ChatMessage& message, std::string delivery_key);

    // Runs one `/incident ...` command and returns the immediate reply.
    // Announcements and slow results go to the outbox.
    CommandReply handle_command(const SlashCommand& command);

    // True for commands whose result the platform's channel history may
    // change (`close`): the adapter runs the command at once, then merges the
    // history in the background (merge_history_event) and calls update_draft.
    static bool wants_history(const SlashCommand& command);

    // A history event recorded into `incident` whatever its state (the close
    // has usually run by then). A new message posted after the incident was
    // closed is ignored, as it would have been live; edits and deletions
    // count whenever they were made.
    EventOutcome merge_history_event(const Incident& incident, const ChatEvent& event);

    // The draft post `close` makes, drafted again from what is stored now as
    // of the close (the document stored with the incident is updated too).
    // Empty when the incident is unknown or open.
    std::string close_draft(std::int64_t incident_id);

    // After the channel history was merged into a closed incident: when its
    // draft post now reads differently from `before` (close_draft() before
    // the merge), the draft posted as outbox row `draft_row` is replaced in
    // place and a reply in its thread says what the history changed.
    // Returns whether it was.
    bool update_draft(std::int64_t incident_id, std::int64_t draft_row, const std::string& before,
                      const HistoryChanges& changes);

    // Interactive button clicks (reminder Done / Snooze).
    CommandReply handle_action(const ButtonAction& action);

    // Puts a message in the outbox, in the caller's transaction: a reply the
    // adapter could not give at once (the reply to `close` after the history).
    void send(const OutboundMessage& message);

    // Sends what is due now: overdue action-item nudges and review-meeting
    // reminders. Returns how many messages were enqueued.
    std::size_t run_reminders();

    // Issue trackers (bot/core/tracker.hpp; docs/trackers.md), each called
    // inside a write item by the tracker adapter.
    // A webhook or poll said how a ticket stands; the item follows.
    TicketOutcome handle_ticket_update(const TicketUpdate& update);
    // The ticket a filing job made (or found by its marker) exists: link it.
    void record_ticket(std::int64_t action_id, const TicketUpdate& ticket);
    // A tracker job did not go through. The incident channel hears it once:
    // a filing being retried on its first retry, every job when it becomes a
    // dead letter (which happens once per job).
    void ticket_trouble(const TrackerJob& job, const std::string& why, TicketTrouble trouble);
    // The item's owner when a chat user with no tracker user in `tracker`'s
    // `users` (to be matched by e-mail); else nullopt.
    std::optional<ItemOwner> unmapped_owner(std::int64_t action_id, const std::string& tracker);
    // The tracker user `owner` was matched to by e-mail in `tracker`, as
    // stored (with when it was found), if any.
    std::optional<TrackerUserMatch> tracker_match(const std::string& tracker, const ItemOwner& owner);
    // A search for `owner`'s e-mail in `tracker` found `tracker_user` now: it
    // is stored (the newer match wins a tracker user); "" (nobody) forgets
    // their match.
    void record_tracker_match(const std::string& tracker, const ItemOwner& owner, const std::string& tracker_user);
    // The item's ticket as stored now (a job waiting in the outbox reads its key).
    std::optional<TicketLink> ticket_of(std::int64_t action_id);
    // Tracker name -> projects holding tickets of action items (what polling reads).
    std::map<std::string, std::set<std::string>> ticket_projects();

    const BotSettings& settings() const { return settings_; }

    // Links the bot posts (on close, `/incident postmortem`, `/incident
    // stats`) go to the web pages, signed by `signer` (which must outlive the
    // bot). Without one they point at the Markdown document, for the API token.
    void set_link_signer(const LinkSigner* signer) { link_signer_ = signer; }

private:
    IncidentStore& store_;
    Outbox& outbox_;
    const Clock& clock_;
    BotSettings settings_;
    const LinkSigner* link_signer_ = nullptr;
};

// The postmortem document (Markdown) of an incident, drafted from what is
// stored now: `GET /incidents/{id}/postmortem.md` and `hindsight export`.
std::string draft_postmortem_document(IncidentStore& store, const BotSettings& settings,
                                      const Incident& incident, Timestamp now);
// The same with what it was drafted from, for the web page.
struct PostmortemDraft {
    DraftInput input;
    Timeline timeline;
    std::string markdown;
};
PostmortemDraft draft_postmortem(IncidentStore& store, const BotSettings& settings, const Incident& incident,
                                 Timestamp now);
// The same draft explained message by message (`hindsight draft --explain`).
std::string explain_draft(IncidentStore& store, const BotSettings& settings, const Incident& incident, Timestamp now,
                          bool as_json);

}  // namespace hindsight
