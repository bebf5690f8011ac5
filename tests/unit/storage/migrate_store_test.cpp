// migrate-store: a SQLite database copied into PostgreSQL, read back through
// the PostgreSQL store.
#include "backends.hpp"
#include "fixtures.hpp"
#include "storage/migrate_store.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;

namespace {

struct Source {
    std::int64_t incident = 0;
    std::int64_t other = 0;
    std::int64_t last_action = 0;
    std::int64_t draft_row = 0;  // the outbox row the owed history merge names
};

// Something of every kind, with the awkward cases: an edit, a tombstone, a
// key message, NULL times, a deleted action id (a gap), every outbox state.
Source fill(Database& db) {
    Source s;
    auto& store = db.store();
    auto& outbox = db.outbox();
    auto closed = incident();
    s.incident = store.create_incident(closed);
    closed.id = s.incident;
    closed.state = IncidentState::closed;
    closed.closed_at = kT0 + 2h;
    closed.postmortem_md = "# API down\n\nit's \"quoted\" — and ünïcode\n";
    store.update_incident(closed);
    s.other = store.create_incident(incident(channel("C2", "T1", Platform::mattermost), "Queue backlog"));

    store.ensure_link_secret("link-secret-of-the-sqlite-store");
    store.insert_message(message(s.incident, "1700.1", kT0 + 1s, "deploying v2"));
    store.insert_message(message(s.incident, "1700.2", kT0 + 2s, "rolling back"));
    store.insert_message(message(s.other, "mm-1", kT0 + 3s, "queue at 1M"));
    store.edit_message(s.incident, "1700.1", "deploying v2.1", kT0 + 5s);
    store.delete_message(s.incident, "1700.2", kT0 + 6s);
    store.mark_key_message(s.incident, "1700.1", true);
    KeyEvent e;
    e.incident_id = s.incident;
    e.at = kT0 + 10s;
    e.author_id = "U1";
    e.text = "rollback started";
    store.add_key_event(e);
    TimelineCuration c;
    c.incident_id = s.incident;
    c.kind = TimelineCuration::Kind::hide;
    c.entry_key = "m:1700.2";
    c.created_at = kT0 + 3h;
    store.add_curation(c);
    store.set_why({s.incident, 1, "the deploy had no canary", "U1", kT0 + 4h});
    store.set_why({s.incident, 2, "canaries were never required", "U2", kT0 + 4h});
    store.add_factor(s.incident, "no-canary");
    store.add_factor(s.incident, "config-drift");
    auto done = action(s.incident, kT0 + 24h, "add a canary stage");
    done.state = ActionState::done;
    done.done_at = kT0 + 30h;
    done.done_by = "U3";
    store.add_action(done);
    s.last_action = store.add_action(action(s.incident, kT0 + 48h, "alert on config drift"));
    store.remember_user(channel(), "U1", "alice");
    store.save_tracker_match({"gh", channel(), "U1", "alice-gh", kT0 + 5h});
    store.remember_delivery("Ev1", kT0);

    OutboundMessage m;
    m.platform = Platform::slack;
    m.team = "T1";
    m.channel = "C1";
    m.text = "draft";
    m.buttons = {{"Done", "done", "A-2"}};
    const auto delivered = outbox.enqueue(m, kT0);
    outbox.mark_delivered(delivered, kT0 + 1s);
    s.draft_row = delivered;
    // The close's history merge, owed after a failed read, claimed by this (SQLite) process.
    store.add_history_merge({s.incident, delivered, 0, kT0 + 2h, ""}, kT0 + 3h);
    store.retry_history_merge(s.incident, kT0 + 2h + 30s, "conversations.history: HTTP 503");
    store.add_history_merge(store.history_merges().at(0), kT0 + 9h);
    const auto dead = outbox.enqueue(m, kT0);
    outbox.mark_dead(dead, "channel_not_found");
    m.ephemeral = true;
    m.response_url = "https://hooks.slack.com/commands/1";
    outbox.enqueue(m, kT0);
    return s;
}

Database::PostgresOptions postgres_at(const std::string& url) {
    Database::PostgresOptions options;
    options.url = url;
    return options;
}

}  // namespace

TEST_CASE("migrate-store copies everything into PostgreSQL, ids kept and counts verified") {
    auto url = test::postgres_database();
    if (!url) return;
    test::TempDir dir;
    const auto path = dir.file("h.db");
    Source s;
    std::vector<RecordedMessage> messages_before;
    {
        Database sqlite(path);
        s = fill(sqlite);
        messages_before = sqlite.store().messages(s.incident);
    }

    const auto copy = storage::copy_sqlite_to_postgres(path, *url, false);
    std::map<std::string, std::int64_t> counts(copy.tables.begin(), copy.tables.end());
    CHECK(counts["incidents"] == 2);
    CHECK(counts["messages"] == 3);
    CHECK(counts["key_events"] == 1);
    CHECK(counts["timeline_curations"] == 1);
    CHECK(counts["whys"] == 2);
    CHECK(counts["factors"] == 2);
    CHECK(counts["action_items"] == 2);
    CHECK(counts["users"] == 1);
    CHECK(counts["deliveries"] == 1);
    CHECK(counts["outbox"] == 3);
    CHECK(counts["history_merges"] == 1);
    CHECK(counts["tracker_user_matches"] == 1);
    CHECK(counts["link_secret"] == 1);

    Database pg(postgres_at(*url), test_clock());
    auto& store = pg.store();
    const auto closed = store.find_incident(s.incident);
    REQUIRE(closed);
    CHECK(closed->state == IncidentState::closed);
    CHECK(closed->closed_at == kT0 + 2h);
    CHECK_FALSE(closed->meeting_at);
    CHECK(closed->postmortem_md == "# API down\n\nit's \"quoted\" — and ünïcode\n");
    CHECK(store.find_incident(s.other)->where == channel("C2", "T1", Platform::mattermost));

    const auto messages = store.messages(s.incident);
    REQUIRE(messages.size() == messages_before.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        CHECK(messages[i].message_id == messages_before[i].message_id);
        CHECK(messages[i].text == messages_before[i].text);
        CHECK(messages[i].original_text == messages_before[i].original_text);
        CHECK(messages[i].edited_at == messages_before[i].edited_at);
        CHECK(messages[i].deleted == messages_before[i].deleted);
        CHECK(messages[i].deleted_at == messages_before[i].deleted_at);
        CHECK(messages[i].key_event == messages_before[i].key_event);
        CHECK(messages[i].at == messages_before[i].at);
    }
    CHECK(store.count_messages(s.incident) == 1);
    CHECK(store.key_events(s.incident).at(0).text == "rollback started");
    CHECK(store.curations(s.incident).at(0).entry_key == "m:1700.2");
    CHECK(store.whys(s.incident).at(1).answer == "canaries were never required");
    CHECK(store.factors(s.incident) == std::vector<std::string>{"no-canary", "config-drift"});
    const auto actions = store.actions(s.incident);
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].state == ActionState::done);
    CHECK(actions[0].done_at == kT0 + 30h);
    CHECK(actions[1].id == s.last_action);
    CHECK(store.user_name(channel(), "U1") == "alice");
    // An owner matched by e-mail stays matched, found when it was.
    const auto match = store.tracker_match_of_tracker_user("gh", channel(), "alice-gh");
    REQUIRE(match);
    CHECK(match->user_id == "U1");
    CHECK(match->where.platform == Platform::slack);
    CHECK(match->where.team == "T1");
    CHECK(match->found_at == kT0 + 5h);
    CHECK(store.link_secret() == "link-secret-of-the-sqlite-store");  // links posted before the move still open
    CHECK_FALSE(store.remember_delivery("Ev1", kT0 + 1s));
    CHECK(pg.outbox().pending_count() == 1);
    CHECK(pg.outbox().dead_count() == 1);
    std::vector<OutboxItem> due;
    pg.writes().run([&] { due = pg.outbox().due_messages(Timestamp::max(), 10); });
    REQUIRE(due.size() == 1);
    CHECK(due[0].message.ephemeral);
    CHECK(due[0].message.response_url == "https://hooks.slack.com/commands/1");
    CHECK(due[0].message.buttons.at(0).value == "A-2");

    // The owed history merge, as it stood, and unclaimed: the first scan takes it.
    std::vector<HistoryMerge> merges;
    pg.writes().run([&] { merges = store.claim_history_merges(Platform::slack, kT0 + 2h + 30s, 5min, 10); });
    REQUIRE(merges.size() == 1);
    CHECK(merges[0].incident_id == s.incident);
    CHECK(merges[0].draft_row == s.draft_row);
    CHECK(merges[0].attempts == 1);
    CHECK(merges[0].last_error == "conversations.history: HTTP 503");

    // The sequences continue past the copied ids: A-<n> is never handed out twice.
    CHECK(store.add_action(action(s.incident, kT0)) == s.last_action + 1);
    CHECK(store.create_incident(incident(channel("C9"))) == s.other + 1);
}

TEST_CASE("migrate-store refuses a non-empty target unless forced, and leaves it unchanged") {
    auto url = test::postgres_database();
    if (!url) return;
    test::TempDir dir;
    const auto path = dir.file("h.db");
    {
        Database sqlite(path);
        fill(sqlite);
    }
    std::int64_t stranger = 0;
    {
        Database pg(postgres_at(*url), test_clock());
        stranger = pg.store().create_incident(incident(channel("C77"), "already here"));
    }
    try {
        storage::copy_sqlite_to_postgres(path, *url, false);
        FAIL("copied into a non-empty database");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("not empty (1 incidents)") != std::string::npos);
        CHECK(std::string(e.what()).find("--force") != std::string::npos);
    }
    {
        Database pg(postgres_at(*url), test_clock());
        const auto all = pg.store().list_incidents();
        REQUIRE(all.size() == 1);
        CHECK(all[0].title == "already here");
    }

    const auto forced = storage::copy_sqlite_to_postgres(path, *url, true);
    CHECK(forced.tables.front() == std::pair<std::string, std::int64_t>{"incidents", 2});
    Database pg(postgres_at(*url), test_clock());
    CHECK(pg.store().list_incidents().size() == 2);
    CHECK_FALSE(pg.store().latest_incident(channel("C77")));
    (void)stranger;
}

TEST_CASE("migrate-store: a target holding only its own link secret is empty, and gets the source's") {
    auto url = test::postgres_database();
    if (!url) return;
    test::TempDir dir;
    const auto path = dir.file("h.db");
    {
        Database sqlite(path);
        fill(sqlite);
    }
    {
        Database pg(postgres_at(*url), test_clock());
        pg.store().ensure_link_secret("the-target-made-its-own");
    }
    const auto copy = storage::copy_sqlite_to_postgres(path, *url, false);
    std::map<std::string, std::int64_t> counts(copy.tables.begin(), copy.tables.end());
    CHECK(counts["link_secret"] == 1);
    Database pg(postgres_at(*url), test_clock());
    CHECK(pg.store().link_secret() == "link-secret-of-the-sqlite-store");
    CHECK(pg.store().list_incidents().size() == 2);
}

TEST_CASE("migrate-store: a missing source is an error naming it") {
    CHECK_THROWS_WITH_AS(storage::copy_sqlite_to_postgres("/nonexistent/h.db", "postgresql:///x", false),
                         "no SQLite database at /nonexistent/h.db", std::runtime_error);
}
