#include "storage/pg_stores.hpp"
#include "storage/store_rows.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace hindsight::storage::pg {
namespace {

constexpr const char* kEnqueue =
    "INSERT INTO outbox (platform, team, channel, to_user, thread, text, response_url, ephemeral, "
    "buttons, created_at, attempts, next_attempt_at, state, edit_of, reply_to) "
    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,0,$10,'pending',$11,$12) RETURNING id";

// The claim, in one statement:
//  heads  - the oldest pending row of every conversation (platform, team,
//           channel, DM user), from the statement's snapshot;
//  picked - those heads that are due and not leased to another replica,
//           locked; rows another replica is claiming right now are skipped,
//           and the conditions on `o` are checked again on the newest row
//           version once the lock is held (a row just delivered or claimed
//           elsewhere drops out);
//  then each picked row is leased to this replica until $2 + lease ($5).
// Only heads are claimed, so at most one replica at a time holds a row of a
// conversation, and its next row becomes a head only once this one is
// delivered or dead-lettered: order is kept across replicas.
constexpr const char* kClaim =
    "WITH heads AS ("
    "  SELECT DISTINCT ON (platform, team, channel, to_user) id FROM outbox WHERE state = 'pending'"
    "  ORDER BY platform, team, channel, to_user, id"
    "), picked AS ("
    "  SELECT o.id FROM outbox o JOIN heads h ON h.id = o.id"
    "  WHERE o.state = 'pending' AND o.next_attempt_at <= $1"
    "  AND (o.claimed_until IS NULL OR o.claimed_until <= $2 OR o.claimed_by = $3)"
    "  ORDER BY o.id LIMIT $4 FOR UPDATE OF o SKIP LOCKED"
    ") "
    "UPDATE outbox SET claimed_by = $3, claimed_until = $2 + $5 FROM picked WHERE outbox.id = picked.id "
    "RETURNING outbox.id, platform, team, channel, to_user, thread, text, response_url, ephemeral, buttons, "
    "attempts, next_attempt_at, edit_of, reply_to";
// The outcome of a send. Fenced forms: the row must still carry this
// replica's claim, the one due_messages made ($n-1 claimed_by, $n
// claimed_until, together the claim's token). A replica whose lease ran out
// and whose row another replica claimed since finds nothing to update: its
// late result is discarded and the current claimant's counts.
#define DELIVERED "UPDATE outbox SET state='delivered', delivered_at=$1, attempts=attempts+1, claimed_by=NULL, " \
                  "claimed_until=NULL, posted_id=$2 WHERE id=$3 AND state='pending'"
#define RETRY "UPDATE outbox SET next_attempt_at=$1, last_error=$2, attempts=attempts+1, claimed_by=NULL, " \
              "claimed_until=NULL WHERE id=$3 AND state='pending'"
#define DEAD "UPDATE outbox SET state='dead', last_error=$1, attempts=attempts+1, claimed_by=NULL, " \
             "claimed_until=NULL WHERE id=$2 AND state='pending'"
constexpr const char* kDelivered = DELIVERED;
constexpr const char* kDeliveredFenced = DELIVERED " AND claimed_by=$4 AND claimed_until=$5";
constexpr const char* kRetry = RETRY;
constexpr const char* kRetryFenced = RETRY " AND claimed_by=$4 AND claimed_until=$5";
constexpr const char* kDead = DEAD;
constexpr const char* kDeadFenced = DEAD " AND claimed_by=$3 AND claimed_until=$4";
#undef DELIVERED
#undef RETRY
#undef DEAD
constexpr const char* kPostedId = "SELECT state, posted_id FROM outbox WHERE id=$1";
constexpr const char* kForgetDelivered =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'delivered' "
    "AND delivered_at < $1 ORDER BY delivered_at, id LIMIT $2)";
constexpr const char* kPendingCount = "SELECT count(*) FROM outbox WHERE state = 'pending'";
constexpr const char* kDeadCount = "SELECT count(*) FROM outbox WHERE state = 'dead'";

std::int64_t clamp_limit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::size_t{1} << 30));
}

}  // namespace

std::int64_t Outbox::enqueue(const OutboundMessage& m, Timestamp at) {
    Args a;
    a.text(std::string(to_string(m.platform)))
        .text(m.team)
        .text(m.channel)
        .text(m.to_user)
        .text(m.thread)
        .text(m.text)
        .text(m.response_url)
        .boolean(m.ephemeral)
        .text(buttons_json(m.buttons))
        .time(at)
        .integer(m.edit_of)
        .integer(m.reply_to);
    return s_.exec(kEnqueue, a)[0][0].as<std::int64_t>();
}

std::vector<OutboxItem> Outbox::due_messages(Timestamp now, std::size_t limit) {
    const Timestamp clock_now = clock_.now();
    const Timestamp until = clock_now + lease_;
    Args a;
    a.time(std::min(now, clock_now)).time(clock_now).text(replica_).integer(clamp_limit(limit)).integer(lease_.count());
    const auto rows = s_.exec(kClaim, a);
    std::vector<OutboxItem> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        OutboxItem item;
        item.id = r[0].as<std::int64_t>();
        item.message.platform = platform_from_string(text_of(r[1]));
        item.message.team = text_of(r[2]);
        item.message.channel = text_of(r[3]);
        item.message.to_user = text_of(r[4]);
        item.message.thread = text_of(r[5]);
        item.message.text = text_of(r[6]);
        item.message.response_url = text_of(r[7]);
        item.message.ephemeral = r[8].as<bool>();
        item.message.buttons = buttons_from_json(text_of(r[9]));
        item.attempts = r[10].as<int>();
        item.next_attempt_at = time_of(r[11]);
        item.claimed_until = until;
        item.message.edit_of = r[12].as<std::int64_t>();
        item.message.reply_to = r[13].as<std::int64_t>();
        out.push_back(std::move(item));
    }
    // The newest claim is the one a completion is checked against.
    claimed_.clear();
    for (const auto& item : out) claimed_[item.id] = until;
    // RETURNING follows no ORDER BY: oldest first, as the worker expects.
    std::sort(out.begin(), out.end(), [](const OutboxItem& x, const OutboxItem& y) { return x.id < y.id; });
    if (claims_) claims_->outbox += out.size();
    return out;
}

void Outbox::mark_delivered(std::int64_t id, Timestamp at, const std::string& posted_id) {
    Args a;
    a.time(at).text(posted_id).integer(id);
    complete(id, kDelivered, kDeliveredFenced, a, "delivered");
}

std::optional<std::string> Outbox::posted_id(std::int64_t id) {
    Args a;
    a.integer(id);
    const auto rows = s_.exec(kPostedId, a);
    if (rows.empty()) return std::string{};
    if (text_of(rows[0][0]) == "pending") return std::nullopt;
    return text_of(rows[0][1]);
}

void Outbox::mark_retry(std::int64_t id, Timestamp next_attempt_at, const std::string& error) {
    Args a;
    a.time(next_attempt_at).text(error).integer(id);
    complete(id, kRetry, kRetryFenced, a, "retry");
}

void Outbox::mark_dead(std::int64_t id, const std::string& error) {
    Args a;
    a.text(error).integer(id);
    complete(id, kDead, kDeadFenced, a, "dead-lettered");
}

// A row this replica claimed is completed only under that claim (until the
// next claim: a second result for it finds the claim gone and is discarded
// too); a row it never claimed (an operator's tool, a test) as the SQLite
// outbox would.
void Outbox::complete(std::int64_t id, const char* plain, const char* fenced, Args& args, const char* outcome) {
    const auto claim = claimed_.find(id);
    if (claim == claimed_.end()) {
        s_.exec(plain, args);
        return;
    }
    args.text(replica_).time(claim->second);
    if (s_.exec(fenced, args).affected_rows() == 0) {
        if (claims_) ++claims_->lost;
        spdlog::warn("outbox: message {} was no longer this replica's claim (lease ended, another replica took "
                     "it over): its '{}' result is discarded",
                     id, outcome);
    }
}

std::int64_t Outbox::forget_delivered(Timestamp before, std::size_t limit) {
    Args a;
    a.time(before).integer(clamp_limit(limit));
    return static_cast<std::int64_t>(s_.exec(kForgetDelivered, a).affected_rows());
}

std::int64_t Outbox::pending_count() { return s_.exec(kPendingCount)[0][0].as<std::int64_t>(); }

std::int64_t Outbox::dead_count() { return s_.exec(kDeadCount)[0][0].as<std::int64_t>(); }

}  // namespace hindsight::storage::pg
