#include "backends.hpp"
#include "fixtures.hpp"
#include "storage/database.hpp"
#include "storage/write_queue.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;
using hindsight::storage::SqliteWriteQueue;
using hindsight::test::TempDir;

namespace {

// A raw WAL database with one table, for exercising the queue on its own.
struct RawDb {
    explicit RawDb(const std::string& p, int busy_ms = 5000)
        : path(p), db(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, busy_ms) {
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA foreign_keys = ON");
        db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
        db.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
        db.exec("CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
    }
    void insert(int x) {
        SQLite::Statement s(db, "INSERT INTO t (x) VALUES (?)");
        s.bind(1, x);
        s.exec();
    }
    std::string path;
    SQLite::Database db;
};

// What a brand-new connection sees: the committed state of the file.
std::vector<int> committed_rows(const std::string& path) {
    SQLite::Database fresh(path, SQLite::OPEN_READONLY);
    SQLite::Statement q(fresh, "SELECT x FROM t ORDER BY x");
    std::vector<int> rows;
    while (q.executeStep()) rows.push_back(q.getColumn(0).getInt());
    return rows;
}

// Holds the writer thread inside a work item until released, so that the
// items submitted meanwhile queue up and form the next batch.
class Gate {
public:
    explicit Gate(SqliteWriteQueue& queue) {
        auto released = release_.get_future().share();
        queue.submit(
            [this, released] {
                entered_.set_value();
                released.wait_for(std::chrono::seconds(30));
            },
            {});
        auto entered = entered_.get_future();
        await(entered);
    }
    ~Gate() { open(); }
    void open() {
        if (!opened_) release_.set_value();
        opened_ = true;
    }

private:
    std::promise<void> entered_;
    std::promise<void> release_;
    bool opened_ = false;
};

// Collects the outcome of each submitted item.
struct Outcomes {
    explicit Outcomes(std::size_t n) : promises(n) {
        for (auto& p : promises) futures.push_back(p.get_future());
    }
    std::function<void(std::exception_ptr)> done(std::size_t i) {
        return [this, i](std::exception_ptr e) { promises[i].set_value(e); };
    }
    std::exception_ptr result(std::size_t i) { return await(futures[i]); }
    std::vector<std::promise<std::exception_ptr>> promises;
    std::vector<std::future<std::exception_ptr>> futures;
};

std::string what(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    }
}

}  // namespace

TEST_CASE("write queue: items queued while the writer is busy commit together, done after COMMIT") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db);

    constexpr int kItems = 10;
    Outcomes outcomes(kItems);
    std::vector<std::vector<int>> seen_at_done(kItems);
    std::uint64_t batches_before = 0;
    {
        Gate gate(queue);
        batches_before = queue.batches();
        for (int i = 0; i < kItems; ++i) {
            queue.submit([&raw, i] { raw.insert(i); },
                         [&, i](std::exception_ptr e) {
                             seen_at_done[i] = committed_rows(raw.path);
                             outcomes.promises[i].set_value(e);
                         });
        }
        CHECK(queue.depth() == kItems);
    }
    for (int i = 0; i < kItems; ++i) CHECK_FALSE(outcomes.result(i));
    CHECK(queue.batches() == batches_before + 1);  // all ten in one transaction
    const std::vector<int> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int i = 0; i < kItems; ++i) CHECK(seen_at_done[i] == all);
}

TEST_CASE("write queue: a throwing item rolls back alone while its batch-mates commit") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db);
    Outcomes outcomes(3);
    {
        Gate gate(queue);
        queue.submit([&] { raw.insert(1); }, outcomes.done(0));
        queue.submit(
            [&] {
                raw.insert(2);
                throw std::invalid_argument("bad item");
            },
            outcomes.done(1));
        queue.submit([&] { raw.insert(3); }, outcomes.done(2));
    }
    CHECK_FALSE(outcomes.result(0));
    auto failed = outcomes.result(1);
    REQUIRE(failed);
    CHECK_THROWS_AS(std::rethrow_exception(failed), std::invalid_argument);
    CHECK_FALSE(outcomes.result(2));
    CHECK(committed_rows(raw.path) == std::vector<int>{1, 3});
}

TEST_CASE("write queue: a failing SQL statement inside an item rolls back only that item") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db);
    Outcomes outcomes(2);
    {
        Gate gate(queue);
        queue.submit(
            [&] {
                raw.insert(5);
                raw.insert(5);  // primary key violation
            },
            outcomes.done(0));
        queue.submit([&] { raw.insert(6); }, outcomes.done(1));
    }
    CHECK(outcomes.result(0));
    CHECK_FALSE(outcomes.result(1));
    CHECK(committed_rows(raw.path) == std::vector<int>{6});
}

TEST_CASE("write queue: run() returns after COMMIT and rethrows the work's exception") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db);

    queue.run([&] { raw.insert(7); });
    CHECK(committed_rows(raw.path) == std::vector<int>{7});

    CHECK_THROWS_WITH_AS(queue.run([] { throw std::out_of_range("no such action item"); }),
                         "no such action item", std::out_of_range);
}

TEST_CASE("write queue: when COMMIT fails, every item of the batch hears the error and nothing is stored") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db);
    Outcomes outcomes(2);
    {
        Gate gate(queue);
        queue.submit([&] { raw.insert(1); }, outcomes.done(0));
        // A deferred foreign key is only checked at COMMIT.
        queue.submit([&] { raw.db.exec("INSERT INTO child (p) VALUES (99)"); }, outcomes.done(1));
    }
    auto first = outcomes.result(0);
    auto second = outcomes.result(1);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(what(first).find("FOREIGN KEY") != std::string::npos);
    CHECK(committed_rows(raw.path).empty());

    // The writer recovers: the next batch commits.
    queue.run([&] { raw.insert(2); });
    CHECK(committed_rows(raw.path) == std::vector<int>{2});
}

TEST_CASE("write queue: when the write lock cannot be taken, the batch fails and later batches succeed") {
    TempDir dir;
    RawDb raw(dir.file("q.db"), /*busy_ms=*/20);
    SqliteWriteQueue queue(raw.db);

    SQLite::Database other(raw.path, SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    CHECK_THROWS_WITH_AS(queue.run([&] { raw.insert(1); }), doctest::Contains("locked"), SQLite::Exception);
    other.exec("ROLLBACK");

    queue.run([&] { raw.insert(2); });
    CHECK(committed_rows(raw.path) == std::vector<int>{2});
}

TEST_CASE("write queue: batches are capped at max_batch items") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db, 3);
    Outcomes outcomes(7);
    std::uint64_t before = 0;
    {
        Gate gate(queue);
        before = queue.batches();
        for (int i = 0; i < 7; ++i) queue.submit([&raw, i] { raw.insert(i); }, outcomes.done(i));
    }
    for (int i = 0; i < 7; ++i) CHECK_FALSE(outcomes.result(i));
    CHECK(queue.batches() == before + 3);  // 3 + 3 + 1
    CHECK(committed_rows(raw.path).size() == 7);
}

TEST_CASE("write queue: stop() commits what is queued and later submissions fail at once") {
    TempDir dir;
    RawDb raw(dir.file("q.db"));
    SqliteWriteQueue queue(raw.db);
    Outcomes outcomes(5);
    {
        Gate gate(queue);
        for (int i = 0; i < 5; ++i) queue.submit([&raw, i] { raw.insert(i); }, outcomes.done(i));
    }
    queue.stop();
    for (int i = 0; i < 5; ++i) CHECK_FALSE(outcomes.result(i));
    CHECK(committed_rows(raw.path).size() == 5);

    bool ran = false;
    std::exception_ptr refused;
    queue.submit([&] { ran = true; }, [&](std::exception_ptr e) { refused = e; });
    CHECK_FALSE(ran);
    REQUIRE(refused);
    CHECK(what(refused).find("stopped") != std::string::npos);
    CHECK_THROWS(queue.run([] {}));
}

TEST_CASE("Database: concurrent submitters, each done fires once its data is visible to a fresh reader") {
    for_each_store([&](const Store& store) {
    auto owner = store.open();
    auto& db = *owner;
    const auto id = db.store().create_incident(incident());
    Store::Watcher watcher(store);  // used on the writer thread only

    constexpr int kThreads = 4;
    constexpr int kPerThread = 100;
    std::atomic<int> invisible_at_done{0};
    std::atomic<int> failed{0};
    std::vector<std::promise<void>> finished(kThreads);
    std::vector<std::future<void>> all_finished;
    for (auto& f : finished) all_finished.push_back(f.get_future());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::future<void>> mine;
            for (int i = 0; i < kPerThread; ++i) {
                const auto message_id = std::to_string(t) + "-" + std::to_string(i);
                auto acked = std::make_shared<std::promise<void>>();
                mine.push_back(acked->get_future());
                db.writes().submit(
                    [&db, id, message_id] {
                        if (!db.store().remember_delivery("ev-" + message_id, kT0))
                            throw std::logic_error("duplicate");
                        db.store().insert_message(message(id, message_id, kT0));
                    },
                    [&, message_id, acked](std::exception_ptr e) {
                        if (e) ++failed;
                        if (watcher.scalar("SELECT count(*) FROM messages WHERE message_id = '" + message_id + "'") != 1)
                            ++invisible_at_done;
                        acked->set_value();
                    });
            }
            for (auto& f : mine) f.wait();
            finished[t].set_value();
        });
    }
    for (auto& f : all_finished) await(f, std::chrono::seconds(60));
    for (auto& t : threads) t.join();

    CHECK(failed == 0);
    CHECK(invisible_at_done == 0);
    CHECK(db.open_reader()->count_messages(id) == kThreads * kPerThread);
    CHECK(db.write_batches() >= 1);
    });
}

TEST_CASE("Database: writable() is true while the writer can take the write lock") {
    TempDir dir;
    const auto path = dir.file("h.db");
    Database::Options options;
    options.busy_timeout = std::chrono::milliseconds(20);
    options.ready_timeout = std::chrono::seconds(20);
    Database db(path, options);
    CHECK(db.writable());

    SQLite::Database other(path, SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    CHECK_FALSE(db.writable());
    other.exec("ROLLBACK");
    CHECK(db.writable());
}

TEST_CASE("Database: the destructor commits writes still queued") {
    for_each_store([&](const Store& store) {
        std::int64_t id = 0;
        {
            auto db = store.open();
            id = db->store().create_incident(incident());
            for (int i = 0; i < 50; ++i) {
                db->writes().submit(
                    [db = db.get(), id, i] { db->store().insert_message(message(id, std::to_string(i), kT0)); }, {});
            }
        }
        auto reopened = store.open();
        CHECK(reopened->open_reader()->count_messages(id) == 50);
    });
}
