#include "storage/write_queue.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <stdexcept>
#include <vector>

namespace hindsight::storage {

// The transaction-control statements, prepared once: at 20k items/s the
// savepoint pair alone would otherwise be 40k compilations per second.
struct SqliteWriteQueue::Statements {
    explicit Statements(SQLite::Database& db)
        : begin(db, "BEGIN IMMEDIATE"),
          commit(db, "COMMIT"),
          rollback(db, "ROLLBACK"),
          savepoint(db, "SAVEPOINT item"),
          release(db, "RELEASE item"),
          rollback_to(db, "ROLLBACK TO item") {}

    SQLite::Statement begin, commit, rollback, savepoint, release, rollback_to;
};

namespace {

void run_statement(SQLite::Statement& s) {
    struct ResetOnExit {
        SQLite::Statement& s;
        ~ResetOnExit() { s.tryReset(); }
    } reset{s};
    s.exec();
}

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

}  // namespace

SqliteWriteQueue::SqliteWriteQueue(SQLite::Database& db, std::size_t max_batch)
    : db_(db),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      statements_(std::make_unique<Statements>(db)),
      writer_([this] { writer_loop(); }) {}

SqliteWriteQueue::~SqliteWriteQueue() { stop(); }

void SqliteWriteQueue::submit(std::function<void()> work, std::function<void(std::exception_ptr)> done) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(Item{std::move(work), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    if (done) done(std::make_exception_ptr(std::runtime_error("database writer is stopped")));
}

void SqliteWriteQueue::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
}

std::uint64_t SqliteWriteQueue::batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
}

std::size_t SqliteWriteQueue::depth() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

bool SqliteWriteQueue::in_transaction() const { return sqlite3_get_autocommit(db_.getHandle()) == 0; }

void SqliteWriteQueue::writer_loop() {
    std::deque<Item> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued has been written
            if (queue_.size() <= max_batch_) {
                batch.swap(queue_);
            } else {
                for (std::size_t i = 0; i < max_batch_; ++i) {
                    batch.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            ++batches_;
        }
        write_batch(batch);
        batch.clear();
    }
}

void SqliteWriteQueue::write_batch(std::deque<Item>& batch) {
    std::vector<std::exception_ptr> results(batch.size());
    std::exception_ptr batch_error;
    auto& st = *statements_;

    try {
        run_statement(st.begin);
        for (std::size_t i = 0; i < batch.size() && !batch_error; ++i) {
            run_statement(st.savepoint);
            try {
                if (batch[i].work) batch[i].work();
                run_statement(st.release);
            } catch (...) {
                results[i] = std::current_exception();
                if (!in_transaction()) {
                    // Some errors (disk full, I/O) make SQLite roll back the whole
                    // transaction: the items before this one are gone too.
                    batch_error = results[i];
                    break;
                }
                run_statement(st.rollback_to);
                run_statement(st.release);
                spdlog::debug("storage: write item failed and was rolled back: {}", describe(results[i]));
            }
        }
        if (!batch_error) run_statement(st.commit);
    } catch (...) {
        batch_error = std::current_exception();
    }

    if (batch_error) {
        if (in_transaction()) {
            try {
                run_statement(st.rollback);
            } catch (...) {
                spdlog::error("storage: rollback after a failed batch failed: {}",
                              describe(std::current_exception()));
            }
        }
        spdlog::error("storage: write batch of {} items not committed: {}", batch.size(), describe(batch_error));
    }

    // "Acked means stored": nobody hears back before COMMIT has returned.
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].done) continue;
        try {
            batch[i].done(batch_error ? batch_error : results[i]);
        } catch (...) {
            spdlog::error("storage: a write completion callback threw: {}", describe(std::current_exception()));
        }
    }
}

}  // namespace hindsight::storage
