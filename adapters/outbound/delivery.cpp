#include "adapters/outbound/delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <optional>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

namespace hindsight::outbound {

namespace {

// Rows that must go out in order: one conversation of one platform.
std::string order_key(const OutboundMessage& m) {
    return std::string(to_string(m.platform)) + '\n' + m.team + '\n' + m.channel + '\n' + m.to_user;
}

// Far enough ahead to read every pending row, including those waiting for a
// retry (they hold back the later rows of their channel).
constexpr auto kEveryPending = Timestamp::max();

// Delivered rows deleted per write, so forgetting a backlog never holds the
// writer for long.
constexpr std::size_t kForgetBatch = 1000;

}  // namespace

struct Delivery::Impl {
    WriteQueue& writes;
    OutboxStore& outbox;
    const Clock& clock;
    Options options;

    std::map<Platform, ChatSender*> senders;

    std::mutex pass_mutex;  // one pass at a time; guards the members below
    std::map<Platform, Timestamp> paused_until;
    std::set<Platform> warned_no_sender;
    Timestamp next_forget{};  // the first pass forgets at once
    std::mt19937_64 random{std::random_device{}()};

    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> failed{0};

    std::mutex wake_mutex;
    std::condition_variable wake;
    bool kicked = false;
    std::atomic<bool> stopping{false};
    std::thread thread;

    Impl(WriteQueue& w, OutboxStore& o, const Clock& c, Options opt)
        : writes(w), outbox(o), clock(c), options(opt) {}

    Duration jittered(Duration full) {
        if (full.count() <= 1) return full;
        std::uniform_int_distribution<Duration::rep> pick(full.count() / 2, full.count());
        return Duration(pick(random));
    }

    // A row that refers to an earlier post (edit_of, reply_to) gets that
    // post's platform id. An outcome instead when it cannot go yet (the
    // earlier row is still pending: rows of one channel go in order, so this
    // is rare) or at all (an update of a post that never went out). A reply
    // whose parent never went out is posted in the channel instead.
    std::optional<SendResult> resolve(OutboundMessage& m) {
        if (m.edit_of == 0 && m.reply_to == 0) return std::nullopt;
        std::optional<std::string> edited, parent;
        writes.run([&] {
            if (m.edit_of != 0) edited = outbox.posted_id(m.edit_of);
            if (m.reply_to != 0) parent = outbox.posted_id(m.reply_to);
        });
        if ((m.edit_of != 0 && !edited) || (m.reply_to != 0 && !parent))
            return SendResult{SendResult::Status::retry, "the message it refers to is not posted yet", {}, {}};
        if (m.edit_of != 0) {
            if (edited->empty())
                return SendResult{SendResult::Status::failed,
                                  "the message it updates (outbox " + std::to_string(m.edit_of) + ") was not posted",
                                  {}, {}};
            m.replaces = *edited;
        }
        if (m.reply_to != 0 && !parent->empty()) m.thread = *parent;
        return std::nullopt;
    }

    SendResult send(OutboundMessage m, ChatSender& sender) {
        try {
            if (auto refused = resolve(m)) return *refused;
            return sender.send(m);
        } catch (const std::exception& e) {
            return {SendResult::Status::retry, std::string("sender threw: ") + e.what(), {}, {}};
        } catch (...) {
            return {SendResult::Status::retry, "sender threw a non-standard exception", {}, {}};
        }
    }

    // Sends one row and records the outcome. Returns true when delivered.
    bool attempt(const OutboxItem& item, ChatSender& sender, std::set<std::string>& blocked) {
        const auto& m = item.message;
        SendResult result = send(m, sender);
        const Timestamp now = clock.now();
        const int attempts = item.attempts + 1;

        if (result.status == SendResult::Status::delivered) {
            writes.run([&] { outbox.mark_delivered(item.id, now, result.posted_id); });
            ++delivered;
            return true;
        }
        if (result.status == SendResult::Status::failed || attempts >= options.max_attempts) {
            const std::string why = result.status == SendResult::Status::failed
                                        ? result.error
                                        : result.error + " (gave up after " +
                                              std::to_string(attempts) + " attempts)";
            const bool gave_up = result.status != SendResult::Status::failed;
            writes.run([&] {
                outbox.mark_dead(item.id, why);
                sender.dead_lettered(m, why, gave_up);
            });
            ++failed;
            spdlog::error("outbox delivery: message {} to {} dead-lettered: {}", item.id,
                          to_string(m.platform), why);
            // Later rows of the channel still go: one undeliverable message
            // must not silence the channel for good.
            return false;
        }

        Duration wait = jittered(backoff(options, attempts));
        if (result.retry_after > Duration::zero()) {
            // The platform said when; until then its whole queue waits.
            wait = result.retry_after;
            paused_until[m.platform] = now + wait;
        }
        writes.run([&] { outbox.mark_retry(item.id, now + wait, result.error); });
        blocked.insert(order_key(m));
        spdlog::warn("outbox delivery: message {} to {} failed (attempt {}), retrying in {}: {}",
                     item.id, to_string(m.platform), attempts, format_duration(wait),
                     result.error);
        return false;
    }

    // Housekeeping, not delivery: a failure is logged and the pass goes on.
    void forget_old_deliveries(const std::atomic<bool>* cancel) {
        if (options.keep_delivered <= Duration::zero()) return;
        const Timestamp now = clock.now();
        if (now < next_forget) return;
        next_forget = now + options.forget_every;
        const Timestamp before = now - options.keep_delivered;
        std::int64_t total = 0;
        std::int64_t gone = 0;
        try {
            do {
                writes.run([&] { gone = outbox.forget_delivered(before, kForgetBatch); });
                total += gone;
            } while (gone == static_cast<std::int64_t>(kForgetBatch) && !(cancel && *cancel));
        } catch (const std::exception& e) {
            spdlog::warn("outbox: forgetting old delivered messages failed: {}", e.what());
        }
        if (total > 0)
            spdlog::info("outbox: forgot {} messages delivered more than {} ago", total,
                         format_duration(options.keep_delivered));
    }

    // `cancel`: the background thread's stop flag; a direct pass runs to the end.
    std::size_t pass(const std::atomic<bool>* cancel) {
        std::lock_guard lock(pass_mutex);
        forget_old_deliveries(cancel);
        std::vector<OutboxItem> items;
        writes.run([&] { items = outbox.due_messages(kEveryPending, options.batch); });

        std::size_t sent = 0;
        std::set<std::string> blocked;  // channels whose earliest pending row is not going now
        for (const auto& item : items) {
            if (cancel && *cancel) break;
            const auto& m = item.message;
            const std::string key = order_key(m);
            if (blocked.count(key)) continue;

            const Timestamp now = clock.now();
            auto sender = senders.find(m.platform);
            auto pause = paused_until.find(m.platform);
            const bool paused = pause != paused_until.end() && pause->second > now;
            if (sender == senders.end()) {
                if (warned_no_sender.insert(m.platform).second)
                    spdlog::warn("outbox delivery: no sender for {}; its messages stay pending",
                                 to_string(m.platform));
            }
            // Too little lease left for a whole send: another replica could
            // claim the row while this one is still sending it.
            const bool lease_short = item.claimed_until && *item.claimed_until - now < options.send_deadline;
            if (sender == senders.end() || paused || item.next_attempt_at > now || lease_short) {
                blocked.insert(key);
                continue;
            }
            if (attempt(item, *sender->second, blocked)) ++sent;
        }
        return sent;
    }

    void loop() {
        while (!stopping) {
            std::size_t sent = 0;
            try {
                sent = pass(&stopping);
            } catch (const std::exception& e) {
                spdlog::error("outbox delivery: pass failed: {}", e.what());
            }
            // Progress means there may be more behind the batch: go again at once.
            if (sent > 0) continue;
            std::unique_lock lock(wake_mutex);
            wake.wait_for(lock, options.poll, [&] { return kicked || stopping.load(); });
            kicked = false;
        }
    }
};

Delivery::Delivery(WriteQueue& writes, OutboxStore& outbox, const Clock& clock, Options options)
    : impl_(std::make_unique<Impl>(writes, outbox, clock, options)) {}

Delivery::~Delivery() { stop(); }

void Delivery::add_sender(Platform platform, ChatSender& sender) {
    std::lock_guard lock(impl_->pass_mutex);
    impl_->senders[platform] = &sender;
}

void Delivery::start() {
    if (impl_->thread.joinable()) return;
    impl_->stopping = false;
    impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

void Delivery::stop() {
    {
        std::lock_guard lock(impl_->wake_mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void Delivery::kick() {
    {
        std::lock_guard lock(impl_->wake_mutex);
        impl_->kicked = true;
    }
    impl_->wake.notify_all();
}

std::size_t Delivery::deliver_due() { return impl_->pass(nullptr); }

std::uint64_t Delivery::delivered_total() const { return impl_->delivered.load(); }
std::uint64_t Delivery::failed_total() const { return impl_->failed.load(); }

Duration Delivery::backoff(const Options& options, int attempts) {
    Duration wait = options.base_backoff;
    for (int i = 1; i < attempts && wait < options.max_backoff; ++i) wait *= 2;
    return std::min(wait, options.max_backoff);
}

}  // namespace hindsight::outbound
