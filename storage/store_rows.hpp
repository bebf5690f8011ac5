// Internal to storage/: what the SQLite and the PostgreSQL stores share
// regardless of SQL dialect — the column lists of the rows they read and
// write (the same schema in both), the text forms of enum columns, and the
// outbox buttons' JSON.
#pragma once

#include "bot/core/ports.hpp"

#include <string>
#include <vector>

// Column lists, spliced into each store's SQL strings (literal concatenation,
// hence macros). Each store reads them back by these positions.
#define HINDSIGHT_INCIDENT_COLUMNS                                                                      \
    "platform, team, channel, title, severity, commander_id, commander_name, state, opened_at, "        \
    "closed_at, started_at, meeting_at, meeting_reminded_at, summary, impact, root_cause, "             \
    "facilitator_id, postmortem_md"
#define HINDSIGHT_MESSAGE_COLUMNS                                                                       \
    "incident_id, message_id, user_id, user_name, text, original_text, thread_parent, at_us, "          \
    "edited_at, deleted, deleted_at, key_event, permalink, reactions"
#define HINDSIGHT_ACTION_COLUMNS                                                                        \
    "incident_id, owner_id, owner_name, text, due_at, created_at, created_by, state, done_by, "         \
    "done_at, snoozed_until, nudges, last_nudged_at, ticket_status, ticket_tracker, ticket_key, ticket_url"
#define HINDSIGHT_MATCH_COLUMNS "tracker, platform, team, user_id, tracker_user, found_at"

namespace hindsight::storage {

inline const char* incident_state_text(IncidentState s) { return s == IncidentState::open ? "open" : "closed"; }
inline IncidentState incident_state_from(const std::string& s) {
    return s == "open" ? IncidentState::open : IncidentState::closed;
}
inline const char* action_state_text(ActionState s) { return s == ActionState::open ? "open" : "done"; }
inline ActionState action_state_from(const std::string& s) {
    return s == "done" ? ActionState::done : ActionState::open;
}

const char* curation_kind_text(TimelineCuration::Kind k);
TimelineCuration::Kind curation_kind_from(const std::string& s);  // throws on an unknown kind

std::string buttons_json(const std::vector<OutboundButton>& buttons);
std::vector<OutboundButton> buttons_from_json(const std::string& text);

}  // namespace hindsight::storage
