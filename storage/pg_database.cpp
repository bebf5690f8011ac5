// The PostgreSQL backend of storage::Database: one writer connection with its
// group-commit thread, a pool of read connections, migrations at open.
#include "bot/core/connection_url.hpp"
#include "storage/database_backend.hpp"
#include "storage/forwarding_store.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_stores.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace hindsight::storage {
namespace {

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

bool is_broken(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const pqxx::broken_connection&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::string default_replica_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::random_device random;
    return std::string(host[0] ? host : "replica") + ":" + std::to_string(::getpid()) + ":" +
           std::to_string(random() % 100000);
}

// The writer: every batch of submitted work in one transaction (BEGIN …
// COMMIT), each item in its own savepoint; `done` only after COMMIT. A lost
// connection fails the batch it hit (and is logged once); the next batch
// connects again, so the service recovers without a restart.
class PgWriteQueue final : public WriteQueue {
public:
    static constexpr std::size_t kMaxBatch = 1024;

    PgWriteQueue(pg::Session& session, std::string shown_url, std::string url)
        : session_(session), shown_(std::move(shown_url)), url_(std::move(url)), writer_([this] { loop(); }) {}
    ~PgWriteQueue() override { stop(); }

    void submit(std::function<void()> work, std::function<void(std::exception_ptr)> done) override {
        enqueue(Item{std::move(work), std::move(done), false});
    }
    void submit_repeatable(std::function<void()> work, std::function<void(std::exception_ptr)> done) override {
        enqueue(Item{std::move(work), std::move(done), true});
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
    }

    std::uint64_t batches() const {
        std::lock_guard lock(mutex_);
        return batches_;
    }
    std::size_t depth() const {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }

private:
    struct Item {
        std::function<void()> work;
        std::function<void(std::exception_ptr)> done;
        bool repeatable = false;  // submit_repeatable: may share a savepoint with its neighbours
    };

    void enqueue(Item item) {
        {
            std::lock_guard lock(mutex_);
            if (!stopping_) {
                queue_.push_back(std::move(item));
                wake_.notify_one();
                return;
            }
        }
        if (item.done) item.done(std::make_exception_ptr(std::runtime_error("database writer is stopped")));
    }

    void loop() {
        std::deque<Item> batch;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;
                while (!queue_.empty() && batch.size() < kMaxBatch) {
                    batch.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
                ++batches_;
            }
            write(batch);
            batch.clear();
        }
    }

    // One transaction: BEGIN, the items, COMMIT. Every round trip counts (the
    // writer waits for each), so:
    // - the statements between two savepoints go as one;
    // - a run of repeatable items (recorded events) shares one savepoint;
    // - COMMIT releases the last savepoint;
    // - when the next batch is already waiting, its BEGIN goes with this
    //   COMMIT (never otherwise: no transaction sits idle).
    // Under load a batch of recorded events thus costs its statements plus
    // one round trip. When one of a run throws, the run is rolled back and
    // each of its items runs again alone, so only the failing one fails.
    void write(std::deque<Item>& batch) {
        std::vector<std::exception_ptr> results(batch.size());
        std::exception_ptr batch_error;
        bool open = begun_;
        begun_ = false;
        try {
            if (!open) {
                session_.run("BEGIN; SAVEPOINT item");
                open = true;
            }
            for (std::size_t begin = 0; begin < batch.size() && !batch_error;) {
                std::size_t end = begin + 1;
                if (batch[begin].repeatable)
                    while (end < batch.size() && batch[end].repeatable) ++end;
                const bool last = end == batch.size();
                if (end - begin == 1 || !run_together(batch, begin, end, last, batch_error))
                    for (std::size_t i = begin; i < end && !batch_error; ++i)
                        run_alone(batch[i], last && i + 1 == end, results[i], batch_error);
                begin = end;
            }
            if (!batch_error) {
                const bool next = waiting();
                session_.run(next ? "COMMIT; BEGIN; SAVEPOINT item" : "COMMIT");
                open = false;
                begun_ = next;
            }
        } catch (...) {
            batch_error = std::current_exception();
        }
        if (batch_error && open && session_.connected()) {
            try {
                session_.run("ROLLBACK");
            } catch (...) {
                session_.reset();
            }
        }
        if (batch_error) {
            const std::string why = scrub_password(describe(batch_error), url_);
            if (!session_.connected()) {
                if (!lost_) spdlog::error("storage: lost the PostgreSQL connection to {}: {}", shown_, why);
                lost_ = true;
            }
            spdlog::error("storage: write batch of {} items not committed: {}", batch.size(), why);
        } else if (lost_) {
            lost_ = false;
            spdlog::info("storage: PostgreSQL connection to {} restored", shown_);
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (!batch[i].done) continue;
            try {
                batch[i].done(batch_error ? batch_error : results[i]);
            } catch (...) {
                spdlog::error("storage: a write completion callback threw: {}", describe(std::current_exception()));
            }
        }
    }

    // Items [begin, end) in the current savepoint, which is then released
    // and the next one set, unless `last` (COMMIT ends it: one round trip
    // less). False when one threw and the
    // savepoint was rolled back: nothing of the run is left, and the savepoint
    // is set again for the items to run alone.
    bool run_together(std::deque<Item>& batch, std::size_t begin, std::size_t end, bool last,
                      std::exception_ptr& batch_error) {
        try {
            for (std::size_t i = begin; i < end; ++i)
                if (batch[i].work) batch[i].work();
            if (!last) session_.run("RELEASE SAVEPOINT item; SAVEPOINT item");
            return true;
        } catch (...) {
            auto error = std::current_exception();
            if (is_broken(error) || !session_.connected()) {
                batch_error = error;
                return true;
            }
            session_.run("ROLLBACK TO SAVEPOINT item");
            spdlog::debug("storage: a run of {} write items failed and is run again item by item: {}", end - begin,
                          scrub_password(describe(error), url_));
            return false;
        }
    }

    // One item in the current savepoint, then released and the next one set
    // unless `last`; rolled back when it throws.
    void run_alone(Item& item, bool last, std::exception_ptr& result, std::exception_ptr& batch_error) {
        try {
            if (item.work) item.work();
            if (!last) session_.run("RELEASE SAVEPOINT item; SAVEPOINT item");
        } catch (...) {
            result = std::current_exception();
            if (is_broken(result) || !session_.connected()) {
                batch_error = result;
                return;
            }
            session_.run(last ? "ROLLBACK TO SAVEPOINT item"
                              : "ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item; SAVEPOINT item");
            spdlog::debug("storage: write item failed and was rolled back: {}", scrub_password(describe(result), url_));
        }
    }

    bool waiting() const {
        std::lock_guard lock(mutex_);
        return !queue_.empty();
    }

    pg::Session& session_;
    const std::string shown_;
    const std::string url_;
    bool lost_ = false;    // writer thread only
    bool begun_ = false;   // writer thread only: the next batch's transaction and first savepoint are open

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::uint64_t batches_ = 0;
    std::thread writer_;  // last
};

// Read connections, lent out one per open_reader() and returned when the
// reader is destroyed. Connections are made on first use.
class Pool {
public:
    Pool(const std::string& url, std::size_t size, std::chrono::milliseconds wait, pg::SessionSettings settings)
        : wait_(wait) {
        settings.read_only = true;
        for (std::size_t i = 0; i < size; ++i) {
            sessions_.push_back(std::make_unique<pg::Session>(url, settings));
            free_.push_back(sessions_.back().get());
        }
    }

    pg::Session& acquire() {
        std::unique_lock lock(mutex_);
        ++waiting_;
        const bool got = returned_.wait_for(lock, wait_, [this] { return !free_.empty(); });
        --waiting_;
        if (!got)
            throw std::runtime_error("no free PostgreSQL connection within " + std::to_string(wait_.count()) +
                                     " ms (storage.pool_size " + std::to_string(sessions_.size()) + ")");
        auto* s = free_.back();
        free_.pop_back();
        return *s;
    }
    void release(pg::Session& s) {
        {
            std::lock_guard lock(mutex_);
            free_.push_back(&s);
        }
        returned_.notify_one();
    }
    void stats(Database::PoolStats& out) const {
        std::lock_guard lock(mutex_);
        out.size = sessions_.size();
        out.in_use = sessions_.size() - free_.size();
        out.waiting = waiting_;
    }

private:
    std::chrono::milliseconds wait_;
    std::vector<std::unique_ptr<pg::Session>> sessions_;
    mutable std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<pg::Session*> free_;
    std::size_t waiting_ = 0;
};

// A reader holding one pooled connection until it is destroyed.
class PooledReader final : public ForwardingStore {
public:
    explicit PooledReader(Pool& pool)
        : ForwardingStore(store_), pool_(pool), session_(pool.acquire()), store_(session_, false) {}
    ~PooledReader() override { pool_.release(session_); }

private:
    Pool& pool_;
    pg::Session& session_;
    pg::IncidentStore store_;
};

// Member order is destruction order in reverse: the queue drains first, then
// the stores, then the connections close.
class PgBackend final : public DatabaseBackend {
public:
    PgBackend(const Database::PostgresOptions& o, const Clock& clock)
        : options_(o),
          shown_(redact_connection_url(o.url)),
          replica_(o.replica.empty() ? default_replica_name() : o.replica),
          writer_(connect_writer(o)),
          store_(*writer_, true, &claims_, replica_),
          outbox_(*writer_, clock, o.lease, replica_, &claims_),
          pool_(o.url, o.pool_size == 0 ? 1 : o.pool_size, o.pool_wait, session_settings(o)),
          queue_(*writer_, shown_, o.url) {}

    IncidentStore& store() override { return store_; }
    OutboxStore& outbox() override { return outbox_; }
    WriteQueue& writes() override { return queue_; }
    std::unique_ptr<IncidentStore> open_reader() override { return std::make_unique<PooledReader>(pool_); }
    bool writable() override {
        auto outcome = std::make_shared<std::promise<bool>>();
        auto result = outcome->get_future();
        queue_.submit([] {}, [outcome](std::exception_ptr error) { outcome->set_value(error == nullptr); });
        return result.wait_for(options_.ready_timeout) == std::future_status::ready && result.get();
    }
    const std::string& path() const override { return shown_; }
    std::uint64_t write_batches() const override { return queue_.batches(); }
    std::size_t write_queue_depth() const override { return queue_.depth(); }
    bool postgres() const override { return true; }
    Database::PoolStats pool_stats() const override {
        Database::PoolStats out;
        pool_.stats(out);
        out.outbox_claims = claims_.outbox;
        out.reminder_claims = claims_.reminders;
        out.outbox_claims_lost = claims_.lost;
        return out;
    }

private:
    // Migrates, then proves the writer can connect: a wrong URL fails here,
    // at start, not on the first write.
    static std::unique_ptr<pg::Session> connect_writer(const Database::PostgresOptions& o) {
        migrate_postgres(o.url);
        return std::make_unique<pg::Session>(o.url, session_settings(o));
    }
    static pg::SessionSettings session_settings(const Database::PostgresOptions& o) {
        pg::SessionSettings s;
        s.statement_timeout = o.statement_timeout;
        s.lock_timeout = o.lock_timeout;
        return s;
    }

    Database::PostgresOptions options_;
    std::string shown_;
    std::string replica_;  // names this replica's outbox and history-merge claims
    pg::ClaimCounters claims_;
    std::unique_ptr<pg::Session> writer_;
    pg::IncidentStore store_;
    pg::Outbox outbox_;
    mutable Pool pool_;
    PgWriteQueue queue_;
};

}  // namespace

std::unique_ptr<DatabaseBackend> open_postgres_backend(const Database::PostgresOptions& options, const Clock& clock) {
    const std::string shown = redact_connection_url(options.url);
    try {
        auto backend = std::make_unique<PgBackend>(options, clock);
        // The first write connects the writer; fail now if it cannot.
        if (!backend->writable()) throw std::runtime_error("the writer cannot commit");
        spdlog::info("storage: PostgreSQL database {} ready (schema version {})", shown,
                     latest_postgres_schema_version());
        return backend;
    } catch (const std::exception& e) {
        const std::string why = scrub_password(e.what(), options.url);
        if (why.starts_with("PostgreSQL database ")) throw std::runtime_error(why);
        throw std::runtime_error("cannot open PostgreSQL database " + shown + ": " + why);
    }
}

}  // namespace hindsight::storage
