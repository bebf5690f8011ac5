// The outbox delivery worker: reads pending outbox rows, sends each through
// its platform's ChatSender and records the outcome — delivered, retried with
// exponential backoff and jitter (or after the platform's Retry-After), or
// dead-lettered (its sender hears it once, in the same transaction:
// ChatSender::dead_lettered). A 429 pauses that platform's queue only (docs/platforms.md, "Rate limits and retries on the way out").
// Rows of one channel go out in order: a later row waits while an earlier one
// waits for its retry. A delivered row keeps the platform's id of its post; a
// row that updates that post or replies in its thread (edit_of, reply_to)
// gets the id filled in when it is sent. Delivered rows are forgotten after Options::keep_delivered.
#pragma once

#include "bot/core/ports.hpp"
#include "bot/core/time.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hindsight::outbound {

class Delivery {
public:
    struct Options {
        std::chrono::milliseconds poll{500};  // background pass interval when not kicked
        int max_attempts = 8;                 // then the row is dead-lettered
        Duration base_backoff = std::chrono::seconds(1);
        Duration max_backoff = std::chrono::minutes(5);
        // Pending rows read per pass, oldest first. Rows that cannot go now
        // (paused platform, no sender, waiting channel) take room in it too.
        std::size_t batch = 1000;
        // Delivered rows are deleted once they are this old (zero: kept for
        // good); pending and dead-lettered rows are always kept. A pass looks
        // for them at most once per `forget_every`, the first pass at once.
        Duration keep_delivered{0};
        Duration forget_every = std::chrono::hours(1);
        // The longest one send may take. A leased row (OutboxItem::claimed_until,
        // an outbox shared by several replicas) is sent only while at least
        // this much of its lease is left, so no send outlives its lease; the
        // row is claimed again on a later pass.
        Duration send_deadline = std::chrono::seconds(30);
    };

    // All references must outlive the Delivery.
    Delivery(WriteQueue& writes, OutboxStore& outbox, const Clock& clock, Options options);
    ~Delivery();  // stop()
    Delivery(const Delivery&) = delete;
    Delivery& operator=(const Delivery&) = delete;

    // Before start().
    void add_sender(Platform platform, ChatSender& sender);

    void start();  // the background thread
    void stop();   // finishes the in-flight send, joins; idempotent
    void kick();   // run a pass now (e.g. after a commit that enqueued)

    // One synchronous pass over the due rows; returns how many were delivered.
    // Outbox reads and marks go through writes.run (never call it from inside
    // a write). Throws what the database throws.
    std::size_t deliver_due();

    std::uint64_t delivered_total() const;
    std::uint64_t failed_total() const;  // dead-lettered

    // The pause before attempt `attempts + 1`, before jitter: base * 2^(attempts-1),
    // capped at max_backoff. The actual wait is drawn from [half of it, all of it].
    static Duration backoff(const Options& options, int attempts);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::outbound
