// Socket Mode benchmark (docs/performance.md): the same Slack message events
// as bench_ingest, delivered as `events_api` envelopes through the fake Socket
// Mode service (tests/fakes, TLS WebSockets on 127.0.0.1) to a real
// `hindsight serve` in socket mode, which acks each one after it is stored.
// Either open loop at a fixed rate (latency from the intended send time, so a
// stalled bot is not hidden by the sender waiting for it) or as fast as the
// bot acks: a window of envelopes in flight, the next sent when one is acked.
// Afterwards the server is stopped and its database checked: exactly the acked
// events, each once.
//
//   bench_socket [--binary PATH] [--rate 5000|0] [--duration 10] [--window 64]
//                [--connections 2] [--stop kill|term] [--label socket]
#include "tests/bench/bench_support.hpp"
#include "tests/bench/slack_events.hpp"
#include "tests/bench/sync_http.hpp"
#include "tests/fakes/fake_socket_mode.hpp"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>

namespace {

using Clock = std::chrono::steady_clock;
using namespace hindsight::bench;
using hindsight::fakes::FakeAck;
using hindsight::fakes::FakeSlack;
using hindsight::fakes::FakeSocketMode;
using nlohmann::json;
using namespace std::chrono_literals;

// Envelope ids of the load are "b<index>"; anything else (the open command)
// is not counted.
constexpr char load_prefix = 'b';

std::string envelope_frame(const EventSeries& series, std::uint64_t index) {
    return std::string(R"({"envelope_id":")") + load_prefix + std::to_string(index) +
           R"(","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"",)"
           R"("payload":)" +
           event_body(series, index) + "}";
}

// `/incident open …` as the slash_commands payload Slack sends over a socket.
json open_command() {
    return {{"token", "vtok0000000000000000000000"},
            {"team_id", team},
            {"team_domain", "benchcorp"},
            {"channel_id", channel},
            {"channel_name", "incident-bench"},
            {"user_id", "U0BENCH0001"},
            {"user_name", "alice"},
            {"command", "/incident"},
            {"text", "open Checkout failures in EU sev:2"},
            {"api_app_id", "A0BENCH001"},
            {"is_enterprise_install", "false"},
            {"response_url", "https://hooks.slack.com/commands/T0BENCH001/1/abc"},
            {"trigger_id", "1.2.abc"}};
}

// The load and what came back. Sends happen on the caller's thread (open
// loop) or on the fake's I/O thread from the ack listener (full speed).
class Load {
public:
    Load(FakeSocketMode& fake, std::vector<int> sockets, EventSeries series, double rate, int window)
        : fake_(fake), sockets_(std::move(sockets)), series_(std::move(series)), rate_(rate), window_(window) {}

    void run(double seconds, std::chrono::milliseconds drain) {
        fake_.on_ack([this](const FakeAck& ack) { acked(ack); });
        t0_ = Clock::now() + 20ms;
        end_ = t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        std::this_thread::sleep_until(t0_);
        if (rate_ > 0) {
            for (std::uint64_t i = 0;; ++i) {
                auto due = t0_ + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(i) / rate_));
                if (due >= end_) break;
                std::this_thread::sleep_until(due);
                send(due);
            }
        } else {
            for (int i = 0; i < window_; ++i) send(Clock::now());
        }
        // The run is over (at full speed the ack listener sends until the
        // end): then wait (bounded) for the acks still owed.
        std::this_thread::sleep_until(end_);
        std::unique_lock lock(mutex_);
        const bool all =
            changed_.wait_until(lock, Clock::now() + drain, [&] { return acked_.size() == sent_at_.size(); });
        if (!all) std::cerr << "  " << sent_at_.size() - acked_.size() << " envelope(s) never acked\n";
        over_ = true;  // a late ack changes nothing from here on
        lock.unlock();
        fake_.on_ack({});
    }

    // Summaries, after run().
    std::vector<std::uint32_t>& latencies_us() { return latency_us_; }
    const std::vector<std::uint64_t>& acked() const { return acked_; }
    std::uint64_t sent() const { return sent_at_.size(); }
    double elapsed_s() const { return std::chrono::duration<double>(last_ack_ - t0_).count(); }
    const EventSeries& series() const { return series_; }

private:
    // `at`: the intended send time (open loop) or now.
    void send(Clock::time_point at) {
        std::uint64_t index = 0;
        {
            std::lock_guard lock(mutex_);
            index = sent_at_.size();
            sent_at_.push_back(at);
        }
        fake_.send(sockets_[index % sockets_.size()], envelope_frame(series_, index));
    }

    void acked(const FakeAck& ack) {
        if (ack.envelope_id.empty() || ack.envelope_id[0] != load_prefix) return;
        const auto index = std::stoull(ack.envelope_id.substr(1));
        bool more = false;
        {
            std::lock_guard lock(mutex_);
            if (over_) return;
            latency_us_.push_back(static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(ack.at - sent_at_.at(index)).count()));
            acked_.push_back(index);
            last_ack_ = ack.at;
            more = rate_ <= 0 && ack.at < end_;
            // The run's thread waits only for the end: waking it on every ack
            // cost a futex call and a context switch per envelope, CPU the
            // 2-core machine then lacked for the bot.
            if (ack.at >= end_ || acked_.size() == sent_at_.size()) changed_.notify_all();
        }
        if (more) send(Clock::now());
    }

    FakeSocketMode& fake_;
    std::vector<int> sockets_;
    EventSeries series_;
    double rate_;
    int window_;
    Clock::time_point t0_, end_, last_ack_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Clock::time_point> sent_at_;  // by index
    std::vector<std::uint32_t> latency_us_;
    std::vector<std::uint64_t> acked_;
    bool over_ = false;
};

int run(int argc, char** argv) {
    Flags flags(argc, argv,
                {{"binary", HINDSIGHT_BINARY},
                 {"rate", "0"},
                 {"duration", "10"},
                 {"window", "64"},
                 {"connections", "2"},
                 {"stop", "kill"},
                 {"label", "socket"},
                 {"drain", "10"}});
    const auto label = flags.str("label");
    const int connections = static_cast<int>(flags.integer("connections"));
    ScratchDir dir;
    FakeSlack slack;
    FakeSocketMode fake(slack);
    // The child trusts the fake's certificate as an operator trusts a private CA.
    ::setenv("SSL_CERT_FILE", fake.ca_file().c_str(), 1);
    json socket_mode = {{"mode", "socket"},
                        {"app_token", fake.app_token()},
                        {"api_base_url", slack.api_base_url()},
                        {"connections", connections}};
    Server server(flags.str("binary"), write_config(dir, "info", "", socket_mode.dump()));
    const auto port = server.wait_for_port();
    if (!fake.wait_for_connections(connections, 10s) || !fake.wait_for_greeted(connections, 10s))
        throw std::runtime_error("the bot did not open its sockets");
    auto ready_by = Clock::now() + 10s;
    while (sync_request(port, "GET", "/readyz").status != 200) {
        if (Clock::now() > ready_by) throw std::runtime_error("/readyz never answered 200");
        std::this_thread::sleep_for(10ms);
    }
    auto sockets = fake.open();

    auto opened = fake.wait_for_ack(fake.envelope(sockets.back(), "slash_commands", open_command(), 0, {}, true), 10s);
    if (!opened || !opened->payload.is_object()) throw std::runtime_error("/incident open was not acked with a reply");
    std::cerr << label << ": /incident open -> " << opened->payload.dump().substr(0, 120) << "\n";
    const double idle_rss = proc_status_mib(server.pid(), "VmRSS");

    EventSeries series;
    series.base_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    series.run = std::to_string(series.base_us % 100000);
    const double rate = flags.num("rate");
    Load load(fake, sockets, series, rate, static_cast<int>(flags.integer("window")));
    const double server_cpu0 = proc_cpu_seconds(server.pid());
    const double client_cpu0 = self_cpu_seconds();
    load.run(flags.num("duration"), std::chrono::milliseconds{flags.integer("drain") * 1000});
    // The bot's own view (arrival of the frame to the ack written), which
    // leaves out the fake's side and the sender's lag behind its schedule.
    const auto metrics = sync_request(port, "GET", "/metrics").body;
    auto series_value = [&metrics](const std::string& name) {
        auto at = metrics.find("\n" + name + " ");
        return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + name.size() + 2));
    };
    const double server_acks = series_value("hindsight_slack_socket_ack_seconds_count");
    const double within_10ms = series_value(R"(hindsight_slack_socket_ack_seconds_bucket{le="0.01"})");
    const double within_25ms = series_value(R"(hindsight_slack_socket_ack_seconds_bucket{le="0.025"})");
    const double loaded_rss = proc_status_mib(server.pid(), "VmRSS");
    const double peak_rss = proc_status_mib(server.pid(), "VmHWM");
    const double server_cpu = proc_cpu_seconds(server.pid()) - server_cpu0;
    const double client_cpu = self_cpu_seconds() - client_cpu0;
    const auto stopped = server.stop(flags.str("stop") == "kill");

    std::uint64_t stored_unacked = 0;
    auto v = verify(stored_ids_sqlite(dir.file("hindsight.db"), false), load.series(), load.acked(), load.sent(),
                    stored_unacked);
    const auto acked = load.acked().size();
    const double elapsed = load.elapsed_s();
    const double acked_rate = elapsed > 0 ? static_cast<double>(acked) / elapsed : 0;
    auto& latencies = load.latencies_us();
    auto ms = [](std::uint32_t us) { return us / 1000.0; };

    std::cerr << label << ": socket mode, SQLite, "
              << (rate > 0 ? "open-loop at " + std::to_string(static_cast<long>(rate)) + "/s"
                           : "full speed, " + flags.str("window") + " envelopes in flight")
              << ", " << sockets.size() << " socket(s), " << elapsed << " s\n";
    std::cerr << "  sent " << load.sent() << ", acked " << acked << "\n";
    std::cerr << "  acked envelopes/s " << acked_rate << "\n";
    if (!latencies.empty())
        std::cerr << "  ack latency ms p50 " << ms(percentile(latencies, 0.50)) << " p99 "
                  << ms(percentile(latencies, 0.99)) << " p99.9 " << ms(percentile(latencies, 0.999)) << " max "
                  << ms(latencies.back()) << "\n";
    if (server_acks > 0)
        std::cerr << "  the bot's ack histogram (frame in to ack out, incl. /incident open): "
                  << 100 * within_10ms / server_acks << " % within 10 ms, " << 100 * within_25ms / server_acks
                  << " % within 25 ms, of " << server_acks << "\n";
    std::cerr << "  server RSS MiB: idle " << idle_rss << ", after load " << loaded_rss << ", peak " << peak_rss
              << "; CPU s: server " << server_cpu << ", client (fake Slack) " << client_cpu << "; stopped: " << stopped
              << "\n";
    std::cerr << "  database: " << v.stored << " messages, " << v.distinct << " distinct, acked but missing "
              << v.acked_missing << ", stored but not acked " << stored_unacked << ", never sent " << v.unexpected
              << (v.ok() ? " -> OK" : " -> MISMATCH") << "\n";

    result(label + ".acked_per_s", acked_rate, "envelopes/s");
    if (!latencies.empty()) {
        result(label + ".p50_ms", ms(percentile(latencies, 0.50)), "ms");
        result(label + ".p99_ms", ms(percentile(latencies, 0.99)), "ms");
        result(label + ".p999_ms", ms(percentile(latencies, 0.999)), "ms");
    }
    if (server_acks > 0) result(label + ".server_within_10ms_pct", 100 * within_10ms / server_acks, "%");
    result(label + ".unacked", static_cast<double>(load.sent() - acked), "count");
    result(label + ".idle_rss_mib", idle_rss, "MiB");
    result(label + ".loaded_rss_mib", loaded_rss, "MiB");
    result(label + ".peak_rss_mib", peak_rss, "MiB");
    if (acked > 0) result(label + ".server_cpu_us_per_envelope", server_cpu * 1e6 / static_cast<double>(acked), "us");
    result(label + ".client_cpu_s", client_cpu, "s");
    result(label + ".db_ok", v.ok() && stored_unacked <= load.sent() - acked ? 1 : 0, "bool");
    return v.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "bench_socket: " << e.what() << "\n";
        return 2;
    }
}
