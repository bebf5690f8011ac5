// Drives the console adapter with scripts, as a user would, on a real
// database, and checks what the channel sees.
#include "adapters/console/console.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <date/date.h>

#include <sstream>

using namespace hindsight;

namespace {

struct ConsoleRig {
    test::TempDir dir;
    storage::Database db{(dir.path() / "console.db").string()};
    ManualClock clock{Timestamp{date::sys_days{date::year{2026} / 3 / 2} + std::chrono::hours{9}}};
    Bot bot{db.store(), db.outbox(), clock, BotSettings{}};
    std::ostringstream out;
    console::Console chat{bot, db.writes(), db.outbox(), clock, out, console::ConsoleOptions{"alice", "inc-db", false}};

    std::string play(const std::string& script) {
        out.str("");
        std::istringstream in(script);
        chat.run(in, false);
        return out.str();
    }
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("console: open, talk, note, close prints the drafted timeline in the channel") {
    ConsoleRig rig;
    auto output = rig.play(
        "/incident open Database failover stuck sev:1\n"
        "primary db-1 is not answering, replication alert fired\n"
        ":advance 2m\n"
        ":user bob\n"
        "I'm restarting the replica promotion job\n"
        ":advance 3m\n"
        "/incident note promotion job restarted by hand\n"
        ":advance 10m\n"
        ":user alice\n"
        "writes are back, error rate back to normal\n"
        "/incident close Failover job hung on a stale lock\n");
    CHECK(contains(output, "Incident opened"));
    CHECK(contains(output, "Database failover stuck"));
    CHECK(contains(output, "SEV1"));
    CHECK(contains(output, "Incident closed"));
    // The draft is posted to the channel through the outbox, with the
    // messages people typed (attributed) and the note.
    CHECK(contains(output, "in #inc-db"));
    CHECK(contains(output, "restarting the replica promotion job"));
    CHECK(contains(output, "promotion job restarted by hand"));
    CHECK(contains(output, "bob"));
}

TEST_CASE("console: :user and :channel switch identity and scope") {
    ConsoleRig rig;
    rig.play("/incident open Queue backlog\n");
    auto other = rig.play(":channel inc-other\n/incident status\n");
    CHECK(contains(other, "no incident in this channel"));
    auto back = rig.play(":channel inc-db\n:user carol\n/incident status\n");
    CHECK(contains(back, "Queue backlog"));
    CHECK(contains(back, "Commander: alice"));
}

TEST_CASE("console: :advance moves the simulated clock that stamps messages") {
    ConsoleRig rig;
    auto before = rig.clock.now();
    rig.play(":advance 1h30m\n");
    CHECK(rig.clock.now() - before == std::chrono::minutes{90});
    auto bad = rig.play(":advance soon\n");
    CHECK(contains(bad, ":advance needs a duration"));
    CHECK(rig.clock.now() - before == std::chrono::minutes{90});
}

TEST_CASE("console: unknown sub-commands get the usage, never silence") {
    ConsoleRig rig;
    auto output = rig.play("/incident frobnicate\n");
    CHECK(contains(output, "Unknown command `frobnicate`"));
    CHECK(contains(output, "/incident open <title>"));
    CHECK(contains(output, "(only you)"));
}

TEST_CASE("console: the bundled demo runs end to end and shows the timeline, five whys and a reminder") {
    ConsoleRig rig;
    std::istringstream script(console::demo_script());
    console::Console chat{rig.bot, rig.db.writes(), rig.db.outbox(), rig.clock, rig.out,
                          console::ConsoleOptions{"you", "incident", true}};
    chat.run(script, false);
    auto output = rig.out.str();
    CHECK(contains(output, "Incident opened"));
    CHECK(contains(output, "Incident closed"));
    CHECK(contains(output, "Draft timeline"));
    CHECK(contains(output, "rolling back checkout-api"));
    CHECK(contains(output, "Why did"));
    CHECK(contains(output, "A-1"));
    CHECK(contains(output, "DM @dev"));  // the overdue nudge for A-1
    CHECK(contains(output, "[Done]"));
}

TEST_CASE("console: /incident timeline why explains an entry, or lists what the draft left out") {
    ConsoleRig rig;
    std::string script = "/incident open Checkout errors sev:2\n";
    // A long channel: a few moments that matter among routine chatter.
    for (int i = 0; i < 40; ++i)
        script += std::string(i % 2 ? ":user carol\n" : ":user alice\n") + "looking at dashboard " + std::to_string(i) +
                  "\n:advance 1m\n";
    script += ":user bob\nrolled back cart-api to v41 in every region, error rate down to 0.2% since 14:20\n";
    rig.play(script);
    auto left = rig.play("/incident timeline why\n");
    CHECK(contains(left, "Left out of the draft"));
    CHECK(contains(left, "looking at dashboard"));
    CHECK(contains(left, "low salience"));
    auto timeline = rig.play("/incident timeline\n");
    CHECK(contains(timeline, "less salient messages left out"));
    auto n = timeline.find("· bob — rolled back cart-api");
    REQUIRE(n != std::string::npos);
    auto line_start = timeline.find_first_not_of(' ', timeline.rfind('\n', n) + 1);
    auto number = timeline.substr(line_start, timeline.find('.', line_start) - line_start);
    auto why = rig.play("/incident timeline why " + number + "\n");
    CHECK(contains(why, "Why entry " + number));
    CHECK(contains(why, "act:rolled"));
    CHECK(contains(rig.play("/incident timeline why soon\n"), "`timeline why` takes an entry number, or nothing."));
}
