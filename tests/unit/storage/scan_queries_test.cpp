// The store queries behind the scheduler tick and GET /incidents: what they
// select, and that SQLite answers them from their indexes (the query plan of
// the very SQL the store runs, captured with a trace) instead of reading every
// incident or action item.
#include "backends.hpp"
#include "fixtures.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_incident_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;
using hindsight::storage::SqliteIncidentStore;
using hindsight::test::TempDir;

namespace {

std::vector<std::int64_t> ids_of(const std::vector<Incident>& incidents) {
    std::vector<std::int64_t> out;
    for (const auto& i : incidents) out.push_back(i.id);
    return out;
}

std::int64_t closed_incident(IncidentStore& store, const std::string& channel_id, Timestamp closed_at,
                             const std::function<void(Incident&)>& adjust = [](Incident&) {}) {
    auto i = incident(channel(channel_id));
    i.id = store.create_incident(i);
    i.state = IncidentState::closed;
    i.closed_at = closed_at;
    i.postmortem_md = "# drafted\n" + std::string(4000, 'x');
    adjust(i);
    store.update_incident(i);
    return i.id;
}

// The SQL text of every statement SQLite starts on `db` while `run` runs.
std::vector<std::string> statements_run(SQLite::Database& db, const std::function<void()>& run) {
    std::vector<std::string> seen;
    auto record = [](unsigned, void* context, void* statement, void*) -> int {
        const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(statement));
        if (sql) static_cast<std::vector<std::string>*>(context)->push_back(sql);
        return 0;
    };
    sqlite3_trace_v2(db.getHandle(), SQLITE_TRACE_STMT, record, &seen);
    run();
    sqlite3_trace_v2(db.getHandle(), 0, nullptr, nullptr);
    return seen;
}

// EXPLAIN QUERY PLAN's detail lines for one statement, parameters unbound.
std::string plan_of(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement explain(db, "EXPLAIN QUERY PLAN " + sql);
    std::string out;
    while (explain.executeStep()) out += explain.getColumn(3).getString() + "\n";
    return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("incidents_awaiting_meeting_reminder: closed by T, no meeting, not reminded, longest closed first") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const Timestamp t = kT0 + 48h;

    const auto long_ago = closed_incident(store, "C1", kT0);
    const auto exactly_t = closed_incident(store, "C2", t);
    closed_incident(store, "C3", t + 1us);  // closed just after T
    closed_incident(store, "C4", kT0, [](Incident& i) { i.meeting_at = kT0 + 72h; });
    closed_incident(store, "C5", kT0, [](Incident& i) { i.meeting_reminded_at = kT0 + 24h; });
    // Reopened: open again, closed_at cleared (what /incident reopen stores).
    closed_incident(store, "C6", kT0, [](Incident& i) {
        i.state = IncidentState::open;
        i.closed_at.reset();
    });
    auto never_closed = incident(channel("C7"));
    store.create_incident(never_closed);

    const auto awaiting = store.incidents_awaiting_meeting_reminder(t);
    CHECK(ids_of(awaiting) == std::vector<std::int64_t>{long_ago, exactly_t});
    REQUIRE(awaiting.size() == 2);
    // Whole incidents: the reminder updates and re-stores them.
    CHECK(awaiting[0].where == channel("C1"));
    CHECK(awaiting[0].closed_at == kT0);
    CHECK(awaiting[0].postmortem_md.size() > 4000);
    CHECK(ids_of(db.open_reader()->incidents_awaiting_meeting_reminder(t)) == ids_of(awaiting));

    CHECK(store.incidents_awaiting_meeting_reminder(kT0 - 1us).empty());

    // Recording the reminder, or a meeting, takes an incident out.
    auto reminded = awaiting[1];
    reminded.meeting_reminded_at = t;
    store.update_incident(reminded);
    auto met = *store.find_incident(long_ago);
    met.meeting_at = t + 1h;
    store.update_incident(met);
    CHECK(store.incidents_awaiting_meeting_reminder(t + 1h).size() == 1);  // C3, now old enough
    });
}

TEST_CASE("incidents_awaiting_meeting_reminder: a reopened and closed again incident counts from its new close") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto id = closed_incident(store, "C1", kT0);
    auto i = *store.find_incident(id);
    i.state = IncidentState::open;
    i.closed_at.reset();
    store.update_incident(i);
    CHECK(store.incidents_awaiting_meeting_reminder(kT0 + 240h).empty());

    i.state = IncidentState::closed;
    i.closed_at = kT0 + 100h;
    store.update_incident(i);
    CHECK(store.incidents_awaiting_meeting_reminder(kT0 + 100h - 1us).empty());
    CHECK(ids_of(store.incidents_awaiting_meeting_reminder(kT0 + 100h)) == std::vector<std::int64_t>{id});
    });
}

TEST_CASE("incident_summaries: every incident newest first with its open action count, no postmortem text") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto first = closed_incident(store, "C1", kT0 + 2h);
    auto second_incident = incident(channel("C2", "T2", Platform::mattermost), "Queue backlog");
    second_incident.severity = 0;
    second_incident.commander_id = "u-9";
    second_incident.commander_name = "";
    const auto second = store.create_incident(second_incident);
    store.create_incident(incident(channel("C3"), "No actions"));

    auto done = action(first, kT0);
    done.state = ActionState::done;
    done.done_at = kT0 + 1h;
    store.add_action(done);
    store.add_action(action(first, kT0 + 24h));
    store.add_action(action(second, kT0 + 24h));
    store.add_action(action(second, kT0 + 48h));
    store.add_action(action(second, kT0 + 72h));

    const auto list = db.open_reader()->incident_summaries();
    REQUIRE(list.size() == 3);
    CHECK(list[0].title == "No actions");
    CHECK(list[0].open_actions == 0);
    CHECK(list[1].id == second);
    CHECK(list[1].where == channel("C2", "T2", Platform::mattermost));
    CHECK(list[1].title == "Queue backlog");
    CHECK(list[1].severity == 0);
    CHECK(list[1].commander_id == "u-9");
    CHECK(list[1].commander_name.empty());
    CHECK(list[1].state == IncidentState::open);
    CHECK(list[1].opened_at == kT0);
    CHECK_FALSE(list[1].closed_at);
    CHECK(list[1].open_actions == 3);
    CHECK(list[2].id == first);
    CHECK(list[2].state == IncidentState::closed);
    CHECK(list[2].closed_at == kT0 + 2h);
    CHECK(list[2].severity == 2);
    CHECK(list[2].commander_name == "alice");
    CHECK(list[2].open_actions == 1);  // the done one is not counted

    // The interface's fallback (list_incidents + actions) gives the same rows.
    const auto fallback = store.IncidentStore::incident_summaries();
    REQUIRE(fallback.size() == list.size());
    for (std::size_t k = 0; k < list.size(); ++k) {
        CHECK(fallback[k].id == list[k].id);
        CHECK(fallback[k].open_actions == list[k].open_actions);
        CHECK(fallback[k].closed_at == list[k].closed_at);
    }
    CHECK(ids_of(store.IncidentStore::incidents_awaiting_meeting_reminder(kT0 + 2h)) ==
          ids_of(store.incidents_awaiting_meeting_reminder(kT0 + 2h)));
    });
}

TEST_CASE("the reminder and list queries search their partial indexes instead of scanning the tables") {
    TempDir dir;
    const auto path = dir.file("h.db");
    {
        Database db(path);
        auto& store = db.store();
        for (int k = 0; k < 20; ++k) {
            std::string channel_id = "C";  // appended: GCC 12 warns falsely on "literal" + std::string&&
            channel_id.append(std::to_string(k));
            const auto id = closed_incident(store, channel_id, kT0 + std::chrono::hours(k));
            auto a = action(id, kT0 + std::chrono::hours(k));
            if (k % 2 == 0) a.state = ActionState::done;
            store.add_action(a);
        }
    }
    // No ANALYZE: the service never runs it, so this is the plan it gets.
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    SqliteIncidentStore store(raw);

    const auto awaiting = statements_run(raw, [&] { store.incidents_awaiting_meeting_reminder(kT0 + 5h); });
    REQUIRE(awaiting.size() == 1);
    const auto awaiting_plan = plan_of(raw, awaiting[0]);
    INFO(awaiting_plan);
    CHECK(contains(awaiting_plan, "USING INDEX incidents_awaiting_meeting_reminder"));
    CHECK_FALSE(contains(awaiting_plan, "SCAN"));

    const auto due = statements_run(raw, [&] { store.actions_due_for_nudge(kT0 + 5h, 24h, 100); });
    REQUIRE(due.size() == 1);
    const auto due_plan = plan_of(raw, due[0]);
    INFO(due_plan);
    CHECK(contains(due_plan, "USING INDEX action_items_open_by_due"));
    CHECK_FALSE(contains(due_plan, "SCAN"));
    CHECK_FALSE(contains(due_plan, "TEMP B-TREE"));  // index order, no sort

    const auto summaries = statements_run(raw, [&] { store.incident_summaries(); });
    REQUIRE(summaries.size() == 1);
    const auto summaries_plan = plan_of(raw, summaries[0]);
    INFO(summaries_plan);
    CHECK(contains(summaries_plan, "USING INDEX action_items_open_by_incident"));
    CHECK_FALSE(contains(summaries_plan, "SCAN a"));
}
