// PostgreSQL with several replicas: two Database instances on one database
// stand for two `hindsight serve` processes. Interleavings are forced with
// latches (bounded waits), never with sleeps.
#include "backends.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/handlers.hpp"
#include "fixtures.hpp"
#include "storage/pg_migrations.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <future>
#include <set>
#include <thread>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;

namespace {

Database::PostgresOptions replica(const std::string& url, const std::string& name, Duration lease = 60s) {
    Database::PostgresOptions o;
    o.url = url;
    o.replica = name;
    o.lease = lease;
    o.pool_size = 2;
    return o;
}

// A one-shot signal between threads.
struct Latch {
    std::promise<void> promise;
    std::shared_future<void> future = promise.get_future().share();
    void open() { promise.set_value(); }
    bool wait(std::chrono::seconds limit = 20s) const { return future.wait_for(limit) == std::future_status::ready; }
};

std::int64_t scalar(const std::string& url, const std::string& sql) {
    pqxx::connection c(url);
    pqxx::nontransaction n(c);
    return n.exec(sql)[0][0].as<std::int64_t>();
}

OutboundMessage post(const std::string& channel, const std::string& text) {
    OutboundMessage m;
    m.platform = Platform::slack;
    m.team = "T1";
    m.channel = channel;
    m.text = text;
    return m;
}

ChatMessage said(const std::string& id, Timestamp at, const std::string& text = "rolling back the deploy") {
    ChatMessage m;
    m.where = channel();
    m.message_id = id;
    m.user_id = "U2";
    m.user_name = "bob";
    m.text = text;
    m.at = at;
    return m;
}

// Events submitted as Flow::event does (repeatable), held behind one gate so
// they reach the writer as one batch; each outcome arrives after COMMIT.
struct EventBatch {
    Database& db;
    Bot& bot;
    Latch started, gate;
    std::vector<std::future<std::pair<EventOutcome, std::exception_ptr>>> outcomes;

    EventBatch(Database& d, Bot& b) : db(d), bot(b) {
        db.writes().submit(
            [this] {
                started.open();
                gate.wait();
            },
            nullptr);
        REQUIRE(started.wait());
    }
    void add(const ChatMessage& m, const std::string& key) {
        auto outcome = std::make_shared<EventOutcome>(EventOutcome::ignored);
        auto promise = std::make_shared<std::promise<std::pair<EventOutcome, std::exception_ptr>>>();
        outcomes.push_back(promise->get_future());
        db.writes().submit_repeatable([this, outcome, m, key] { *outcome = bot.handle_event(m, key); },
                                      [outcome, promise](std::exception_ptr e) { promise->set_value({*outcome, e}); });
    }
    void add(std::function<void()> work) {
        auto promise = std::make_shared<std::promise<std::pair<EventOutcome, std::exception_ptr>>>();
        outcomes.push_back(promise->get_future());
        db.writes().submit_repeatable(std::move(work), [promise](std::exception_ptr e) {
            promise->set_value({EventOutcome::stored, e});
        });
    }
    void release() { gate.open(); }
    EventOutcome outcome(std::size_t i) {
        auto [outcome, error] = await(outcomes.at(i));
        CHECK(error == nullptr);
        return outcome;
    }
};

}  // namespace

TEST_CASE("postgres: replicas starting at once migrate exactly once") {
    auto url = test::postgres_database();
    if (!url) return;
    constexpr int kReplicas = 6;
    Latch go;
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < kReplicas; ++i)
        results.push_back(std::async(std::launch::async, [&] {
            go.wait();
            try {
                storage::migrate_postgres(*url);
                return std::string();
            } catch (const std::exception& e) {
                return std::string(e.what());
            }
        }));
    go.open();
    for (auto& r : results) CHECK(await(r) == "");
    CHECK(scalar(*url, "SELECT count(*) FROM hindsight_schema_migrations") ==
          storage::latest_postgres_schema_version());
    CHECK(scalar(*url, "SELECT max(version) FROM hindsight_schema_migrations") ==
          storage::latest_postgres_schema_version());
    // Opening a Database afterwards finds nothing left to do.
    Database db(replica(*url, "a"), test_clock());
    CHECK(scalar(*url, "SELECT count(*) FROM hindsight_schema_migrations") ==
          storage::latest_postgres_schema_version());
}

// Another replica is migrating: it holds the migration lock (here the test
// holds it, as that replica would, mid-migration). A replica starting now
// waits on the lock (seen in pg_locks, not guessed from time), opens nothing
// meanwhile, and proceeds once the lock is released.
TEST_CASE("postgres: a replica started while another migrates waits for it, then proceeds") {
    auto url = test::postgres_database();
    if (!url) return;
    pqxx::connection other(*url);
    pqxx::nontransaction migrating(other);
    migrating.exec("SELECT pg_advisory_lock(7533173591290881896)");
    migrating.exec("CREATE TABLE hindsight_schema_migrations (version INTEGER PRIMARY KEY, "
                   "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");

    auto starting = std::async(std::launch::async, [&] { return std::make_unique<Database>(replica(*url, "b"), test_clock()); });
    const auto waiting = [&] {
        return scalar(*url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1;
    };
    REQUIRE(test::wait_until(waiting, 20s));
    CHECK(starting.wait_for(0s) == std::future_status::timeout);
    CHECK(scalar(*url, "SELECT count(*) FROM hindsight_schema_migrations") == 0);

    migrating.exec("SELECT pg_advisory_unlock_all()");
    REQUIRE(starting.wait_for(20s) == std::future_status::ready);
    auto db = starting.get();
    CHECK(scalar(*url, "SELECT count(*) FROM hindsight_schema_migrations") ==
          storage::latest_postgres_schema_version());
    std::int64_t id = 0;
    db->writes().run([&] { id = db->store().create_incident(incident()); });
    CHECK(db->open_reader()->find_incident(id));
}

TEST_CASE("postgres: incident numbers and action ids are unique across replicas") {
    auto url = test::postgres_database();
    if (!url) return;
    Database a(replica(*url, "a"), test_clock());
    Database b(replica(*url, "b"), test_clock());
    std::int64_t incident_id = 0;
    a.writes().run([&] { incident_id = a.store().create_incident(incident()); });

    auto add = [&](Database& db) {
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 50; ++i)
            db.writes().run([&] {
                ids.push_back(db.store().add_action(action(incident_id, kT0)));
                db.store().create_incident(incident(channel("C" + std::to_string(i))));
            });
        return ids;
    };
    auto from_a = std::async(std::launch::async, add, std::ref(a));
    auto from_b = std::async(std::launch::async, add, std::ref(b));
    std::set<std::int64_t> all;
    for (auto id : await(from_a)) all.insert(id);
    for (auto id : await(from_b)) all.insert(id);
    CHECK(all.size() == 100);
    CHECK(scalar(*url, "SELECT count(DISTINCT id) FROM incidents") == 101);
}

TEST_CASE("postgres: a platform retry landing on another replica is a duplicate there") {
    auto url = test::postgres_database();
    if (!url) return;
    Database a(replica(*url, "a"), test_clock());
    Database b(replica(*url, "b"), test_clock());
    std::int64_t id = 0;
    a.writes().run([&] { id = a.store().create_incident(incident()); });

    bool first = false, second = false, key_a = false, key_b = false;
    a.writes().run([&] {
        first = a.store().insert_message(message(id, "1700.1", kT0));
        key_a = a.store().remember_delivery("Ev42", kT0);
    });
    b.writes().run([&] {
        second = b.store().insert_message(message(id, "1700.1", kT0));
        key_b = b.store().remember_delivery("Ev42", kT0 + 1s);
    });
    CHECK(first);
    CHECK_FALSE(second);
    CHECK(key_a);
    CHECK_FALSE(key_b);
    CHECK(b.open_reader()->count_messages(id) == 1);
}

TEST_CASE("postgres: two replicas scanning reminders at the same moment nudge each item once") {
    auto url = test::postgres_database();
    if (!url) return;
    Database a(replica(*url, "a"), test_clock());
    Database b(replica(*url, "b"), test_clock());
    BotSettings settings;
    settings.reminders.escalate_after = 0;  // one DM per nudge
    const Timestamp now = kT0 + 48h;
    a.writes().run([&] {
        auto closed = incident();
        closed.id = a.store().create_incident(closed);
        closed.state = IncidentState::closed;
        closed.closed_at = kT0;
        closed.meeting_at = kT0 + 1h;  // no meeting reminder in this test
        a.store().update_incident(closed);
        for (int i = 0; i < 5; ++i) a.store().add_action(action(closed.id, kT0 + std::chrono::hours(i)));
    });

    // Replica a scans and queues, then holds its transaction open until b has
    // scanned too: without the claim, b would see the same items still due.
    Latch a_scanned, b_done;
    std::size_t sent_a = 0, sent_b = 0;
    auto a_run = std::async(std::launch::async, [&] {
        a.writes().run([&] {
            sent_a = send_due_reminders(a.store(), a.outbox(), settings, now);
            a_scanned.open();
            b_done.wait();
        });
    });
    REQUIRE(a_scanned.wait());
    b.writes().run([&] { sent_b = send_due_reminders(b.store(), b.outbox(), settings, now); });
    b_done.open();
    await(a_run);

    CHECK(sent_a == 5);
    CHECK(sent_b == 0);
    CHECK(scalar(*url, "SELECT count(*) FROM outbox") == 5);
    CHECK(scalar(*url, "SELECT count(*) FROM action_items WHERE nudges = 1") == 5);
    CHECK(a.pool_stats().reminder_claims == 5);
    CHECK(b.pool_stats().reminder_claims == 0);

    // Once a has committed, a later scan by b within repeat_every finds nothing either.
    b.writes().run([&] { sent_b = send_due_reminders(b.store(), b.outbox(), settings, now + 1h); });
    CHECK(sent_b == 0);
}

TEST_CASE("postgres: a meeting reminder is decided by one replica only") {
    auto url = test::postgres_database();
    if (!url) return;
    Database a(replica(*url, "a"), test_clock());
    Database b(replica(*url, "b"), test_clock());
    BotSettings settings;
    a.writes().run([&] {
        auto closed = incident();
        closed.id = a.store().create_incident(closed);
        closed.state = IncidentState::closed;
        closed.closed_at = kT0;
        a.store().update_incident(closed);
    });
    const Timestamp now = kT0 + settings.postmortem.schedule_within;
    Latch a_scanned, b_done;
    std::size_t sent_a = 0, sent_b = 0;
    auto a_run = std::async(std::launch::async, [&] {
        a.writes().run([&] {
            sent_a = send_due_reminders(a.store(), a.outbox(), settings, now);
            a_scanned.open();
            b_done.wait();
        });
    });
    REQUIRE(a_scanned.wait());
    b.writes().run([&] { sent_b = send_due_reminders(b.store(), b.outbox(), settings, now); });
    b_done.open();
    await(a_run);
    CHECK(sent_a == 1);
    CHECK(sent_b == 0);
    CHECK(scalar(*url, "SELECT count(*) FROM outbox") == 1);
}

TEST_CASE("postgres outbox: one claimant per conversation, in order, and a lease that runs out") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(kT0);
    Database a(replica(*url, "a", 30s), clock);
    Database b(replica(*url, "b", 30s), clock);
    std::vector<std::int64_t> c1, c2;
    a.writes().run([&] {
        for (int i = 0; i < 3; ++i) c1.push_back(a.outbox().enqueue(post("C1", "c1-" + std::to_string(i)), kT0));
        for (int i = 0; i < 2; ++i) c2.push_back(a.outbox().enqueue(post("C2", "c2-" + std::to_string(i)), kT0));
    });
    auto claim = [](Database& db) {
        std::vector<OutboxItem> items;
        db.writes().run([&] { items = db.outbox().due_messages(Timestamp::max(), 100); });
        std::vector<std::int64_t> ids;
        for (const auto& i : items) ids.push_back(i.id);
        return ids;
    };

    // a takes the head of each conversation; b finds both conversations taken.
    CHECK(claim(a) == std::vector<std::int64_t>{c1[0], c2[0]});
    CHECK(claim(b).empty());
    // a asks again (e.g. its next pass): its own unexpired claims come back.
    CHECK(claim(a) == std::vector<std::int64_t>{c1[0], c2[0]});

    // a delivers C1's head: C1's next row is free for anyone, C2 stays a's.
    a.writes().run([&] { a.outbox().mark_delivered(c1[0], clock.now()); });
    CHECK(claim(b) == std::vector<std::int64_t>{c1[1]});

    // a dies holding C2's head: after the lease, b takes it over.
    clock.advance(29s);
    CHECK(claim(b) == std::vector<std::int64_t>{c1[1]});
    clock.advance(2s);
    CHECK(claim(b) == std::vector<std::int64_t>{c1[1], c2[0]});
    CHECK(b.pool_stats().outbox_claims == 4);

    // A retry keeps later rows of the conversation back for everyone.
    b.writes().run([&] { b.outbox().mark_retry(c1[1], clock.now() + 1min, "HTTP 503"); });
    b.writes().run([&] { b.outbox().mark_delivered(c2[0], clock.now()); });
    CHECK(claim(a) == std::vector<std::int64_t>{c2[1]});
    clock.advance(61s);
    CHECK(claim(a) == std::vector<std::int64_t>{c1[1], c2[1]});
}

TEST_CASE("postgres outbox: a result reported after the lease passed to another replica is discarded") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(kT0);
    Database a(replica(*url, "a", 30s), clock);
    Database b(replica(*url, "b", 30s), clock);
    std::int64_t first = 0, second = 0;
    a.writes().run([&] {
        first = a.outbox().enqueue(post("C1", "one"), kT0);
        second = a.outbox().enqueue(post("C1", "two"), kT0);
    });
    auto claim = [](Database& db) {
        std::vector<OutboxItem> items;
        db.writes().run([&] { items = db.outbox().due_messages(Timestamp::max(), 10); });
        return items;
    };
    auto a_items = claim(a);
    REQUIRE(a_items.size() == 1);
    CHECK(a_items[0].id == first);
    CHECK(a_items[0].claimed_until == kT0 + 30s);

    // a stalls past its lease; b claims the row and is sending it when a's
    // late results arrive: neither may move the row, nor free C1's next one
    // while b still sends the first.
    clock.advance(31s);
    auto b_items = claim(b);
    REQUIRE(b_items.size() == 1);
    CHECK(b_items[0].id == first);
    a.writes().run([&] { a.outbox().mark_retry(first, clock.now() + 1min, "HTTP 503"); });
    a.writes().run([&] { a.outbox().mark_delivered(first, clock.now()); });
    CHECK(a.pool_stats().outbox_claims_lost == 2);
    CHECK(scalar(*url, "SELECT count(*) FROM outbox WHERE state = 'pending' AND claimed_by = 'b'") == 1);
    CHECK(scalar(*url, "SELECT attempts FROM outbox WHERE id = " + std::to_string(first)) == 0);
    CHECK(claim(a).empty());

    // b's result counts; C1's next message is then free.
    b.writes().run([&] { b.outbox().mark_delivered(first, clock.now()); });
    CHECK(b.pool_stats().outbox_claims_lost == 0);
    CHECK(scalar(*url, "SELECT attempts FROM outbox WHERE id = " + std::to_string(first)) == 1);
    auto next = claim(a);
    REQUIRE(next.size() == 1);
    CHECK(next[0].id == second);
}

TEST_CASE("postgres outbox: two replicas claiming at the same moment never share a row") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(kT0);
    Database a(replica(*url, "a"), clock);
    Database b(replica(*url, "b"), clock);
    a.writes().run([&] {
        for (int i = 0; i < 40; ++i) a.outbox().enqueue(post("C" + std::to_string(i), "m"), kT0);
    });
    // a claims and holds its transaction open while b claims.
    Latch a_claimed, b_done;
    std::vector<OutboxItem> got_a, got_b;
    auto a_run = std::async(std::launch::async, [&] {
        a.writes().run([&] {
            got_a = a.outbox().due_messages(Timestamp::max(), 25);
            a_claimed.open();
            b_done.wait();
        });
    });
    REQUIRE(a_claimed.wait());
    b.writes().run([&] { got_b = b.outbox().due_messages(Timestamp::max(), 100); });
    b_done.open();
    await(a_run);
    CHECK(got_a.size() == 25);
    CHECK(got_b.size() == 15);
    std::set<std::int64_t> ids;
    for (const auto& i : got_a) ids.insert(i.id);
    for (const auto& i : got_b) ids.insert(i.id);
    CHECK(ids.size() == 40);
}

TEST_CASE("postgres: losing the database fails writes and readiness, and it recovers without a restart") {
    auto url = test::postgres_database();
    if (!url) return;
    auto* server = test::PostgresServer::instance();
    Database::PostgresOptions options = replica(*url, "a");
    options.ready_timeout = 20s;  // the answer, not the timeout, is under test
    Database db(options, test_clock());
    CHECK(db.writable());
    // A reader that connected before the outage and sat idle through it.
    auto idle_reader = db.open_reader();
    CHECK(idle_reader->list_incidents().empty());

    server->stop();
    CHECK_FALSE(db.writable());
    CHECK_THROWS(db.writes().run([&] { db.store().create_incident(incident()); }));
    CHECK_THROWS(db.open_reader()->list_incidents());

    server->start();
    CHECK(db.writable());
    std::int64_t id = 0;
    db.writes().run([&] { id = db.store().create_incident(incident()); });
    CHECK(db.open_reader()->find_incident(id));
    // Its connection ended with the server: it reads on a new one, no error.
    CHECK(idle_reader->find_incident(id));
}

// Another process holds the incidents table: every statement of the replica
// that needs it waits for a lock. The replica's statements give up after their
// bound instead of hanging, the rest of the writer's batch commits, and once
// the lock is gone the same connections work again.
TEST_CASE("postgres: a statement stuck on a lock fails after lock_timeout / statement_timeout, the replica goes on") {
    auto url = test::postgres_database();
    if (!url) return;
    struct Bound {
        const char* name;
        std::chrono::milliseconds statement, lock;
        const char* error;  // PostgreSQL's message
    };
    for (const auto& bound : {Bound{"lock_timeout", 60s, 200ms, "lock timeout"},
                              Bound{"statement_timeout", 200ms, 60s, "statement timeout"}}) {
        CAPTURE(bound.name);
        auto options = replica(*url, "a");
        options.statement_timeout = bound.statement;
        options.lock_timeout = bound.lock;
        Database db(options, test_clock());
        std::int64_t first = 0;
        db.writes().run([&] { first = db.store().create_incident(incident()); });
        auto reader = db.open_reader();
        CHECK(reader->find_incident(first));  // the reader is connected before the lock

        pqxx::connection holder(*url);
        pqxx::work lock(holder);
        lock.exec("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE");

        // The writer: the stuck item fails with PostgreSQL's reason, its
        // batch-mate (another table) commits.
        std::promise<std::exception_ptr> stuck, other;
        db.writes().submit([&] { db.store().create_incident(incident()); },
                           [&](std::exception_ptr e) { stuck.set_value(e); });
        db.writes().submit([&] { db.store().remember_delivery("key-" + std::string(bound.name), kT0); },
                           [&](std::exception_ptr e) { other.set_value(e); });
        auto stuck_result = stuck.get_future();
        REQUIRE(stuck_result.wait_for(20s) == std::future_status::ready);
        auto error = stuck_result.get();
        REQUIRE(error);
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            CHECK(std::string(e.what()).find(bound.error) != std::string::npos);
        }
        auto other_result = other.get_future();
        REQUIRE(other_result.wait_for(20s) == std::future_status::ready);
        CHECK_FALSE(other_result.get());
        // A reader gives up the same way.
        CHECK_THROWS_WITH(reader->list_incidents(), doctest::Contains(bound.error));

        lock.abort();
        std::int64_t second = 0;
        db.writes().run([&] { second = db.store().create_incident(incident()); });
        CHECK(second > first);
        CHECK(reader->find_incident(second));
        CHECK(scalar(*url, "SELECT count(*) FROM deliveries WHERE key = 'key-" + std::string(bound.name) + "'") == 1);
    }
}

TEST_CASE("postgres: an unreachable server is a clear error without the password") {
    Database::PostgresOptions options;
    options.url = "postgresql://hindsight:Hunter2-SECRET@127.0.0.1:1/hindsight?connect_timeout=2";
    try {
        Database db(options, test_clock());
        FAIL("opened a database that cannot exist");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CAPTURE(what);
        CHECK(what.find("Hunter2-SECRET") == std::string::npos);
        CHECK(what.find("postgresql://hindsight:<redacted>@127.0.0.1:1/hindsight") != std::string::npos);
    }
}

TEST_CASE("postgres: a close received by two replicas at once drafts the timeline once") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(kT0);
    Database a(replica(*url, "a"), clock);
    Database b(replica(*url, "b"), clock);
    Bot bot_a(a.store(), a.outbox(), clock, BotSettings{});
    Bot bot_b(b.store(), b.outbox(), clock, BotSettings{});
    auto command = [&](const std::string& text, const std::string& user) {
        SlashCommand c;
        c.where = channel();
        c.user_id = user;
        c.user_name = user;
        c.text = text;
        c.at = clock.now();
        return c;
    };
    a.writes().run([&] { bot_a.handle_command(command("open Checkout down sev:2", "alice")); });
    clock.advance(10min);

    // a closes and keeps its transaction open until b is seen waiting for the
    // incident's row; then a commits and b goes on with what a committed.
    std::int64_t queued_by_a = 0;
    Latch a_closed;
    CommandReply reply_a, reply_b;
    auto a_run = std::async(std::launch::async, [&] {
        a.writes().run([&] {
            reply_a = bot_a.handle_command(command("close Bad config push", "alice"));
            queued_by_a = a.outbox().pending_count();
            a_closed.open();
            test::wait_until(
                [&] {
                    return scalar(*url,
                                  "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                  "AND datname = current_database()") > 0;
                },
                20s);
        });
    });
    REQUIRE(a_closed.wait());
    auto b_run = std::async(std::launch::async, [&] {
        b.writes().run([&] { reply_b = bot_b.handle_command(command("close Bad config push", "bob")); });
    });
    await(a_run);
    await(b_run);

    CHECK(queued_by_a > 0);
    std::int64_t queued = 0;
    a.writes().run([&] { queued = a.outbox().pending_count(); });
    CHECK(queued == queued_by_a);  // b queued no second draft
    CHECK(reply_b.text != reply_a.text);
    const auto incident = a.open_reader()->latest_incident(channel());
    REQUIRE(incident);
    CHECK(incident->state == IncidentState::closed);
}

TEST_CASE("postgres writer: a throwing item rolls back alone, its batch-mates commit, done comes after COMMIT") {
    auto url = test::postgres_database();
    if (!url) return;
    Database db(replica(*url, "a"), test_clock());
    // Hold the writer busy so the next three items share one batch.
    Latch busy, release;
    db.writes().submit(
        [&] {
            busy.open();
            release.wait();
        },
        nullptr);
    REQUIRE(busy.wait());
    const auto batches_before = db.write_batches();
    std::promise<std::exception_ptr> first, failing, last;
    std::atomic<bool> visible_at_done{false};
    db.writes().submit([&] { db.store().create_incident(incident(channel("C1"), "kept 1")); },
                       [&](std::exception_ptr e) { first.set_value(e); });
    db.writes().submit(
        [&] {
            db.store().create_incident(incident(channel("C2"), "rolled back"));
            db.store().update_incident(Incident{});  // no incident 0: throws after a write
        },
        [&](std::exception_ptr e) { failing.set_value(e); });
    db.writes().submit([&] { db.store().create_incident(incident(channel("C3"), "kept 2")); },
                       [&](std::exception_ptr e) {
                           // Committed before anyone hears: another connection sees it now.
                           visible_at_done = scalar(*url, "SELECT count(*) FROM incidents WHERE title = 'kept 2'") == 1;
                           last.set_value(e);
                       });
    release.open();
    auto f1 = first.get_future(), f2 = failing.get_future(), f3 = last.get_future();
    CHECK(await(f1) == nullptr);
    CHECK(await(f2) != nullptr);
    CHECK(await(f3) == nullptr);
    CHECK(visible_at_done);
    CHECK(db.write_batches() == batches_before + 1);
    const auto titles = db.open_reader()->list_incidents();
    REQUIRE(titles.size() == 2);
    CHECK(titles[0].title == "kept 2");
    CHECK(titles[1].title == "kept 1");
}

TEST_CASE("postgres writer: repeatable items share a savepoint, and when one throws the others run again and commit") {
    auto url = test::postgres_database();
    if (!url) return;
    Database db(replica(*url, "a"), test_clock());
    auto batch = [&](bool fail) {
        Latch busy, release;
        db.writes().submit(
            [&] {
                busy.open();
                release.wait();
            },
            nullptr);
        REQUIRE(busy.wait());
        const auto batches_before = db.write_batches();
        std::atomic<int> runs_of_first{0};
        std::promise<std::exception_ptr> first, failing, last;
        db.writes().submit_repeatable(
            [&] {
                ++runs_of_first;
                db.store().create_incident(incident(channel("C1"), "kept 1"));
            },
            [&](std::exception_ptr e) { first.set_value(e); });
        db.writes().submit_repeatable(
            [&] {
                db.store().create_incident(incident(channel("C2"), "rolled back"));
                if (fail) db.store().update_incident(Incident{});  // no incident 0: throws after a write
            },
            [&](std::exception_ptr e) { failing.set_value(e); });
        db.writes().submit_repeatable([&] { db.store().create_incident(incident(channel("C3"), "kept 2")); },
                                      [&](std::exception_ptr e) { last.set_value(e); });
        release.open();
        auto f1 = first.get_future(), f2 = failing.get_future(), f3 = last.get_future();
        CHECK(await(f1) == nullptr);
        CHECK((await(f2) != nullptr) == fail);
        CHECK(await(f3) == nullptr);
        CHECK(db.write_batches() == batches_before + 1);
        return runs_of_first.load();
    };
    // All well: each runs once, one savepoint for the three.
    CHECK(batch(false) == 1);
    CHECK(scalar(*url, "SELECT count(*) FROM incidents") == 3);
    // The second throws: the three are rolled back together and run again
    // one by one, so the first runs twice and the second's write is undone.
    CHECK(batch(true) == 2);
    CHECK(scalar(*url, "SELECT count(*) FROM incidents WHERE title = 'kept 1'") == 2);
    CHECK(scalar(*url, "SELECT count(*) FROM incidents WHERE title = 'rolled back'") == 1);
    CHECK(scalar(*url, "SELECT count(*) FROM incidents WHERE title = 'kept 2'") == 2);
}

TEST_CASE("postgres: one batch per replica, a retry of the other's event is a duplicate, new events stored once") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(kT0);
    Database a(replica(*url, "a"), clock);
    Database b(replica(*url, "b"), clock);
    Bot bot_a(a.store(), a.outbox(), clock, BotSettings{});
    Bot bot_b(b.store(), b.outbox(), clock, BotSettings{});
    std::int64_t id = 0;
    a.writes().run([&] { id = a.store().create_incident(incident()); });

    EventBatch on_a(a, bot_a), on_b(b, bot_b);
    on_a.add(said("1.1", kT0), "Ev1");
    on_a.add(said("1.2", kT0 + 1s), "Ev2");
    on_a.add(said("1.2", kT0 + 1s), "Ev2");  // retried within the batch
    on_b.add(said("1.1", kT0), "Ev1");       // the platform's retry of Ev1, landing on b
    on_b.add(said("1.3", kT0 + 2s), "Ev3");
    on_b.add(said("1.2", kT0 + 1s), "Ev2b");  // the same message under another key
    on_a.release();
    on_b.release();

    const auto ev1_a = on_a.outcome(0), ev1_b = on_b.outcome(0);
    CHECK(((ev1_a == EventOutcome::stored && ev1_b == EventOutcome::duplicate) ||
           (ev1_a == EventOutcome::duplicate && ev1_b == EventOutcome::stored)));
    // Message 1.2 under two keys, one per replica: whichever commits first
    // stores it, the other finds the message id taken.
    const auto ev2_a = on_a.outcome(1), ev2b_b = on_b.outcome(2);
    CHECK(((ev2_a == EventOutcome::stored && ev2b_b == EventOutcome::duplicate) ||
           (ev2_a == EventOutcome::duplicate && ev2b_b == EventOutcome::stored)));
    CHECK(on_a.outcome(2) == EventOutcome::duplicate);
    CHECK(on_b.outcome(1) == EventOutcome::stored);
    CHECK(scalar(*url, "SELECT count(*) FROM messages") == 3);
    CHECK(scalar(*url, "SELECT count(DISTINCT message_id) FROM messages") == 3);
    CHECK(scalar(*url, "SELECT count(*) FROM deliveries") == 4);
}

TEST_CASE("postgres: a batch of events and a close on another replica: recorded before it, ignored after it") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(kT0);
    Database a(replica(*url, "a"), clock);
    Database b(replica(*url, "b"), clock);
    Bot bot_a(a.store(), a.outbox(), clock, BotSettings{});
    Bot bot_b(b.store(), b.outbox(), clock, BotSettings{});
    auto close = [&] {
        SlashCommand c;
        c.where = channel();
        c.user_id = "alice";
        c.user_name = "alice";
        c.text = "close Bad config push";
        c.at = clock.now();
        return c;
    };
    auto someone_waits_for_a_lock = [&] {
        return test::wait_until(
            [&] {
                return scalar(*url,
                              "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                              "AND datname = current_database()") > 0;
            },
            20s);
    };

    SUBCASE("a's batch recorded a message first: the close waits for the whole batch and counts it") {
        SlashCommand open = close();
        open.text = "open Checkout down sev:2";
        a.writes().run([&] { bot_a.handle_command(open); });
        clock.advance(1min);
        Latch recorded;
        bool b_waited = false;
        EventBatch on_a(a, bot_a);
        on_a.add(said("1.1", kT0 + 10s), "Ev1");
        on_a.add([&] {
            recorded.open();
            b_waited = someone_waits_for_a_lock();  // b's close, behind the incident row a shares
        });
        on_a.add(said("1.2", kT0 + 20s), "Ev2");
        on_a.release();
        REQUIRE(recorded.wait());
        CommandReply reply;
        auto closing = std::async(std::launch::async, [&] { b.writes().run([&] { reply = bot_b.handle_command(close()); }); });
        CHECK(on_a.outcome(0) == EventOutcome::stored);
        CHECK(on_a.outcome(2) == EventOutcome::stored);
        await(closing);
        CHECK(b_waited);
        CHECK(reply.text.find("2 messages recorded") != std::string::npos);
    }

    SUBCASE("b's close came first: a's batch waits for it, then finds the incident closed") {
        SlashCommand open = close();
        open.text = "open Checkout down sev:2";
        a.writes().run([&] { bot_a.handle_command(open); });
        EventBatch before(a, bot_a);
        before.add(said("1.0", kT0 + 5s), "Ev0");
        before.release();
        CHECK(before.outcome(0) == EventOutcome::stored);
        clock.advance(1min);

        Latch closed;
        bool a_waited = false;
        auto closing = std::async(std::launch::async, [&] {
            b.writes().run([&] {
                bot_b.handle_command(close());
                closed.open();
                a_waited = someone_waits_for_a_lock();  // a's batch, behind the row b updated
            });
        });
        REQUIRE(closed.wait());
        EventBatch on_a(a, bot_a);
        on_a.add(said("1.1", kT0 + 10s), "Ev1");  // posted before the close, arrived after it
        on_a.add(said("1.2", kT0 + 20s), "Ev2");
        on_a.release();
        await(closing);
        CHECK(a_waited);
        CHECK(on_a.outcome(0) == EventOutcome::ignored);
        CHECK(on_a.outcome(1) == EventOutcome::ignored);
        CHECK(scalar(*url, "SELECT count(*) FROM messages") == 1);
        CHECK(scalar(*url, "SELECT count(*) FROM deliveries WHERE key IN ('Ev1', 'Ev2')") == 2);
    }
}

TEST_CASE("postgres pool: readers borrow connections, callers wait for a free one, in-use and waiting are counted") {
    auto url = test::postgres_database();
    if (!url) return;
    auto options = replica(*url, "a");
    options.pool_size = 2;
    options.pool_wait = 20s;
    Database db(options, test_clock());
    CHECK(db.pool_stats().size == 2);
    CHECK(db.pool_stats().in_use == 0);
    auto r1 = db.open_reader();
    auto r2 = db.open_reader();
    CHECK(r1->list_incidents().empty());
    CHECK(db.pool_stats().in_use == 2);

    auto third = std::async(std::launch::async, [&] {
        auto r3 = db.open_reader();
        return r3->list_incidents().size();
    });
    CHECK(test::wait_until([&] { return db.pool_stats().waiting == 1; }, 20s));
    r1.reset();  // its connection goes to the waiting caller
    CHECK(await(third) == 0u);
    CHECK(db.pool_stats().waiting == 0);
    CHECK(db.pool_stats().in_use == 1);

    // A reader's connection is read-only.
    CHECK_THROWS(r2->create_incident(incident()));
}

TEST_CASE("postgres pool: no free connection within pool_wait is a clear error") {
    auto url = test::postgres_database();
    if (!url) return;
    auto options = replica(*url, "a");
    options.pool_size = 1;
    options.pool_wait = std::chrono::milliseconds(50);
    Database db(options, test_clock());
    auto held = db.open_reader();
    CHECK_THROWS_WITH(db.open_reader(), doctest::Contains("no free PostgreSQL connection within 50 ms"));
}

// A database last migrated by an older build (schema 6) with Slack markup in
// its stored text: the step to 7 rewrites it, as SQLite's schema 11 does.
TEST_CASE("postgres: schema 7 rewrites stored Slack markup as neutral text, Slack incidents only") {
    auto url = test::postgres_database();
    if (!url) return;
    storage::migrate_postgres(*url);
    {
        pqxx::connection c(*url);
        pqxx::nontransaction old(c);
        old.exec("DELETE FROM hindsight_schema_migrations WHERE version >= 7");
        old.exec("DROP TABLE tracker_user_matches");  // schema 8's: a schema-6 database lacks it
        old.exec("INSERT INTO incidents (platform, team, channel, title, state, opened_at) VALUES "
                 "('slack', 'T1', 'C1', 'checkout <!here>', 'closed', 1), ('mattermost', 'T1', 'C2', 'm <@U1>', 'open', 1)");
        old.exec("INSERT INTO messages (incident_id, message_id, text, original_text, at_us) "
                 "SELECT id, 'm' || id, '<@U1|bob> see <https://x.example|the board>, p99 < 2s', "
                 "'<@U1|bob> see <https://x.example|the board>, p99 < 2s', 2 FROM incidents");
        old.exec("INSERT INTO action_items (incident_id, text, due_at, created_at, state) "
                 "SELECT id, 'alert for <@U2>', 5, 1, 'open' FROM incidents WHERE platform = 'slack'");
    }
    storage::migrate_postgres(*url);
    pqxx::connection c(*url);
    pqxx::nontransaction read(c);
    auto text = [&](const std::string& sql) { return read.exec(sql)[0][0].as<std::string>(); };
    CHECK(text("SELECT title FROM incidents WHERE platform = 'slack'") == "checkout @here");
    CHECK(text("SELECT text FROM messages WHERE incident_id = (SELECT id FROM incidents WHERE platform = 'slack')") ==
          "@{U1|bob} see [the board](https://x.example), p99 < 2s");
    CHECK(text("SELECT original_text FROM messages WHERE incident_id = (SELECT id FROM incidents WHERE "
               "platform = 'slack')") == "@{U1|bob} see [the board](https://x.example), p99 < 2s");
    CHECK(text("SELECT text FROM action_items") == "alert for @{U2|}");
    CHECK(text("SELECT title FROM incidents WHERE platform = 'mattermost'") == "m <@U1>");
    CHECK(text("SELECT text FROM messages WHERE incident_id = (SELECT id FROM incidents WHERE platform = "
               "'mattermost')") == "<@U1|bob> see <https://x.example|the board>, p99 < 2s");
    CHECK(scalar(*url, "SELECT max(version) FROM hindsight_schema_migrations") ==
          storage::latest_postgres_schema_version());
}

// A database last migrated by an older build (schema 7): the step to 8 adds
// the table of owners matched by e-mail, as SQLite's schema 12, and leaves
// the rest alone.
TEST_CASE("postgres: schema 8 adds the table of owners matched by e-mail to a schema-7 database") {
    auto url = test::postgres_database();
    if (!url) return;
    storage::migrate_postgres(*url);
    {
        pqxx::connection c(*url);
        pqxx::nontransaction old(c);
        old.exec("DELETE FROM hindsight_schema_migrations WHERE version >= 8");
        old.exec("DROP TABLE tracker_user_matches");
        old.exec("INSERT INTO users (platform, team, user_id, display_name) VALUES ('slack', 'T1', 'U1', 'dana')");
    }
    CHECK(scalar(*url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tracker_user_matches'") == 0);
    Database db(replica(*url, "a"), test_clock());
    CHECK(scalar(*url, "SELECT max(version) FROM hindsight_schema_migrations") ==
          storage::latest_postgres_schema_version());
    const ChannelRef where{Platform::slack, "T1", ""};
    db.store().save_tracker_match({"gh", where, "U1", "dana-gh", from_micros(7)});
    CHECK(db.store().tracker_match_of_tracker_user("gh", where, "dana-gh")->user_id == "U1");
    CHECK(db.store().user_name(where, "U1") == "dana");
    pqxx::connection c(*url);
    pqxx::nontransaction raw(c);
    CHECK_THROWS(raw.exec("INSERT INTO tracker_user_matches VALUES ('gh', 'slack', 'T1', 'U2', 'dana-gh', 8)"));
}
