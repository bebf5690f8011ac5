// Internal to storage/: an IncidentStore that passes every call to another
// one. The read connections of both backends are one: a connection (a SQLite
// file handle, a pooled PostgreSQL session) kept alive beside the store that
// uses it, for as long as the caller holds the reader.
#pragma once

#include "bot/core/ports.hpp"

namespace hindsight::storage {

class ForwardingStore : public IncidentStore {
public:
    std::int64_t create_incident(const Incident& i) override { return inner_.create_incident(i); }
    void update_incident(const Incident& i) override { inner_.update_incident(i); }
    std::optional<Incident> find_incident(std::int64_t id) override { return inner_.find_incident(id); }
    std::optional<Incident> latest_incident(const ChannelRef& w) override { return inner_.latest_incident(w); }
    std::optional<Incident> latest_incident_to_record(const ChannelRef& w) override {
        return inner_.latest_incident_to_record(w);
    }
    std::vector<Incident> list_incidents() override { return inner_.list_incidents(); }
    std::vector<Incident> incidents_awaiting_meeting_reminder(Timestamp closed_before) override {
        return inner_.incidents_awaiting_meeting_reminder(closed_before);
    }
    std::vector<IncidentSummary> incident_summaries() override { return inner_.incident_summaries(); }
    bool insert_message(const RecordedMessage& m) override { return inner_.insert_message(m); }
    bool edit_message(std::int64_t i, const std::string& m, const std::string& t, Timestamp at) override {
        return inner_.edit_message(i, m, t, at);
    }
    bool delete_message(std::int64_t i, const std::string& m, Timestamp at) override {
        return inner_.delete_message(i, m, at);
    }
    bool mark_key_message(std::int64_t i, const std::string& m, bool marked) override {
        return inner_.mark_key_message(i, m, marked);
    }
    std::vector<RecordedMessage> messages(std::int64_t i) override { return inner_.messages(i); }
    std::int64_t count_messages(std::int64_t i) override { return inner_.count_messages(i); }
    std::int64_t add_key_event(const KeyEvent& e) override { return inner_.add_key_event(e); }
    std::vector<KeyEvent> key_events(std::int64_t i) override { return inner_.key_events(i); }
    std::int64_t add_curation(const TimelineCuration& c) override { return inner_.add_curation(c); }
    std::vector<TimelineCuration> curations(std::int64_t i) override { return inner_.curations(i); }
    void set_why(const WhyStep& s) override { inner_.set_why(s); }
    std::vector<WhyStep> whys(std::int64_t i) override { return inner_.whys(i); }
    void add_factor(std::int64_t i, const std::string& t) override { inner_.add_factor(i, t); }
    std::vector<std::string> factors(std::int64_t i) override { return inner_.factors(i); }
    std::int64_t add_action(const ActionItem& a) override { return inner_.add_action(a); }
    void update_action(const ActionItem& a) override { inner_.update_action(a); }
    std::optional<ActionItem> find_action(std::int64_t id) override { return inner_.find_action(id); }
    std::vector<ActionItem> actions(std::int64_t i) override { return inner_.actions(i); }
    std::vector<ActionItem> all_actions() override { return inner_.all_actions(); }
    std::vector<ActionItem> actions_due_for_nudge(Timestamp now, Duration every, std::size_t limit) override {
        return inner_.actions_due_for_nudge(now, every, limit);
    }
    std::optional<ActionItem> find_action_by_ticket(const std::string& t, const std::string& k) override {
        return inner_.find_action_by_ticket(t, k);
    }
    std::optional<IncidentTracker> incident_tracker(std::int64_t i) override { return inner_.incident_tracker(i); }
    void set_incident_tracker(std::int64_t i, const IncidentTracker& c) override { inner_.set_incident_tracker(i, c); }
    void remember_user(const ChannelRef& w, const std::string& u, const std::string& n) override {
        inner_.remember_user(w, u, n);
    }
    std::optional<std::string> user_name(const ChannelRef& w, const std::string& u) override {
        return inner_.user_name(w, u);
    }
    void add_history_merge(const HistoryMerge& m, Timestamp until) override { inner_.add_history_merge(m, until); }
    std::vector<HistoryMerge> claim_history_merges(Platform p, Timestamp now, Duration lease,
                                                   std::size_t limit) override {
        return inner_.claim_history_merges(p, now, lease, limit);
    }
    bool finish_history_merge(std::int64_t i) override { return inner_.finish_history_merge(i); }
    void retry_history_merge(std::int64_t i, Timestamp next, const std::string& e) override {
        inner_.retry_history_merge(i, next, e);
    }
    std::vector<HistoryMerge> history_merges() override { return inner_.history_merges(); }
    void save_tracker_match(const TrackerUserMatch& m) override { inner_.save_tracker_match(m); }
    std::optional<TrackerUserMatch> tracker_match_of_chat_user(const std::string& t, const ChannelRef& w,
                                                               const std::string& u) override {
        return inner_.tracker_match_of_chat_user(t, w, u);
    }
    std::optional<TrackerUserMatch> tracker_match_of_tracker_user(const std::string& t, const ChannelRef& w,
                                                                  const std::string& u) override {
        return inner_.tracker_match_of_tracker_user(t, w, u);
    }
    void forget_tracker_match(const std::string& t, const ChannelRef& w, const std::string& u) override {
        inner_.forget_tracker_match(t, w, u);
    }
    std::vector<TrackerUserMatch> tracker_matches() override { return inner_.tracker_matches(); }
    bool remember_delivery(const std::string& k, Timestamp at) override { return inner_.remember_delivery(k, at); }
    EventOutcome record_message(const std::string& k, Timestamp at, const ChannelRef& w, RecordedMessage m) override {
        return inner_.record_message(k, at, w, std::move(m));
    }
    std::vector<EventOutcome> record_messages(Timestamp at, const std::vector<LiveMessage>& batch) override {
        return inner_.record_messages(at, batch);
    }
    std::string link_secret() override { return inner_.link_secret(); }
    std::string ensure_link_secret(const std::string& c) override { return inner_.ensure_link_secret(c); }
    void replace_link_secret(const std::string& s) override { inner_.replace_link_secret(s); }

protected:
    // `inner` may be a member of the derived class, not yet constructed: it
    // is only stored here, and used once the derived object exists.
    explicit ForwardingStore(IncidentStore& inner) : inner_(inner) {}

private:
    IncidentStore& inner_;
};

}  // namespace hindsight::storage
