// Internal to storage/pg_*.cpp: the store and outbox over one pg::Session.
#pragma once

#include "bot/core/ports.hpp"
#include "storage/pg_session.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace hindsight::storage::pg {

// Claims this replica has made, for /metrics.
struct ClaimCounters {
    std::atomic<std::uint64_t> outbox{0};     // outbox rows claimed for delivery
    std::atomic<std::uint64_t> reminders{0};  // action items and incidents claimed by a reminder scan
    std::atomic<std::uint64_t> lost{0};       // outbox results discarded: the claim had passed to another replica
};

class IncidentStore final : public hindsight::IncidentStore {
public:
    // `writer`: the store of the replica's writer, inside its transactions.
    // Its scans lock what they return (SKIP LOCKED: another replica's scan
    // passes over it), and finding a channel's incident locks that row until
    // COMMIT, so two replicas handling the same incident take turns.
    // `replica` names this replica in history-merge claims.
    IncidentStore(Session& session, bool writer, ClaimCounters* claims = nullptr, std::string replica = {})
        : s_(session), writer_(writer), claims_(claims), replica_(std::move(replica)) {}

    std::int64_t create_incident(const Incident& incident) override;
    void update_incident(const Incident& incident) override;
    std::optional<Incident> find_incident(std::int64_t id) override;
    std::optional<Incident> latest_incident(const ChannelRef& where) override;
    std::optional<Incident> latest_incident_to_record(const ChannelRef& where) override;
    std::vector<Incident> list_incidents() override;
    std::vector<Incident> incidents_awaiting_meeting_reminder(Timestamp closed_before) override;
    std::vector<IncidentSummary> incident_summaries() override;
    bool insert_message(const RecordedMessage& message) override;
    bool edit_message(std::int64_t incident_id, const std::string& message_id, const std::string& new_text,
                      Timestamp edited_at) override;
    bool delete_message(std::int64_t incident_id, const std::string& message_id, Timestamp deleted_at) override;
    bool mark_key_message(std::int64_t incident_id, const std::string& message_id, bool marked) override;
    std::vector<RecordedMessage> messages(std::int64_t incident_id) override;
    std::int64_t count_messages(std::int64_t incident_id) override;
    std::int64_t add_key_event(const KeyEvent& event) override;
    std::vector<KeyEvent> key_events(std::int64_t incident_id) override;
    std::int64_t add_curation(const TimelineCuration& curation) override;
    std::vector<TimelineCuration> curations(std::int64_t incident_id) override;
    void set_why(const WhyStep& step) override;
    std::vector<WhyStep> whys(std::int64_t incident_id) override;
    void add_factor(std::int64_t incident_id, const std::string& tag) override;
    std::vector<std::string> factors(std::int64_t incident_id) override;
    std::int64_t add_action(const ActionItem& item) override;
    void update_action(const ActionItem& item) override;
    std::optional<ActionItem> find_action(std::int64_t id) override;
    std::vector<ActionItem> actions(std::int64_t incident_id) override;
    std::vector<ActionItem> all_actions() override;
    std::vector<ActionItem> actions_due_for_nudge(Timestamp now, Duration repeat_every, std::size_t limit) override;
    std::optional<ActionItem> find_action_by_ticket(const std::string& tracker, const std::string& key) override;
    std::optional<IncidentTracker> incident_tracker(std::int64_t incident_id) override;
    void set_incident_tracker(std::int64_t incident_id, const IncidentTracker& choice) override;
    void remember_user(const ChannelRef& where, const std::string& user_id, const std::string& display_name) override;
    std::optional<std::string> user_name(const ChannelRef& where, const std::string& user_id) override;
    void add_history_merge(const HistoryMerge& merge, Timestamp claimed_until) override;
    std::vector<HistoryMerge> claim_history_merges(Platform platform, Timestamp now, Duration lease,
                                                   std::size_t limit) override;
    bool finish_history_merge(std::int64_t incident_id) override;
    void retry_history_merge(std::int64_t incident_id, Timestamp next_attempt_at, const std::string& error) override;
    std::vector<HistoryMerge> history_merges() override;
    void save_tracker_match(const TrackerUserMatch& match) override;
    std::optional<TrackerUserMatch> tracker_match_of_chat_user(const std::string& tracker, const ChannelRef& where,
                                                               const std::string& user_id) override;
    std::optional<TrackerUserMatch> tracker_match_of_tracker_user(const std::string& tracker, const ChannelRef& where,
                                                                  const std::string& tracker_user) override;
    void forget_tracker_match(const std::string& tracker, const ChannelRef& where, const std::string& user_id) override;
    std::vector<TrackerUserMatch> tracker_matches() override;
    bool remember_delivery(const std::string& key, Timestamp at) override;
    EventOutcome record_message(const std::string& delivery_key, Timestamp received_at, const ChannelRef& where,
                                RecordedMessage message) override;
    std::vector<EventOutcome> record_messages(Timestamp received_at, const std::vector<LiveMessage>& batch) override;
    std::string link_secret() override;
    std::string ensure_link_secret(const std::string& candidate) override;
    void replace_link_secret(const std::string& secret) override;

private:
    Session& s_;
    bool writer_;
    ClaimCounters* claims_;
    std::string replica_;
    void delivery_remembered(Timestamp at);

    std::uint64_t deliveries_since_prune_ = 0;
};

// The outbox shared by every replica. due_messages() claims what it returns:
// the oldest pending row of each conversation (never two rows of one
// conversation at a time, so per-channel order holds across replicas), locked
// with SKIP LOCKED while claiming and then leased to this replica until
// clock.now() + lease. A replica that dies leaves its rows to the others once
// the lease has run out.
class Outbox final : public OutboxStore {
public:
    Outbox(Session& session, const Clock& clock, Duration lease, std::string replica, ClaimCounters* claims)
        : s_(session), clock_(clock), lease_(lease), replica_(std::move(replica)), claims_(claims) {}

    std::int64_t enqueue(const OutboundMessage& message, Timestamp at) override;
    std::vector<OutboxItem> due_messages(Timestamp now, std::size_t limit) override;
    using OutboxStore::mark_delivered;
    void mark_delivered(std::int64_t id, Timestamp at, const std::string& posted_id) override;
    std::optional<std::string> posted_id(std::int64_t id) override;
    void mark_retry(std::int64_t id, Timestamp next_attempt_at, const std::string& error) override;
    void mark_dead(std::int64_t id, const std::string& error) override;
    std::int64_t forget_delivered(Timestamp before, std::size_t limit) override;
    std::int64_t pending_count() override;
    std::int64_t dead_count() override;

private:
    void complete(std::int64_t id, const char* plain, const char* fenced, Args& args, const char* outcome);

    Session& s_;
    const Clock& clock_;
    Duration lease_;
    std::string replica_;
    ClaimCounters* claims_;
    // The rows the last due_messages claimed, with their claimed_until (the
    // claim's token together with replica_). Writer thread only.
    std::map<std::int64_t, Timestamp> claimed_;
};

}  // namespace hindsight::storage::pg
