#include "storage/migrations.hpp"

#include "storage/legacy_text.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace hindsight::storage {
namespace {

// Version 1: the whole initial schema. Times are INTEGER microseconds since the
// epoch (UTC). Each index below exists for a query in sqlite_incident_store.cpp
// or sqlite_outbox.cpp.
constexpr const char* kInitialSchema = R"sql(
CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    platform            TEXT    NOT NULL,
    team                TEXT    NOT NULL,
    channel             TEXT    NOT NULL,
    title               TEXT    NOT NULL,
    severity            INTEGER NOT NULL DEFAULT 0,
    commander_id        TEXT    NOT NULL DEFAULT '',
    commander_name      TEXT    NOT NULL DEFAULT '',
    state               TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at           INTEGER NOT NULL,
    closed_at           INTEGER,
    started_at          INTEGER,
    meeting_at          INTEGER,
    meeting_reminded_at INTEGER,
    summary             TEXT    NOT NULL DEFAULT '',
    impact              TEXT    NOT NULL DEFAULT '',
    root_cause          TEXT    NOT NULL DEFAULT '',
    facilitator_id      TEXT    NOT NULL DEFAULT '',
    postmortem_md       TEXT    NOT NULL DEFAULT ''
);
-- latest_incident: the newest incident of one (platform, team, channel).
CREATE INDEX incidents_by_channel ON incidents (platform, team, channel, id);

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents (id),
    message_id    TEXT    NOT NULL,
    user_id       TEXT    NOT NULL DEFAULT '',
    user_name     TEXT    NOT NULL DEFAULT '',
    text          TEXT    NOT NULL DEFAULT '',
    original_text TEXT    NOT NULL DEFAULT '',
    thread_parent TEXT    NOT NULL DEFAULT '',
    at_us         INTEGER NOT NULL,
    edited_at     INTEGER,
    deleted       INTEGER NOT NULL DEFAULT 0,
    deleted_at    INTEGER,
    key_event     INTEGER NOT NULL DEFAULT 0,
    permalink     TEXT    NOT NULL DEFAULT '',
    UNIQUE (incident_id, message_id)
);
-- messages(): chronological, ties in insertion order, without a sort.
CREATE INDEX messages_by_time ON messages (incident_id, at_us, id);

CREATE TABLE key_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at_us       INTEGER NOT NULL,
    author_id   TEXT    NOT NULL DEFAULT '',
    author_name TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX key_events_by_time ON key_events (incident_id, at_us, id);

CREATE TABLE timeline_curations (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('add', 'hide', 'show', 'edit', 'retime')),
    entry_key   TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL DEFAULT '',
    at_us       INTEGER,
    author_id   TEXT    NOT NULL DEFAULT '',
    author_name TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX timeline_curations_by_incident ON timeline_curations (incident_id, id);

CREATE TABLE whys (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    n           INTEGER NOT NULL CHECK (n >= 1),
    answer      TEXT    NOT NULL,
    author_id   TEXT    NOT NULL DEFAULT '',
    at_us       INTEGER NOT NULL,
    PRIMARY KEY (incident_id, n)
) WITHOUT ROWID;

CREATE TABLE factors (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    tag         TEXT    NOT NULL,
    UNIQUE (incident_id, tag)
);

-- AUTOINCREMENT: "A-<id>" is shown to people and must never be handed out twice.
CREATE TABLE action_items (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id    INTEGER NOT NULL REFERENCES incidents (id),
    owner_id       TEXT    NOT NULL DEFAULT '',
    owner_name     TEXT    NOT NULL DEFAULT '',
    text           TEXT    NOT NULL,
    due_at         INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL CHECK (state IN ('open', 'done')),
    done_by        TEXT    NOT NULL DEFAULT '',
    done_at        INTEGER,
    snoozed_until  INTEGER,
    nudges         INTEGER NOT NULL DEFAULT 0,
    last_nudged_at INTEGER
);
CREATE INDEX action_items_by_incident ON action_items (incident_id, id);
-- The reminder scan reads only open items, in due order: done items (the vast
-- majority over time) are not in this index at all.
CREATE INDEX action_items_open_by_due ON action_items (due_at) WHERE state = 'open';

CREATE TABLE users (
    platform     TEXT NOT NULL,
    team         TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (platform, team, user_id)
) WITHOUT ROWID;

CREATE TABLE deliveries (
    key TEXT    PRIMARY KEY,
    at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX deliveries_by_time ON deliveries (at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    platform        TEXT    NOT NULL,
    team            TEXT    NOT NULL DEFAULT '',
    channel         TEXT    NOT NULL DEFAULT '',
    to_user         TEXT    NOT NULL DEFAULT '',
    thread          TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL DEFAULT '',
    response_url    TEXT    NOT NULL DEFAULT '',
    ephemeral       INTEGER NOT NULL DEFAULT 0,
    buttons         TEXT    NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    delivered_at    INTEGER,
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
)sql";

// Version 2: count_messages() (every `/incident status`, on the writer) read
// each message row of the incident to test `deleted`; this index answers the
// count from index entries alone.
constexpr const char* kLiveMessagesIndex = R"sql(
CREATE INDEX messages_live_by_incident ON messages (incident_id) WHERE deleted = 0;
)sql";

// Version 3: the live-message count kept per incident by triggers, so
// count_messages() is one row read however large the incident (version 2's
// index still read one entry per message, and cost every insert its upkeep).
constexpr const char* kMessageCounts = R"sql(
DROP INDEX messages_live_by_incident;
CREATE TABLE message_counts (
    incident_id INTEGER PRIMARY KEY,
    live        INTEGER NOT NULL
);
INSERT INTO message_counts (incident_id, live)
    SELECT incident_id, count(*) FROM messages WHERE deleted = 0 GROUP BY incident_id;
CREATE TRIGGER messages_count_insert AFTER INSERT ON messages WHEN NEW.deleted = 0 BEGIN
    INSERT INTO message_counts (incident_id, live) VALUES (NEW.incident_id, 1)
        ON CONFLICT (incident_id) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER messages_count_update AFTER UPDATE OF deleted ON messages
    WHEN (OLD.deleted = 0) <> (NEW.deleted = 0) BEGIN
    INSERT INTO message_counts (incident_id, live) VALUES (NEW.incident_id, CASE WHEN NEW.deleted = 0 THEN 1 ELSE -1 END)
        ON CONFLICT (incident_id) DO UPDATE SET live = live + excluded.live;
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages WHEN OLD.deleted = 0 BEGIN
    UPDATE message_counts SET live = live - 1 WHERE incident_id = OLD.incident_id;
END;
)sql";

// Version 4: the scheduler's meeting reminder (every tick) and GET /incidents
// read every incident, drafted postmortems included, and every action item,
// to find the few rows they need. These partial indexes hold only those rows:
// closed incidents still waiting for their meeting reminder, by close time,
// and open action items by incident (counted per incident by the list).
constexpr const char* kAwaitingIndexes = R"sql(
CREATE INDEX incidents_awaiting_meeting_reminder ON incidents (closed_at)
    WHERE state = 'closed' AND meeting_at IS NULL AND meeting_reminded_at IS NULL;
CREATE INDEX action_items_open_by_incident ON action_items (incident_id) WHERE state = 'open';
)sql";

// Version 5: the outbox's CHECK (state IN ('pending', 'delivered', 'dead'))
// made SQLite build a temporary index of the three values on every INSERT
// (a list of more than two constants is looked up, not compared): about half
// of an outbox insert's instructions. The same rule spelled as comparisons
// costs nothing. SQLite cannot change a CHECK in place, so the table is
// rebuilt (same columns and order, rows and ids kept), and its AUTOINCREMENT
// high-water mark is carried over so no id is ever handed out twice.
constexpr const char* kOutboxCheckAsComparisons = R"sql(
CREATE TABLE outbox_v5 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    platform        TEXT    NOT NULL,
    team            TEXT    NOT NULL DEFAULT '',
    channel         TEXT    NOT NULL DEFAULT '',
    to_user         TEXT    NOT NULL DEFAULT '',
    thread          TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL DEFAULT '',
    response_url    TEXT    NOT NULL DEFAULT '',
    ephemeral       INTEGER NOT NULL DEFAULT 0,
    buttons         TEXT    NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state = 'pending' OR state = 'delivered' OR state = 'dead'),
    delivered_at    INTEGER,
    last_error      TEXT    NOT NULL DEFAULT ''
);
INSERT INTO outbox_v5 SELECT * FROM outbox;
DELETE FROM sqlite_sequence WHERE name = 'outbox_v5';
INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_v5', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_v5 RENAME TO outbox;
CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
)sql";

// Version 6: how many people reacted to a message (a salience feature of
// the timeline draft; a Slack export carries it).
constexpr const char* kMessageReactions = R"sql(
ALTER TABLE messages ADD COLUMN reactions INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 7: the secret that signs links to the incident pages (one row;
// `hindsight rotate-link-secret` replaces it).
constexpr const char* kLinkSecret = R"sql(
CREATE TABLE link_secret (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT    NOT NULL
);
)sql";

// Version 8: a later outbox row may refer to what an earlier one posted
// (update the posted draft in place, reply in its thread): the platform's
// id of each delivered post, and the two references.
constexpr const char* kOutboxPostedIds = R"sql(
ALTER TABLE outbox ADD COLUMN posted_id TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN edit_of   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN reply_to  INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 9: issue trackers (docs/trackers.md). An action item's ticket —
// which tracker, its key there, its link, and where it stands — and an
// incident's own choice of tracker (`/incident tracker`). Webhooks and polls
// find the item by (tracker, key).
constexpr const char* kTrackerTickets = R"sql(
ALTER TABLE action_items ADD COLUMN ticket_status  TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN ticket_tracker TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN ticket_key     TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN ticket_url     TEXT NOT NULL DEFAULT '';
CREATE INDEX action_items_by_ticket ON action_items (ticket_tracker, ticket_key) WHERE ticket_key <> '';
CREATE TABLE incident_trackers (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    tracker     TEXT    NOT NULL,
    project     TEXT    NOT NULL
);
)sql";

// Version 11: the Slack text of older incidents as neutral text
// (storage/legacy_text.hpp); no schema change.
class SqliteLegacyText : public LegacyTextConnection {
public:
    explicit SqliteLegacyText(SQLite::Database& db) : db_(db) {}
    char parameter_sign() const override { return '?'; }
    std::vector<Row> rows(const std::string& sql) override {
        SQLite::Statement query(db_, sql);
        std::vector<Row> out;
        while (query.executeStep())
            out.push_back({query.getColumn(0).getInt64(), query.getColumn(1).getInt64(), query.getColumn(2).getString()});
        return out;
    }
    void update(const std::string& sql, const Row& row) override {
        if (!statement_ || statement_->getQuery() != sql) statement_ = std::make_unique<SQLite::Statement>(db_, sql);
        statement_->reset();
        statement_->bind(1, row.text);
        statement_->bind(2, row.incident);
        statement_->bind(3, row.key);
        statement_->exec();
    }

private:
    SQLite::Database& db_;
    std::unique_ptr<SQLite::Statement> statement_;  // the column's UPDATE, prepared once
};

void neutral_slack_text(SQLite::Database& db) {
    SqliteLegacyText connection(db);
    if (auto n = rewrite_stored_slack_text(connection))
        spdlog::info("storage: {} stored Slack texts rewritten as neutral text", n);
}

// Version 10: the channel-history merges owed after a close (adapters/chat),
// so a restart between the close and the merge does not lose one. The claim
// (claimed_by, claimed_until) keeps a process from running a merge twice; the
// index serves the scan for due merges.
constexpr const char* kHistoryMerges = R"sql(
CREATE TABLE history_merges (
    incident_id     INTEGER PRIMARY KEY REFERENCES incidents (id),
    draft_row       INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    claimed_by      TEXT,
    claimed_until   INTEGER
);
CREATE INDEX history_merges_due ON history_merges (next_attempt_at);
)sql";

// Version 12: owners matched to tracker users by e-mail (docs/trackers.md),
// so a restart forgets none: one row per chat user in a tracker and
// workspace, and (the unique index) one chat user per tracker user there.
// The index also answers "who is this assignee" coming back. Ids only, never
// the e-mail address.
constexpr const char* kTrackerUserMatches = R"sql(
CREATE TABLE tracker_user_matches (
    tracker      TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    team         TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    tracker_user TEXT    NOT NULL,
    found_at     INTEGER NOT NULL,
    PRIMARY KEY (tracker, platform, team, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tracker_user_matches_by_tracker_user
    ON tracker_user_matches (tracker, platform, team, tracker_user);
)sql";

const std::vector<Migration> kMigrations = {
    {1, kInitialSchema},
    {2, kLiveMessagesIndex},
    {3, kMessageCounts},
    {4, kAwaitingIndexes},
    {5, kOutboxCheckAsComparisons},
    {6, kMessageReactions},
    {7, kLinkSecret},
    {8, kOutboxPostedIds},
    {9, kTrackerTickets},
    {10, kHistoryMerges},
    {11, "", neutral_slack_text},
    {12, kTrackerUserMatches},
};

int user_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

}  // namespace

const std::vector<Migration>& migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

void migrate(SQLite::Database& db, const std::vector<Migration>& steps) {
    const int latest = steps.empty() ? 0 : steps.back().version;
    const int current = user_version(db);
    if (current > latest)
        throw std::runtime_error("database '" + db.getFilename() + "' has schema version " +
                                 std::to_string(current) + ", newer than this build knows (" +
                                 std::to_string(latest) + "); use a newer hindsight");
    for (const auto& step : steps) {
        if (step.version <= current) continue;
        try {
            SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
            // Another process may have migrated while we waited for the lock.
            if (user_version(db) >= step.version) continue;
            if (*step.sql) db.exec(step.sql);
            if (step.data) step.data(db);
            // PRAGMA takes no bound parameters; the version is our own integer.
            db.exec("PRAGMA user_version = " + std::to_string(step.version));
            tx.commit();
        } catch (const std::exception& e) {
            throw std::runtime_error("migration to schema version " + std::to_string(step.version) +
                                     " failed: " + e.what());
        }
        spdlog::info("storage: migrated {} to schema version {}", db.getFilename(), step.version);
    }
}

}  // namespace hindsight::storage
