#include "storage/database.hpp"

#include "storage/checkpointer.hpp"
#include "storage/database_backend.hpp"
#include "storage/forwarding_store.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_incident_store.hpp"
#include "storage/sqlite_outbox.hpp"
#include "storage/write_queue.hpp"

#include <SQLiteCpp/Database.h>

#include <future>
#include <stdexcept>

namespace hindsight::storage {
namespace {

SQLite::Database open_writer(const std::string& path, const Database::Options& options) {
    // NOMUTEX: the connection is only ever used by one thread at a time (the
    // constructor's, then the writer's), so SQLite's per-call locking is waste.
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
                        static_cast<int>(options.busy_timeout.count()));
    // Reading the journal mode is also the first real read: a file that is not
    // a database fails here, before any write.
    const std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal") throw std::runtime_error("cannot switch to WAL mode (journal_mode is '" + mode + "')");
    // With WAL, synchronous=NORMAL makes COMMIT return once the transaction is
    // written to the WAL file (in the OS page cache), without an fsync: a
    // committed transaction survives kill -9 of this process — what "acked
    // means stored" requires — though not a power loss or kernel crash, which
    // may lose the last commits (never corrupt the database).
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // Statement journals (each INSERT under a savepoint writes the pages it
    // changes to one) spill to a temporary file past 64 KiB: a write item
    // storing a batch of messages under one savepoint would then make a
    // syscall per page. This connection only ever holds small temporary
    // data, so it is kept in memory.
    db.exec("PRAGMA temp_store = MEMORY");
    // Before the writer thread exists: nothing else can be using the connection.
    migrate(db);
    return db;
}

// A read-only connection bundled with the store that uses it; the store's
// statements are finalized before the connection closes.
class ReaderStore final : public ForwardingStore {
public:
    ReaderStore(const std::string& path, int busy_timeout_ms)
        : ForwardingStore(store_), db_(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX, busy_timeout_ms),
          store_(db_) {}

private:
    SQLite::Database db_;
    SqliteIncidentStore store_;
};

}  // namespace

// Member order is destruction order in reverse: the queue stops (draining)
// first, then the stores finalize their statements, then the checkpoints stop
// (the drain's commits may still ask for one), then the connection closes.
struct SqliteBackend final : DatabaseBackend {
    SqliteBackend(const std::string& p, Database::Options o)
        : path_(p),
          options(o),
          writer(open_writer(p, o)),
          checkpointer(writer, p, static_cast<int>(o.busy_timeout.count())),
          store_(writer),
          outbox_(writer),
          queue(writer) {}

    IncidentStore& store() override { return store_; }
    OutboxStore& outbox() override { return outbox_; }
    WriteQueue& writes() override { return queue; }
    std::unique_ptr<IncidentStore> open_reader() override;
    bool writable() override;
    const std::string& path() const override { return path_; }
    std::uint64_t write_batches() const override { return queue.batches(); }
    std::size_t write_queue_depth() const override { return queue.depth(); }

    std::string path_;
    Database::Options options;
    SQLite::Database writer;
    Checkpointer checkpointer;
    SqliteIncidentStore store_;
    SqliteOutboxStore outbox_;
    SqliteWriteQueue queue;
};

std::unique_ptr<IncidentStore> SqliteBackend::open_reader() {
    try {
        return std::make_unique<ReaderStore>(path_, static_cast<int>(options.busy_timeout.count()));
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot open a reader on database '" + path_ + "': " + e.what());
    }
}

bool SqliteBackend::writable() {
    auto outcome = std::make_shared<std::promise<bool>>();
    auto result = outcome->get_future();
    queue.submit([] {}, [outcome](std::exception_ptr error) { outcome->set_value(error == nullptr); });
    return result.wait_for(options.ready_timeout) == std::future_status::ready && result.get();
}

Database::Database(const std::string& path) : Database(path, Options{}) {}

Database::Database(const std::string& path, Options options) {
    try {
        impl_ = std::make_unique<SqliteBackend>(path, options);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot open database '" + path + "': " + e.what());
    }
}

Database::Database(const PostgresOptions& options, const Clock& clock)
    : impl_(open_postgres_backend(options, clock)) {}

Database::~Database() = default;

IncidentStore& Database::store() { return impl_->store(); }
OutboxStore& Database::outbox() { return impl_->outbox(); }
WriteQueue& Database::writes() { return impl_->writes(); }
std::unique_ptr<IncidentStore> Database::open_reader() { return impl_->open_reader(); }
bool Database::writable() { return impl_->writable(); }
const std::string& Database::path() const { return impl_->path(); }
bool Database::postgres() const { return impl_->postgres(); }
Database::PoolStats Database::pool_stats() const { return impl_->pool_stats(); }
std::uint64_t Database::write_batches() const { return impl_->write_batches(); }
std::size_t Database::write_queue_depth() const { return impl_->write_queue_depth(); }

}  // namespace hindsight::storage
