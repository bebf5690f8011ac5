// Reminder-scan benchmark (docs/performance.md): 100,000 action items over many
// closed incidents, a few hundred of them overdue. Times one
// Bot::run_reminders() inside a write-queue work item (the scheduler's
// tick: query, nudges, outbox rows, commit) and the bare
// actions_due_for_nudge query.
//
//   bench_reminders [--actions 100000] [--overdue 300] [--incidents 10000]
//                   [--postmortem-bytes 6000] [--repeat 5]
#include "tests/bench/bench_support.hpp"

#include "bot/core/bot.hpp"
#include "storage/database.hpp"

#include <iostream>

namespace {

using namespace hindsight;
using namespace hindsight::bench;
using Clock = std::chrono::steady_clock;

// "prefix" + number; spelled out because GCC 12 at -O3 warns falsely
// (-Wrestrict) about a string literal plus std::to_string(n).
std::string numbered(std::string_view prefix, long long n) {
    std::string out(prefix);
    out += std::to_string(n);
    return out;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

int run(int argc, char** argv) {
    Flags flags(argc, argv,
                {{"actions", "100000"}, {"overdue", "300"}, {"incidents", "10000"}, {"postmortem-bytes", "6000"},
                 {"repeat", "5"}});
    const auto actions = flags.integer("actions");
    const auto overdue = flags.integer("overdue");
    const auto incidents = flags.integer("incidents");
    ScratchDir dir;
    storage::Database db(dir.file("reminders.db"));
    auto& store = db.store();
    const Timestamp now0 = from_micros(1795000000LL * 1000000);
    ManualClock clock(now0);
    BotSettings settings;
    Bot bot(store, db.outbox(), clock, settings);

    // Closed incidents with their drafted postmortems and review meetings
    // held (a meeting-less one would be reminded once, then never again).
    const std::string postmortem(static_cast<std::size_t>(flags.integer("postmortem-bytes")), 'x');
    auto build_start = Clock::now();
    std::vector<std::int64_t> ids;
    db.writes().run([&] {
        for (long long n = 0; n < incidents; ++n) {
            Incident i;
            i.where = {Platform::slack, "T0BENCH001", numbered("C", 100000 + n)};
            i.title = numbered("Incident number ", n);
            i.severity = 1 + static_cast<int>(n % 4);
            i.commander_id = numbered("U0BENCH", n % 50);
            i.state = IncidentState::closed;
            i.opened_at = now0 - std::chrono::hours{24 * 30} + std::chrono::minutes{n};
            i.closed_at = i.opened_at + std::chrono::hours{2};
            i.meeting_at = *i.closed_at + std::chrono::hours{24};
            i.postmortem_md = postmortem;
            ids.push_back(store.create_incident(i));
        }
    });
    // Every `stride`-th item is overdue and open; the rest are done or due
    // well after the scans below.
    const long long stride = std::max<long long>(1, actions / std::max<long long>(1, overdue));
    long long made_overdue = 0;
    for (long long first = 0; first < actions; first += 10000) {
        db.writes().run([&] {
            for (long long a = first; a < std::min(actions, first + 10000); ++a) {
                ActionItem item;
                item.incident_id = ids[static_cast<std::size_t>(a % incidents)];
                item.owner_id = numbered("U0BENCH", a % 200);
                item.owner_name = numbered("Owner ", a % 200);
                item.text = numbered("Add an alert on connection pool saturation for service ", a);
                item.created_at = now0 - std::chrono::hours{24 * 30};
                item.created_by = "U0BENCH1";
                if (a % stride == 0 && made_overdue < overdue) {
                    item.due_at = now0 - std::chrono::hours{1 + a % 300};
                    ++made_overdue;
                } else if (a % 3 == 0) {
                    item.due_at = now0 + std::chrono::hours{24 * 60};
                } else {
                    item.due_at = now0 - std::chrono::hours{24 * 10};
                    item.state = ActionState::done;
                    item.done_by = item.owner_id;
                    item.done_at = now0 - std::chrono::hours{24 * 11};
                }
                store.add_action(item);
            }
        });
    }
    std::cerr << "reminders: " << actions << " action items (" << made_overdue << " overdue) over " << incidents
              << " incidents built in " << ms_since(build_start) / 1000 << " s\n";

    // Each scan is a new day: the same overdue items are due for their next
    // nudge (and escalate at the third).
    std::vector<double> scans, queries;
    std::size_t sent = 0, due = 0;
    for (long r = 0; r < flags.integer("repeat"); ++r) {
        if (r > 0) clock.advance(settings.reminders.repeat_every);
        db.writes().run([&] { due = store.actions_due_for_nudge(clock.now(), settings.reminders.repeat_every, 500).size(); });
        auto t_query = Clock::now();
        db.writes().run([&] { due = store.actions_due_for_nudge(clock.now(), settings.reminders.repeat_every, 500).size(); });
        queries.push_back(ms_since(t_query));
        auto t0 = Clock::now();
        db.writes().run([&] { sent = bot.run_reminders(); });
        scans.push_back(ms_since(t0));
        std::cerr << "reminders: scan " << r + 1 << ": " << due << " due, " << sent << " messages enqueued, "
                  << scans.back() << " ms (bare query " << queries.back() << " ms)\n";
    }
    // Steady state: nothing is due right after a scan.
    auto t_idle = Clock::now();
    db.writes().run([&] { sent = bot.run_reminders(); });
    double idle_scan = ms_since(t_idle);
    std::cerr << "reminders: scan with nothing due: " << sent << " messages, " << idle_scan << " ms\n";
    result("reminders.scan_ms", percentile(scans, 0.5), "ms");
    result("reminders.query_ms", percentile(queries, 0.5), "ms");
    result("reminders.idle_scan_ms", idle_scan, "ms");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "bench_reminders: " << e.what() << "\n";
        return 2;
    }
}
