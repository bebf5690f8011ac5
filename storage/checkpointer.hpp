// WAL checkpoints off the writer thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace SQLite {
class Database;
}  // namespace SQLite

namespace hindsight::storage {

// SQLite's automatic checkpoint runs inside the COMMIT that crosses the
// threshold, on the committing connection: with synchronous=NORMAL it fsyncs
// the WAL and the database file there, stalling the single writer (and every
// request waiting on it) for as long as the disk takes. This turns the
// automatic checkpoint off on the writer and runs the same PASSIVE checkpoint
// on a connection and thread of its own, which SQLite allows concurrently
// with a writer (the WAL restarts at the writer's next transaction).
class Checkpointer {
public:
    // After it returns, `writer` no longer checkpoints by itself; `writer`
    // must outlive this object.
    Checkpointer(SQLite::Database& writer, const std::string& path, int busy_timeout_ms,
                 int threshold_pages = 1000);
    ~Checkpointer();  // gives the writer its automatic checkpoint back
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

private:
    static int on_commit(void* self, sqlite3*, const char*, int wal_pages);
    void loop();

    sqlite3* writer_;
    const int threshold_pages_;
    std::unique_ptr<SQLite::Database> db_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;
    bool stopping_ = false;

    std::thread thread_;  // last: starts after everything above exists
};

}  // namespace hindsight::storage
