// Prepared statements, prepared once per connection and reused: preparing is
// the dominant cost of a small INSERT, and ingest runs several per event.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <unordered_map>

namespace hindsight::storage {

class StatementCache {
public:
    explicit StatementCache(SQLite::Database& db) : db_(db) {}

    // A borrowed statement that is reset and unbound when the borrow ends, so
    // a finished SELECT never keeps a read snapshot open on its connection.
    class Use {
    public:
        explicit Use(SQLite::Statement& s) : s_(s) {}
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;
        ~Use() {
            s_.tryReset();
            try {
                s_.clearBindings();
            } catch (...) {
                // sqlite3_clear_bindings cannot fail; nothing to report.
            }
        }
        SQLite::Statement* operator->() { return &s_; }
        SQLite::Statement& operator*() { return s_; }

    private:
        SQLite::Statement& s_;
    };

    // `sql` must be a string with static storage duration: it is the cache key.
    // A statement must not be borrowed twice at once.
    Use get(const char* sql);

    SQLite::Database& db() { return db_; }

private:
    SQLite::Database& db_;
    std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache_;
};

}  // namespace hindsight::storage
