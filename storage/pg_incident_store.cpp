#include "storage/pg_stores.hpp"
#include "storage/store_rows.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string_view>
#include <tuple>

namespace hindsight::storage::pg {
namespace {

std::string platform_text(Platform p) { return std::string(to_string(p)); }

// ---- incidents

constexpr const char* kInsertIncident =
    "INSERT INTO incidents (" HINDSIGHT_INCIDENT_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,"
    "$17,$18) RETURNING id";
constexpr const char* kUpdateIncident =
    "UPDATE incidents SET platform=$1, team=$2, channel=$3, title=$4, severity=$5, commander_id=$6, "
    "commander_name=$7, state=$8, opened_at=$9, closed_at=$10, started_at=$11, meeting_at=$12, "
    "meeting_reminded_at=$13, summary=$14, impact=$15, root_cause=$16, facilitator_id=$17, "
    "postmortem_md=$18 WHERE id=$19";
constexpr const char* kFindIncident = "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents WHERE id=$1";
constexpr const char* kLatestIncident =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS
    " FROM incidents WHERE platform=$1 AND team=$2 AND channel=$3 ORDER BY id DESC LIMIT 1";
// The writer's form: the row stays locked until COMMIT, so a command or a
// close handled by another replica at the same moment waits for this one and
// then sees its result (a close drafts the timeline once).
constexpr const char* kLatestIncidentLocked =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS
    " FROM incidents WHERE platform=$1 AND team=$2 AND channel=$3 ORDER BY id DESC LIMIT 1 FOR NO KEY UPDATE";
// The recorder's form: recorders on several replicas share the row (FOR
// SHARE), so their batches commit side by side, while a command's FOR NO KEY
// UPDATE above waits for them to commit and then reads what they recorded.
constexpr const char* kLatestIncidentShared =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS
    " FROM incidents WHERE platform=$1 AND team=$2 AND channel=$3 ORDER BY id DESC LIMIT 1 FOR SHARE";
constexpr const char* kListIncidents = "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents ORDER BY id DESC";
constexpr const char* kAwaitingMeetingReminder =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents "
    "WHERE state = 'closed' AND meeting_at IS NULL AND meeting_reminded_at IS NULL AND closed_at <= $1 "
    "ORDER BY closed_at, id";
// The scheduler's form: rows another replica's scan holds are passed over,
// and the WHERE is checked again on the newest row version once locked.
constexpr const char* kAwaitingMeetingReminderClaim =
    "SELECT id, " HINDSIGHT_INCIDENT_COLUMNS " FROM incidents "
    "WHERE state = 'closed' AND meeting_at IS NULL AND meeting_reminded_at IS NULL AND closed_at <= $1 "
    "ORDER BY closed_at, id FOR NO KEY UPDATE SKIP LOCKED";
constexpr const char* kIncidentSummaries =
    "SELECT i.id, i.platform, i.team, i.channel, i.title, i.severity, i.commander_id, i.commander_name, "
    "i.state, i.opened_at, i.closed_at, "
    "(SELECT count(*) FROM action_items a WHERE a.incident_id = i.id AND a.state = 'open') "
    "FROM incidents i ORDER BY i.id DESC";

Args incident_args(const Incident& i) {
    Args a;
    a.text(platform_text(i.where.platform))
        .text(i.where.team)
        .text(i.where.channel)
        .text(i.title)
        .integer(i.severity)
        .text(i.commander_id)
        .text(i.commander_name)
        .text(incident_state_text(i.state))
        .time(i.opened_at)
        .time(i.closed_at)
        .time(i.started_at)
        .time(i.meeting_at)
        .time(i.meeting_reminded_at)
        .text(i.summary)
        .text(i.impact)
        .text(i.root_cause)
        .text(i.facilitator_id)
        .text(i.postmortem_md);
    return a;
}

template <class Row>
void read_incident_head(const pqxx::row& r, Row& i) {
    i.id = r[0].as<std::int64_t>();
    i.where.platform = platform_from_string(text_of(r[1]));
    i.where.team = text_of(r[2]);
    i.where.channel = text_of(r[3]);
    i.title = text_of(r[4]);
    i.severity = r[5].as<int>();
    i.commander_id = text_of(r[6]);
    i.commander_name = text_of(r[7]);
    i.state = incident_state_from(text_of(r[8]));
    i.opened_at = time_of(r[9]);
    i.closed_at = optional_time(r[10]);
}

Incident read_incident(const pqxx::row& r) {
    Incident i;
    read_incident_head(r, i);
    i.started_at = optional_time(r[11]);
    i.meeting_at = optional_time(r[12]);
    i.meeting_reminded_at = optional_time(r[13]);
    i.summary = text_of(r[14]);
    i.impact = text_of(r[15]);
    i.root_cause = text_of(r[16]);
    i.facilitator_id = text_of(r[17]);
    i.postmortem_md = text_of(r[18]);
    return i;
}

IncidentSummary read_summary(const pqxx::row& r) {
    IncidentSummary i;
    read_incident_head(r, i);
    i.open_actions = r[11].as<std::int64_t>();
    return i;
}

// ---- messages

// A duplicate (a platform retry, perhaps received by another replica) meets
// the unique (incident_id, message_id) and is dropped.
constexpr const char* kInsertMessage =
    "INSERT INTO messages (" HINDSIGHT_MESSAGE_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) "
    "ON CONFLICT (incident_id, message_id) DO NOTHING";
constexpr const char* kEditMessage =
    "UPDATE messages SET text=$1, edited_at=$2 WHERE incident_id=$3 AND message_id=$4";
constexpr const char* kDeleteMessage =
    "UPDATE messages SET deleted=true, deleted_at=$1 WHERE incident_id=$2 AND message_id=$3";
constexpr const char* kMarkMessage = "UPDATE messages SET key_event=$1 WHERE incident_id=$2 AND message_id=$3";
constexpr const char* kMessages =
    "SELECT " HINDSIGHT_MESSAGE_COLUMNS " FROM messages WHERE incident_id=$1 ORDER BY at_us, id";
constexpr const char* kCountMessages = "SELECT count(*) FROM messages WHERE incident_id=$1 AND NOT deleted";

RecordedMessage read_message(const pqxx::row& r) {
    RecordedMessage m;
    m.incident_id = r[0].as<std::int64_t>();
    m.message_id = text_of(r[1]);
    m.user_id = text_of(r[2]);
    m.user_name = text_of(r[3]);
    m.text = text_of(r[4]);
    m.original_text = text_of(r[5]);
    m.thread_parent = text_of(r[6]);
    m.at = time_of(r[7]);
    m.edited_at = optional_time(r[8]);
    m.deleted = r[9].as<bool>();
    m.deleted_at = optional_time(r[10]);
    m.key_event = r[11].as<bool>();
    m.permalink = text_of(r[12]);
    m.reactions = r[13].as<int>();
    return m;
}

// ---- key events, curations, whys, factors

constexpr const char* kInsertKeyEvent =
    "INSERT INTO key_events (incident_id, at_us, author_id, author_name, text) VALUES ($1,$2,$3,$4,$5) RETURNING id";
constexpr const char* kKeyEvents =
    "SELECT id, incident_id, at_us, author_id, author_name, text FROM key_events WHERE incident_id=$1 "
    "ORDER BY at_us, id";
constexpr const char* kInsertCuration =
    "INSERT INTO timeline_curations (incident_id, kind, entry_key, text, at_us, author_id, author_name, "
    "created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
constexpr const char* kCurations =
    "SELECT id, incident_id, kind, entry_key, text, at_us, author_id, author_name, created_at "
    "FROM timeline_curations WHERE incident_id=$1 ORDER BY id";

constexpr const char* kSetWhy =
    "INSERT INTO whys (incident_id, n, answer, author_id, at_us) VALUES ($1,$2,$3,$4,$5) "
    "ON CONFLICT (incident_id, n) DO UPDATE SET answer=excluded.answer, author_id=excluded.author_id, "
    "at_us=excluded.at_us";
constexpr const char* kWhys =
    "SELECT incident_id, n, answer, author_id, at_us FROM whys WHERE incident_id=$1 ORDER BY n";
constexpr const char* kAddFactor =
    "INSERT INTO factors (incident_id, tag) VALUES ($1,$2) ON CONFLICT (incident_id, tag) DO NOTHING";
constexpr const char* kFactors = "SELECT tag FROM factors WHERE incident_id=$1 ORDER BY id";

// ---- action items

constexpr const char* kInsertAction =
    "INSERT INTO action_items (" HINDSIGHT_ACTION_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) "
    "RETURNING id";
constexpr const char* kUpdateAction =
    "UPDATE action_items SET incident_id=$1, owner_id=$2, owner_name=$3, text=$4, due_at=$5, "
    "created_at=$6, created_by=$7, state=$8, done_by=$9, done_at=$10, snoozed_until=$11, nudges=$12, "
    "last_nudged_at=$13, ticket_status=$14, ticket_tracker=$15, ticket_key=$16, ticket_url=$17 WHERE id=$18";
constexpr const char* kActionByTicket =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items WHERE ticket_tracker=$1 AND ticket_key=$2 AND ticket_key <> '' "
    "ORDER BY id DESC LIMIT 1";
constexpr const char* kIncidentTracker = "SELECT tracker, project FROM incident_trackers WHERE incident_id=$1";
constexpr const char* kSetIncidentTracker =
    "INSERT INTO incident_trackers (incident_id, tracker, project) VALUES ($1,$2,$3) "
    "ON CONFLICT (incident_id) DO UPDATE SET tracker=excluded.tracker, project=excluded.project";
constexpr const char* kFindAction = "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items WHERE id=$1";
constexpr const char* kActions =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items WHERE incident_id=$1 ORDER BY id";
constexpr const char* kAllActions = "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items ORDER BY id";
constexpr const char* kActionsDue =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items "
    "WHERE state = 'open' AND due_at <= $1 "
    "AND (snoozed_until IS NULL OR snoozed_until <= $1) "
    "AND (last_nudged_at IS NULL OR last_nudged_at <= $2) "
    "ORDER BY due_at, id LIMIT $3";
// The scheduler's form. The nudge is recorded (update_action) in the same
// transaction, so once this replica commits, the item is no longer due for
// anyone; until then the row is locked and every other scan skips it.
constexpr const char* kActionsDueClaim =
    "SELECT id, " HINDSIGHT_ACTION_COLUMNS " FROM action_items "
    "WHERE state = 'open' AND due_at <= $1 "
    "AND (snoozed_until IS NULL OR snoozed_until <= $1) "
    "AND (last_nudged_at IS NULL OR last_nudged_at <= $2) "
    "ORDER BY due_at, id LIMIT $3 FOR NO KEY UPDATE SKIP LOCKED";

Args action_args(const ActionItem& a) {
    Args args;
    args.integer(a.incident_id)
        .text(a.owner_id)
        .text(a.owner_name)
        .text(a.text)
        .time(a.due_at)
        .time(a.created_at)
        .text(a.created_by)
        .text(action_state_text(a.state))
        .text(a.done_by)
        .time(a.done_at)
        .time(a.snoozed_until)
        .integer(a.nudges)
        .time(a.last_nudged_at)
        .text(std::string(to_string(a.ticket.status)))
        .text(a.ticket.tracker)
        .text(a.ticket.key)
        .text(a.ticket.url);
    return args;
}

ActionItem read_action(const pqxx::row& r) {
    ActionItem a;
    a.id = r[0].as<std::int64_t>();
    a.incident_id = r[1].as<std::int64_t>();
    a.owner_id = text_of(r[2]);
    a.owner_name = text_of(r[3]);
    a.text = text_of(r[4]);
    a.due_at = time_of(r[5]);
    a.created_at = time_of(r[6]);
    a.created_by = text_of(r[7]);
    a.state = action_state_from(text_of(r[8]));
    a.done_by = text_of(r[9]);
    a.done_at = optional_time(r[10]);
    a.snoozed_until = optional_time(r[11]);
    a.nudges = r[12].as<int>();
    a.last_nudged_at = optional_time(r[13]);
    a.ticket.status = ticket_status_from_string(text_of(r[14]));
    a.ticket.tracker = text_of(r[15]);
    a.ticket.key = text_of(r[16]);
    a.ticket.url = text_of(r[17]);
    return a;
}

// ---- users, deliveries

constexpr const char* kRememberUser =
    "INSERT INTO users (platform, team, user_id, display_name) VALUES ($1,$2,$3,$4) "
    "ON CONFLICT (platform, team, user_id) DO UPDATE SET display_name=excluded.display_name";
constexpr const char* kUserName =
    "SELECT display_name FROM users WHERE platform=$1 AND team=$2 AND user_id=$3";
// Unique across the deployment: a retry landing on another replica is seen.
constexpr const char* kLinkSecret = "SELECT secret FROM link_secret WHERE id = 1";
constexpr const char* kEnsureLinkSecret =
    "INSERT INTO link_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
constexpr const char* kReplaceLinkSecret =
    "INSERT INTO link_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET secret = excluded.secret";
constexpr const char* kRememberDelivery =
    "INSERT INTO deliveries (key, at) VALUES ($1,$2) ON CONFLICT (key) DO NOTHING";
constexpr const char* kPruneDeliveries = "DELETE FROM deliveries WHERE at < $1";

// record_messages: record_message for a whole batch in one statement. $1-$18
// are arrays, one element per message (unnest), $19 the time received. `n`
// is the message's place in the batch; keys are unique in it (the caller
// drops a key's later copies). New keys are remembered; the channels of new
// keys are looked up once each (FOR SHARE, as latest_incident_to_record); a
// message the incident takes is inserted in batch order. One row per
// message, by n: (n, delivery new, incident takes it, its message id is in
// the incident now because of this statement).
constexpr const char* kRecordMessages =
    "WITH input AS MATERIALIZED (SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], "
    "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::integer[], "
    "$13::bigint[], $14::bigint[], $15::boolean[], $16::bigint[], $17::boolean[], $18::text[]) "
    "AS i(n, k, p, t, c, mid, uid, un, tx, ot, tp, r, at, ea, d, da, ke, pl)), "
    "fresh AS (INSERT INTO deliveries (key, at) SELECT k, $19::bigint FROM input WHERE k <> '' "
    "ON CONFLICT (key) DO NOTHING RETURNING key), "
    "new_input AS MATERIALIZED (SELECT * FROM input WHERE k = '' OR k IN (SELECT key FROM fresh)), "
    "target AS MATERIALIZED (SELECT ch.p, ch.t, ch.c, x.id, x.state, x.closed_at "
    "FROM (SELECT DISTINCT p, t, c FROM new_input) ch CROSS JOIN LATERAL (SELECT id, state, closed_at FROM incidents "
    "WHERE platform = ch.p AND team = ch.t AND channel = ch.c ORDER BY id DESC LIMIT 1 FOR SHARE) x), "
    "taken AS MATERIALIZED (SELECT ni.*, tg.id AS incident_id FROM new_input ni "
    "JOIN target tg ON tg.p = ni.p AND tg.t = ni.t AND tg.c = ni.c "
    "WHERE tg.state = 'open' AND (tg.closed_at IS NULL OR ni.at <= tg.closed_at)), "
    "stored AS (INSERT INTO messages (" HINDSIGHT_MESSAGE_COLUMNS ") "
    "SELECT incident_id, mid, uid, un, tx, ot, tp, at, ea, d, da, ke, pl, r FROM taken ORDER BY n "
    "ON CONFLICT (incident_id, message_id) DO NOTHING RETURNING incident_id, message_id) "
    "SELECT i.n, ni.n IS NOT NULL, tk.n IS NOT NULL, s.message_id IS NOT NULL FROM input i "
    "LEFT JOIN new_input ni ON ni.n = i.n LEFT JOIN taken tk ON tk.n = i.n "
    "LEFT JOIN stored s ON s.incident_id = tk.incident_id AND s.message_id = tk.mid ORDER BY i.n";

// The columns of kRecordMessages, a message at a time.
struct BatchColumns {
    ArrayLiteral n, key, platform, team, channel, message_id, user_id, user_name, text, original_text, thread_parent,
        reactions, at, edited_at, deleted, deleted_at, key_event, permalink;

    void add(std::size_t place, const LiveMessage& live) {
        const auto& m = live.message;
        n.integer(static_cast<std::int64_t>(place));
        key.text(live.delivery_key);
        platform.text(platform_text(live.where.platform));
        team.text(live.where.team);
        channel.text(live.where.channel);
        message_id.text(m.message_id);
        user_id.text(m.user_id);
        user_name.text(m.user_name);
        text.text(m.text);
        original_text.text(m.original_text.empty() ? m.text : m.original_text);
        thread_parent.text(m.thread_parent);
        reactions.integer(m.reactions);
        at.time(m.at);
        edited_at.time(m.edited_at);
        deleted.boolean(m.deleted);
        deleted_at.time(m.deleted_at);
        key_event.boolean(m.key_event);
        permalink.text(m.permalink);
    }
    Args args(Timestamp received_at) {
        Args a;
        for (auto* c : {&n, &key, &platform, &team, &channel, &message_id, &user_id, &user_name, &text, &original_text,
                        &thread_parent, &reactions, &at, &edited_at, &deleted, &deleted_at, &key_event, &permalink})
            a.text(c->str());
        a.time(received_at);
        return a;
    }
};

// ---- history merges

constexpr const char* kAddHistoryMerge =
    "INSERT INTO history_merges (incident_id, draft_row, attempts, next_attempt_at, last_error, claimed_by, "
    "claimed_until) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (incident_id) DO UPDATE SET "
    "draft_row=excluded.draft_row, attempts=excluded.attempts, next_attempt_at=excluded.next_attempt_at, "
    "last_error=excluded.last_error, claimed_by=excluded.claimed_by, claimed_until=excluded.claimed_until";
// The claim, in one statement: due merges of the platform whose lease is
// unset or over, locked (SKIP LOCKED: rows another replica is claiming right
// now are passed over; the WHERE is checked again on the newest row version
// once locked), then leased to this replica until $5.
constexpr const char* kClaimHistoryMerges =
    "WITH picked AS (SELECT h.incident_id FROM history_merges h JOIN incidents i ON i.id = h.incident_id "
    "WHERE h.next_attempt_at <= $1 AND (h.claimed_until IS NULL OR h.claimed_until <= $1) AND i.platform = $2 "
    "ORDER BY h.next_attempt_at, h.incident_id LIMIT $3 FOR NO KEY UPDATE OF h SKIP LOCKED) "
    "UPDATE history_merges SET claimed_by = $4, claimed_until = $5 FROM picked "
    "WHERE history_merges.incident_id = picked.incident_id "
    "RETURNING history_merges.incident_id, draft_row, attempts, next_attempt_at, last_error";
constexpr const char* kFinishHistoryMerge = "DELETE FROM history_merges WHERE incident_id=$1";
constexpr const char* kRetryHistoryMerge =
    "UPDATE history_merges SET attempts=attempts+1, next_attempt_at=$2, last_error=$3, claimed_by=NULL, "
    "claimed_until=NULL WHERE incident_id=$1";
constexpr const char* kHistoryMerges =
    "SELECT incident_id, draft_row, attempts, next_attempt_at, last_error FROM history_merges ORDER BY incident_id";

HistoryMerge read_history_merge(const pqxx::row& r) {
    return HistoryMerge{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<int>(), time_of(r[3]),
                        text_of(r[4])};
}

// ---- owners matched to tracker users by e-mail

// The newer match wins: another chat user's row for the tracker user goes first.
constexpr const char* kDropOtherMatch =
    "DELETE FROM tracker_user_matches WHERE tracker=$1 AND platform=$2 AND team=$3 AND tracker_user=$4 AND user_id<>$5";
constexpr const char* kSaveMatch =
    "INSERT INTO tracker_user_matches (" HINDSIGHT_MATCH_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6) "
    "ON CONFLICT (tracker, platform, team, user_id) DO UPDATE SET "
    "tracker_user=excluded.tracker_user, found_at=excluded.found_at";
constexpr const char* kMatchOfChatUser =
    "SELECT " HINDSIGHT_MATCH_COLUMNS " FROM tracker_user_matches "
    "WHERE tracker=$1 AND platform=$2 AND team=$3 AND user_id=$4";
// tracker_user_matches_by_tracker_user answers it.
constexpr const char* kMatchOfTrackerUser =
    "SELECT " HINDSIGHT_MATCH_COLUMNS " FROM tracker_user_matches "
    "WHERE tracker=$1 AND platform=$2 AND team=$3 AND tracker_user=$4";
constexpr const char* kForgetMatch =
    "DELETE FROM tracker_user_matches WHERE tracker=$1 AND platform=$2 AND team=$3 AND user_id=$4";
constexpr const char* kMatches =
    "SELECT " HINDSIGHT_MATCH_COLUMNS " FROM tracker_user_matches ORDER BY tracker, platform, team, user_id";

// $1..$4: the tracker, the workspace and a user (chat or tracker).
Args match_key(const std::string& tracker, const ChannelRef& where, const std::string& user) {
    Args a;
    a.text(tracker).text(platform_text(where.platform)).text(where.team).text(user);
    return a;
}

TrackerUserMatch read_match(const pqxx::row& r) {
    TrackerUserMatch m;
    m.tracker = text_of(r[0]);
    m.where.platform = platform_from_string(text_of(r[1]));
    m.where.team = text_of(r[2]);
    m.user_id = text_of(r[3]);
    m.tracker_user = text_of(r[4]);
    m.found_at = time_of(r[5]);
    return m;
}

constexpr Duration kDeliveryMemory = std::chrono::hours(1);
constexpr std::uint64_t kPruneEvery = 1024;

template <class T, class Read>
std::vector<T> all(const pqxx::result& r, Read read) {
    std::vector<T> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(read(row));
    return out;
}

template <class T, class Read>
std::optional<T> one(const pqxx::result& r, Read read) {
    if (r.empty()) return std::nullopt;
    return read(r[0]);
}

Args channel_args(const ChannelRef& where) {
    Args a;
    a.text(platform_text(where.platform)).text(where.team).text(where.channel);
    return a;
}

Args id_arg(std::int64_t id) {
    Args a;
    a.integer(id);
    return a;
}

}  // namespace

std::int64_t IncidentStore::create_incident(const Incident& incident) {
    return s_.exec(kInsertIncident, incident_args(incident))[0][0].as<std::int64_t>();
}

void IncidentStore::update_incident(const Incident& incident) {
    auto args = incident_args(incident);
    args.integer(incident.id);
    if (s_.exec(kUpdateIncident, args).affected_rows() == 0)
        throw std::runtime_error("update_incident: no incident with id " + std::to_string(incident.id));
}

std::optional<Incident> IncidentStore::find_incident(std::int64_t id) {
    return one<Incident>(s_.exec(kFindIncident, id_arg(id)), read_incident);
}

std::optional<Incident> IncidentStore::latest_incident(const ChannelRef& where) {
    return one<Incident>(s_.exec(writer_ ? kLatestIncidentLocked : kLatestIncident, channel_args(where)),
                         read_incident);
}

std::optional<Incident> IncidentStore::latest_incident_to_record(const ChannelRef& where) {
    return one<Incident>(s_.exec(writer_ ? kLatestIncidentShared : kLatestIncident, channel_args(where)),
                         read_incident);
}

std::vector<Incident> IncidentStore::list_incidents() { return all<Incident>(s_.exec(kListIncidents), read_incident); }

std::vector<Incident> IncidentStore::incidents_awaiting_meeting_reminder(Timestamp closed_before) {
    Args a;
    a.time(closed_before);
    auto out = all<Incident>(s_.exec(writer_ ? kAwaitingMeetingReminderClaim : kAwaitingMeetingReminder, a),
                             read_incident);
    if (writer_ && claims_) claims_->reminders += out.size();
    return out;
}

std::vector<IncidentSummary> IncidentStore::incident_summaries() {
    return all<IncidentSummary>(s_.exec(kIncidentSummaries), read_summary);
}

bool IncidentStore::insert_message(const RecordedMessage& m) {
    Args a;
    a.integer(m.incident_id)
        .text(m.message_id)
        .text(m.user_id)
        .text(m.user_name)
        .text(m.text)
        .text(m.original_text.empty() ? m.text : m.original_text)
        .text(m.thread_parent)
        .time(m.at)
        .time(m.edited_at)
        .boolean(m.deleted)
        .time(m.deleted_at)
        .boolean(m.key_event)
        .text(m.permalink)
        .integer(m.reactions);
    return s_.exec(kInsertMessage, a).affected_rows() == 1;
}

bool IncidentStore::edit_message(std::int64_t incident_id, const std::string& message_id, const std::string& new_text,
                                 Timestamp edited_at) {
    Args a;
    a.text(new_text).time(edited_at).integer(incident_id).text(message_id);
    return s_.exec(kEditMessage, a).affected_rows() == 1;
}

bool IncidentStore::delete_message(std::int64_t incident_id, const std::string& message_id, Timestamp deleted_at) {
    Args a;
    a.time(deleted_at).integer(incident_id).text(message_id);
    return s_.exec(kDeleteMessage, a).affected_rows() == 1;
}

bool IncidentStore::mark_key_message(std::int64_t incident_id, const std::string& message_id, bool marked) {
    Args a;
    a.boolean(marked).integer(incident_id).text(message_id);
    return s_.exec(kMarkMessage, a).affected_rows() == 1;
}

std::vector<RecordedMessage> IncidentStore::messages(std::int64_t incident_id) {
    return all<RecordedMessage>(s_.exec(kMessages, id_arg(incident_id)), read_message);
}

std::int64_t IncidentStore::count_messages(std::int64_t incident_id) {
    return s_.exec(kCountMessages, id_arg(incident_id))[0][0].as<std::int64_t>();
}

std::int64_t IncidentStore::add_key_event(const KeyEvent& e) {
    Args a;
    a.integer(e.incident_id).time(e.at).text(e.author_id).text(e.author_name).text(e.text);
    return s_.exec(kInsertKeyEvent, a)[0][0].as<std::int64_t>();
}

std::vector<KeyEvent> IncidentStore::key_events(std::int64_t incident_id) {
    return all<KeyEvent>(s_.exec(kKeyEvents, id_arg(incident_id)), [](const pqxx::row& r) {
        KeyEvent e;
        e.id = r[0].as<std::int64_t>();
        e.incident_id = r[1].as<std::int64_t>();
        e.at = time_of(r[2]);
        e.author_id = text_of(r[3]);
        e.author_name = text_of(r[4]);
        e.text = text_of(r[5]);
        return e;
    });
}

std::int64_t IncidentStore::add_curation(const TimelineCuration& c) {
    Args a;
    a.integer(c.incident_id)
        .text(curation_kind_text(c.kind))
        .text(c.entry_key)
        .text(c.text)
        .time(c.at)
        .text(c.author_id)
        .text(c.author_name)
        .time(c.created_at);
    return s_.exec(kInsertCuration, a)[0][0].as<std::int64_t>();
}

std::vector<TimelineCuration> IncidentStore::curations(std::int64_t incident_id) {
    return all<TimelineCuration>(s_.exec(kCurations, id_arg(incident_id)), [](const pqxx::row& r) {
        TimelineCuration c;
        c.id = r[0].as<std::int64_t>();
        c.incident_id = r[1].as<std::int64_t>();
        c.kind = curation_kind_from(text_of(r[2]));
        c.entry_key = text_of(r[3]);
        c.text = text_of(r[4]);
        c.at = optional_time(r[5]);
        c.author_id = text_of(r[6]);
        c.author_name = text_of(r[7]);
        c.created_at = time_of(r[8]);
        return c;
    });
}

void IncidentStore::set_why(const WhyStep& step) {
    Args a;
    a.integer(step.incident_id).integer(step.n).text(step.answer).text(step.author_id).time(step.at);
    s_.exec(kSetWhy, a);
}

std::vector<WhyStep> IncidentStore::whys(std::int64_t incident_id) {
    return all<WhyStep>(s_.exec(kWhys, id_arg(incident_id)), [](const pqxx::row& r) {
        WhyStep w;
        w.incident_id = r[0].as<std::int64_t>();
        w.n = r[1].as<int>();
        w.answer = text_of(r[2]);
        w.author_id = text_of(r[3]);
        w.at = time_of(r[4]);
        return w;
    });
}

void IncidentStore::add_factor(std::int64_t incident_id, const std::string& tag) {
    Args a;
    a.integer(incident_id).text(tag);
    s_.exec(kAddFactor, a);
}

std::vector<std::string> IncidentStore::factors(std::int64_t incident_id) {
    return all<std::string>(s_.exec(kFactors, id_arg(incident_id)), [](const pqxx::row& r) { return text_of(r[0]); });
}

std::int64_t IncidentStore::add_action(const ActionItem& item) {
    return s_.exec(kInsertAction, action_args(item))[0][0].as<std::int64_t>();
}

void IncidentStore::update_action(const ActionItem& item) {
    auto a = action_args(item);
    a.integer(item.id);
    if (s_.exec(kUpdateAction, a).affected_rows() == 0)
        throw std::runtime_error("update_action: no action item with id " + std::to_string(item.id));
}

std::optional<ActionItem> IncidentStore::find_action(std::int64_t id) {
    return one<ActionItem>(s_.exec(kFindAction, id_arg(id)), read_action);
}

std::vector<ActionItem> IncidentStore::actions(std::int64_t incident_id) {
    return all<ActionItem>(s_.exec(kActions, id_arg(incident_id)), read_action);
}

std::vector<ActionItem> IncidentStore::all_actions() { return all<ActionItem>(s_.exec(kAllActions), read_action); }

std::vector<ActionItem> IncidentStore::actions_due_for_nudge(Timestamp now, Duration repeat_every, std::size_t limit) {
    Args a;
    a.time(now).time(now - repeat_every).integer(static_cast<std::int64_t>(std::min<std::size_t>(limit, 1u << 30)));
    auto out = all<ActionItem>(s_.exec(writer_ ? kActionsDueClaim : kActionsDue, a), read_action);
    if (writer_ && claims_) claims_->reminders += out.size();
    return out;
}

std::optional<ActionItem> IncidentStore::find_action_by_ticket(const std::string& tracker, const std::string& key) {
    Args a;
    a.text(tracker).text(key);
    return one<ActionItem>(s_.exec(kActionByTicket, a), read_action);
}

std::optional<IncidentTracker> IncidentStore::incident_tracker(std::int64_t incident_id) {
    return one<IncidentTracker>(s_.exec(kIncidentTracker, id_arg(incident_id)), [](const pqxx::row& r) {
        return IncidentTracker{text_of(r[0]), text_of(r[1])};
    });
}

void IncidentStore::set_incident_tracker(std::int64_t incident_id, const IncidentTracker& choice) {
    Args a;
    a.integer(incident_id).text(choice.tracker).text(choice.project);
    s_.exec(kSetIncidentTracker, a);
}

void IncidentStore::remember_user(const ChannelRef& where, const std::string& user_id,
                                  const std::string& display_name) {
    Args a;
    a.text(platform_text(where.platform)).text(where.team).text(user_id).text(display_name);
    s_.exec(kRememberUser, a);
}

std::optional<std::string> IncidentStore::user_name(const ChannelRef& where, const std::string& user_id) {
    Args a;
    a.text(platform_text(where.platform)).text(where.team).text(user_id);
    return one<std::string>(s_.exec(kUserName, a), [](const pqxx::row& r) { return text_of(r[0]); });
}

bool IncidentStore::remember_delivery(const std::string& key, Timestamp at) {
    Args a;
    a.text(key).time(at);
    const bool fresh = s_.exec(kRememberDelivery, a).affected_rows() == 1;
    if (fresh) delivery_remembered(at);
    return fresh;
}

void IncidentStore::delivery_remembered(Timestamp at) {
    if (++deliveries_since_prune_ < kPruneEvery) return;
    deliveries_since_prune_ = 0;
    Args p;
    p.time(at - kDeliveryMemory);
    s_.exec(kPruneDeliveries, p);
}

// The batch statement with one message: one round trip, as for many.
EventOutcome IncidentStore::record_message(const std::string& delivery_key, Timestamp received_at,
                                           const ChannelRef& where, RecordedMessage m) {
    return record_messages(received_at, {LiveMessage{delivery_key, where, std::move(m)}}).front();
}

std::vector<EventOutcome> IncidentStore::record_messages(Timestamp received_at,
                                                        const std::vector<LiveMessage>& batch) {
    std::vector<EventOutcome> outcomes(batch.size(), EventOutcome::duplicate);
    if (batch.empty()) return outcomes;
    // A key's later copies are duplicates of the first, whatever becomes of it.
    std::set<std::string_view> keys;
    BatchColumns columns;
    for (std::size_t n = 0; n < batch.size(); ++n) {
        const auto& key = batch[n].delivery_key;
        if (key.empty() || keys.insert(key).second) columns.add(n, batch[n]);
    }
    const auto a = columns.args(received_at);
    // A message id stored twice in one statement went in once: the first copy
    // is the stored one, as one call after another would have it.
    std::set<std::tuple<Platform, std::string_view, std::string_view, std::string_view>> stored;
    for (const auto& row : s_.exec(kRecordMessages, a)) {
        const auto n = row[0].as<std::size_t>();
        const auto& live = batch.at(n);
        if (!row[1].as<bool>()) continue;  // duplicate key
        if (!live.delivery_key.empty()) delivery_remembered(received_at);
        if (!row[2].as<bool>()) {
            outcomes[n] = EventOutcome::ignored;
            continue;
        }
        const auto id = std::make_tuple(live.where.platform, std::string_view(live.where.team),
                                        std::string_view(live.where.channel), std::string_view(live.message.message_id));
        if (row[3].as<bool>() && stored.insert(id).second) outcomes[n] = EventOutcome::stored;
    }
    return outcomes;
}

std::string IncidentStore::link_secret() {
    return one<std::string>(s_.exec(kLinkSecret, Args{}), [](const pqxx::row& r) { return text_of(r[0]); })
        .value_or("");
}

std::string IncidentStore::ensure_link_secret(const std::string& candidate) {
    Args a;
    a.text(candidate);
    s_.exec(kEnsureLinkSecret, a);
    return link_secret();
}

void IncidentStore::replace_link_secret(const std::string& secret) {
    Args a;
    a.text(secret);
    s_.exec(kReplaceLinkSecret, a);
}

// ---- history merges

void IncidentStore::add_history_merge(const HistoryMerge& merge, Timestamp claimed_until) {
    Args a;
    a.integer(merge.incident_id)
        .integer(merge.draft_row)
        .integer(merge.attempts)
        .time(merge.next_attempt_at)
        .text(merge.last_error)
        .text(replica_)
        .time(claimed_until);
    s_.exec(kAddHistoryMerge, a);
}

std::vector<HistoryMerge> IncidentStore::claim_history_merges(Platform platform, Timestamp now, Duration lease,
                                                              std::size_t limit) {
    Args a;
    a.time(now)
        .text(platform_text(platform))
        .integer(static_cast<std::int64_t>(std::min<std::size_t>(limit, 1u << 30)))
        .text(replica_)
        .time(now + lease);
    auto out = all<HistoryMerge>(s_.exec(kClaimHistoryMerges, a), read_history_merge);
    // RETURNING keeps no order.
    std::sort(out.begin(), out.end(), [](const HistoryMerge& x, const HistoryMerge& y) {
        return std::tie(x.next_attempt_at, x.incident_id) < std::tie(y.next_attempt_at, y.incident_id);
    });
    return out;
}

bool IncidentStore::finish_history_merge(std::int64_t incident_id) {
    return s_.exec(kFinishHistoryMerge, id_arg(incident_id)).affected_rows() > 0;
}

void IncidentStore::retry_history_merge(std::int64_t incident_id, Timestamp next_attempt_at,
                                        const std::string& error) {
    Args a;
    a.integer(incident_id).time(next_attempt_at).text(error);
    s_.exec(kRetryHistoryMerge, a);
}

std::vector<HistoryMerge> IncidentStore::history_merges() {
    return all<HistoryMerge>(s_.exec(kHistoryMerges, Args{}), read_history_merge);
}

// ---- owners matched to tracker users by e-mail

void IncidentStore::save_tracker_match(const TrackerUserMatch& match) {
    auto drop = match_key(match.tracker, match.where, match.tracker_user);
    drop.text(match.user_id);
    s_.exec(kDropOtherMatch, drop);
    auto save = match_key(match.tracker, match.where, match.user_id);
    save.text(match.tracker_user).time(match.found_at);
    s_.exec(kSaveMatch, save);
}

std::optional<TrackerUserMatch> IncidentStore::tracker_match_of_chat_user(const std::string& tracker,
                                                                          const ChannelRef& where,
                                                                          const std::string& user_id) {
    return one<TrackerUserMatch>(s_.exec(kMatchOfChatUser, match_key(tracker, where, user_id)), read_match);
}

std::optional<TrackerUserMatch> IncidentStore::tracker_match_of_tracker_user(const std::string& tracker,
                                                                             const ChannelRef& where,
                                                                             const std::string& tracker_user) {
    return one<TrackerUserMatch>(s_.exec(kMatchOfTrackerUser, match_key(tracker, where, tracker_user)), read_match);
}

void IncidentStore::forget_tracker_match(const std::string& tracker, const ChannelRef& where,
                                         const std::string& user_id) {
    s_.exec(kForgetMatch, match_key(tracker, where, user_id));
}

std::vector<TrackerUserMatch> IncidentStore::tracker_matches() {
    return all<TrackerUserMatch>(s_.exec(kMatches, Args{}), read_match);
}

}  // namespace hindsight::storage::pg
