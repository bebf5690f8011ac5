#include "storage/sqlite_outbox.hpp"

#include "storage/sqlite_values.hpp"
#include "storage/store_rows.hpp"


namespace hindsight::storage {
namespace {

constexpr const char* kEnqueue =
    "INSERT INTO outbox (platform, team, channel, to_user, thread, text, response_url, ephemeral, "
    "buttons, created_at, attempts, next_attempt_at, state, edit_of, reply_to) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?10, 'pending', ?11, ?12)";
constexpr const char* kDue =
    "SELECT id, platform, team, channel, to_user, thread, text, response_url, ephemeral, buttons, "
    "attempts, next_attempt_at, edit_of, reply_to FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? "
    "ORDER BY id LIMIT ?";
constexpr const char* kDelivered =
    "UPDATE outbox SET state='delivered', delivered_at=?, attempts=attempts+1, posted_id=? "
    "WHERE id=? AND state='pending'";
constexpr const char* kPostedId = "SELECT state, posted_id FROM outbox WHERE id=?";
constexpr const char* kRetry =
    "UPDATE outbox SET next_attempt_at=?, last_error=?, attempts=attempts+1 WHERE id=? AND state='pending'";
constexpr const char* kDead =
    "UPDATE outbox SET state='dead', last_error=?, attempts=attempts+1 WHERE id=? AND state='pending'";
constexpr const char* kForgetDelivered =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'delivered' "
    "AND delivered_at < ? ORDER BY id LIMIT ?)";
constexpr const char* kPendingCount = "SELECT count(*) FROM outbox WHERE state = 'pending'";
constexpr const char* kDeadCount = "SELECT count(*) FROM outbox WHERE state = 'dead'";

std::int64_t count(StatementCache& statements, const char* sql) {
    auto s = statements.get(sql);
    s->executeStep();
    return int_at(*s, 0);
}

}  // namespace

std::int64_t SqliteOutboxStore::enqueue(const OutboundMessage& m, Timestamp at) {
    auto s = statements_.get(kEnqueue);
    s->bind(1, platform_text(m.platform));
    s->bind(2, m.team);
    s->bind(3, m.channel);
    s->bind(4, m.to_user);
    s->bind(5, m.thread);
    s->bind(6, m.text);
    s->bind(7, m.response_url);
    s->bind(8, m.ephemeral ? 1 : 0);
    s->bind(9, buttons_json(m.buttons));
    bind_time(*s, 10, at);
    s->bind(11, static_cast<std::int64_t>(m.edit_of));
    s->bind(12, static_cast<std::int64_t>(m.reply_to));
    s->exec();
    return statements_.db().getLastInsertRowid();
}

std::vector<OutboxItem> SqliteOutboxStore::due_messages(Timestamp now, std::size_t limit) {
    auto s = statements_.get(kDue);
    bind_time(*s, 1, now);
    bind_count(*s, 2, limit);
    std::vector<OutboxItem> out;
    while (s->executeStep()) {
        OutboxItem item;
        item.id = int_at(*s, 0);
        item.message.platform = platform_from_string(text_at(*s, 1));
        item.message.team = text_at(*s, 2);
        item.message.channel = text_at(*s, 3);
        item.message.to_user = text_at(*s, 4);
        item.message.thread = text_at(*s, 5);
        item.message.text = text_at(*s, 6);
        item.message.response_url = text_at(*s, 7);
        item.message.ephemeral = int_at(*s, 8) != 0;
        item.message.buttons = buttons_from_json(text_at(*s, 9));
        item.attempts = s->getColumn(10).getInt();
        item.next_attempt_at = time_at(*s, 11);
        item.message.edit_of = int_at(*s, 12);
        item.message.reply_to = int_at(*s, 13);
        out.push_back(std::move(item));
    }
    return out;
}

void SqliteOutboxStore::mark_delivered(std::int64_t id, Timestamp at, const std::string& posted_id) {
    auto s = statements_.get(kDelivered);
    bind_time(*s, 1, at);
    s->bind(2, posted_id);
    s->bind(3, static_cast<std::int64_t>(id));
    s->exec();
}

std::optional<std::string> SqliteOutboxStore::posted_id(std::int64_t id) {
    auto s = statements_.get(kPostedId);
    s->bind(1, static_cast<std::int64_t>(id));
    if (!s->executeStep()) return std::string{};
    if (text_at(*s, 0) == "pending") return std::nullopt;
    return text_at(*s, 1);
}

void SqliteOutboxStore::mark_retry(std::int64_t id, Timestamp next_attempt_at, const std::string& error) {
    auto s = statements_.get(kRetry);
    bind_time(*s, 1, next_attempt_at);
    s->bind(2, error);
    s->bind(3, static_cast<std::int64_t>(id));
    s->exec();
}

void SqliteOutboxStore::mark_dead(std::int64_t id, const std::string& error) {
    auto s = statements_.get(kDead);
    s->bind(1, error);
    s->bind(2, static_cast<std::int64_t>(id));
    s->exec();
}

std::int64_t SqliteOutboxStore::forget_delivered(Timestamp before, std::size_t limit) {
    auto s = statements_.get(kForgetDelivered);
    bind_time(*s, 1, before);
    s->bind(2, static_cast<std::int64_t>(limit));
    return s->exec();
}

std::int64_t SqliteOutboxStore::pending_count() { return count(statements_, kPendingCount); }

std::int64_t SqliteOutboxStore::dead_count() { return count(statements_, kDeadCount); }

}  // namespace hindsight::storage
