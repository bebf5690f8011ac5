#include "storage/sqlite_incident_store.hpp"

#include "storage/sqlite_values.hpp"
#include "storage/store_rows.hpp"

#include <random>
#include <stdexcept>
#include <string>

namespace hindsight::storage {
namespace {

// ---- incidents

constexpr const char* kInsertIncident =
    "INSERT INTO incidents (" HINDSIGHT_INCIDENT_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kUpdateIncident =
    "UPDATE incidents SET platform=?1, team=?2, channel=?3, title=?4, severity=?5, commander_id=?6, "
    "commander_name=?7, state=?8, opened_at=?9, closed_at=?10, started_at=?11, meeting_at=?12, "
    "meeting_reminded_at=?13, summary=?14, impact=?15, root_cause=?16, facilitator_id=?17, "
    "postmortem_md=?18 WHERE id=?19";
constexpr const char* kFindIncident = "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents WHERE id=?";
constexpr const char* kLatestIncident =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS
    " FROM incidents WHERE platform=? AND team=? AND channel=? ORDER BY id DESC LIMIT 1";
constexpr const char* kListIncidents = "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents ORDER BY id DESC";
// The WHERE repeats the partial index's own (migration 4) so SQLite may use
// it, and the order is the index's (closed_at, then rowid): ordered by id
// instead, SQLite prefers walking the whole table backwards to a sort.
constexpr const char* kAwaitingMeetingReminder =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents "
    "WHERE state = 'closed' AND meeting_at IS NULL AND meeting_reminded_at IS NULL AND closed_at <= ? "
    "ORDER BY closed_at, id";
// postmortem_md is the last column: a row's drafted text lives on overflow
// pages this never reads. The count visits only the incident's open items
// (action_items_open_by_incident), not all of them.
constexpr const char* kIncidentSummaries =
    "SELECT i.id, i.platform, i.team, i.channel, i.title, i.severity, i.commander_id, i.commander_name, "
    "i.state, i.opened_at, i.closed_at, "
    "(SELECT count(*) FROM action_items a WHERE a.incident_id = i.id AND a.state = 'open') "
    "FROM incidents i ORDER BY i.id DESC";

void bind_incident(SQLite::Statement& s, const Incident& i) {
    s.bind(1, platform_text(i.where.platform));
    s.bind(2, i.where.team);
    s.bind(3, i.where.channel);
    s.bind(4, i.title);
    s.bind(5, i.severity);
    s.bind(6, i.commander_id);
    s.bind(7, i.commander_name);
    s.bind(8, incident_state_text(i.state));
    bind_time(s, 9, i.opened_at);
    bind_time(s, 10, i.closed_at);
    bind_time(s, 11, i.started_at);
    bind_time(s, 12, i.meeting_at);
    bind_time(s, 13, i.meeting_reminded_at);
    s.bind(14, i.summary);
    s.bind(15, i.impact);
    s.bind(16, i.root_cause);
    s.bind(17, i.facilitator_id);
    s.bind(18, i.postmortem_md);
}

// Columns 0-10, the same in every incident query: Incident and
// IncidentSummary share these members.
template <class Row>
void read_incident_head(const SQLite::Statement& s, Row& i) {
    i.id = int_at(s, 0);
    i.where.platform = platform_from_string(text_at(s, 1));
    i.where.team = text_at(s, 2);
    i.where.channel = text_at(s, 3);
    i.title = text_at(s, 4);
    i.severity = s.getColumn(5).getInt();
    i.commander_id = text_at(s, 6);
    i.commander_name = text_at(s, 7);
    i.state = incident_state_from(text_at(s, 8));
    i.opened_at = time_at(s, 9);
    i.closed_at = optional_time_at(s, 10);
}

Incident read_incident(const SQLite::Statement& s) {
    Incident i;
    read_incident_head(s, i);
    i.started_at = optional_time_at(s, 11);
    i.meeting_at = optional_time_at(s, 12);
    i.meeting_reminded_at = optional_time_at(s, 13);
    i.summary = text_at(s, 14);
    i.impact = text_at(s, 15);
    i.root_cause = text_at(s, 16);
    i.facilitator_id = text_at(s, 17);
    i.postmortem_md = text_at(s, 18);
    return i;
}

IncidentSummary read_summary(const SQLite::Statement& s) {
    IncidentSummary i;
    read_incident_head(s, i);
    i.open_actions = int_at(s, 11);
    return i;
}

// ---- messages

constexpr const char* kInsertMessage =
    "INSERT OR IGNORE INTO messages (" HINDSIGHT_MESSAGE_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kEditMessage =
    "UPDATE messages SET text=?, edited_at=? WHERE incident_id=? AND message_id=?";
constexpr const char* kDeleteMessage =
    "UPDATE messages SET deleted=1, deleted_at=? WHERE incident_id=? AND message_id=?";
constexpr const char* kMarkMessage = "UPDATE messages SET key_event=? WHERE incident_id=? AND message_id=?";
constexpr const char* kMessages =
    "SELECT " HINDSIGHT_MESSAGE_COLUMNS " FROM messages WHERE incident_id=? ORDER BY at_us, id";
// Kept by triggers (migration 3): no row yet means no live message.
constexpr const char* kCountMessages = "SELECT coalesce((SELECT live FROM message_counts WHERE incident_id=?), 0)";

RecordedMessage read_message(const SQLite::Statement& s) {
    RecordedMessage m;
    m.incident_id = int_at(s, 0);
    m.message_id = text_at(s, 1);
    m.user_id = text_at(s, 2);
    m.user_name = text_at(s, 3);
    m.text = text_at(s, 4);
    m.original_text = text_at(s, 5);
    m.thread_parent = text_at(s, 6);
    m.at = time_at(s, 7);
    m.edited_at = optional_time_at(s, 8);
    m.deleted = int_at(s, 9) != 0;
    m.deleted_at = optional_time_at(s, 10);
    m.key_event = int_at(s, 11) != 0;
    m.permalink = text_at(s, 12);
    m.reactions = static_cast<int>(int_at(s, 13));
    return m;
}

// ---- key events, curations, whys, factors

constexpr const char* kInsertKeyEvent =
    "INSERT INTO key_events (incident_id, at_us, author_id, author_name, text) VALUES (?,?,?,?,?)";
constexpr const char* kKeyEvents =
    "SELECT id, incident_id, at_us, author_id, author_name, text FROM key_events WHERE incident_id=? "
    "ORDER BY at_us, id";

constexpr const char* kInsertCuration =
    "INSERT INTO timeline_curations (incident_id, kind, entry_key, text, at_us, author_id, author_name, "
    "created_at) VALUES (?,?,?,?,?,?,?,?)";
constexpr const char* kCurations =
    "SELECT id, incident_id, kind, entry_key, text, at_us, author_id, author_name, created_at "
    "FROM timeline_curations WHERE incident_id=? ORDER BY id";

constexpr const char* kSetWhy =
    "INSERT INTO whys (incident_id, n, answer, author_id, at_us) VALUES (?,?,?,?,?) "
    "ON CONFLICT (incident_id, n) DO UPDATE SET answer=excluded.answer, author_id=excluded.author_id, "
    "at_us=excluded.at_us";
constexpr const char* kWhys =
    "SELECT incident_id, n, answer, author_id, at_us FROM whys WHERE incident_id=? ORDER BY n";

constexpr const char* kAddFactor = "INSERT OR IGNORE INTO factors (incident_id, tag) VALUES (?,?)";
constexpr const char* kFactors = "SELECT tag FROM factors WHERE incident_id=? ORDER BY id";

// ---- action items

constexpr const char* kInsertAction =
    "INSERT INTO action_items (" HINDSIGHT_ACTION_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kUpdateAction =
    "UPDATE action_items SET incident_id=?1, owner_id=?2, owner_name=?3, text=?4, due_at=?5, "
    "created_at=?6, created_by=?7, state=?8, done_by=?9, done_at=?10, snoozed_until=?11, nudges=?12, "
    "last_nudged_at=?13, ticket_status=?14, ticket_tracker=?15, ticket_key=?16, ticket_url=?17 WHERE id=?18";
// action_items_by_ticket (migration 9) answers it.
constexpr const char* kActionByTicket =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items WHERE ticket_tracker=?1 AND ticket_key=?2 AND ticket_key <> '' "
    "ORDER BY id DESC LIMIT 1";
constexpr const char* kIncidentTracker = "SELECT tracker, project FROM incident_trackers WHERE incident_id=?";
constexpr const char* kSetIncidentTracker =
    "INSERT INTO incident_trackers (incident_id, tracker, project) VALUES (?1,?2,?3) "
    "ON CONFLICT (incident_id) DO UPDATE SET tracker=excluded.tracker, project=excluded.project";
constexpr const char* kFindAction = "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items WHERE id=?";
constexpr const char* kActions =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items WHERE incident_id=? ORDER BY id";
constexpr const char* kAllActions = "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items ORDER BY id";
// `state = 'open'` is spelled as a literal so the partial index
// action_items_open_by_due applies; its implicit rowid makes (due_at, id) the
// index order, so there is no sort step either.
constexpr const char* kActionsDue =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items "
    "WHERE state = 'open' AND due_at <= ?1 "
    "AND (snoozed_until IS NULL OR snoozed_until <= ?1) "
    "AND (last_nudged_at IS NULL OR last_nudged_at <= ?2) "
    "ORDER BY due_at, id LIMIT ?3";

void bind_action(SQLite::Statement& s, const ActionItem& a) {
    s.bind(1, static_cast<std::int64_t>(a.incident_id));
    s.bind(2, a.owner_id);
    s.bind(3, a.owner_name);
    s.bind(4, a.text);
    bind_time(s, 5, a.due_at);
    bind_time(s, 6, a.created_at);
    s.bind(7, a.created_by);
    s.bind(8, action_state_text(a.state));
    s.bind(9, a.done_by);
    bind_time(s, 10, a.done_at);
    bind_time(s, 11, a.snoozed_until);
    s.bind(12, a.nudges);
    bind_time(s, 13, a.last_nudged_at);
    s.bind(14, std::string(to_string(a.ticket.status)));
    s.bind(15, a.ticket.tracker);
    s.bind(16, a.ticket.key);
    s.bind(17, a.ticket.url);
}

ActionItem read_action(const SQLite::Statement& s) {
    ActionItem a;
    a.id = int_at(s, 0);
    a.incident_id = int_at(s, 1);
    a.owner_id = text_at(s, 2);
    a.owner_name = text_at(s, 3);
    a.text = text_at(s, 4);
    a.due_at = time_at(s, 5);
    a.created_at = time_at(s, 6);
    a.created_by = text_at(s, 7);
    a.state = action_state_from(text_at(s, 8));
    a.done_by = text_at(s, 9);
    a.done_at = optional_time_at(s, 10);
    a.snoozed_until = optional_time_at(s, 11);
    a.nudges = s.getColumn(12).getInt();
    a.last_nudged_at = optional_time_at(s, 13);
    a.ticket.status = ticket_status_from_string(text_at(s, 14));
    a.ticket.tracker = text_at(s, 15);
    a.ticket.key = text_at(s, 16);
    a.ticket.url = text_at(s, 17);
    return a;
}

// ---- users, deliveries

constexpr const char* kRememberUser =
    "INSERT INTO users (platform, team, user_id, display_name) VALUES (?,?,?,?) "
    "ON CONFLICT (platform, team, user_id) DO UPDATE SET display_name=excluded.display_name";
constexpr const char* kUserName =
    "SELECT display_name FROM users WHERE platform=? AND team=? AND user_id=?";

constexpr const char* kRememberDelivery = "INSERT OR IGNORE INTO deliveries (key, at) VALUES (?,?)";
constexpr const char* kPruneDeliveries = "DELETE FROM deliveries WHERE at < ?";

constexpr const char* kLinkSecret = "SELECT secret FROM link_secret WHERE id = 1";
constexpr const char* kEnsureLinkSecret =
    "INSERT INTO link_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING";
constexpr const char* kReplaceLinkSecret =
    "INSERT INTO link_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET secret = excluded.secret";

// ---- history merges

constexpr const char* kAddHistoryMerge =
    "INSERT INTO history_merges (incident_id, draft_row, attempts, next_attempt_at, last_error, claimed_by, "
    "claimed_until) VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT (incident_id) DO UPDATE SET "
    "draft_row=excluded.draft_row, attempts=excluded.attempts, next_attempt_at=excluded.next_attempt_at, "
    "last_error=excluded.last_error, claimed_by=excluded.claimed_by, claimed_until=excluded.claimed_until";
// One process serves a SQLite database: a claim not this store's own was a
// previous run's, whose process is gone, and is free at once.
constexpr const char* kDueHistoryMerges =
    "SELECT h.incident_id, h.draft_row, h.attempts, h.next_attempt_at, h.last_error FROM history_merges h "
    "JOIN incidents i ON i.id = h.incident_id "
    "WHERE h.next_attempt_at <= ?1 AND (h.claimed_until IS NULL OR h.claimed_until <= ?1 OR h.claimed_by <> ?2) "
    "AND i.platform = ?3 ORDER BY h.next_attempt_at, h.incident_id LIMIT ?4";
constexpr const char* kClaimHistoryMerge =
    "UPDATE history_merges SET claimed_by=?1, claimed_until=?2 WHERE incident_id=?3";
constexpr const char* kFinishHistoryMerge = "DELETE FROM history_merges WHERE incident_id=?";
constexpr const char* kRetryHistoryMerge =
    "UPDATE history_merges SET attempts=attempts+1, next_attempt_at=?2, last_error=?3, claimed_by=NULL, "
    "claimed_until=NULL WHERE incident_id=?1";
constexpr const char* kHistoryMerges =
    "SELECT incident_id, draft_row, attempts, next_attempt_at, last_error FROM history_merges ORDER BY incident_id";

HistoryMerge read_history_merge(const SQLite::Statement& r) {
    return HistoryMerge{int_at(r, 0), int_at(r, 1), static_cast<int>(int_at(r, 2)), time_at(r, 3), text_at(r, 4)};
}

// ---- owners matched to tracker users by e-mail

// The newer match wins: another chat user's row for the tracker user goes first.
constexpr const char* kDropOtherMatch =
    "DELETE FROM tracker_user_matches WHERE tracker=?1 AND platform=?2 AND team=?3 AND tracker_user=?4 AND user_id<>?5";
constexpr const char* kSaveMatch =
    "INSERT INTO tracker_user_matches (" HINDSIGHT_MATCH_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6) "
    "ON CONFLICT (tracker, platform, team, user_id) DO UPDATE SET "
    "tracker_user=excluded.tracker_user, found_at=excluded.found_at";
constexpr const char* kMatchOfChatUser =
    "SELECT " HINDSIGHT_MATCH_COLUMNS " FROM tracker_user_matches "
    "WHERE tracker=?1 AND platform=?2 AND team=?3 AND user_id=?4";
// tracker_user_matches_by_tracker_user answers it.
constexpr const char* kMatchOfTrackerUser =
    "SELECT " HINDSIGHT_MATCH_COLUMNS " FROM tracker_user_matches "
    "WHERE tracker=?1 AND platform=?2 AND team=?3 AND tracker_user=?4";
constexpr const char* kForgetMatch =
    "DELETE FROM tracker_user_matches WHERE tracker=?1 AND platform=?2 AND team=?3 AND user_id=?4";
constexpr const char* kMatches =
    "SELECT " HINDSIGHT_MATCH_COLUMNS " FROM tracker_user_matches ORDER BY tracker, platform, team, user_id";

// Binds ?1..?4: the tracker, the workspace and a user (chat or tracker).
void bind_match_key(SQLite::Statement& s, const std::string& tracker, const ChannelRef& where, const std::string& user) {
    s.bind(1, tracker);
    s.bind(2, platform_text(where.platform));
    s.bind(3, where.team);
    s.bind(4, user);
}

TrackerUserMatch read_match(const SQLite::Statement& r) {
    TrackerUserMatch m;
    m.tracker = text_at(r, 0);
    m.where.platform = platform_from_string(text_at(r, 1));
    m.where.team = text_at(r, 2);
    m.user_id = text_at(r, 3);
    m.tracker_user = text_at(r, 4);
    m.found_at = time_at(r, 5);
    return m;
}

// Names this store's claims: random, so a restarted process never mistakes
// its predecessor's claims for its own.
std::string new_holder() {
    std::random_device random;
    std::uniform_int_distribution<unsigned> hex(0, 15);
    std::string out = "sqlite-";
    for (int i = 0; i < 16; ++i) out += "0123456789abcdef"[hex(random)];
    return out;
}

template <typename T, typename Read>
std::vector<T> read_all(StatementCache::Use& s, Read read) {
    std::vector<T> out;
    while (s->executeStep()) out.push_back(read(*s));
    return out;
}

template <typename T, typename Read>
std::optional<T> read_one(StatementCache::Use& s, Read read) {
    if (!s->executeStep()) return std::nullopt;
    return read(*s);
}

}  // namespace

// ---- incidents

std::int64_t SqliteIncidentStore::create_incident(const Incident& incident) {
    auto s = statements_.get(kInsertIncident);
    bind_incident(*s, incident);
    s->exec();
    return statements_.db().getLastInsertRowid();
}

void SqliteIncidentStore::update_incident(const Incident& incident) {
    auto s = statements_.get(kUpdateIncident);
    bind_incident(*s, incident);
    s->bind(19, static_cast<std::int64_t>(incident.id));
    if (s->exec() == 0)
        throw std::runtime_error("update_incident: no incident with id " + std::to_string(incident.id));
}

std::optional<Incident> SqliteIncidentStore::find_incident(std::int64_t id) {
    auto s = statements_.get(kFindIncident);
    s->bind(1, static_cast<std::int64_t>(id));
    return read_one<Incident>(s, read_incident);
}

std::optional<Incident> SqliteIncidentStore::latest_incident(const ChannelRef& where) {
    auto s = statements_.get(kLatestIncident);
    s->bind(1, platform_text(where.platform));
    s->bind(2, where.team);
    s->bind(3, where.channel);
    return read_one<Incident>(s, read_incident);
}

std::vector<Incident> SqliteIncidentStore::list_incidents() {
    auto s = statements_.get(kListIncidents);
    return read_all<Incident>(s, read_incident);
}

std::vector<Incident> SqliteIncidentStore::incidents_awaiting_meeting_reminder(Timestamp closed_before) {
    auto s = statements_.get(kAwaitingMeetingReminder);
    bind_time(*s, 1, closed_before);
    return read_all<Incident>(s, read_incident);
}

std::vector<IncidentSummary> SqliteIncidentStore::incident_summaries() {
    auto s = statements_.get(kIncidentSummaries);
    return read_all<IncidentSummary>(s, read_summary);
}

// ---- messages

bool SqliteIncidentStore::insert_message(const RecordedMessage& m) {
    auto s = statements_.get(kInsertMessage);
    s->bind(1, static_cast<std::int64_t>(m.incident_id));
    s->bind(2, m.message_id);
    s->bind(3, m.user_id);
    s->bind(4, m.user_name);
    s->bind(5, m.text);
    // A message arriving through backfill may already carry its edit history;
    // otherwise the text as posted is the original.
    s->bind(6, m.original_text.empty() ? m.text : m.original_text);
    s->bind(7, m.thread_parent);
    bind_time(*s, 8, m.at);
    bind_time(*s, 9, m.edited_at);
    s->bind(10, m.deleted ? 1 : 0);
    bind_time(*s, 11, m.deleted_at);
    s->bind(12, m.key_event ? 1 : 0);
    s->bind(13, m.permalink);
    s->bind(14, m.reactions);
    return s->exec() == 1;
}

bool SqliteIncidentStore::edit_message(std::int64_t incident_id, const std::string& message_id,
                                       const std::string& new_text, Timestamp edited_at) {
    auto s = statements_.get(kEditMessage);
    s->bind(1, new_text);
    bind_time(*s, 2, edited_at);
    s->bind(3, static_cast<std::int64_t>(incident_id));
    s->bind(4, message_id);
    return s->exec() == 1;
}

bool SqliteIncidentStore::delete_message(std::int64_t incident_id, const std::string& message_id,
                                         Timestamp deleted_at) {
    auto s = statements_.get(kDeleteMessage);
    bind_time(*s, 1, deleted_at);
    s->bind(2, static_cast<std::int64_t>(incident_id));
    s->bind(3, message_id);
    return s->exec() == 1;
}

bool SqliteIncidentStore::mark_key_message(std::int64_t incident_id, const std::string& message_id,
                                           bool marked) {
    auto s = statements_.get(kMarkMessage);
    s->bind(1, marked ? 1 : 0);
    s->bind(2, static_cast<std::int64_t>(incident_id));
    s->bind(3, message_id);
    return s->exec() == 1;
}

std::vector<RecordedMessage> SqliteIncidentStore::messages(std::int64_t incident_id) {
    auto s = statements_.get(kMessages);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_all<RecordedMessage>(s, read_message);
}

std::int64_t SqliteIncidentStore::count_messages(std::int64_t incident_id) {
    auto s = statements_.get(kCountMessages);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    s->executeStep();
    return int_at(*s, 0);
}

// ---- key events

std::int64_t SqliteIncidentStore::add_key_event(const KeyEvent& e) {
    auto s = statements_.get(kInsertKeyEvent);
    s->bind(1, static_cast<std::int64_t>(e.incident_id));
    bind_time(*s, 2, e.at);
    s->bind(3, e.author_id);
    s->bind(4, e.author_name);
    s->bind(5, e.text);
    s->exec();
    return statements_.db().getLastInsertRowid();
}

std::vector<KeyEvent> SqliteIncidentStore::key_events(std::int64_t incident_id) {
    auto s = statements_.get(kKeyEvents);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_all<KeyEvent>(s, [](const SQLite::Statement& r) {
        KeyEvent e;
        e.id = int_at(r, 0);
        e.incident_id = int_at(r, 1);
        e.at = time_at(r, 2);
        e.author_id = text_at(r, 3);
        e.author_name = text_at(r, 4);
        e.text = text_at(r, 5);
        return e;
    });
}

// ---- timeline curation

std::int64_t SqliteIncidentStore::add_curation(const TimelineCuration& c) {
    auto s = statements_.get(kInsertCuration);
    s->bind(1, static_cast<std::int64_t>(c.incident_id));
    s->bind(2, curation_kind_text(c.kind));
    s->bind(3, c.entry_key);
    s->bind(4, c.text);
    bind_time(*s, 5, c.at);
    s->bind(6, c.author_id);
    s->bind(7, c.author_name);
    bind_time(*s, 8, c.created_at);
    s->exec();
    return statements_.db().getLastInsertRowid();
}

std::vector<TimelineCuration> SqliteIncidentStore::curations(std::int64_t incident_id) {
    auto s = statements_.get(kCurations);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_all<TimelineCuration>(s, [](const SQLite::Statement& r) {
        TimelineCuration c;
        c.id = int_at(r, 0);
        c.incident_id = int_at(r, 1);
        c.kind = curation_kind_from(text_at(r, 2));
        c.entry_key = text_at(r, 3);
        c.text = text_at(r, 4);
        c.at = optional_time_at(r, 5);
        c.author_id = text_at(r, 6);
        c.author_name = text_at(r, 7);
        c.created_at = time_at(r, 8);
        return c;
    });
}

// ---- five whys

void SqliteIncidentStore::set_why(const WhyStep& step) {
    auto s = statements_.get(kSetWhy);
    s->bind(1, static_cast<std::int64_t>(step.incident_id));
    s->bind(2, step.n);
    s->bind(3, step.answer);
    s->bind(4, step.author_id);
    bind_time(*s, 5, step.at);
    s->exec();
}

std::vector<WhyStep> SqliteIncidentStore::whys(std::int64_t incident_id) {
    auto s = statements_.get(kWhys);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_all<WhyStep>(s, [](const SQLite::Statement& r) {
        WhyStep w;
        w.incident_id = int_at(r, 0);
        w.n = r.getColumn(1).getInt();
        w.answer = text_at(r, 2);
        w.author_id = text_at(r, 3);
        w.at = time_at(r, 4);
        return w;
    });
}

// ---- contributing factors

void SqliteIncidentStore::add_factor(std::int64_t incident_id, const std::string& tag) {
    auto s = statements_.get(kAddFactor);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    s->bind(2, tag);
    s->exec();
}

std::vector<std::string> SqliteIncidentStore::factors(std::int64_t incident_id) {
    auto s = statements_.get(kFactors);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_all<std::string>(s, [](const SQLite::Statement& r) { return text_at(r, 0); });
}

// ---- action items

std::int64_t SqliteIncidentStore::add_action(const ActionItem& item) {
    auto s = statements_.get(kInsertAction);
    bind_action(*s, item);
    s->exec();
    return statements_.db().getLastInsertRowid();
}

void SqliteIncidentStore::update_action(const ActionItem& item) {
    auto s = statements_.get(kUpdateAction);
    bind_action(*s, item);
    s->bind(18, static_cast<std::int64_t>(item.id));
    if (s->exec() == 0)
        throw std::runtime_error("update_action: no action item with id " + std::to_string(item.id));
}

std::optional<ActionItem> SqliteIncidentStore::find_action(std::int64_t id) {
    auto s = statements_.get(kFindAction);
    s->bind(1, static_cast<std::int64_t>(id));
    return read_one<ActionItem>(s, read_action);
}

std::vector<ActionItem> SqliteIncidentStore::actions(std::int64_t incident_id) {
    auto s = statements_.get(kActions);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_all<ActionItem>(s, read_action);
}

std::vector<ActionItem> SqliteIncidentStore::all_actions() {
    auto s = statements_.get(kAllActions);
    return read_all<ActionItem>(s, read_action);
}

std::vector<ActionItem> SqliteIncidentStore::actions_due_for_nudge(Timestamp now, Duration repeat_every,
                                                                   std::size_t limit) {
    auto s = statements_.get(kActionsDue);
    bind_time(*s, 1, now);
    bind_time(*s, 2, now - repeat_every);
    bind_count(*s, 3, limit);
    return read_all<ActionItem>(s, read_action);
}

std::optional<ActionItem> SqliteIncidentStore::find_action_by_ticket(const std::string& tracker,
                                                                    const std::string& key) {
    auto s = statements_.get(kActionByTicket);
    s->bind(1, tracker);
    s->bind(2, key);
    return read_one<ActionItem>(s, read_action);
}

std::optional<IncidentTracker> SqliteIncidentStore::incident_tracker(std::int64_t incident_id) {
    auto s = statements_.get(kIncidentTracker);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return read_one<IncidentTracker>(s, [](const SQLite::Statement& row) {
        return IncidentTracker{text_at(row, 0), text_at(row, 1)};
    });
}

void SqliteIncidentStore::set_incident_tracker(std::int64_t incident_id, const IncidentTracker& choice) {
    auto s = statements_.get(kSetIncidentTracker);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    s->bind(2, choice.tracker);
    s->bind(3, choice.project);
    s->exec();
}

// ---- users

void SqliteIncidentStore::remember_user(const ChannelRef& where, const std::string& user_id,
                                        const std::string& display_name) {
    auto s = statements_.get(kRememberUser);
    s->bind(1, platform_text(where.platform));
    s->bind(2, where.team);
    s->bind(3, user_id);
    s->bind(4, display_name);
    s->exec();
}

std::optional<std::string> SqliteIncidentStore::user_name(const ChannelRef& where, const std::string& user_id) {
    auto s = statements_.get(kUserName);
    s->bind(1, platform_text(where.platform));
    s->bind(2, where.team);
    s->bind(3, user_id);
    return read_one<std::string>(s, [](const SQLite::Statement& r) { return text_at(r, 0); });
}

// ---- deliveries

bool SqliteIncidentStore::remember_delivery(const std::string& key, Timestamp at) {
    bool fresh = false;
    {
        auto s = statements_.get(kRememberDelivery);
        s->bind(1, key);
        bind_time(*s, 2, at);
        fresh = s->exec() == 1;
    }
    // Amortised: one indexed range delete per kPruneEvery deliveries keeps the
    // table at about an hour of keys without a timer of its own.
    if (fresh && ++deliveries_since_prune_ >= kPruneEvery) {
        deliveries_since_prune_ = 0;
        auto s = statements_.get(kPruneDeliveries);
        bind_time(*s, 1, at - kDeliveryMemory);
        s->exec();
    }
    return fresh;
}


// ---- the link secret

std::string SqliteIncidentStore::link_secret() {
    auto s = statements_.get(kLinkSecret);
    return read_one<std::string>(s, [](const SQLite::Statement& r) { return text_at(r, 0); }).value_or("");
}

std::string SqliteIncidentStore::ensure_link_secret(const std::string& candidate) {
    {
        auto s = statements_.get(kEnsureLinkSecret);
        s->bind(1, candidate);
        s->exec();
    }
    return link_secret();
}

void SqliteIncidentStore::replace_link_secret(const std::string& secret) {
    auto s = statements_.get(kReplaceLinkSecret);
    s->bind(1, secret);
    s->exec();
}

// ---- history merges

void SqliteIncidentStore::add_history_merge(const HistoryMerge& merge, Timestamp claimed_until) {
    auto s = statements_.get(kAddHistoryMerge);
    s->bind(1, static_cast<std::int64_t>(merge.incident_id));
    s->bind(2, static_cast<std::int64_t>(merge.draft_row));
    s->bind(3, merge.attempts);
    bind_time(*s, 4, merge.next_attempt_at);
    s->bind(5, merge.last_error);
    s->bind(6, holder());
    bind_time(*s, 7, claimed_until);
    s->exec();
}

std::vector<HistoryMerge> SqliteIncidentStore::claim_history_merges(Platform platform, Timestamp now, Duration lease,
                                                                    std::size_t limit) {
    std::vector<HistoryMerge> due;
    {
        auto s = statements_.get(kDueHistoryMerges);
        bind_time(*s, 1, now);
        s->bind(2, holder());
        s->bind(3, platform_text(platform));
        bind_count(*s, 4, limit);
        due = read_all<HistoryMerge>(s, read_history_merge);
    }
    for (const auto& merge : due) {
        auto s = statements_.get(kClaimHistoryMerge);
        s->bind(1, holder());
        bind_time(*s, 2, now + lease);
        s->bind(3, static_cast<std::int64_t>(merge.incident_id));
        s->exec();
    }
    return due;
}

bool SqliteIncidentStore::finish_history_merge(std::int64_t incident_id) {
    auto s = statements_.get(kFinishHistoryMerge);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    return s->exec() > 0;
}

void SqliteIncidentStore::retry_history_merge(std::int64_t incident_id, Timestamp next_attempt_at,
                                              const std::string& error) {
    auto s = statements_.get(kRetryHistoryMerge);
    s->bind(1, static_cast<std::int64_t>(incident_id));
    bind_time(*s, 2, next_attempt_at);
    s->bind(3, error);
    s->exec();
}

std::vector<HistoryMerge> SqliteIncidentStore::history_merges() {
    auto s = statements_.get(kHistoryMerges);
    return read_all<HistoryMerge>(s, read_history_merge);
}

const std::string& SqliteIncidentStore::holder() {
    if (holder_.empty()) holder_ = new_holder();
    return holder_;
}

// ---- owners matched to tracker users by e-mail

void SqliteIncidentStore::save_tracker_match(const TrackerUserMatch& match) {
    {
        auto s = statements_.get(kDropOtherMatch);
        bind_match_key(*s, match.tracker, match.where, match.tracker_user);
        s->bind(5, match.user_id);
        s->exec();
    }
    auto s = statements_.get(kSaveMatch);
    bind_match_key(*s, match.tracker, match.where, match.user_id);
    s->bind(5, match.tracker_user);
    bind_time(*s, 6, match.found_at);
    s->exec();
}

std::optional<TrackerUserMatch> SqliteIncidentStore::tracker_match_of_chat_user(const std::string& tracker,
                                                                                const ChannelRef& where,
                                                                                const std::string& user_id) {
    auto s = statements_.get(kMatchOfChatUser);
    bind_match_key(*s, tracker, where, user_id);
    return read_one<TrackerUserMatch>(s, read_match);
}

std::optional<TrackerUserMatch> SqliteIncidentStore::tracker_match_of_tracker_user(const std::string& tracker,
                                                                                   const ChannelRef& where,
                                                                                   const std::string& tracker_user) {
    auto s = statements_.get(kMatchOfTrackerUser);
    bind_match_key(*s, tracker, where, tracker_user);
    return read_one<TrackerUserMatch>(s, read_match);
}

void SqliteIncidentStore::forget_tracker_match(const std::string& tracker, const ChannelRef& where,
                                               const std::string& user_id) {
    auto s = statements_.get(kForgetMatch);
    bind_match_key(*s, tracker, where, user_id);
    s->exec();
}

std::vector<TrackerUserMatch> SqliteIncidentStore::tracker_matches() {
    auto s = statements_.get(kMatches);
    return read_all<TrackerUserMatch>(s, read_match);
}

}  // namespace hindsight::storage
