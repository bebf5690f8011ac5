#include "adapters/outbound/delivery.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

using namespace hindsight;
using hindsight::outbound::Delivery;
using namespace std::chrono_literals;

namespace {

// Records what it was asked to send and answers from a script (then: delivered).
class ScriptedSender final : public ChatSender {
public:
    SendResult send(const OutboundMessage& message) override {
        std::lock_guard lock(mutex_);
        calls_.push_back(message.text);
        arrived_.notify_all();
        if (script_.empty()) return {};
        SendResult next = script_.front();
        script_.pop_front();
        if (next.error == "throw") throw std::runtime_error("sender exploded");
        return next;
    }

    // What the worker said it gave up on: "<text>: <why>" plus " (gave up)"
    // when the attempts ran out. With `notes`, each also enqueues a note to
    // channel C-notes in the worker's write (what the tracker sender does).
    void dead_lettered(const OutboundMessage& message, const std::string& why, bool gave_up) override {
        std::lock_guard lock(mutex_);
        dead_.push_back(message.text + ": " + why + (gave_up ? " (gave up)" : ""));
        if (notes_) {
            OutboundMessage note = message;
            note.channel = "C-notes";
            note.text = "could not send: " + message.text;
            notes_->enqueue(note, Timestamp{});
        }
    }
    void note_dead_letters_in(Outbox& outbox) { notes_ = &outbox; }
    std::vector<std::string> dead() const {
        std::lock_guard lock(mutex_);
        return dead_;
    }

    void then(SendResult::Status status, std::string error = "boom", Duration retry_after = {}) {
        std::lock_guard lock(mutex_);
        script_.push_back({status, std::move(error), retry_after, {}});
    }

    std::vector<std::string> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }

    bool wait_for_calls(std::size_t n, std::chrono::milliseconds timeout) const {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<std::string> calls_;
    std::vector<std::string> dead_;
    Outbox* notes_ = nullptr;
    std::deque<SendResult> script_;
};

Delivery::Options test_options() {
    Delivery::Options o;
    o.poll = std::chrono::hours(1);  // the background tests wake it with kick()
    o.max_attempts = 8;
    o.base_backoff = 10s;
    o.max_backoff = 5min;
    return o;
}

struct World {
    explicit World(Delivery::Options options = test_options())
        : delivery(db.writes(), db.outbox(), clock, options) {
        delivery.add_sender(Platform::slack, slack);
    }

    void enqueue(std::string text, std::string channel = "C1", Platform platform = Platform::slack) {
        OutboundMessage m;
        m.platform = platform;
        m.team = "T1";
        m.channel = std::move(channel);
        m.text = std::move(text);
        db.writes().run([&] { db.outbox().enqueue(m, clock.now()); });
    }

    std::int64_t pending() {
        std::int64_t n = 0;
        db.writes().run([&] { n = db.outbox().pending_count(); });
        return n;
    }

    std::int64_t dead() {
        std::int64_t n = 0;
        db.writes().run([&] { n = db.outbox().dead_count(); });
        return n;
    }

    // Rows in the outbox table, whatever their state, read through a connection of its own.
    std::int64_t rows() {
        SQLite::Database file(dir.file("hindsight.db"), SQLite::OPEN_READONLY);
        return file.execAndGet("SELECT count(*) FROM outbox").getInt64();
    }

    test::TempDir dir;
    storage::Database db{dir.file("hindsight.db")};
    ManualClock clock{Timestamp{} + std::chrono::hours(24 * 365 * 56)};
    ScriptedSender slack;
    Delivery delivery;
};

using S = SendResult::Status;

}  // namespace

TEST_CASE("Delivery::backoff doubles from the base and stops at the cap") {
    Delivery::Options o;
    o.base_backoff = 1s;
    o.max_backoff = 5min;
    CHECK(Delivery::backoff(o, 1) == 1s);
    CHECK(Delivery::backoff(o, 2) == 2s);
    CHECK(Delivery::backoff(o, 3) == 4s);
    CHECK(Delivery::backoff(o, 9) == 256s);
    CHECK(Delivery::backoff(o, 10) == 5min);
    CHECK(Delivery::backoff(o, 1000) == 5min);
}

TEST_CASE("delivered messages are marked and not sent again") {
    World w;
    w.enqueue("first");
    w.enqueue("second");
    CHECK(w.delivery.deliver_due() == 2);
    CHECK(w.slack.calls() == std::vector<std::string>{"first", "second"});
    CHECK(w.pending() == 0);
    CHECK(w.delivery.delivered_total() == 2);

    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.slack.calls().size() == 2);
}

TEST_CASE("a retry is rescheduled with backoff, then delivered once the clock passes it") {
    World w;
    w.slack.then(S::retry, "HTTP 503");
    w.enqueue("hello");
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.pending() == 1);
    CHECK(w.slack.calls().size() == 1);

    // Jitter draws the wait from [base/2, base]: not due before half of it.
    w.clock.advance(5s - 1us);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.slack.calls().size() == 1);

    w.clock.advance(5s + 1us);
    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.slack.calls() == std::vector<std::string>{"hello", "hello"});
    CHECK(w.pending() == 0);
    CHECK(w.delivery.failed_total() == 0);
}

TEST_CASE("a sender that throws counts as a retry, not a crash") {
    World w;
    w.slack.then(S::retry, "throw");
    w.enqueue("hello");
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.pending() == 1);
    w.clock.advance(10s);
    CHECK(w.delivery.deliver_due() == 1);
}

TEST_CASE("Retry-After is honoured and pauses only that platform") {
    World w;
    ScriptedSender mattermost;
    w.delivery.add_sender(Platform::mattermost, mattermost);
    w.slack.then(S::retry, "HTTP 429", 30s);
    w.enqueue("limited", "C1");
    w.enqueue("other slack channel", "C2");
    w.enqueue("mattermost", "town-square", Platform::mattermost);

    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.slack.calls() == std::vector<std::string>{"limited"});  // C2 waits out the pause too
    CHECK(mattermost.calls() == std::vector<std::string>{"mattermost"});

    w.clock.advance(29s);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.slack.calls().size() == 1);

    w.clock.advance(1s);
    CHECK(w.delivery.deliver_due() == 2);
    CHECK(w.slack.calls() == std::vector<std::string>{"limited", "limited", "other slack channel"});
    CHECK(w.pending() == 0);
}

TEST_CASE("a later message of a channel waits while an earlier one waits for its retry") {
    World w;
    w.slack.then(S::retry, "HTTP 502");
    w.enqueue("one", "C1");
    w.enqueue("two", "C1");
    w.enqueue("elsewhere", "C2");

    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.slack.calls() == std::vector<std::string>{"one", "elsewhere"});

    w.clock.advance(10s);
    CHECK(w.delivery.deliver_due() == 2);
    CHECK(w.slack.calls() == std::vector<std::string>{"one", "elsewhere", "one", "two"});
}

TEST_CASE("a permanent failure is dead-lettered at once and the channel moves on") {
    World w;
    w.slack.then(S::failed, "channel_not_found");
    w.enqueue("lost", "C1");
    w.enqueue("next", "C1");
    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.slack.calls() == std::vector<std::string>{"lost", "next"});
    CHECK(w.dead() == 1);
    CHECK(w.pending() == 0);
    CHECK(w.delivery.failed_total() == 1);
    CHECK(w.delivery.delivered_total() == 1);
    CHECK(w.slack.dead() == std::vector<std::string>{"lost: channel_not_found"});

    w.clock.advance(1h);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.slack.calls().size() == 2);
    CHECK(w.slack.dead().size() == 1);  // told once
}

TEST_CASE("after max_attempts retries the message is dead-lettered") {
    auto options = test_options();
    options.max_attempts = 3;
    World w(options);
    for (int i = 0; i < 3; ++i) w.slack.then(S::retry, "HTTP 500");
    w.enqueue("doomed");

    CHECK(w.delivery.deliver_due() == 0);
    w.clock.advance(options.max_backoff);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.dead() == 0);
    w.clock.advance(options.max_backoff);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.slack.calls().size() == 3);
    CHECK(w.dead() == 1);
    CHECK(w.pending() == 0);
    CHECK(w.delivery.failed_total() == 1);
    CHECK(w.slack.dead() == std::vector<std::string>{"doomed: HTTP 500 (gave up after 3 attempts) (gave up)"});

    w.clock.advance(options.max_backoff);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.slack.calls().size() == 3);
    CHECK(w.slack.dead().size() == 1);
}

TEST_CASE("what a sender enqueues when told of a dead letter is stored with it and goes out next") {
    World w;
    w.slack.note_dead_letters_in(w.db.outbox());
    w.slack.then(S::failed, "not_in_channel");
    w.enqueue("refused");
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.dead() == 1);
    CHECK(w.pending() == 1);  // the note, committed with the dead letter
    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.slack.calls() == std::vector<std::string>{"refused", "could not send: refused"});
    CHECK(w.slack.dead().size() == 1);
}

TEST_CASE("delivered messages are forgotten once older than keep_delivered, dead and pending ones stay") {
    auto options = test_options();
    options.keep_delivered = 24h * 30;
    options.forget_every = 1h;
    World w(options);
    w.slack.then(S::failed, "channel_not_found");
    w.enqueue("dead letter");
    w.enqueue("delivered");
    w.enqueue("no sender yet", "M1", Platform::mattermost);
    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.rows() == 3);

    w.clock.advance(24h * 30 - 1min);
    w.delivery.deliver_due();
    CHECK(w.rows() == 3);

    // Past the cut-off, but the last look was less than forget_every ago.
    w.clock.advance(30min);
    w.delivery.deliver_due();
    CHECK(w.rows() == 3);

    w.clock.advance(31min);
    w.delivery.deliver_due();
    CHECK(w.rows() == 2);
    CHECK(w.dead() == 1);
    CHECK(w.pending() == 1);
}

TEST_CASE("with keep_delivered zero, delivered messages are kept for good") {
    auto options = test_options();
    options.keep_delivered = Duration::zero();
    World w(options);
    w.enqueue("kept");
    CHECK(w.delivery.deliver_due() == 1);
    w.clock.advance(24h * 3650);
    w.delivery.deliver_due();
    CHECK(w.rows() == 1);
}

TEST_CASE("messages for a platform without a sender stay pending") {
    World w;
    w.enqueue("for mattermost", "town-square", Platform::mattermost);
    w.enqueue("for slack", "C1");
    CHECK(w.delivery.deliver_due() == 1);
    CHECK(w.delivery.deliver_due() == 0);
    CHECK(w.pending() == 1);
    CHECK(w.dead() == 0);

    ScriptedSender mattermost;
    w.delivery.add_sender(Platform::mattermost, mattermost);
    CHECK(w.delivery.deliver_due() == 1);
    CHECK(mattermost.calls() == std::vector<std::string>{"for mattermost"});
    CHECK(w.pending() == 0);
}

TEST_CASE("the background thread delivers when kicked, and stop() joins after the in-flight send") {
    World w;
    w.delivery.start();
    w.enqueue("background");
    w.delivery.kick();  // the poll interval is an hour: only the kick can wake it
    REQUIRE(w.slack.wait_for_calls(1, 10s));
    w.delivery.stop();
    CHECK(w.delivery.delivered_total() == 1);
    CHECK(w.pending() == 0);
    w.delivery.stop();  // idempotent
}

namespace {

// Posts get ids "post-1", "post-2", ...; an update answers with the id it updated.
class PostingSender final : public ChatSender {
public:
    SendResult send(const OutboundMessage& message) override {
        std::lock_guard lock(mutex_);
        sent_.push_back(message);
        SendResult result;
        if (fail_next_) {
            fail_next_ = false;
            return {SendResult::Status::failed, "channel_not_found", {}, {}};
        }
        result.posted_id = message.replaces.empty() ? "post-" + std::to_string(++posts_) : message.replaces;
        return result;
    }
    void fail_next() {
        std::lock_guard lock(mutex_);
        fail_next_ = true;
    }
    std::vector<OutboundMessage> sent() const {
        std::lock_guard lock(mutex_);
        return sent_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<OutboundMessage> sent_;
    int posts_ = 0;
    bool fail_next_ = false;
};

OutboundMessage channel_post(std::string text) {
    OutboundMessage m;
    m.platform = Platform::slack;
    m.team = "T1";
    m.channel = "C1";
    m.text = std::move(text);
    return m;
}

}  // namespace

TEST_CASE("an update in place and a thread reply find the post of an earlier row, across a restart") {
    test::TempDir dir;
    ManualClock clock{Timestamp{} + std::chrono::hours(24 * 365 * 56)};
    PostingSender sender;
    {
        storage::Database db(dir.file("hindsight.db"));
        Delivery delivery(db.writes(), db.outbox(), clock, test_options());
        delivery.add_sender(Platform::slack, sender);
        std::int64_t draft = 0;
        db.writes().run([&] { draft = db.outbox().enqueue(channel_post("draft v1"), clock.now()); });
        CHECK(delivery.deliver_due() == 1);
        // The update and the note are stored; the process stops before they go.
        auto update = channel_post("draft v2");
        update.edit_of = draft;
        auto note = channel_post("updated from the history");
        note.reply_to = draft;
        db.writes().run([&] {
            db.outbox().enqueue(update, clock.now());
            db.outbox().enqueue(note, clock.now());
        });
    }
    {
        storage::Database db(dir.file("hindsight.db"));
        Delivery delivery(db.writes(), db.outbox(), clock, test_options());
        delivery.add_sender(Platform::slack, sender);
        CHECK(delivery.deliver_due() == 2);
    }
    auto sent = sender.sent();
    REQUIRE(sent.size() == 3);
    CHECK(sent[1].text == "draft v2");
    CHECK(sent[1].replaces == "post-1");
    CHECK(sent[1].thread.empty());
    CHECK(sent[2].text == "updated from the history");
    CHECK(sent[2].thread == "post-1");
    CHECK(sent[2].replaces.empty());
}

TEST_CASE("an update of a post that never went out is dead-lettered without a call, and a reply to it goes unthreaded") {
    World w;
    PostingSender sender;
    w.delivery.add_sender(Platform::slack, sender);
    std::int64_t draft = 0;
    w.db.writes().run([&] { draft = w.db.outbox().enqueue(channel_post("draft"), w.clock.now()); });
    sender.fail_next();
    auto update = channel_post("draft v2");
    update.edit_of = draft;
    auto note = channel_post("note");
    note.reply_to = draft;
    w.db.writes().run([&] {
        w.db.outbox().enqueue(update, w.clock.now());
        w.db.outbox().enqueue(note, w.clock.now());
    });
    CHECK(w.delivery.deliver_due() == 1);  // only the note
    auto sent = sender.sent();
    REQUIRE(sent.size() == 2);  // the draft (failed) and the note; never the update
    CHECK(sent[1].text == "note");
    CHECK(sent[1].thread.empty());
    CHECK(w.dead() == 2);
    CHECK(w.pending() == 0);
}
