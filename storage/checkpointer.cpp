#include "storage/checkpointer.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace hindsight::storage {

Checkpointer::Checkpointer(SQLite::Database& writer, const std::string& path, int busy_timeout_ms,
                           int threshold_pages)
    : writer_(writer.getHandle()),
      threshold_pages_(threshold_pages),
      db_(std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, busy_timeout_ms)),
      thread_([this] { loop(); }) {
    // Replaces the hook sqlite3_wal_autocheckpoint installed: commits now only
    // tell this thread how large the WAL has grown.
    sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_autocheckpoint(writer_, threshold_pages_);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

int Checkpointer::on_commit(void* self, sqlite3*, const char*, int wal_pages) {
    auto* c = static_cast<Checkpointer*>(self);
    if (wal_pages < c->threshold_pages_) return SQLITE_OK;
    {
        std::lock_guard lock(c->mutex_);
        c->pending_ = true;
    }
    c->wake_.notify_one();
    return SQLITE_OK;
}

void Checkpointer::loop() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || pending_; });
            if (stopping_) return;
            pending_ = false;
        }
        // PASSIVE: copies what no reader still needs, never waits for locks.
        int rc = sqlite3_wal_checkpoint_v2(db_->getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            spdlog::warn("storage: WAL checkpoint failed: {}", sqlite3_errstr(rc));
    }
}

}  // namespace hindsight::storage
