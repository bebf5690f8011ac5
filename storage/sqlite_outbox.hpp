// The persistent outbox over the writer connection: enqueue runs inside the
// caller's write, so a message is stored with the change that caused it.
#pragma once

#include "bot/core/ports.hpp"
#include "storage/statement_cache.hpp"

namespace hindsight::storage {

class SqliteOutboxStore final : public OutboxStore {
public:
    // `db` must outlive the store. Not thread-safe: one thread at a time.
    explicit SqliteOutboxStore(SQLite::Database& db) : statements_(db) {}

    std::int64_t enqueue(const OutboundMessage& message, Timestamp at) override;
    // Pending messages whose next attempt is due, oldest first.
    std::vector<OutboxItem> due_messages(Timestamp now, std::size_t limit) override;
    // Each mark counts one attempt and only moves a pending message, so a late
    // or repeated mark never revives a delivered or dead one.
    using OutboxStore::mark_delivered;
    void mark_delivered(std::int64_t id, Timestamp at, const std::string& posted_id) override;
    std::optional<std::string> posted_id(std::int64_t id) override;
    void mark_retry(std::int64_t id, Timestamp next_attempt_at, const std::string& error) override;
    void mark_dead(std::int64_t id, const std::string& error) override;
    std::int64_t forget_delivered(Timestamp before, std::size_t limit) override;
    std::int64_t pending_count() override;
    std::int64_t dead_count() override;

private:
    StatementCache statements_;
};

}  // namespace hindsight::storage
