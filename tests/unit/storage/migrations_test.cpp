#include "storage/database.hpp"
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
