// Action items kept in step with issue trackers (GitHub, GitLab, Jira), as
// the domain sees it: plain data, no HTTP. A call to a tracker is a
// TrackerJob put in the persistent outbox (Platform::tracker) in the same
// transaction as the change that caused it; the tracker adapter delivers it
// and reports back through the Bot (record_ticket, ticket_trouble). What a
// tracker says about a ticket (webhook or poll) arrives as a TicketUpdate.
// docs/trackers.md describes the behaviour.
#pragma once

#include "bot/core/incident.hpp"
#include "bot/core/ports.hpp"
#include "bot/core/settings.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hindsight {

enum class TicketState { open, closed };

// One call to make to a tracker.
struct TrackerJob {
    enum class Op { file, close, reopen, comment, fetch };
    Op op = Op::file;
    std::int64_t action_id = 0;
    std::string tracker;   // configured name
    std::string project;   // file: where
    std::string key;       // close, reopen, comment, fetch: which ticket
    std::string title;     // file
    std::string body;      // file: Markdown; comment: the comment
    std::string marker;    // file: found in the body of a ticket filed before (no second ticket)
    std::string due_date;  // file: YYYY-MM-DD in the configured time zone
    std::string assignee;  // file: the tracker user, when the owner is mapped
    // file: when the job was queued. A ticket filed by it was made later, so
    // the search for the marker need not look at older ones. nullopt in jobs
    // queued by an older version.
    std::optional<Timestamp> queued_at;
};

std::string_view to_string(TrackerJob::Op op);
// The outbox row for a job: platform tracker, team = tracker name, channel =
// the action item (its jobs go out in order), text = the job as JSON.
OutboundMessage tracker_message(const TrackerJob& job);
// nullopt when the text is not a job this build understands.
std::optional<TrackerJob> parse_tracker_job(std::string_view text);

// The text in a ticket's body that says which action item it tracks.
std::string ticket_marker(std::int64_t action_id);

// An action item's owner as a chat user (not a name typed without a mention).
struct ItemOwner {
    ChannelRef where;  // the incident channel: platform and team
    std::string user_id;
};

// What a tracker says about one ticket now. Fields a source does not report
// are nullopt and leave the item alone.
struct TicketUpdate {
    std::string tracker;  // configured name
    std::string key;
    std::string url;
    TicketState state = TicketState::open;
    std::optional<std::string> assignee;  // tracker user; "" unassigned
    std::optional<std::string> due_date;  // YYYY-MM-DD; "" no due date
    std::string actor;                    // who changed it, when the source says
};

// Why a tracker job did not go through: it is being retried, or it is a
// dead letter because the tracker refused it (a 4xx that is not a rate
// limit) or because its attempts ran out.
enum class TicketTrouble { retrying, refused, gave_up };

enum class TicketOutcome {
    updated,    // the item changed (state, owner or due date)
    unchanged,  // known ticket, nothing new
    unknown,    // no action item has this ticket
};
std::string_view to_string(TicketOutcome outcome);

// A GitHub or GitLab "Due: 2026-12-01" body line (GitHub has no due date
// field), or "" when there is none.
std::string due_line_date(std::string_view body);

// The tracker and project an incident's items are filed in: the incident's
// own choice (`/incident tracker`), else the first configured channel
// pattern that matches. nullopt: not filed.
std::optional<IncidentTracker> tracker_for(IncidentStore& store, const BotSettings& settings,
                                           const Incident& incident);
const TrackerSettings* find_tracker(const BotSettings& settings, std::string_view name);

// A ticket URL as people copy it from the browser, matched against the
// configured trackers: GitHub …/owner/repo/issues/12, GitLab
// …/group/project/-/issues/12, Jira …/browse/OPS-12.
struct ParsedTicketUrl {
    std::string tracker;
    std::string key;
};
std::optional<ParsedTicketUrl> parse_ticket_url(const BotSettings& settings, std::string_view url);

}  // namespace hindsight
