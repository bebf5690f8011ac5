// The single database writer: one thread, group commit, one savepoint per item.
#pragma once

#include "bot/core/ports.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace hindsight::storage {

// Takes everything queued (up to max_batch items), runs it in one
// BEGIN IMMEDIATE … COMMIT, each item inside its own savepoint, and only then
// calls the items' `done`. One fsync-free commit (WAL, synchronous=NORMAL) per
// batch instead of one per item is what makes ingest fast.
//
// Do not wait for the queue (run()) from inside work or a done callback: both
// run on the writer thread.
class SqliteWriteQueue final : public WriteQueue {
public:
    static constexpr std::size_t kMaxBatch = 1024;

    // `db` must outlive the queue; while the queue runs, only the writer thread
    // may use it.
    explicit SqliteWriteQueue(SQLite::Database& db, std::size_t max_batch = kMaxBatch);
    ~SqliteWriteQueue() override;  // stop()

    // `done` may be empty. After stop(), `done` is called at once (on the
    // calling thread) with an error.
    void submit(std::function<void()> work, std::function<void(std::exception_ptr)> done) override;

    // Runs what is already queued, then ends the writer thread. Idempotent.
    void stop();

    // Transactions attempted so far (committed or not), for metrics.
    std::uint64_t batches() const;
    // Items waiting for the writer.
    std::size_t depth() const;

private:
    struct Item {
        std::function<void()> work;
        std::function<void(std::exception_ptr)> done;
    };
    struct Statements;

    void writer_loop();
    void write_batch(std::deque<Item>& batch);
    bool in_transaction() const;

    SQLite::Database& db_;
    const std::size_t max_batch_;
    std::unique_ptr<Statements> statements_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::uint64_t batches_ = 0;

    std::thread writer_;  // last: starts after everything above exists
};

}  // namespace hindsight::storage
