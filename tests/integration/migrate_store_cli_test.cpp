// `hindsight migrate-store` as an operator runs it: the URL (with a password)
// from the environment, the counts printed, a second run refused; and round
// trips of the demo's database and a large generated one.
#include "adapters/console/console.hpp"
#include "storage/database.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

struct Run {
    int code = -1;
    std::string out, err;
};

Run migrate(const test::TempDir& dir, const std::vector<std::string>& args, const std::vector<std::string>& env) {
    test::ChildProcess p(HINDSIGHT_BINARY, args, dir.path(), env);
    auto rc = p.wait(60s);
    REQUIRE(rc.has_value());
    return {*rc, p.out(), p.err()};
}

}  // namespace

TEST_CASE("migrate-store CLI: copies, prints counts with the URL redacted, refuses a second copy without --force") {
    auto url = test::postgres_database();
    if (!url) return;
    const std::string password = "Cli-Pg-SECRET-77";
    test::TempDir dir;
    {
        storage::Database sqlite(dir.file("h.db"));
        Incident i;
        i.where = ChannelRef{Platform::slack, "T1", "C1"};
        i.title = "Checkout down";
        i.opened_at = from_micros(1'772'366'400'000'000LL);
        sqlite.store().create_incident(i);
    }
    const std::vector<std::string> env = {"HINDSIGHT_DATABASE_URL=" + *url + "&password=" + password};
    const std::vector<std::string> args = {"migrate-store", "--from", "sqlite:" + dir.file("h.db"), "--to",
                                           "postgres:"};

    auto first = migrate(dir, args, env);
    CHECK_MESSAGE(first.code == 0, first.err);
    CHECK(first.out.find("  incidents: 1\n") != std::string::npos);
    CHECK(first.out.find("counts verified") != std::string::npos);
    CHECK(first.out.find("password=<redacted>") != std::string::npos);
    CHECK((first.out + first.err).find(password) == std::string::npos);

    auto second = migrate(dir, args, env);
    CHECK(second.code == 1);
    CHECK(second.err.find("not empty (1 incidents)") != std::string::npos);
    CHECK((second.out + second.err).find(password) == std::string::npos);

    auto forced = args;
    forced.push_back("--force");
    CHECK(migrate(dir, forced, env).code == 0);

    auto bad = migrate(dir, {"migrate-store", "--from", dir.file("h.db"), "--to", "postgres:"}, env);
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--from must be sqlite:PATH") != std::string::npos);
}

namespace {

json when(const std::optional<Timestamp>& t) { return t ? json(to_micros(*t)) : json(nullptr); }

// Everything a store holds that migrate-store copies, read through the
// IncidentStore interface, as one JSON value: two stores with equal
// snapshots hold the same incidents, messages (edits, tombstones), key
// events, curations, whys, factors and action items, with the same ids.
json snapshot(IncidentStore& s) {
    json out = json::array();
    for (const auto& i : s.list_incidents()) {
        json incident = {{"id", i.id}, {"where", {std::string(to_string(i.where.platform)), i.where.team, i.where.channel}},
                         {"title", i.title}, {"severity", i.severity}, {"commander", {i.commander_id, i.commander_name}},
                         {"state", i.state == IncidentState::open}, {"opened_at", to_micros(i.opened_at)},
                         {"closed_at", when(i.closed_at)}, {"started_at", when(i.started_at)},
                         {"texts", {i.summary, i.impact, i.root_cause, i.facilitator_id, i.postmortem_md}},
                         {"meeting", {when(i.meeting_at), when(i.meeting_reminded_at)}}};
        for (const auto& m : s.messages(i.id))
            incident["messages"].push_back({m.message_id, m.user_id, m.user_name, m.text, m.original_text,
                                            m.thread_parent, to_micros(m.at), when(m.edited_at), m.deleted,
                                            when(m.deleted_at), m.key_event, m.permalink, m.reactions});
        incident["live_messages"] = s.count_messages(i.id);
        for (const auto& e : s.key_events(i.id))
            incident["key_events"].push_back({e.id, to_micros(e.at), e.author_id, e.author_name, e.text});
        for (const auto& c : s.curations(i.id))
            incident["curations"].push_back({c.id, static_cast<int>(c.kind), c.entry_key, c.text, when(c.at),
                                             c.author_id, c.author_name, to_micros(c.created_at)});
        for (const auto& w : s.whys(i.id))
            incident["whys"].push_back({w.n, w.answer, w.author_id, to_micros(w.at)});
        incident["factors"] = s.factors(i.id);
        for (const auto& a : s.actions(i.id))
            incident["actions"].push_back({a.id, a.owner_id, a.owner_name, a.text, to_micros(a.due_at),
                                           to_micros(a.created_at), a.created_by, a.state == ActionState::open,
                                           a.done_by, when(a.done_at), when(a.snoozed_until), a.nudges,
                                           when(a.last_nudged_at)});
        out.push_back(std::move(incident));
    }
    return out;
}

// The first incident whose snapshot differs, for the failure message.
std::string first_difference(const json& a, const json& b) {
    if (a.size() != b.size()) return std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " incidents";
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return a[i].dump().substr(0, 2000) + "\n---\n" + b[i].dump().substr(0, 2000);
    return "";
}

// A large SQLite database: 120 incidents, 24,000 messages (edits,
// tombstones, pins, threads, reactions), key events, curations, whys,
// factors, 1,200 action items in every state, users, deliveries and outbox
// rows in every state.
void generate_large(const std::string& path) {
    storage::Database db(path);
    const Timestamp t0 = from_micros(1'772'366'400'000'000LL);
    db.writes().run([&] {
        auto& s = db.store();
        for (int n = 0; n < 120; ++n) {
            Incident i;
            i.where = ChannelRef{n % 3 ? Platform::slack : Platform::mattermost, "T1", "C" + std::to_string(n)};
            i.title = "Incident " + std::to_string(n) + " — ünïcode \"quoted\"";
            i.severity = n % 5;
            i.commander_id = "U" + std::to_string(n % 7);
            i.opened_at = t0 + std::chrono::hours(n);
            if (n % 2) {
                i.state = IncidentState::closed;
                i.closed_at = i.opened_at + std::chrono::hours(3);
                i.postmortem_md = std::string(2000, 'x') + std::to_string(n);
                i.summary = "summary " + std::to_string(n);
            }
            if (n % 4 == 1) i.meeting_at = i.opened_at + std::chrono::hours(48);
            const auto id = s.create_incident(i);
            for (int m = 0; m < 200; ++m) {
                RecordedMessage r;
                r.incident_id = id;
                r.message_id = std::to_string(1'772'366'400 + n * 1000 + m) + ".000100";
                r.user_id = "U" + std::to_string(m % 9);
                r.user_name = "user " + std::to_string(m % 9);
                r.text = "message " + std::to_string(m) + " of incident " + std::to_string(n);
                r.at = i.opened_at + std::chrono::seconds(m);
                if (m % 10 == 3) r.thread_parent = std::to_string(1'772'366'400 + n * 1000) + ".000100";
                r.reactions = m % 4;
                s.insert_message(r);
                if (m % 17 == 0) s.edit_message(id, r.message_id, r.text + " (edited)", r.at + std::chrono::minutes(1));
                if (m % 23 == 0) s.delete_message(id, r.message_id, r.at + std::chrono::minutes(2));
                if (m % 31 == 0) s.mark_key_message(id, r.message_id, true);
            }
            s.add_key_event({0, id, i.opened_at + std::chrono::minutes(5), "U1", "alice", "mitigated"});
            TimelineCuration c;
            c.incident_id = id;
            c.kind = n % 2 ? TimelineCuration::Kind::hide : TimelineCuration::Kind::add;
            c.entry_key = n % 2 ? "m:x" : "";
            c.text = n % 2 ? "" : "added by hand";
            c.created_at = i.opened_at + std::chrono::hours(1);
            s.add_curation(c);
            s.set_why({id, 1, "why " + std::to_string(n), "U2", i.opened_at + std::chrono::hours(2)});
            s.add_factor(id, "factor-" + std::to_string(n % 6));
            for (int a = 0; a < 10; ++a) {
                ActionItem item;
                item.incident_id = id;
                item.owner_id = "U" + std::to_string(a);
                item.owner_name = "owner " + std::to_string(a);
                item.text = "action " + std::to_string(a);
                item.due_at = i.opened_at + std::chrono::hours(24 * (a + 1));
                item.created_at = i.opened_at;
                item.created_by = "U1";
                if (a % 3 == 0) {
                    item.state = ActionState::done;
                    item.done_by = "U1";
                    item.done_at = item.due_at;
                }
                if (a % 4 == 1) item.snoozed_until = item.due_at + std::chrono::hours(24);
                item.nudges = a % 3;
                if (item.nudges) item.last_nudged_at = item.due_at;
                s.add_action(item);
            }
        }
        for (int u = 0; u < 50; ++u)
            s.remember_user(ChannelRef{Platform::slack, "T1", ""}, "U" + std::to_string(u), "name " + std::to_string(u));
        for (int d = 0; d < 300; ++d) s.remember_delivery("Ev" + std::to_string(d), t0);
        for (int o = 0; o < 300; ++o) {
            OutboundMessage m;
            m.platform = Platform::slack;
            m.team = "T1";
            m.channel = "C" + std::to_string(o % 20);
            m.text = "post " + std::to_string(o);
            m.buttons = {{"Done", "done", "A-" + std::to_string(o)}};
            const auto id = db.outbox().enqueue(m, t0);
            if (o % 3 == 0) db.outbox().mark_delivered(id, t0 + std::chrono::seconds(1));
            if (o % 7 == 0) db.outbox().mark_dead(id, "channel_not_found");
        }
    });
}

// migrate-store from `sqlite_path` into a fresh PostgreSQL database, then both
// read back through their stores: the same snapshot, the same outbox counts.
void round_trip(const std::string& sqlite_path, const test::TempDir& dir) {
    auto url = test::postgres_database();
    if (!url) return;
    auto run = migrate(dir, {"migrate-store", "--from", "sqlite:" + sqlite_path, "--to", "postgres:" + *url}, {});
    REQUIRE_MESSAGE(run.code == 0, run.err);
    CHECK(run.out.find("counts verified") != std::string::npos);

    storage::Database sqlite(sqlite_path);
    storage::Database::PostgresOptions options;
    options.url = *url;
    SystemClock clock;
    storage::Database pg(options, clock);
    const auto from = snapshot(*sqlite.open_reader());
    const auto to = snapshot(*pg.open_reader());
    CHECK(from.size() > 0);
    CHECK_MESSAGE(from == to, first_difference(from, to));
    CHECK(sqlite.outbox().pending_count() == pg.outbox().pending_count());
    CHECK(sqlite.outbox().dead_count() == pg.outbox().dead_count());
    // Ids go on after the copied ones in PostgreSQL too.
    std::int64_t next = 0;
    pg.writes().run([&] {
        Incident i;
        i.where = ChannelRef{Platform::slack, "T1", "Cnew"};
        i.title = "after the move";
        i.opened_at = from_micros(1'772'366'400'000'000LL);
        next = pg.store().create_incident(i);
    });
    CHECK(next > from.front()["id"].get<std::int64_t>());
}

}  // namespace

TEST_CASE("migrate-store round trip: the demo's database reads back the same from PostgreSQL") {
    test::TempDir dir;
    // The demo's script played into a database that stays (`hindsight demo`
    // uses a scratch one).
    test::ChildProcess console(HINDSIGHT_BINARY, {"console", "--db", dir.file("demo.db")}, dir.path(), {},
                               console::demo_script());
    auto rc = console.wait(60s);
    REQUIRE(rc.has_value());
    REQUIRE_MESSAGE(*rc == 0, console.err());
    round_trip(dir.file("demo.db"), dir);
}

TEST_CASE("migrate-store round trip: a large generated database reads back the same from PostgreSQL") {
    test::TempDir dir;
    generate_large(dir.file("large.db"));
    round_trip(dir.file("large.db"), dir);
}
