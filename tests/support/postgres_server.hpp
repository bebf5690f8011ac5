// The tests' PostgreSQL server (tests/support/postgres_cluster.hpp), one per
// test process, started on first use.
//
// Without a usable server the PostgreSQL tests are skipped with a message —
// except under CI=true, where they fail: CI must never pass by skipping them.
#pragma once

#include "tests/support/postgres_cluster.hpp"

#include <doctest/doctest.h>

namespace hindsight::test {

// The URI of a new empty database, or nullptr after a MESSAGE (skip) — a
// failure instead when CI=true.
inline std::optional<std::string> postgres_database() {
    auto* server = PostgresServer::instance();
    if (!server) {
        const char* ci = std::getenv("CI");
        if (ci && std::string(ci) == "true") FAIL("PostgreSQL test server did not start: " << PostgresServer::reason());
        MESSAGE("skipped: no PostgreSQL test server: " << PostgresServer::reason());
        return std::nullopt;
    }
    return server->fresh_database();
}

}  // namespace hindsight::test
