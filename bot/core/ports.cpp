#include "bot/core/ports.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>

namespace hindsight {

std::vector<Incident> IncidentStore::incidents_awaiting_meeting_reminder(Timestamp closed_before) {
    std::vector<Incident> out;
    for (auto& i : list_incidents())
        if (i.state == IncidentState::closed && i.closed_at && *i.closed_at <= closed_before && !i.meeting_at &&
            !i.meeting_reminded_at)
            out.push_back(std::move(i));
    std::sort(out.begin(), out.end(), [](const Incident& a, const Incident& b) {
        return *a.closed_at != *b.closed_at ? *a.closed_at < *b.closed_at : a.id < b.id;
    });
    return out;
}

std::vector<IncidentSummary> IncidentStore::incident_summaries() {
    std::vector<IncidentSummary> out;
    for (auto& i : list_incidents()) {
        IncidentSummary s;
        s.id = i.id;
        s.where = std::move(i.where);
        s.title = std::move(i.title);
        s.severity = i.severity;
        s.commander_id = std::move(i.commander_id);
        s.commander_name = std::move(i.commander_name);
        s.state = i.state;
        s.opened_at = i.opened_at;
        s.closed_at = i.closed_at;
        for (const auto& a : actions(i.id))
            if (a.state == ActionState::open) ++s.open_actions;
        out.push_back(std::move(s));
    }
    return out;
}

std::optional<ActionItem> IncidentStore::find_action_by_ticket(const std::string& tracker, const std::string& key) {
    std::optional<ActionItem> found;
    for (auto& a : all_actions())
        if (a.ticket.tracker == tracker && a.ticket.key == key) found = std::move(a);
    return found;
}

EventOutcome IncidentStore::record_message(const std::string& delivery_key, Timestamp received_at,
                                          const ChannelRef& where, RecordedMessage message) {
    if (!delivery_key.empty() && !remember_delivery(delivery_key, received_at)) return EventOutcome::duplicate;
    auto incident = latest_incident_to_record(where);
    if (!incident || !records_live_message(*incident, message.at)) return EventOutcome::ignored;
    message.incident_id = incident->id;
    return insert_message(message) ? EventOutcome::stored : EventOutcome::duplicate;
}

std::vector<EventOutcome> IncidentStore::record_messages(Timestamp received_at,
                                                        const std::vector<LiveMessage>& batch) {
    std::vector<EventOutcome> outcomes;
    outcomes.reserve(batch.size());
    for (const auto& m : batch) outcomes.push_back(record_message(m.delivery_key, received_at, m.where, m.message));
    return outcomes;
}

std::optional<IncidentTracker> IncidentStore::incident_tracker(std::int64_t) { return std::nullopt; }

void IncidentStore::set_incident_tracker(std::int64_t, const IncidentTracker&) {
    throw std::logic_error("this store cannot record an incident's tracker");
}

void WriteQueue::run(std::function<void()> work) {
    std::promise<void> finished;
    auto result = finished.get_future();
    submit(std::move(work), [&finished](std::exception_ptr error) {
        if (error)
            finished.set_exception(error);
        else
            finished.set_value();
    });
    result.get();
}

}  // namespace hindsight
