// `hindsight migrate-store`: copies a SQLite database into a PostgreSQL one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::storage {

struct StoreCopy {
    // (table, rows) for every table copied, in copy order.
    std::vector<std::pair<std::string, std::int64_t>> tables;
};

// Everything — incidents, messages with their edits and tombstones, key
// events, curations, whys, factors, action items, display names, delivery
// keys, the outbox with its delivery records and the web links' secret (so
// signed links keep working; it replaces any secret the target has) — read in one SQLite read
// transaction (a consistent snapshot, even while a service writes) and written
// in one PostgreSQL transaction, ids kept and the id sequences moved past
// them. Every table's row count is compared before COMMIT; any difference
// rolls the whole copy back. The source is brought to the current SQLite
// schema first. A target holding any row (a link secret aside) is refused unless `force`, which
// empties it first (inside the same transaction). Throws std::runtime_error
// (no password in it); the target is unchanged then.
StoreCopy copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& postgres_url, bool force);

}  // namespace hindsight::storage
