// Internal to storage/: what a Database is made of, per backend.
#pragma once

#include "storage/database.hpp"

namespace hindsight::storage {

class DatabaseBackend {
public:
    virtual ~DatabaseBackend() = default;
    virtual IncidentStore& store() = 0;
    virtual OutboxStore& outbox() = 0;
    virtual WriteQueue& writes() = 0;
    virtual std::unique_ptr<IncidentStore> open_reader() = 0;
    virtual bool writable() = 0;
    virtual const std::string& path() const = 0;
    virtual std::uint64_t write_batches() const = 0;
    virtual std::size_t write_queue_depth() const = 0;
    virtual bool postgres() const { return false; }
    virtual Database::PoolStats pool_stats() const { return {}; }
};

std::unique_ptr<DatabaseBackend> open_postgres_backend(const Database::PostgresOptions& options, const Clock& clock);

}  // namespace hindsight::storage
