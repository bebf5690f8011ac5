// The database of one deployment: schema, the writer connection with its
// write queue, and read connections for everything else. SQLite (a file, one
// process) or PostgreSQL (shared by several replicas).
#pragma once

#include "bot/core/ports.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace hindsight::storage {

class DatabaseBackend;

class Database {
public:
    struct Options {
        // How long a connection waits for a lock held by another process.
        std::chrono::milliseconds busy_timeout{5000};
        // How long writable() waits for the writer to prove itself.
        std::chrono::milliseconds ready_timeout{2000};
    };

    // PostgreSQL: `url` is a libpq connection URI (its password is never
    // logged); `replica` names this process in outbox claims (default: host
    // name, pid and a random part).
    struct PostgresOptions {
        std::string url;
        std::size_t pool_size = 4;  // read connections; the writer has its own
        Duration lease = std::chrono::seconds(60);
        std::string replica;
        std::chrono::milliseconds ready_timeout{2000};
        std::chrono::milliseconds pool_wait{10000};  // a reader waits this long for a free connection
        // Per connection (writer and readers): the longest one statement may
        // run, and the longest it may wait for a lock another replica holds,
        // before it fails with an error. 0 = no limit.
        std::chrono::milliseconds statement_timeout{30000};
        std::chrono::milliseconds lock_timeout{5000};
    };
    // For /metrics.
    struct PoolStats {
        std::size_t size = 0;     // read connections in the pool
        std::size_t in_use = 0;   // lent out now
        std::size_t waiting = 0;  // callers waiting for one
        std::uint64_t outbox_claims = 0;    // outbox rows this replica claimed for delivery
        std::uint64_t reminder_claims = 0;  // action items / incidents this replica's scans claimed
        std::uint64_t outbox_claims_lost = 0;  // send results discarded: the lease had passed to another replica
    };

    // Opens (creating if needed) the file, sets WAL + foreign_keys + busy_timeout, runs numbered
    // migrations keyed on PRAGMA user_version. Throws std::runtime_error with a clear message on failure.
    explicit Database(const std::string& path);
    Database(const std::string& path, Options options);
    // Connects, runs the PostgreSQL migrations (once across replicas, under an
    // advisory lock), starts the writer. `clock` (outbox leases) must outlive it.
    Database(const PostgresOptions& options, const Clock& clock);
    ~Database();  // drains pending writes (commits them), stops the writer thread
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    IncidentStore& store();     // on the writer connection: use ONLY inside writes() work (or before/after any work runs)
    OutboxStore& outbox();      // same writer connection, same rule
    WriteQueue& writes();       // the single writer thread with group commit
    // A separate read-only connection (WAL lets it read while the writer writes), for HTTP GET routes and the
    // outbox delivery thread's reads. Each call opens a new one; each returned object is used by one thread.
    std::unique_ptr<IncidentStore> open_reader();
    // For /readyz: the writer takes the write lock (BEGIN IMMEDIATE … COMMIT of
    // an empty item) within ready_timeout.
    bool writable();
    const std::string& path() const;  // the file, or the PostgreSQL URL with its password redacted
    bool postgres() const;
    PoolStats pool_stats() const;  // all zero for SQLite

    // For /metrics: transactions the writer has run, items waiting for it.
    std::uint64_t write_batches() const;
    std::size_t write_queue_depth() const;

private:
    std::unique_ptr<DatabaseBackend> impl_;
};

}  // namespace hindsight::storage
