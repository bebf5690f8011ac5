#include "fixtures.hpp"
#include "storage/backup.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <stdexcept>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;
using hindsight::test::TempDir;
namespace fs = std::filesystem;

namespace {

// About 1 KiB per message, so a few thousand span several backup steps.
const std::string kLongText(1000, 'x');

std::int64_t seed(Database& db, int messages) {
    std::int64_t id = 0;
    db.writes().run([&] {
        id = db.store().create_incident(incident());
        for (int i = 0; i < messages; ++i)
            db.store().insert_message(message(id, std::to_string(i), kT0 + std::chrono::seconds(i), kLongText));
    });
    return id;
}

std::vector<std::string> integrity(const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement check(db, "PRAGMA integrity_check");
    std::vector<std::string> rows;
    while (check.executeStep()) rows.push_back(check.getColumn(0).getString());
    return rows;
}

const std::vector<std::string> kIntact{"ok"};

std::set<std::string> entries(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
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

TEST_CASE("a backup under steady writes holds everything committed before it began, as one consistent snapshot") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    Database db(path);
    const auto id = seed(db, 6000);  // ~6 MB: more than one 4 MiB step

    // The writer keeps committing one message at a time until the backup has
    // returned (capped by a count, so a broken backup can't spin it forever).
    constexpr int kCap = 200000;
    std::atomic<int> committed{0};
    std::atomic<bool> backup_done{false};
    std::promise<void> writing;
    std::thread writer([&] {
        for (int i = 0; i < kCap && !backup_done; ++i) {
            db.writes().run([&] {
                db.store().insert_message(message(id, std::to_string(6000 + i), kT0 + std::chrono::hours(2)));
            });
            if (committed.fetch_add(1) == 9) writing.set_value();
        }
    });
    auto started = writing.get_future();
    await(started);  // ten commits in: the load is real before the copy starts

    const int committed_before = committed.load();
    std::string error = error_of([&] { storage::backup(path, copy); });
    backup_done = true;
    writer.join();
    REQUIRE(error == "");

    CHECK(integrity(copy) == kIntact);
    Database restored(copy);
    auto reader = restored.open_reader();
    auto got = reader->messages(id);
    // Consistent: messages are committed in order, so the copy holds exactly
    // the first n of them — no gaps, nothing torn.
    std::set<int> numbers;
    for (const auto& m : got) numbers.insert(std::stoi(m.message_id));
    REQUIRE_FALSE(numbers.empty());
    CHECK(*numbers.begin() == 0);
    CHECK(*numbers.rbegin() == static_cast<int>(numbers.size()) - 1);
    CHECK(numbers.size() >= static_cast<std::size_t>(6000 + committed_before));
    CHECK(numbers.size() <= static_cast<std::size_t>(6000 + committed.load()));
    // The source is unharmed and still takes writes.
    db.writes().run([&] { db.store().insert_message(message(id, "after", kT0 + std::chrono::hours(3))); });
    CHECK(integrity(path) == kIntact);
}

TEST_CASE("a backup completes while the writer holds an open transaction, without its uncommitted rows") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    Database db(path);
    const auto id = seed(db, 10);

    std::promise<void> inside, release;
    auto inside_f = inside.get_future();
    auto release_f = release.get_future().share();
    std::promise<void> committed;
    auto committed_f = committed.get_future();
    db.writes().submit(
        [&] {
            db.store().insert_message(message(id, "uncommitted", kT0 + std::chrono::hours(1)));
            inside.set_value();
            release_f.wait();
        },
        [&](std::exception_ptr) { committed.set_value(); });
    await(inside_f);

    auto copied = std::async(std::launch::async, [&] { storage::backup(path, copy); });
    const bool finished = copied.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    release.set_value();  // let the writer commit whatever happened
    await(committed_f);
    REQUIRE(finished);
    copied.get();

    Database restored(copy);
    CHECK(restored.open_reader()->count_messages(id) == 10);
    CHECK(db.open_reader()->count_messages(id) == 11);
}

TEST_CASE("a backup to a missing directory fails and writes nothing") {
    TempDir dir;
    const auto path = dir.file("h.db");
    { Database db(path); seed(db, 3); }
    const auto before = entries(dir.path());

    const auto error = error_of([&] { storage::backup(path, dir.file("missing/copy.db")); });
    CHECK(error.find("directory " + dir.file("missing") + " does not exist") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("missing")));
    CHECK(entries(dir.path()) == before);
}

TEST_CASE("a backup that fails mid-way leaves no temporary file and the old destination untouched") {
    TempDir dir;
    const auto garbage = dir.file("not-a-db");
    std::ofstream(garbage) << std::string(8192, 'g');
    const auto copy = dir.file("copy.db");
    std::ofstream(copy) << "previous backup";
    const auto before = entries(dir.path());

    const auto error = error_of([&] { storage::backup(garbage, copy); });
    CHECK(error.find("backup of " + garbage + " to " + copy + " failed") != std::string::npos);
    CHECK(entries(dir.path()) == before);  // no .copy.db.tmp-*, no -journal
    std::ifstream in(copy);
    std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(old == "previous backup");
}

TEST_CASE("a backup replaces an existing destination, and is one self-contained file") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    std::ofstream(copy) << "previous backup";
    std::int64_t id = 0;
    { Database db(path); id = seed(db, 7); }

    storage::backup(path, copy);

    // Closed cleanly, nothing else has it open: no side files next to either.
    CHECK(entries(dir.path()) == std::set<std::string>{"h.db", "copy.db"});
    {
        SQLite::Database raw(copy, SQLite::OPEN_READONLY);
        CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "delete");
    }
    Database restored(copy);
    CHECK(restored.open_reader()->count_messages(id) == 7);
}

TEST_CASE("backup refuses a missing source and the database itself as destination") {
    TempDir dir;
    const auto path = dir.file("h.db");
    CHECK(error_of([&] { storage::backup(path, dir.file("copy.db")); }).find("no database at " + path) !=
          std::string::npos);
    CHECK_FALSE(fs::exists(path));
    { Database db(path); seed(db, 1); }
    CHECK(error_of([&] { storage::backup(path, path); }).find("the destination is the database itself") !=
          std::string::npos);
    CHECK(integrity(path) == kIntact);
}

TEST_CASE("restore replaces the database with the backup") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    std::int64_t id = 0;
    {
        Database db(path);
        id = seed(db, 5);
        storage::backup(path, copy);
        db.writes().run([&] { db.store().insert_message(message(id, "later", kT0 + std::chrono::hours(1))); });
        CHECK(db.open_reader()->count_messages(id) == 6);
    }

    storage::restore(copy, path);

    CHECK(entries(dir.path()) == std::set<std::string>{"h.db", "copy.db"});  // no -wal/-shm left behind
    CHECK(integrity(path) == kIntact);
    Database db(path);
    CHECK(db.open_reader()->count_messages(id) == 5);
    db.writes().run([&] { db.store().insert_message(message(id, "again", kT0 + std::chrono::hours(1))); });
    CHECK(db.open_reader()->count_messages(id) == 6);
}

TEST_CASE("restore creates a missing database") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    std::int64_t id = 0;
    { Database db(path); id = seed(db, 4); }
    storage::backup(path, copy);
    fs::remove(path);

    storage::restore(copy, path);

    Database db(path);
    CHECK(db.open_reader()->count_messages(id) == 4);
}

TEST_CASE("restore refuses while this process has the database open") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    Database db(path);
    const auto id = seed(db, 5);
    storage::backup(path, copy);
    db.writes().run([&] { db.store().insert_message(message(id, "later", kT0 + std::chrono::hours(1))); });

    const auto error = error_of([&] { storage::restore(copy, path); });
    CHECK(error.find("database " + path + " is in use") != std::string::npos);
    CHECK(db.open_reader()->count_messages(id) == 6);
    CHECK(db.writable());
}

TEST_CASE("restore refuses while another process has the database open, even idle") {
    TempDir dir;
    const auto path = dir.file("h.db");
    const auto copy = dir.file("copy.db");
    std::int64_t id = 0;
    {
        Database db(path);
        id = seed(db, 5);
        storage::backup(path, copy);
        db.writes().run([&] { db.store().insert_message(message(id, "later", kT0 + std::chrono::hours(1))); });
    }

    int ready[2], finish[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(finish) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        ::close(finish[1]);
        try {
            Database db(path);
            char c = 'r';
            if (::write(ready[1], &c, 1) != 1) ::_exit(3);
            ::read(finish[0], &c, 1);  // until the parent closes its end
        } catch (...) {
            ::_exit(4);
        }
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(finish[0]);
    char c = 0;
    const bool child_ready = ::read(ready[0], &c, 1) == 1;  // EOF if the child died

    const auto error = child_ready ? error_of([&] { storage::restore(copy, path); }) : "";
    ::close(finish[1]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::close(ready[0]);
    REQUIRE(child_ready);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(error.find("is in use") != std::string::npos);

    Database db(path);
    CHECK(db.open_reader()->count_messages(id) == 6);
}

TEST_CASE("restore refuses a file that is not a Hindsight backup, or one from a newer schema") {
    TempDir dir;
    const auto path = dir.file("h.db");
    std::int64_t id = 0;
    { Database db(path); id = seed(db, 2); }

    SUBCASE("an empty SQLite database") {
        const auto other = dir.file("other.db");
        { SQLite::Database raw(other, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); raw.exec("CREATE TABLE t(x)"); }
        CHECK(error_of([&] { storage::restore(other, path); }).find("is not a Hindsight database") !=
              std::string::npos);
    }
    SUBCASE("not a database at all") {
        const auto other = dir.file("other.db");
        std::ofstream(other) << std::string(8192, 'g');
        CHECK(error_of([&] { storage::restore(other, path); }).find("restore of " + other) != std::string::npos);
    }
    SUBCASE("a newer schema") {
        const auto newer = dir.file("newer.db");
        storage::backup(path, newer);
        {
            SQLite::Database raw(newer, SQLite::OPEN_READWRITE);
            raw.exec("PRAGMA user_version = " + std::to_string(storage::latest_schema_version() + 1));
        }
        CHECK(error_of([&] { storage::restore(newer, path); }).find("newer than this build knows") !=
              std::string::npos);
    }
    SUBCASE("a missing file") {
        CHECK(error_of([&] { storage::restore(dir.file("nope.db"), path); }).find("no backup at") !=
              std::string::npos);
    }

    Database db(path);
    CHECK(db.open_reader()->count_messages(id) == 2);
}
