// Online backup and offline restore of the SQLite database.
#pragma once

#include <string>

namespace hindsight::storage {

// Copies the database at `source_db` to `destination` while the service may be
// running. The copy is one consistent snapshot: everything committed before the
// copy began, nothing half-committed. It goes to a temporary file in the
// destination's directory, passes PRAGMA integrity_check, is synced and only
// then renamed over `destination` — a failure never leaves a partial file, and
// an existing destination is replaced only by a complete, checked copy.
// The copy is a single self-contained file (rollback-journal mode, no -wal).
// Throws std::runtime_error saying which step failed.
void backup(const std::string& source_db, const std::string& destination);

// Replaces the contents of the database at `db_path` (created if missing) with
// the backup file `backup_file`, in one transaction. Refuses — std::runtime_error,
// nothing changed — when the backup fails PRAGMA integrity_check, is not a
// Hindsight database, comes from a newer schema than this build knows, or when
// any other connection or process has `db_path` open (the service must be
// stopped: restore takes an exclusive lock on the database file and holds it
// for the whole copy, so the service cannot start half-way through).
void restore(const std::string& backup_file, const std::string& db_path);

}  // namespace hindsight::storage
