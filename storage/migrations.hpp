// Numbered schema migrations keyed on PRAGMA user_version.
#pragma once

#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace hindsight::storage {

struct Migration {
    int version;      // 1, 2, 3 … in order; becomes PRAGMA user_version once applied
    const char* sql;  // one or more statements (may be empty)
    // Rewrites stored data the SQL cannot, after it, in the same transaction.
    void (*data)(SQLite::Database&) = nullptr;
};

// The schema history of this build, oldest first.
const std::vector<Migration>& migrations();
int latest_schema_version();

// Brings the database up to the last migration in `steps`, each step in its own
// transaction (a failing step leaves the previous version intact). Throws
// std::runtime_error when the database is newer than `steps` knows, or a step fails.
void migrate(SQLite::Database& db, const std::vector<Migration>& steps = migrations());

}  // namespace hindsight::storage
