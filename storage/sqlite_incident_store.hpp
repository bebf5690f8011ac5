// IncidentStore over one SQLite connection (the writer's, or a read-only one).
#pragma once

#include "bot/core/ports.hpp"
#include "storage/statement_cache.hpp"

#include <cstdint>

namespace hindsight::storage {

class SqliteIncidentStore final : public IncidentStore {
public:
    // Delivery keys older than this (relative to the newest one recorded) are
    // forgotten; platforms stop retrying well within it.
    static constexpr Duration kDeliveryMemory = std::chrono::hours(1);
    // The pruning runs on every this-many-th remembered delivery.
    static constexpr std::uint64_t kPruneEvery = 1024;

    // `db` must outlive the store. Not thread-safe: one thread at a time.
    explicit SqliteIncidentStore(SQLite::Database& db) : statements_(db) {}

    std::int64_t create_incident(const Incident& incident) override;
    void update_incident(const Incident& incident) override;
    std::optional<Incident> find_incident(std::int64_t id) override;
    std::optional<Incident> latest_incident(const ChannelRef& where) override;
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
    std::vector<ActionItem> actions_due_for_nudge(Timestamp now, Duration repeat_every,
                                                  std::size_t limit) override;
    std::optional<ActionItem> find_action_by_ticket(const std::string& tracker, const std::string& key) override;
    std::optional<IncidentTracker> incident_tracker(std::int64_t incident_id) override;
    void set_incident_tracker(std::int64_t incident_id, const IncidentTracker& choice) override;

    void remember_user(const ChannelRef& where, const std::string& user_id,
                       const std::string& display_name) override;
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
    std::string link_secret() override;
    std::string ensure_link_secret(const std::string& candidate) override;
    void replace_link_secret(const std::string& secret) override;

private:
    // This store's name in history-merge claims, made on first use.
    const std::string& holder();

    StatementCache statements_;
    std::string holder_;
    std::uint64_t deliveries_since_prune_ = 0;
};

}  // namespace hindsight::storage
