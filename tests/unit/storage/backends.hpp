// The store contract runs against every backend: a Database on a SQLite temp
// file, and one on a fresh database of the throw-away PostgreSQL test server
// (tests/support/postgres_server.hpp; skipped without one, failed under CI).
#pragma once

#include "bot/core/time.hpp"
#include "storage/database.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <memory>
#include <string>
#include <vector>

namespace hindsight::storage_test {

// A clock for the PostgreSQL outbox leases in tests that do not care.
inline const Clock& test_clock() {
    static SystemClock clock;
    return clock;
}

// Calls f(Database&, backend name) once per backend, each on a new empty database.
template <class F>
void for_each_backend(F f) {
    {
        INFO("backend: sqlite");
        hindsight::test::TempDir dir;
        storage::Database db(dir.file("h.db"));
        f(db, std::string("sqlite"));
    }
    if (auto url = hindsight::test::postgres_database()) {
        INFO("backend: postgres");
        storage::Database::PostgresOptions options;
        options.url = *url;
        storage::Database db(options, test_clock());
        f(db, std::string("postgres"));
    }
}

// A database of one backend that can be opened again (a restart), and read
// through a connection of the test's own, not the product's.
struct Store {
    std::string backend;   // "sqlite" or "postgres"
    std::string location;  // the file, or the connection URI

    std::unique_ptr<storage::Database> open() const {
        if (backend == "sqlite") return std::make_unique<storage::Database>(location);
        storage::Database::PostgresOptions options;
        options.url = location;
        return std::make_unique<storage::Database>(options, test_clock());
    }

    // The first column of every row of `sql` (written to suit both SQL dialects).
    std::vector<std::int64_t> column(const std::string& sql) const {
        std::vector<std::int64_t> out;
        if (backend == "sqlite") {
            SQLite::Database db(location, SQLite::OPEN_READONLY);
            SQLite::Statement q(db, sql);
            while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
        } else {
            pqxx::connection db(location);
            pqxx::nontransaction q(db);
            for (const auto& row : q.exec(sql)) out.push_back(row[0].as<std::int64_t>());
        }
        return out;
    }
    std::int64_t scalar(const std::string& sql) const { return column(sql).at(0); }

    // A connection of the test's own kept open, outside any transaction: each
    // query sees everything committed before it started.
    class Watcher {
    public:
        explicit Watcher(const Store& store) {
            if (store.backend == "sqlite")
                sqlite_ = std::make_unique<SQLite::Database>(store.location, SQLite::OPEN_READONLY);
            else
                pg_ = std::make_unique<pqxx::connection>(store.location);
        }
        std::int64_t scalar(const std::string& sql) {
            if (sqlite_) return sqlite_->execAndGet(sql).getInt64();
            pqxx::nontransaction q(*pg_);
            return q.exec(sql)[0][0].as<std::int64_t>();
        }

    private:
        std::unique_ptr<SQLite::Database> sqlite_;
        std::unique_ptr<pqxx::connection> pg_;
    };
};

// Calls f(const Store&) once per backend, each with a new empty database.
template <class F>
void for_each_store(F f) {
    {
        INFO("backend: sqlite");
        hindsight::test::TempDir dir;
        f(Store{"sqlite", dir.file("h.db")});
    }
    if (auto url = hindsight::test::postgres_database()) {
        INFO("backend: postgres");
        f(Store{"postgres", *url});
    }
}

}  // namespace hindsight::storage_test
