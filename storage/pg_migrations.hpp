// The PostgreSQL schema, as numbered migrations of its own (independent of
// the SQLite ones). A table records each version applied; replicas starting
// at once take an advisory lock, so each migration runs exactly once.
#pragma once

#include <string>

namespace hindsight::storage {

int latest_postgres_schema_version();

// Connects to `url`, waits for the migration lock, applies what is missing,
// releases the lock. Throws std::runtime_error (the password never in it).
void migrate_postgres(const std::string& url);

}  // namespace hindsight::storage
