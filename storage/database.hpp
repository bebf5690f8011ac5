// The SQLite database of one deployment: schema, the writer connection with
// its write queue, and read-only connections for everything else.
#pragma once

#include "bot/core/ports.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace hindsight::storage {

class Database {
public:
    struct Options {
        // How long a connection waits for a lock held by another process.
        std::chrono::milliseconds busy_timeout{5000};
        // How long writable() waits for the writer to prove itself.
        std::chrono::milliseconds ready_timeout{2000};
    };

    // Opens (creating if needed) the file, sets WAL + foreign_keys + busy_timeout, runs numbered
    // migrations keyed on PRAGMA user_version. Throws std::runtime_error with a clear message on failure.
    explicit Database(const std::string& path);
    Database(const std::string& path, Options options);
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
    const std::string& path() const;

    // For /metrics: transactions the writer has run, items waiting for it.
    std::uint64_t write_batches() const;
    std::size_t write_queue_depth() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::storage
