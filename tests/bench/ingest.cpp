// Ingest benchmark (docs/performance.md): signed Slack message events against a real
// `hindsight serve`, over N keep-alive connections, either open-loop at a
// fixed rate (latency counted from the intended send time, so a stalled
// server is not hidden by the client waiting for it) or as fast as the
// connections go. Afterwards the server is stopped and its database checked:
// it must hold exactly the acked events, each once.
//
// With --backend postgres the servers share one PostgreSQL database on a
// throw-away cluster of this machine (tests/support/postgres_cluster.hpp,
// durable: fsync and synchronous_commit on), --replicas N of them, and the
// connections are spread round-robin over the replicas.
//
//   bench_ingest [--binary PATH] [--rate 5000|0] [--duration 10] [--connections 64]
//                [--client-threads 1] [--status-every 0] [--stop kill|term]
//                [--backend sqlite|postgres] [--replicas 1] [--pool-size 4] [--pg-durable 1|0]
//                [--listen-threads N]   (listen.threads of each server; by default
//                the server's default with one replica, cores / replicas with more)
//   bench_ingest --port P --db FILE ...   (a server already running with
//                tests/bench's signing secret; checked while it runs)
#include "tests/bench/bench_support.hpp"
#include "tests/bench/slack_events.hpp"
#include "tests/bench/sync_http.hpp"
#include "tests/support/postgres_cluster.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <pqxx/pqxx>

#include <array>
#include <iostream>
#include <memory>
#include <optional>
#include <unordered_set>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace hindsight::bench;

struct Plan : EventSeries {
    double rate = 0;  // events/s over all connections; 0 = as fast as possible
    Clock::time_point t0, end;
    int threads = 1;
    int status_every = 0;    // every Nth request is `/incident status`
};

struct Stats {
    std::vector<std::uint32_t> event_us, command_us;  // latencies
    std::vector<std::uint64_t> acked;                 // event indices answered 200
    std::map<int, std::uint64_t> statuses;            // non-200 answers
    std::uint64_t sent = 0, io_errors = 0, events = 0, commands = 0;
    std::uint64_t index_ceiling = 0;  // 1 + the highest index sent
};

std::string command_body(const std::string& text) {
    std::string encoded;
    for (char c : text) encoded += c == ' ' ? std::string("+") : std::string(1, c);
    return std::string("token=vtok0000000000000000000000&team_id=") + team +
           "&team_domain=benchcorp&channel_id=" + channel +
           "&channel_name=incident-bench&user_id=U0BENCH0001&user_name=alice&command=%2Fincident&text=" + encoded +
           "&api_app_id=A0BENCH001&is_enterprise_install=false"
           "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0BENCH001%2F1%2Fabc&trigger_id=1.2.abc";
}

class Worker;

// One keep-alive connection: takes the next request of its worker, waits for
// its intended time, sends it, records the answer, repeats.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Worker& worker, net::io_context& io, tcp::endpoint endpoint)
        : worker_(worker), endpoint_(endpoint), stream_(io), timer_(io) {}
    void start() { connect(); }

private:
    void connect();
    void next();
    void send();
    void on_read(beast::error_code ec);
    void fail();

    Worker& worker_;
    tcp::endpoint endpoint_;
    beast::tcp_stream stream_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    std::uint64_t index_ = 0;
    bool command_ = false;
    Clock::time_point intended_;
    int reconnects_ = 0;
};

class Worker {
public:
    // `endpoints`: the replicas; connection i of this worker goes to
    // endpoints[(first + i) % size].
    Worker(const Plan& plan, int id, std::vector<tcp::endpoint> endpoints)
        : plan_(plan), id_(id), endpoints_(std::move(endpoints)) {}

    void run(int connections, int first) {
        for (int i = 0; i < connections; ++i)
            std::make_shared<Connection>(*this, io_, endpoints_[static_cast<std::size_t>(first + i) % endpoints_.size()])
                ->start();
        io_.run();
    }

    // The next request's global index and intended send time, or nothing
    // when the run is over.
    std::optional<std::pair<std::uint64_t, Clock::time_point>> take() {
        std::uint64_t index = static_cast<std::uint64_t>(id_) + next_ * static_cast<std::uint64_t>(plan_.threads);
        Clock::time_point intended = Clock::now();
        if (plan_.rate > 0) {
            intended = plan_.t0 + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(static_cast<double>(index) / plan_.rate));
            if (intended >= plan_.end) return std::nullopt;
        } else if (intended >= plan_.end) {
            return std::nullopt;
        }
        ++next_;
        return std::make_pair(index, intended);
    }

    bool is_command(std::uint64_t index) const {
        return plan_.status_every > 0 && index % static_cast<std::uint64_t>(plan_.status_every) == 0;
    }

    const Plan& plan() const { return plan_; }
    Stats& stats() { return stats_; }

private:
    const Plan& plan_;
    int id_;
    std::vector<tcp::endpoint> endpoints_;
    net::io_context io_;
    std::uint64_t next_ = 0;
    Stats stats_;
};

void Connection::connect() {
    stream_.expires_after(std::chrono::seconds{5});
    stream_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code ec) {
        if (ec) {
            ++self->worker_.stats().io_errors;
            if (++self->reconnects_ > 100) return;  // the server is gone: give up on this connection
            self->timer_.expires_after(std::chrono::milliseconds{10});
            self->timer_.async_wait([self](beast::error_code) { self->connect(); });
            return;
        }
        self->stream_.socket().set_option(tcp::no_delay(true));
        self->next();
    });
}

void Connection::next() {
    auto taken = worker_.take();
    if (!taken) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
        return;
    }
    std::tie(index_, intended_) = *taken;
    command_ = worker_.is_command(index_);
    if (intended_ > Clock::now()) {
        timer_.expires_at(intended_);
        timer_.async_wait([self = shared_from_this()](beast::error_code) { self->send(); });
    } else {
        send();
    }
}

void Connection::send() {
    const auto& plan = worker_.plan();
    if (plan.rate <= 0) intended_ = Clock::now();
    auto body = command_ ? command_body("status") : event_body(plan, index_);
    auto ts = std::to_string(unix_seconds());
    request_ = {};
    request_.method(http::verb::post);
    request_.target(command_ ? "/slack/commands" : "/slack/events");
    request_.version(11);
    request_.set(http::field::host, "127.0.0.1");
    request_.set(http::field::content_type, command_ ? "application/x-www-form-urlencoded" : "application/json");
    request_.set(http::field::user_agent, "Slackbot 1.0 (+https://api.slack.com/robots)");
    request_.set("X-Slack-Request-Timestamp", ts);
    request_.set("X-Slack-Signature", slack_signature(bench_signing_secret, ts, body));
    request_.body() = std::move(body);
    request_.keep_alive(true);
    request_.prepare_payload();
    ++worker_.stats().sent;
    worker_.stats().index_ceiling = std::max(worker_.stats().index_ceiling, index_ + 1);
    stream_.expires_after(std::chrono::seconds{10});
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->fail();
        self->response_ = {};
        http::async_read(self->stream_, self->buffer_, self->response_,
                         [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
    });
}

void Connection::on_read(beast::error_code ec) {
    if (ec) return fail();
    auto& stats = worker_.stats();
    auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - intended_).count();
    int status = static_cast<int>(response_.result_int());
    (command_ ? stats.command_us : stats.event_us).push_back(static_cast<std::uint32_t>(latency));
    ++(command_ ? stats.commands : stats.events);
    if (status != 200) {
        ++stats.statuses[status];
    } else if (!command_) {
        stats.acked.push_back(index_);
    }
    if (!response_.keep_alive()) {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        return connect();
    }
    next();
}

void Connection::fail() {
    ++worker_.stats().io_errors;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    if (++reconnects_ > 100) return;
    connect();
}

// The same from the PostgreSQL database the replicas shared.
std::vector<std::string> stored_ids_postgres(const std::string& url) {
    pqxx::connection db(url);
    pqxx::nontransaction q(db);
    const auto incident = q.exec_params(kIncidentQuery, team, channel);
    if (incident.empty()) throw std::runtime_error("verify: the bench incident is not in the database");
    std::vector<std::string> ids;
    for (const auto& row : q.exec_params(kMessagesQuery, incident[0][0].as<std::int64_t>()))
        ids.push_back(row[0].as<std::string>());
    return ids;
}

int run(int argc, char** argv) {
    Flags flags(argc, argv,
                {{"binary", HINDSIGHT_BINARY},
                 {"rate", "0"},
                 {"duration", "10"},
                 {"connections", "64"},
                 {"client-threads", "1"},
                 {"status-every", "0"},
                 {"stop", "kill"},
                 {"label", "ingest"},
                 {"port", "0"},
                 {"db", ""},
                 {"pid", "0"},
                 {"backend", "sqlite"},
                 {"replicas", "1"},
                 {"pool-size", "4"},
                 {"pg-durable", "1"},
                 {"listen-threads", ""}});
    const auto label = flags.str("label");
    ScratchDir dir;
    const bool external = flags.integer("port") != 0;
    const bool postgres = flags.str("backend") == "postgres";
    if (!postgres && flags.str("backend") != "sqlite") throw std::invalid_argument("--backend sqlite|postgres");
    const auto replicas = static_cast<std::size_t>(flags.integer("replicas"));
    if (replicas < 1 || (replicas > 1 && (!postgres || external)))
        throw std::invalid_argument("--replicas above 1 needs --backend postgres (and no --port)");

    // PostgreSQL: a cluster of its own, durable, on this machine.
    std::optional<hindsight::test::PostgresServer> cluster;
    std::string pg_url;
    std::string storage;
    if (postgres && !external) {
        hindsight::test::PostgresServer::Settings settings;
        settings.durable = flags.integer("pg-durable") != 0;
        settings.shared_buffers = "128MB";
        cluster.emplace(settings);
        pg_url = cluster->fresh_database();
        storage = R"({"backend":"postgres","url":")" + pg_url + R"(","pool_size":)" + flags.str("pool-size") + "}";
    } else if (postgres) {
        pg_url = flags.str("db");  // --db is the database URL
    }

    // Replicas on one machine share its cores: each gets its share of
    // I/O threads, as an operator would configure them (docs/operations.md,
    // "Sizing"); one replica keeps the default.
    int listen_threads = 0;
    if (!flags.str("listen-threads").empty())
        listen_threads = static_cast<int>(flags.integer("listen-threads"));
    else if (replicas > 1)
        listen_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency() / replicas));
    std::vector<std::unique_ptr<Server>> servers;
    std::vector<std::uint16_t> ports;
    std::string db_path = external ? flags.str("db") : dir.file("hindsight.db");
    if (external) {
        ports.push_back(static_cast<std::uint16_t>(flags.integer("port")));
    } else {
        const auto config = write_config(dir, "info", storage, "", listen_threads);
        for (std::size_t r = 0; r < replicas; ++r) {
            servers.push_back(std::make_unique<Server>(flags.str("binary"), config));
            ports.push_back(servers.back()->wait_for_port());
        }
    }
    const std::uint16_t port = ports.front();
    // Memory and CPU figures need the servers' pids (--pid when external).
    std::vector<pid_t> server_pids;
    if (external) {
        if (flags.integer("pid") > 0) server_pids.push_back(static_cast<pid_t>(flags.integer("pid")));
    } else {
        for (const auto& server : servers) server_pids.push_back(server->pid());
    }
    // RSS: the largest replica's; CPU: all replicas together.
    auto server_mib = [&](const char* field) {
        double most = -1;
        for (auto pid : server_pids) most = std::max(most, proc_status_mib(pid, field));
        return most;
    };
    auto server_cpu_s = [&] {
        double sum = 0;
        for (auto pid : server_pids) sum += proc_cpu_seconds(pid);
        return sum;
    };

    // Open the incident the events are recorded into.
    auto open_body = command_body("open Checkout failures in EU sev:2");
    auto ts = std::to_string(unix_seconds());
    auto opened = sync_request(port, "POST", "/slack/commands",
                               {{"Content-Type", "application/x-www-form-urlencoded"},
                                {"X-Slack-Request-Timestamp", ts},
                                {"X-Slack-Signature", slack_signature(bench_signing_secret, ts, open_body)}},
                               open_body);
    if (opened.status != 200) throw std::runtime_error("/incident open answered " + std::to_string(opened.status));
    std::cerr << label << ": /incident open -> " << opened.body.substr(0, 120) << "\n";
    double idle_rss = server_mib("VmRSS");

    Plan plan;
    plan.rate = flags.num("rate");
    plan.threads = static_cast<int>(flags.integer("client-threads"));
    plan.status_every = static_cast<int>(flags.integer("status-every"));
    plan.base_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    plan.run = std::to_string(plan.base_us % 100000);
    int connections = static_cast<int>(flags.integer("connections"));
    double duration = flags.num("duration");

    double server_cpu0 = server_cpu_s();
    double client_cpu0 = self_cpu_seconds();
    plan.t0 = Clock::now() + std::chrono::milliseconds{20};
    plan.end = plan.t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<tcp::endpoint> endpoints;
    for (auto p : ports) endpoints.emplace_back(net::ip::make_address("127.0.0.1"), p);
    for (int t = 0; t < plan.threads; ++t) workers.push_back(std::make_unique<Worker>(plan, t, endpoints));
    std::vector<std::thread> threads;
    for (int t = 0, first = 0; t < plan.threads; ++t) {
        int share = connections / plan.threads + (t < connections % plan.threads ? 1 : 0);
        threads.emplace_back([&, t, share, first] { workers[static_cast<std::size_t>(t)]->run(share, first); });
        first += share;
    }
    for (auto& t : threads) t.join();
    auto finished = Clock::now();
    double elapsed = std::chrono::duration<double>(finished - plan.t0).count();
    double loaded_rss = server_mib("VmRSS");
    double peak_rss = server_mib("VmHWM");
    double server_cpu = server_cpu_s() - server_cpu0;
    double client_cpu = self_cpu_seconds() - client_cpu0;
    std::vector<double> replica_rss;
    for (auto pid : server_pids) replica_rss.push_back(proc_status_mib(pid, "VmRSS"));
    std::string stopped = external ? "left running" : "";
    for (auto& server : servers) stopped += (stopped.empty() ? "" : ", ") + server->stop(flags.str("stop") == "kill");

    Stats all;
    for (auto& w : workers) {
        auto& s = w->stats();
        all.event_us.insert(all.event_us.end(), s.event_us.begin(), s.event_us.end());
        all.command_us.insert(all.command_us.end(), s.command_us.begin(), s.command_us.end());
        all.acked.insert(all.acked.end(), s.acked.begin(), s.acked.end());
        for (auto [status, n] : s.statuses) all.statuses[status] += n;
        all.sent += s.sent;
        all.io_errors += s.io_errors;
        all.events += s.events;
        all.commands += s.commands;
    }
    std::uint64_t sent_ceiling = 0;
    for (auto& w : workers) sent_ceiling = std::max(sent_ceiling, w->stats().index_ceiling);
    std::uint64_t stored_unacked = 0;
    auto v = verify(postgres ? stored_ids_postgres(pg_url) : stored_ids_sqlite(db_path, external), plan, all.acked,
                    sent_ceiling, stored_unacked);

    std::uint64_t bad_status = 0;
    for (auto [status, n] : all.statuses) bad_status += n;
    double acked_rate = static_cast<double>(all.acked.size()) / elapsed;
    auto ms = [](std::uint32_t us) { return us / 1000.0; };

    std::cerr << label << ": " << (postgres ? "PostgreSQL, " + std::to_string(ports.size()) + " replica(s), "
                                            : std::string("SQLite, "))
              << (plan.rate > 0 ? "open-loop at " + std::to_string(static_cast<long>(plan.rate)) + "/s"
                                                 : std::string("full speed"))
              << ", " << connections << " connections, " << plan.threads << " client thread(s), listen.threads "
              << (listen_threads > 0 ? std::to_string(listen_threads) : std::string("default")) << ", " << elapsed
              << " s\n";
    std::cerr << "  sent " << all.sent << ", events answered " << all.events << " (acked 200: " << all.acked.size()
              << "), commands answered " << all.commands << ", non-200 " << bad_status << ", I/O errors "
              << all.io_errors << "\n";
    for (auto [status, n] : all.statuses) std::cerr << "  status " << status << ": " << n << "\n";
    std::cerr << "  acked events/s " << acked_rate << "\n";
    if (!all.event_us.empty())
        std::cerr << "  event latency ms p50 " << ms(percentile(all.event_us, 0.50)) << " p99 "
                  << ms(percentile(all.event_us, 0.99)) << " p99.9 " << ms(percentile(all.event_us, 0.999))
                  << " max " << ms(all.event_us.back()) << "\n";
    if (!all.command_us.empty())
        std::cerr << "  /incident status latency ms p50 " << ms(percentile(all.command_us, 0.50)) << " p99 "
                  << ms(percentile(all.command_us, 0.99)) << " p99.9 " << ms(percentile(all.command_us, 0.999))
                  << "\n";
    std::cerr << "  RSS MiB per replica after load:";
    for (auto rss : replica_rss) std::cerr << " " << rss;
    std::cerr << "\n";
    std::cerr << "  server RSS MiB (largest replica): idle " << idle_rss << ", after load " << loaded_rss << ", peak " << peak_rss
              << "; CPU s: server " << server_cpu << ", client " << client_cpu << "; stopped: " << stopped << "\n";
    std::cerr << "  database: " << v.stored << " messages, " << v.distinct << " distinct, acked but missing "
              << v.acked_missing << ", stored but not acked " << stored_unacked << ", never sent " << v.unexpected
              << (v.ok() ? " -> OK" : " -> MISMATCH") << "\n";

    result(label + ".acked_per_s", acked_rate, "events/s");
    if (!all.event_us.empty()) {
        result(label + ".p50_ms", ms(percentile(all.event_us, 0.50)), "ms");
        result(label + ".p99_ms", ms(percentile(all.event_us, 0.99)), "ms");
        result(label + ".p999_ms", ms(percentile(all.event_us, 0.999)), "ms");
    }
    if (!all.command_us.empty()) result(label + ".command_p99_ms", ms(percentile(all.command_us, 0.99)), "ms");
    result(label + ".errors", static_cast<double>(bad_status + all.io_errors), "count");
    result(label + ".idle_rss_mib", idle_rss, "MiB");
    result(label + ".loaded_rss_mib", loaded_rss, "MiB");
    result(label + ".server_cpu_s", server_cpu, "s");
    // Load-independent: server CPU per answered request.
    if (all.events + all.commands > 0)
        result(label + ".server_cpu_us_per_request", server_cpu * 1e6 / static_cast<double>(all.events + all.commands), "us");
    result(label + ".client_cpu_s", client_cpu, "s");
    result(label + ".db_ok", v.ok() && stored_unacked <= bad_status + all.io_errors ? 1 : 0, "bool");
    return v.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "bench_ingest: " << e.what() << "\n";
        return 2;
    }
}
