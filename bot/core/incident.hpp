// The records the domain keeps about an incident. Plain data: storage maps
// them to rows, the drafting engine reads them, commands change them.
#pragma once

#include "bot/core/chat_event.hpp"
#include "bot/core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace hindsight {

enum class IncidentState { open, closed };
std::string_view to_string(IncidentState s);

struct Incident {
    std::int64_t id = 0;
    ChannelRef where;
    std::string title;
    int severity = 0;  // 1 (worst) .. 4; 0 = not set
    std::string commander_id;
    std::string commander_name;
    IncidentState state = IncidentState::open;
    Timestamp opened_at{};
    std::optional<Timestamp> closed_at;
    std::optional<Timestamp> started_at;  // `/incident started`: impact began before open
    std::string summary;                  // from `/incident close <summary>`
    std::string impact;                   // `/incident impact`
    std::string root_cause;               // `/incident rootcause` or the fifth why
    std::optional<Timestamp> meeting_at;  // `/incident meeting`
    std::string facilitator_id;
    std::string postmortem_md;            // the last drafted document
    std::optional<Timestamp> meeting_reminded_at;  // review-meeting reminder sent
};

// Whether a live message posted at `at` is recorded into `incident`: only
// while it is open, and never after its close (a reopened incident keeps the
// old close until it closes again). The PostgreSQL store says the same in SQL
// (storage/pg_incident_store.cpp, kRecordMessages).
inline bool records_live_message(const Incident& incident, Timestamp at) {
    return incident.state == IncidentState::open && !(incident.closed_at && at > *incident.closed_at);
}

// One message recorded from the incident channel. Edits keep the original
// text; deletions leave a tombstone (deleted = true) instead of removing.
struct RecordedMessage {
    std::int64_t incident_id = 0;
    std::string message_id;  // platform id: Slack ts, Mattermost post id; dedupe key per incident
    std::string user_id;
    std::string user_name;
    std::string text;           // current text
    std::string original_text;  // text as first posted
    std::string thread_parent;
    Timestamp at{};             // posted (platform time), microseconds
    std::optional<Timestamp> edited_at;
    bool deleted = false;
    std::optional<Timestamp> deleted_at;
    bool key_event = false;  // pinned / pushpin-reacted
    std::string permalink;
    int reactions = 0;       // people who reacted (where the source reports it; 0 when unknown)
};

// A key event added with `/incident note` (or any command result worth keeping).
struct KeyEvent {
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    Timestamp at{};
    std::string author_id;
    std::string author_name;
    std::string text;
};

// After-the-fact curation of the draft timeline (`/incident timeline add|hide|
// show|edit|time`). Applied in id order on every re-draft, so it survives
// backfill. `entry_key` names the entry stably: "m:<message_id>",
// "k:<key_event_id>" or "a:<curation id>" for an added entry.
struct TimelineCuration {
    enum class Kind { add, hide, show, edit, retime };
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    Kind kind = Kind::add;
    std::string entry_key;  // empty for add
    std::string text;       // add, edit
    std::optional<Timestamp> at;  // add, retime
    std::string author_id;
    std::string author_name;
    Timestamp created_at{};
};

// One step of the five-whys chain; n counts from 1.
struct WhyStep {
    std::int64_t incident_id = 0;
    int n = 0;
    std::string answer;
    std::string author_id;
    Timestamp at{};
};

enum class ActionState { open, done };

// Where an action item's ticket stands, as far as Hindsight knows
// (docs/trackers.md, "States").
enum class TicketStatus {
    none,     // no ticket: chat only
    held,     // not filed: the quality check flagged it (`/incident action file` files it)
    filing,   // a filing job is in the outbox
    delayed,  // filing failed for now and is being retried; the channel was told once
    failed,   // the tracker refused for good; the channel was told
    open,     // the ticket is open in the tracker
    closed,   // the ticket is closed in the tracker
};
std::string_view to_string(TicketStatus s);
// Accepts what to_string gives; anything else is `none`.
TicketStatus ticket_status_from_string(std::string_view s);

// The ticket of an action item: which configured tracker, the tracker's own
// key ("acme/ops#12", "OPS-7") and the link people open.
struct TicketLink {
    TicketStatus status = TicketStatus::none;
    std::string tracker;  // a name under trackers.* in the configuration
    std::string key;      // empty until the ticket exists
    std::string url;
};

// `/incident tracker`: where this incident's action items are filed,
// instead of what the configuration's channel patterns say.
struct IncidentTracker {
    std::string tracker;
    std::string project;  // "acme/ops", "group/sub/project", "OPS"
};

struct ActionItem {
    std::int64_t id = 0;  // shown as "A-<id>", never reused
    std::int64_t incident_id = 0;
    std::string owner_id;
    std::string owner_name;
    std::string text;
    Timestamp due_at{};
    Timestamp created_at{};
    std::string created_by;
    ActionState state = ActionState::open;
    std::string done_by;
    std::optional<Timestamp> done_at;
    std::optional<Timestamp> snoozed_until;
    int nudges = 0;
    std::optional<Timestamp> last_nudged_at;
    TicketLink ticket;  // the issue-tracker ticket that tracks it, if any
};

}  // namespace hindsight
