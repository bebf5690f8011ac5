// Draft benchmark (docs/performance.md): timeline + postmortem of a 100,000-message
// incident. A child process builds the incident in a temporary database
// through the real store (so this process's peak RSS is only the draft's);
// then draft_postmortem_document is timed end to end on a read connection,
// the way GET /incidents/{id}/postmortem.md runs it, and the drafting alone
// (draft_timeline + render_postmortem) on input gathered once. With --what
// page, instead, the web page (GET /incidents/{id}): the draft plus the HTML
// with its charts and the Markdown through cmark-gfm — a run of its own, so
// the peak RSS is the page's alone.
//
//   bench_draft [--messages 100000] [--days 3] [--repeat 5] [--what draft|page]
#include "tests/bench/bench_support.hpp"
#include "tests/bench/incident_text.hpp"

#include "adapters/web/page.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/handlers.hpp"
#include "bot/core/postmortem.hpp"
#include "bot/core/timeline.hpp"
#include "storage/database.hpp"

#include <iostream>
#include <random>

namespace {

using namespace hindsight;
using namespace hindsight::bench;
using Clock = std::chrono::steady_clock;

const ChannelRef where{Platform::slack, "T0BENCH001", "C0BENCH001"};

Timestamp opened_at() { return from_micros(1795000000LL * 1000000); }

// Builds the incident; runs in a child process. Returns the incident id.
std::int64_t build(const std::string& path, std::size_t count, int days) {
    storage::Database db(path);
    auto& store = db.store();
    std::mt19937_64 rng(42);
    const Timestamp start = opened_at();
    const auto span = std::chrono::duration_cast<Duration>(std::chrono::hours{24 * days});
    Incident incident;
    incident.where = where;
    incident.title = "Checkout failures in EU";
    incident.severity = 2;
    incident.commander_id = user_id(1);
    incident.commander_name = "Alice Commander";
    incident.opened_at = start;
    incident.started_at = start - std::chrono::minutes{12};
    incident.state = IncidentState::closed;
    incident.closed_at = start + span;
    incident.summary = "Checkout failed for EU customers after a client timeout change; rolled back.";
    incident.impact = "About 25 minutes of failed payments in the EU region at peak.";
    db.writes().run([&] {
        incident.id = store.create_incident(incident);
        for (std::size_t u = 0; u < 40; ++u) store.remember_user(where, user_id(u), "Person " + std::to_string(u));
    });
    // Bursts: most messages in the first hours, a long quiet tail over days.
    std::vector<Timestamp> times(count);
    std::exponential_distribution<double> gap(1.0);
    double total = 0;
    std::vector<double> gaps(count);
    for (auto& g : gaps) total += (g = gap(rng) * (rng() % 20 == 0 ? 40.0 : 1.0));
    double at = 0;
    for (std::size_t i = 0; i < count; ++i) {
        at += gaps[i];
        times[i] = start + Duration{static_cast<std::int64_t>(at / total * static_cast<double>(span.count()))};
    }
    const std::size_t batch = 5000;
    for (std::size_t first = 0; first < count; first += batch) {
        db.writes().run([&] {
            for (std::size_t i = first; i < std::min(count, first + batch); ++i) {
                RecordedMessage m;
                m.incident_id = incident.id;
                m.message_id = std::to_string(to_micros(times[i]) / 1000000) + "." + std::to_string(100000 + i % 900000);
                m.user_id = user_id(rng() % 40);
                m.text = message_text(i, rng);
                m.original_text = m.text;
                if (i % 50 == 7 && i > 0) m.thread_parent = std::to_string(to_micros(times[i - 1]) / 1000000) + "." +
                                                           std::to_string(100000 + (i - 1) % 900000);
                m.at = times[i];
                m.permalink = "https://benchcorp.slack.com/archives/C0BENCH001/p" + std::to_string(to_micros(times[i]));
                store.insert_message(m);
                if (i % 500 == 3) store.edit_message(incident.id, m.message_id, m.text + " (edited)", times[i] + std::chrono::seconds{30});
                if (i % 700 == 5) store.delete_message(incident.id, m.message_id, times[i] + std::chrono::seconds{60});
                if (i % 2000 == 11) store.mark_key_message(incident.id, m.message_id, true);
            }
        });
    }
    db.writes().run([&] {
        for (int k = 0; k < 20; ++k) {
            KeyEvent e;
            e.incident_id = incident.id;
            e.at = start + span / 20 * k;
            e.author_id = user_id(1);
            e.text = "Status: mitigation step " + std::to_string(k) + " done";
            store.add_key_event(e);
        }
        for (int n = 1; n <= 5; ++n)
            store.set_why({incident.id, n, "Because step " + std::to_string(n) + " of the chain went wrong", user_id(2), start + span});
        for (auto tag : {"config-change", "insufficient-test-coverage", "missing-alert"}) store.add_factor(incident.id, tag);
        for (int a = 0; a < 10; ++a) {
            ActionItem item;
            item.incident_id = incident.id;
            item.owner_id = user_id(static_cast<std::size_t>(a));
            item.text = "Follow-up number " + std::to_string(a);
            item.due_at = start + span + std::chrono::hours{24 * 7};
            item.created_at = start + span;
            item.created_by = user_id(1);
            store.add_action(item);
        }
        TimelineCuration hide;
        hide.incident_id = incident.id;
        hide.kind = TimelineCuration::Kind::add;
        hide.text = "Customer support opened a status page incident";
        hide.at = start + std::chrono::minutes{20};
        hide.author_id = user_id(1);
        hide.created_at = start + span;
        store.add_curation(hide);
    });
    return incident.id;
}

// The incident page, as GET /incidents/{id} renders it.
int time_page(IncidentStore& reader, const Incident& incident, Timestamp now, long repeat) {
    BotSettings settings;
    std::vector<double> page;
    std::size_t page_bytes = 0;
    for (long r = 0; r < repeat; ++r) {
        auto t0 = Clock::now();
        auto html = web::render_incident_page(draft_postmortem(reader, settings, incident, now),
                                              {"../incidents", "1/postmortem.md"});
        page.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        page_bytes = html.size();
    }
    double peak_page = proc_status_mib(0, "VmHWM");
    double first = page.front();
    std::cerr << "page: " << page_bytes << " bytes, ms: first " << first << ", median " << percentile(page, 0.5)
              << "; RSS peak (VmHWM) " << peak_page << " MiB\n";
    result("page.end_to_end_ms", percentile(page, 0.5), "ms");
    result("page.first_ms", first, "ms");
    result("page.peak_rss_mib", peak_page, "MiB");
    return 0;
}

int run(int argc, char** argv) {
    Flags flags(argc, argv, {{"messages", "100000"}, {"days", "3"}, {"repeat", "5"}, {"what", "draft"}});
    ScratchDir dir;
    auto path = dir.file("draft.db");
    auto count = static_cast<std::size_t>(flags.integer("messages"));
    auto build_start = Clock::now();
    pid_t child = ::fork();
    if (child == 0) {
        try {
            build(path, count, static_cast<int>(flags.integer("days")));
            std::fflush(nullptr);
            ::_exit(0);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_draft: building failed: %s\n", e.what());
            ::_exit(1);
        }
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("building the incident failed");
    std::cerr << "draft: built " << count << " messages in "
              << std::chrono::duration<double>(Clock::now() - build_start).count() << " s ("
              << std::filesystem::file_size(path) / (1024 * 1024) << " MiB database)\n";

    double rss_before = proc_status_mib(0, "VmRSS");
    storage::Database db(path);
    auto reader = db.open_reader();
    auto incident = reader->list_incidents().at(0);
    BotSettings settings;
    const Timestamp now = *incident.closed_at + std::chrono::minutes{5};
    if (flags.str("what") == "page") return time_page(*reader, incident, now, flags.integer("repeat"));

    std::vector<double> end_to_end, drafting;
    std::size_t bytes = 0;
    for (long r = 0; r < flags.integer("repeat"); ++r) {
        auto t0 = Clock::now();
        auto document = draft_postmortem_document(*reader, settings, incident, now);
        end_to_end.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        bytes = document.size();
    }
    double peak_end_to_end = proc_status_mib(0, "VmHWM");
    auto t_gather = Clock::now();
    auto input = gather_draft_input(*reader, settings, incident, now);
    double gather_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_gather).count();
    Timeline timeline;
    for (long r = 0; r < flags.integer("repeat"); ++r) {
        auto t0 = Clock::now();
        timeline = draft_timeline(input);
        auto document = render_postmortem(input, timeline);
        drafting.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    double first = end_to_end.front();
    std::cerr << "draft: document " << bytes << " bytes, " << timeline.entries.size() << " entries (noise dropped "
              << timeline.dropped_noise << ", merged " << timeline.merged << ", capped " << timeline.capped << ")\n";
    std::cerr << "draft: end to end ms: first " << first << ", median " << percentile(end_to_end, 0.5) << ", min "
              << end_to_end.front() << "; gather (store reads) " << gather_ms << " ms; drafting alone median "
              << percentile(drafting, 0.5) << " ms\n";
    std::cerr << "draft: RSS MiB before " << rss_before << ", peak (VmHWM) " << peak_end_to_end << "\n";
    result("draft.end_to_end_ms", percentile(end_to_end, 0.5), "ms");
    result("draft.first_ms", first, "ms");
    result("draft.gather_ms", gather_ms, "ms");
    result("draft.drafting_ms", percentile(drafting, 0.5), "ms");
    result("draft.peak_rss_mib", peak_end_to_end, "MiB");

    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "bench_draft: " << e.what() << "\n";
        return 2;
    }
}
