// The store contract runs against every backend: a Database on a SQLite temp
// file, and one on a fresh database of the throw-away PostgreSQL test server
// (tests/support/postgres_server.hpp; skipped without one, failed under CI).
#pragma once

#include "bot/core/time.hpp"
#include "storage/database.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>

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

}  // namespace hindsight::storage_test
