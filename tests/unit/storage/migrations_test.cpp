#include "storage/database.hpp"
#include "storage/legacy_text.hpp"
#include "storage/migrations.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

using hindsight::storage::Database;
using hindsight::storage::latest_schema_version;
using hindsight::storage::migrate;
using hindsight::storage::Migration;
using hindsight::test::TempDir;

namespace {

int user_version(const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA user_version").getInt();
}

std::set<std::string> schema_objects(const std::string& path, const char* type) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT name FROM sqlite_master WHERE type = ?");
    q.bind(1, type);
    std::set<std::string> names;
    while (q.executeStep()) names.insert(q.getColumn(0).getString());
    return names;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("a new database gets the whole schema, WAL mode and the latest user_version") {
    TempDir dir;
    const auto path = dir.file("h.db");
    { Database db(path); }

    CHECK(latest_schema_version() >= 1);
    CHECK(user_version(path) == latest_schema_version());
    const auto tables = schema_objects(path, "table");
    for (const char* t : {"incidents", "messages", "key_events", "timeline_curations", "whys", "factors",
                          "action_items", "users", "deliveries", "outbox"})
        CHECK_MESSAGE(tables.count(t) == 1, t);
    const auto indexes = schema_objects(path, "index");
    for (const char* i : {"incidents_by_channel", "messages_by_time", "action_items_open_by_due",
                          "outbox_by_state", "deliveries_by_time"})
        CHECK_MESSAGE(indexes.count(i) == 1, i);

    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("opening an up-to-date database again changes nothing") {
    TempDir dir;
    const auto path = dir.file("h.db");
    { Database db(path); }
    { Database db(path); }
    CHECK(user_version(path) == latest_schema_version());
}

TEST_CASE("a database newer than this build is refused with a clear error") {
    TempDir dir;
    const auto path = dir.file("h.db");
    { Database db(path); }
    {
        SQLite::Database raw(path, SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
    }
    const auto message = error_of([&] { Database db(path); });
    CHECK(message.find(path) != std::string::npos);
    CHECK(message.find("newer") != std::string::npos);
    CHECK(user_version(path) == latest_schema_version() + 1);
}

TEST_CASE("migrations run in order, each in its own transaction and a failing one leaves the previous version") {
    TempDir dir;
    const auto path = dir.file("m.db");
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    const std::vector<Migration> steps = {
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1); CREATE TABLE broken (;"},
    };
    const auto message = error_of([&] { migrate(db, steps); });
    CHECK(message.find("schema version 2") != std::string::npos);
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == 1);
    CHECK(db.tableExists("a"));
    CHECK_FALSE(db.tableExists("b"));
    CHECK(db.execAndGet("SELECT count(*) FROM a").getInt() == 0);

    // Fixed step 2 applies on top of version 1 without re-running step 1.
    const std::vector<Migration> fixed = {
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1);"},
    };
    migrate(db, fixed);
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == 2);
    CHECK(db.tableExists("b"));
    CHECK(db.execAndGet("SELECT count(*) FROM a").getInt() == 1);
}

TEST_CASE("a file that is not a database is refused with a clear error") {
    TempDir dir;
    const auto path = dir.file("junk.db");
    {
        std::ofstream out(path);
        out << std::string(4096, 'x');
    }
    const auto message = error_of([&] { Database db(path); });
    CHECK(message.find("cannot open database '" + path + "'") != std::string::npos);
    std::ifstream in(path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content == std::string(4096, 'x'));
}

TEST_CASE("a path in a missing directory is refused with a clear error") {
    TempDir dir;
    const auto path = dir.file("missing/h.db");
    const auto message = error_of([&] { Database db(path); });
    CHECK(message.find("cannot open database '" + path + "'") != std::string::npos);
}

TEST_CASE("schema 5 rebuilds the outbox: rows, ids and the AUTOINCREMENT high-water mark survive, the state rule holds") {
    TempDir dir;
    const auto path = dir.file("m.db");
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        const auto& all = hindsight::storage::migrations();
        std::vector<Migration> up_to_4;
        for (const auto& m : all)
            if (m.version <= 4) up_to_4.push_back(m);
        migrate(db, up_to_4);
        REQUIRE(db.execAndGet("PRAGMA user_version").getInt() == 4);
        db.exec("INSERT INTO outbox (platform, channel, text, buttons, created_at, attempts, next_attempt_at, state, "
                "delivered_at, last_error) VALUES "
                "('slack', 'C1', 'first', '[]', 10, 1, 10, 'delivered', 11, ''), "
                "('mattermost', 'C2', 'second', '[{\"action\":\"done\"}]', 20, 3, 99, 'dead', NULL, 'HTTP 403'), "
                "('slack', 'C3', 'third', '[]', 30, 0, 30, 'pending', NULL, '')");
        // A row handed out and gone: its id must not come back.
        db.exec("INSERT INTO outbox (id, platform, created_at, next_attempt_at, state) VALUES (40, 'slack', 1, 1, 'pending')");
        db.exec("DELETE FROM outbox WHERE id = 40");
    }

    Database opened(path);  // migrates to the latest version
    CHECK(user_version(path) == latest_schema_version());
    CHECK(schema_objects(path, "index").count("outbox_by_state") == 1);
    CHECK(schema_objects(path, "table").count("outbox_v5") == 0);
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE);
        SQLite::Statement rows(db, "SELECT id, platform, channel, text, buttons, attempts, next_attempt_at, state, "
                                   "delivered_at, last_error FROM outbox ORDER BY id");
        REQUIRE(rows.executeStep());
        CHECK(rows.getColumn(0).getInt() == 1);
        CHECK(rows.getColumn(3).getString() == "first");
        CHECK(rows.getColumn(7).getString() == "delivered");
        CHECK(rows.getColumn(8).getInt() == 11);
        REQUIRE(rows.executeStep());
        CHECK(rows.getColumn(1).getString() == "mattermost");
        CHECK(rows.getColumn(4).getString() == "[{\"action\":\"done\"}]");
        CHECK(rows.getColumn(5).getInt() == 3);
        CHECK(rows.getColumn(6).getInt() == 99);
        CHECK(rows.getColumn(7).getString() == "dead");
        CHECK(rows.getColumn(8).isNull());
        CHECK(rows.getColumn(9).getString() == "HTTP 403");
        REQUIRE(rows.executeStep());
        CHECK(rows.getColumn(0).getInt() == 3);
        CHECK_FALSE(rows.executeStep());

        db.exec("INSERT INTO outbox (platform, created_at, next_attempt_at, state) VALUES ('slack', 50, 50, 'pending')");
        CHECK(db.getLastInsertRowid() == 41);
        CHECK_THROWS(db.exec(
            "INSERT INTO outbox (platform, created_at, next_attempt_at, state) VALUES ('slack', 60, 60, 'sent')"));

        // The rule is checked by comparisons, not through a temporary index
        // built on every insert.
        SQLite::Statement plan(db, "EXPLAIN INSERT INTO outbox (platform, created_at, next_attempt_at, state) "
                                   "VALUES ('slack', 70, 70, 'pending')");
        bool ephemeral = false;
        while (plan.executeStep()) ephemeral = ephemeral || plan.getColumn(1).getString() == "OpenEphemeral";
        CHECK_FALSE(ephemeral);
    }
}

TEST_CASE("schema 9 adds the ticket columns to existing action items (empty) and the incidents' tracker table") {
    TempDir dir;
    const auto path = dir.file("m.db");
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        std::vector<Migration> up_to_8;
        for (const auto& m : hindsight::storage::migrations())
            if (m.version <= 8) up_to_8.push_back(m);
        migrate(db, up_to_8);
        db.exec("INSERT INTO incidents (platform, team, channel, title, state, opened_at) "
                "VALUES ('slack', 'T1', 'C1', 'old', 'open', 1)");
        db.exec("INSERT INTO action_items (incident_id, text, due_at, created_at, state) VALUES (1, 'before', 5, 1, 'open')");
    }
    Database opened(path);
    CHECK(user_version(path) == latest_schema_version());
    CHECK(schema_objects(path, "index").count("action_items_by_ticket") == 1);
    CHECK(schema_objects(path, "table").count("incident_trackers") == 1);
    auto item = opened.store().find_action(1);
    REQUIRE(item);
    CHECK(item->text == "before");
    CHECK(item->ticket.status == hindsight::TicketStatus::none);
    CHECK(item->ticket.key.empty());
}

TEST_CASE("schema 11 rewrites the Slack markup stored by older versions as neutral text, Slack incidents only") {
    TempDir dir;
    const auto path = dir.file("m.db");
    const std::string slack_text = "<@U1|bob> see <https://grafana.example/d/1|the board> in <#C9|ops>, p99 < 2s";
    const std::string neutral = "@{U1|bob} see [the board](https://grafana.example/d/1) in #ops, p99 < 2s";
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        std::vector<Migration> up_to_9;
        for (const auto& m : hindsight::storage::migrations())
            if (m.version <= 9) up_to_9.push_back(m);
        migrate(db, up_to_9);
        db.exec("INSERT INTO incidents (platform, team, channel, title, summary, state, opened_at) VALUES "
                "('slack', 'T1', 'C1', 'checkout <!here>', '<@U2> rolled back', 'closed', 1), "
                "('mattermost', 'T1', 'C1', 'm <@U1>', '', 'open', 1)");
        SQLite::Statement add(db, "INSERT INTO messages (incident_id, message_id, text, original_text, at_us) "
                                  "VALUES (?, ?, ?, ?, 2)");
        for (auto [incident, id] : {std::pair{1, "m1"}, std::pair{2, "m2"}}) {
            add.bind(1, incident);
            add.bind(2, id);
            add.bind(3, slack_text);
            add.bind(4, slack_text);
            add.exec();
            add.reset();
        }
        db.exec("INSERT INTO key_events (incident_id, at_us, text) VALUES (1, 3, 'paged <@U3>')");
        db.exec("INSERT INTO timeline_curations (incident_id, kind, text, created_at) VALUES (1, 'add', '<!channel> failover', 4)");
        db.exec("INSERT INTO whys (incident_id, n, answer, at_us) VALUES (1, 1, 'no alert on <https://x.example/lag>', 5)");
        db.exec("INSERT INTO action_items (incident_id, owner_id, text, due_at, created_at, state) "
                "VALUES (1, 'U2', 'alert when latency < 100ms for <@U2|bob>', 5, 1, 'open')");
    }
    Database opened(path);
    CHECK(user_version(path) == latest_schema_version());
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    auto text = [&](const std::string& sql) { return db.execAndGet(sql).getString(); };
    CHECK(text("SELECT title FROM incidents WHERE id = 1") == "checkout @here");
    CHECK(text("SELECT summary FROM incidents WHERE id = 1") == "@{U2|} rolled back");
    CHECK(text("SELECT text FROM messages WHERE message_id = 'm1'") == neutral);
    CHECK(text("SELECT original_text FROM messages WHERE message_id = 'm1'") == neutral);
    CHECK(text("SELECT text FROM key_events") == "paged @{U3|}");
    CHECK(text("SELECT text FROM timeline_curations") == "@channel failover");
    CHECK(text("SELECT answer FROM whys") == "no alert on https://x.example/lag");
    CHECK(text("SELECT text FROM action_items") == "alert when latency < 100ms for @{U2|bob}");
    // Another platform's text is its own: left as it was.
    CHECK(text("SELECT title FROM incidents WHERE id = 2") == "m <@U1>");
    CHECK(text("SELECT text FROM messages WHERE message_id = 'm2'") == slack_text);
}

TEST_CASE("schema 12 adds the table of owners matched by e-mail to a schema-11 database, its rows kept") {
    TempDir dir;
    const auto path = dir.file("m.db");
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        std::vector<Migration> up_to_11;
        for (const auto& m : hindsight::storage::migrations())
            if (m.version <= 11) up_to_11.push_back(m);
        migrate(db, up_to_11);
        REQUIRE(db.execAndGet("PRAGMA user_version").getInt() == 11);
        db.exec("INSERT INTO users (platform, team, user_id, display_name) VALUES ('slack', 'T1', 'U1', 'dana')");
    }
    CHECK(schema_objects(path, "table").count("tracker_user_matches") == 0);
    Database opened(path);
    CHECK(user_version(path) == latest_schema_version());
    CHECK(schema_objects(path, "table").count("tracker_user_matches") == 1);
    CHECK(schema_objects(path, "index").count("tracker_user_matches_by_tracker_user") == 1);
    const hindsight::ChannelRef where{hindsight::Platform::slack, "T1", ""};
    opened.store().save_tracker_match({"gh", where, "U1", "dana-gh", hindsight::from_micros(7)});
    CHECK(opened.store().tracker_match_of_tracker_user("gh", where, "dana-gh")->user_id == "U1");
    CHECK(opened.store().user_name(where, "U1") == "dana");
    // Two chat users for one tracker user in a workspace is refused by the schema itself.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    CHECK_THROWS(raw.exec("INSERT INTO tracker_user_matches VALUES ('gh', 'slack', 'T1', 'U2', 'dana-gh', 8)"));
}

TEST_CASE("stored Slack text: every construct, and text that only looks like one") {
    using hindsight::storage::neutral_from_stored_slack;
    CHECK(neutral_from_stored_slack("<@U1> and <@U2|bob> and <@U3|@carol>") == "@{U1|} and @{U2|bob} and @{U3|carol}");
    CHECK(neutral_from_stored_slack("<#C1|ops> <#C2> <!here> <!subteam^S1|@oncall> <!subteam^S2>") ==
          "#ops #C2 @here @oncall @subteam");
    CHECK(neutral_from_stored_slack("<https://x.example/a?b=1&c=2|runbook> <mailto:a@b.example|a@b.example>") ==
          "[runbook](https://x.example/a?b=1&c=2) a@b.example");
    // A '<' that starts no construct stays, whatever follows it.
    for (std::string text : {"latency < 100ms > 50ms", "a <b> c", "<not a link>", "<", "x <@U1", "<@U1\n>", "<>"})
        CHECK(neutral_from_stored_slack(text) == text);
    CHECK(neutral_from_stored_slack("").empty());
}
