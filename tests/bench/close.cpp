// Close benchmark (docs/performance.md): how long after `/incident close` the
// draft reaches Slack, for an incident of 10,000 messages all recorded live.
// Each run builds the open incident in a fresh database through the real
// store (messages in bursts over the last --hours, 40 people), starts the
// real `hindsight serve` against a fake Slack Web API (tests/fakes) whose
// conversations.history holds the same messages, sends a signed
// `/incident close` to /slack/commands, and measures from just before the
// request to the moment the fake received the draft's chat.postMessage. It
// also records when the history merge that follows (50 pages of 200) was done
// (the owed merge gone from the database) and checks it left the draft alone.
//
//   bench_close [--binary PATH] [--messages 10000] [--hours 3] [--repeat 5]
#include "tests/bench/bench_support.hpp"
#include "tests/bench/incident_text.hpp"
#include "tests/bench/slack_events.hpp"
#include "tests/bench/sync_http.hpp"

#include "bot/core/incident.hpp"
#include "storage/database.hpp"
#include "tests/fakes/fake_slack.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <iostream>
#include <optional>

namespace {

using namespace hindsight;
using namespace hindsight::bench;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

const ChannelRef where{Platform::slack, "T0BENCH001", "C0BENCH001"};

// The open incident and its messages, written straight into `path`; returns
// the messages as conversations.history lists them (top-level, no edits).
std::vector<json> build(const std::string& path, std::size_t count, int hours, std::uint64_t seed) {
    storage::Database db(path);
    auto& store = db.store();
    std::mt19937_64 rng(seed);
    const Timestamp now = SystemClock{}.now();
    const auto span = std::chrono::duration_cast<Duration>(std::chrono::hours{hours});
    const Timestamp start = now - span;
    Incident incident;
    incident.where = where;
    incident.title = "Checkout failures in EU";
    incident.severity = 2;
    incident.commander_id = user_id(1);
    incident.commander_name = "Alice Commander";
    incident.opened_at = start;
    incident.state = IncidentState::open;
    db.writes().run([&] {
        incident.id = store.create_incident(incident);
        for (std::size_t u = 0; u < 40; ++u) store.remember_user(where, user_id(u), "Person " + std::to_string(u));
    });
    // Bursts with a quiet tail, ending a minute before the close.
    std::exponential_distribution<double> gap(1.0);
    std::vector<double> gaps(count);
    double total = 0;
    for (auto& g : gaps) total += (g = gap(rng) * (rng() % 20 == 0 ? 40.0 : 1.0));
    const auto usable = static_cast<double>((span - std::chrono::minutes{1}).count());
    std::vector<json> history;
    history.reserve(count);
    double at = 0;
    std::int64_t previous_us = 0;
    std::vector<RecordedMessage> messages;
    messages.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        at += gaps[i];
        auto us = std::max(previous_us + 1, to_micros(start) + static_cast<std::int64_t>(at / total * usable));
        previous_us = us;
        auto text = message_text(i, rng);
        // A mention is stored as the neutral token but Slack's history has it
        // as <@U…>: the bench stores what needs no translation, so history and
        // record agree.
        if (text.find("@{") != std::string::npos) text = "looking at the dashboards now";
        RecordedMessage m;
        m.incident_id = incident.id;
        m.message_id = message_ts(us);
        m.user_id = user_id(rng() % 40);
        m.text = text;
        m.original_text = text;
        m.at = from_micros(us);
        m.permalink = "https://benchcorp.slack.com/archives/C0BENCH001/p" + std::to_string(us);
        history.push_back({{"type", "message"}, {"user", m.user_id}, {"text", text}, {"ts", m.message_id}});
        messages.push_back(std::move(m));
    }
    for (std::size_t first = 0; first < count; first += 5000)
        db.writes().run([&] {
            for (std::size_t i = first; i < std::min(count, first + 5000); ++i) store.insert_message(messages[i]);
        });
    return history;
}

std::string close_body(const std::string& response_url) {
    std::string encoded;
    for (char c : response_url) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') {
            encoded += c;
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
            encoded += hex;
        }
    }
    return std::string("team_id=") + where.team + "&team_domain=benchcorp&channel_id=" + where.channel +
           "&channel_name=incident-bench&user_id=" + user_id(1) +
           "&user_name=alice&command=%2Fincident&text=close&response_url=" + encoded + "&trigger_id=1.2.abc";
}

std::int64_t owed_merges(const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READONLY, 5000);
    return db.execAndGet("SELECT count(*) FROM history_merges").getInt64();
}

struct Run {
    double ack_ms = 0;     // the command's HTTP answer
    double draft_ms = 0;   // the draft's chat.postMessage at Slack
    double merged_ms = -1; // the history merge committed (-1: not within the bound)
    bool draft_untouched = true;
};

Run run_once(const std::string& binary, std::size_t count, int hours, std::uint64_t seed) {
    ScratchDir dir;
    const auto db_path = dir.file("hindsight.db");
    auto history = build(db_path, count, hours, seed);
    fakes::FakeSlack slack;
    slack.set_history(where.channel, std::move(history));
    json slack_config = {{"signing_secret", bench_signing_secret},
                         {"bot_token", slack.bot_token()},
                         {"api_base_url", slack.api_base_url()}};
    Server server(binary, write_config(dir, "info", "", slack_config.dump()));
    const auto port = server.wait_for_port();

    const auto body = close_body(slack.new_response_url());
    const auto ts = std::to_string(unix_seconds());
    Run run;
    const auto t0 = Clock::now();
    auto answer = sync_request(port, "POST", "/slack/commands",
                               {{"Content-Type", "application/x-www-form-urlencoded"},
                                {"X-Slack-Request-Timestamp", ts},
                                {"X-Slack-Signature", slack_signature(bench_signing_secret, ts, body)}},
                               body);
    run.ack_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (answer.status != 200 || answer.body.find("Incident closed") == std::string::npos)
        throw std::runtime_error("/incident close answered " + std::to_string(answer.status) + ": " + answer.body);

    const std::string post = "/api/chat.postMessage";
    std::optional<Clock::time_point> drafted;
    for (std::size_t seen = 1; !drafted; ++seen) {
        if (!slack.server().wait_for_requests(post, seen, 30s))
            throw std::runtime_error("no draft reached Slack within 30 s");
        for (const auto& r : slack.server().requests_to(post))
            if (r.body.find("Draft timeline") != std::string::npos) drafted = r.received_at;
    }
    run.draft_ms = std::chrono::duration<double, std::milli>(*drafted - t0).count();

    // The merge: polled (a benchmark may sleep), bounded.
    const auto bound = Clock::now() + 120s;
    while (Clock::now() < bound) {
        if (owed_merges(db_path) == 0) {
            run.merged_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(200ms);  // an update of the draft would be queued right after the merge
    run.draft_untouched = slack.server().requests_to("/api/chat.update").empty();
    std::cerr << "close: history pages read " << slack.server().requests_to("/api/conversations.history").size()
              << ", server " << server.stop(false) << "\n";
    return run;
}

int run(int argc, char** argv) {
    Flags flags(argc, argv, {{"binary", HINDSIGHT_BINARY}, {"messages", "10000"}, {"hours", "3"}, {"repeat", "5"}});
    const auto count = static_cast<std::size_t>(flags.integer("messages"));
    const int hours = static_cast<int>(flags.integer("hours"));
    const long repeat = flags.integer("repeat");
    std::vector<double> ack, draft, merged;
    bool untouched = true;
    for (long r = 0; r < repeat; ++r) {
        auto one = run_once(flags.str("binary"), count, hours, 42 + static_cast<std::uint64_t>(r));
        std::cerr << "close run " << r + 1 << ": answered " << one.ack_ms << " ms, draft at Slack " << one.draft_ms
                  << " ms, history merged " << one.merged_ms << " ms, draft "
                  << (one.draft_untouched ? "left alone" : "UPDATED") << "\n";
        ack.push_back(one.ack_ms);
        draft.push_back(one.draft_ms);
        merged.push_back(one.merged_ms);
        untouched = untouched && one.draft_untouched;
    }
    result("close.draft_p50_ms", percentile(draft, 0.5), "ms");
    result("close.draft_p95_ms", percentile(draft, 0.95), "ms");
    result("close.answer_p50_ms", percentile(ack, 0.5), "ms");
    result("close.history_merged_p50_ms", percentile(merged, 0.5), "ms");
    if (!untouched) std::cerr << "close: WARNING: the merge changed a draft (history and record disagree)\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "bench_close: " << e.what() << "\n";
        return 1;
    }
}
