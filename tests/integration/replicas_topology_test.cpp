// The several-replica topology of deploy/compose.yml, without containers:
// the replicas' own configuration file (deploy/compose/config.json, only its
// listen address and port changed), the secrets and the database URL in the
// environment as deploy/compose/env gives them, N `hindsight serve` processes
// on one PostgreSQL database (the throw-away test server), and the test
// client in the proxy's place: round-robin over the replicas whose /readyz
// answers 200, the next replica when one cannot be reached (the Caddyfile's
// health_uri and lb_try_duration). One Slack fake stands for Slack.
#include "adapters/http/form.hpp"
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

constexpr const char* kSecret = "replicas-signing-secret";
constexpr const char* kApiToken = "replicas-api-token";
constexpr const char* kTeam = "T0REPL";
constexpr const char* kChannel = "C0INC";
// Accepted and ignored by the test server (trust authentication); looked
// for in everything the replicas print.
constexpr const char* kPassword = "Compose-Db-SECRET";

std::filesystem::path deploy_dir() {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    REQUIRE_MESSAGE(data != nullptr, "HINDSIGHT_TEST_DATA is not set");
    return std::filesystem::path(data).parent_path().parent_path() / "deploy";
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t scalar(const std::string& url, const std::string& sql) {
    pqxx::connection c(url);
    pqxx::nontransaction n(c);
    return n.exec(sql)[0][0].as<std::int64_t>();
}

void execute(const std::string& url, const std::string& sql) {
    pqxx::connection c(url);
    pqxx::nontransaction n(c);
    n.exec(sql);
}

// What deploy/compose.yml and its Caddyfile say about the topology: the
// replicas (hindsight-N services, each the shared block), the one config file
// they all mount, and the proxy's upstreams and health check.
struct ComposeTopology {
    int replicas = 0;
    json config;
};

ComposeTopology read_compose() {
    const auto dir = deploy_dir();
    const auto compose = read_file(dir / "compose.yml");
    const auto caddy = read_file(dir / "compose" / "Caddyfile");
    ComposeTopology t;
    static const std::regex service(R"(\n  hindsight-([0-9]+):\n    <<: \*hindsight\n)");
    for (auto it = std::sregex_iterator(compose.begin(), compose.end(), service); it != std::sregex_iterator(); ++it)
        ++t.replicas;
    // Every replica runs `serve` on the one mounted file, compose/config.json.
    CHECK(compose.find("command: [\"serve\", \"--config\", \"/etc/hindsight/replicas.json\"]") != std::string::npos);
    CHECK(compose.find("./compose/config.json:/etc/hindsight/replicas.json:ro") != std::string::npos);
    CHECK(compose.find("HINDSIGHT_DATABASE_URL: postgresql://") != std::string::npos);
    t.config = json::parse(read_file(dir / "compose" / "config.json"));
    // The proxy balances over exactly those replicas, on the port the config
    // listens on, and only to those whose /readyz answers 200.
    std::string upstreams;
    for (int i = 1; i <= t.replicas; ++i)
        upstreams += " hindsight-" + std::to_string(i) + ":" + std::to_string(t.config["listen"]["port"].get<int>());
    CHECK(caddy.find("reverse_proxy" + upstreams + " {") != std::string::npos);
    CHECK(caddy.find("health_uri /readyz") != std::string::npos);
    CHECK(t.config["storage"]["backend"] == "postgres");
    return t;
}

// N replicas of the compose topology, with the test client as the proxy.
class Replicas {
public:
    // `extra` is merged into the compose config (test timings only).
    Replicas(std::string url, int n, json extra = json::object()) : url_(std::move(url)) {
        auto topology = read_compose();
        json config = topology.config;
        // The only change to the deployed file: an ephemeral port on loopback
        // instead of the container's 0.0.0.0:8080; and Slack is the fake.
        config["listen"] = {{"address", "127.0.0.1"}, {"port", 0}};
        config["slack"] = {{"api_base_url", slack.api_base_url()}};
        config.merge_patch(extra);
        std::ofstream(dir.path() / "config.json") << config.dump();
        for (int i = 0; i < n; ++i) start(i);
    }

    ~Replicas() {
        for (auto& p : processes_)
            if (p) p->signal(SIGTERM);
        for (auto& p : processes_)
            if (p) CHECK_MESSAGE(p->wait(30s) == 0, p->err());
    }

    // deploy/compose/env's variables, as env_file gives them to every replica.
    void start(int i) {
        if (processes_.size() <= static_cast<std::size_t>(i)) {
            processes_.resize(static_cast<std::size_t>(i) + 1);
            bases_.resize(static_cast<std::size_t>(i) + 1);
        }
        auto run_dir = dir.path() / ("replica" + std::to_string(i) + "-" + std::to_string(++runs_));
        std::filesystem::create_directories(run_dir);
        std::filesystem::copy_file(dir.path() / "config.json", run_dir / "config.json");
        std::vector<std::string> env = {"HINDSIGHT_DATABASE_URL=" + url_ + "&password=" + kPassword,
                                        std::string("HINDSIGHT_SLACK_SIGNING_SECRET=") + kSecret,
                                        "HINDSIGHT_SLACK_BOT_TOKEN=" + slack.bot_token(),
                                        std::string("HINDSIGHT_API_TOKEN=") + kApiToken};
        auto& p = processes_[static_cast<std::size_t>(i)];
        p = std::make_unique<test::ChildProcess>(HINDSIGHT_BINARY,
                                                 std::vector<std::string>{"serve", "--config", "config.json"}, run_dir,
                                                 env);
        auto port = test::listening_port(*p, 30s);
        REQUIRE_MESSAGE(port.has_value(), p->err());
        bases_[static_cast<std::size_t>(i)] = "http://127.0.0.1:" + std::to_string(*port);
    }

    void kill9(int i) {
        auto& p = processes_[static_cast<std::size_t>(i)];
        p->signal(SIGKILL);
        REQUIRE(p->wait(10s) == -SIGKILL);
        logs_ += p->err() + p->out();
        p.reset();
    }

    int pid(int i) const { return processes_[static_cast<std::size_t>(i)]->pid(); }
    int size() const { return static_cast<int>(processes_.size()); }
    bool running(int i) const { return processes_[static_cast<std::size_t>(i)] != nullptr; }

    int readyz(int i, outbound::HttpClient& client) {
        return client.send({"GET", bases_[static_cast<std::size_t>(i)] + "/readyz", {}, {}}).status;
    }
    bool all_ready(outbound::HttpClient& client) {
        for (int i = 0; i < size(); ++i)
            if (running(i) && readyz(i, client) != 200) return false;
        return true;
    }

    // What the proxy does: the next replica in turn that is running and
    // ready; one that cannot be reached (status 0) passes the request on.
    outbound::ClientResponse send(outbound::HttpClient& client, const std::string& path, const std::string& body,
                                  const std::string& content_type, int replica = -1) {
        outbound::ClientResponse last;
        for (int tries = 0; tries < size(); ++tries) {
            const int i = replica >= 0 ? replica : static_cast<int>(next_++ % static_cast<unsigned>(size()));
            if (!running(i)) continue;
            auto headers = test::slack_headers(kSecret, unix_now(), body, content_type);
            last = client.send({"POST", bases_[static_cast<std::size_t>(i)] + path, std::move(headers), body});
            if (last.status != 0 || replica >= 0) return last;
        }
        return last;
    }

    outbound::ClientResponse command(outbound::HttpClient& client, const std::string& text, int replica = -1) {
        const std::string body = std::string("team_id=") + kTeam + "&team_domain=e2e&channel_id=" + kChannel +
                                 "&channel_name=inc&user_id=U0ALICE&user_name=alice&command=%2Fincident&text=" +
                                 http::url_encode(text) + "&response_url=" +
                                 http::url_encode(slack.new_response_url()) + "&trigger_id=1.2.3";
        return send(client, "/slack/commands", body, "application/x-www-form-urlencoded", replica);
    }

    // A person's message in the incident channel, as the Events API delivers it.
    outbound::ClientResponse message(outbound::HttpClient& client, const std::string& event_id, const std::string& ts,
                                     const std::string& text, int replica = -1) {
        const json event = {{"type", "message"}, {"user", "U0BOB"},     {"text", text},
                            {"ts", ts},          {"event_ts", ts},      {"channel", kChannel},
                            {"channel_type", "channel"}};
        const json envelope = {{"token", "vtok"},
                               {"team_id", kTeam},
                               {"api_app_id", "A0E2E"},
                               {"type", "event_callback"},
                               {"event_id", event_id},
                               {"event_time", unix_now()},
                               {"authorizations", json::array({{{"team_id", kTeam}, {"user_id", "U0BOT"}, {"is_bot", true}}})},
                               {"event", event}};
        return send(client, "/slack/events", envelope.dump(), "application/json", replica);
    }

    // A series from one replica's /metrics; 0 when absent (never incremented).
    double metric(outbound::HttpClient& client, int i, const std::string& series) {
        auto text = client.send({"GET", bases_[static_cast<std::size_t>(i)] + "/metrics", {}, {}}).body;
        auto at = text.find("\n" + series + " ");
        if (at == std::string::npos) return 0;
        return std::stod(text.substr(at + series.size() + 2));
    }
    double metric_sum(outbound::HttpClient& client, const std::string& series) {
        double sum = 0;
        for (int i = 0; i < size(); ++i)
            if (running(i)) sum += metric(client, i, series);
        return sum;
    }

    // Everything every replica printed, including the ones killed.
    std::string logs() const {
        std::string all = logs_;
        for (const auto& p : processes_)
            if (p) all += p->err() + p->out();
        return all;
    }

    test::TempDir dir;
    fakes::FakeSlack slack;

private:
    std::string url_;
    std::vector<std::unique_ptr<test::ChildProcess>> processes_;
    std::vector<std::string> bases_;
    std::string logs_;
    std::atomic<unsigned> next_{0};
    int runs_ = 0;
};

std::string ts_of(long long base, int i) { return std::to_string(base) + "." + std::to_string(100000 + i); }

// chat.postMessage calls whose body holds `needle`.
int posts_with(const fakes::FakeSlack& slack, const std::string& needle) {
    int n = 0;
    for (const auto& call : slack.calls("chat.postMessage")) n += call.body.find(needle) != std::string::npos;
    return n;
}

// A burst of signed message events from several client threads spread
// round-robin over the replicas, every 10th sent again to another replica (a
// Slack retry): acked == stored, each once, the retries counted as
// duplicates; a close received by any replica drafts and posts once.
void burst(int replicas) {
    auto url = test::postgres_database();
    if (!url) return;
    Replicas r(*url, replicas);
    outbound::HttpClient client;
    REQUIRE(test::wait_until([&] { return r.all_ready(client); }, 30s));
    REQUIRE(r.command(client, "open Checkout errors sev:2").status == 200);

    constexpr int kThreads = 4, kPerThread = 60;
    const long long base = unix_now();
    std::atomic<int> acked{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            outbound::HttpClient own;
            for (int k = 0; k < kPerThread; ++k) {
                const int i = t * kPerThread + k;
                const std::string text = i == 0 ? "rolling back to v41" : "update " + std::to_string(i);
                const auto id = "EvBurst" + std::to_string(i);
                (r.message(own, id, ts_of(base, i), text).status == 200 ? acked : failed)++;
                if (i % 10 == 0) (r.message(own, id, ts_of(base, i), text).status == 200 ? acked : failed)++;
            }
        });
    for (auto& t : threads) t.join();
    const int events = kThreads * kPerThread;
    CHECK(failed == 0);
    CHECK(acked == events + events / 10);
    CHECK(scalar(*url, "SELECT count(*) FROM messages") == events);
    CHECK(scalar(*url, "SELECT count(DISTINCT message_id) FROM messages") == events);
    CHECK(r.metric_sum(client, "hindsight_events_total{outcome=\"stored\"}") == events);
    CHECK(r.metric_sum(client, "hindsight_events_total{outcome=\"duplicate\"}") == events / 10);
    // Each replica took its share of the load.
    for (int i = 0; i < replicas; ++i) CHECK(r.metric(client, i, "hindsight_events_total{outcome=\"stored\"}") > 0);

    REQUIRE(r.command(client, "close Bad config in v42", replicas - 1).status == 200);
    CHECK_MESSAGE(test::wait_until(
                      [&] {
                          return posts_with(r.slack, "rolling back to v41") >= 1 &&
                                 r.metric_sum(client, "hindsight_outbox_pending") == 0;
                      },
                      30s),
                  r.logs());
    CHECK_MESSAGE(posts_with(r.slack, "rolling back to v41") == 1, r.logs());
    CHECK(scalar(*url, "SELECT count(*) FROM incidents WHERE state = 'closed'") == 1);
    const auto logs = r.logs();
    CHECK(logs.find(kPassword) == std::string::npos);
}

}  // namespace

TEST_CASE("compose topology: deploy/compose.yml's replicas on one database, requests spread, nothing twice") {
    CHECK(read_compose().replicas == 2);
    burst(read_compose().replicas);
}

TEST_CASE("three replicas: a burst spread over them is acked == stored, each once, the close drafted once") {
    burst(3);
}

TEST_CASE("replicas: 500 overdue action items, every owner nudged exactly once") {
    auto url = test::postgres_database();
    if (!url) return;
    Replicas r(*url, 2, {{"reminders", {{"check_interval_s", 0.05}, {"repeat_every_s", 86400}}}});
    outbound::HttpClient client;
    REQUIRE(test::wait_until([&] { return r.all_ready(client); }, 30s));
    REQUIRE(r.command(client, "open Search latency").status == 200);
    // 500 items, one owner each, all overdue at once while both replicas scan.
    const long long due = (unix_now() - 2 * 86400) * 1'000'000LL;
    execute(*url,
            "INSERT INTO action_items (incident_id, owner_id, owner_name, text, due_at, created_at, created_by, state, "
            "done_by, nudges) SELECT (SELECT max(id) FROM incidents), 'U0OWN' || g, 'owner ' || g, 'item ' || g, " +
                std::to_string(due) + ", " + std::to_string(due) + ", 'U0ALICE', 'open', '', 0 "
                "FROM generate_series(1, 500) g");
    auto dms = [&] {
        std::map<std::string, int> per_owner;
        for (const auto& call : r.slack.calls("chat.postMessage")) {
            static const std::regex dm("\"channel\":\"D(U0OWN[0-9]+)\"");
            std::smatch m;
            if (std::regex_search(call.body, m, dm)) ++per_owner[m[1]];
        }
        return per_owner;
    };
    CHECK_MESSAGE(test::wait_until(
                      [&] {
                          return dms().size() == 500 && r.metric_sum(client, "hindsight_outbox_pending") == 0;
                      },
                      90s),
                  r.logs());
    // Both replicas go on scanning (each at least 20 more write batches).
    const double a = r.metric(client, 0, "hindsight_db_write_batches");
    const double b = r.metric(client, 1, "hindsight_db_write_batches");
    CHECK(test::wait_until(
        [&] {
            return r.metric(client, 0, "hindsight_db_write_batches") >= a + 20 &&
                   r.metric(client, 1, "hindsight_db_write_batches") >= b + 20;
        },
        30s));
    const auto per_owner = dms();
    CHECK(per_owner.size() == 500);
    int twice = 0;
    for (const auto& [owner, n] : per_owner) twice += n != 1;
    CHECK_MESSAGE(twice == 0, r.logs());
    CHECK(r.metric_sum(client, "hindsight_reminders_sent_total") == 500);
    CHECK(r.metric_sum(client, "hindsight_reminder_claims") == 500);
    CHECK(scalar(*url, "SELECT count(*) FROM action_items WHERE nudges = 1") == 500);
}

TEST_CASE("replicas: kill -9 of the one holding outbox leases mid-delivery, another delivers the rest after the lease") {
    auto url = test::postgres_database();
    if (!url) return;
    // A send may take 2 s; the lease must be longer than two sends.
    Replicas r(*url, 2, {{"storage", {{"lease_s", 5}}}, {"outbound", {{"timeout_s", 2}}}});
    outbound::HttpClient client;
    REQUIRE(test::wait_until([&] { return r.all_ready(client); }, 30s));
    // Slack takes its time with the first post: whoever sends it is stuck there.
    r.slack.server().fail_next("/api/chat.postMessage", {fakes::FakeResponse{200, {}, R"({"ok":true})",
                                                                             "application/json", 60s}});
    constexpr int kChannels = 8;
    const long long now = unix_now() * 1'000'000LL;
    execute(*url, "INSERT INTO outbox (platform, team, channel, to_user, thread, text, response_url, ephemeral, "
                  "buttons, created_at, attempts, next_attempt_at, state) "
                  "SELECT 'slack', '" + std::string(kTeam) + "', 'C' || g, '', '', 'notice ' || g, '', false, '[]', " +
                      std::to_string(now) + ", 0, " + std::to_string(now) + ", 'pending' "
                      "FROM generate_series(1, " + std::to_string(kChannels) + ") g");
    REQUIRE(r.slack.server().wait_for_requests("/api/chat.postMessage", 1, 30s));
    // The replica whose claims those are (claimed_by names host:pid:…) dies.
    pqxx::connection db(*url);
    pqxx::nontransaction q(db);
    const auto holder = q.exec("SELECT DISTINCT claimed_by FROM outbox WHERE state = 'pending' "
                               "AND claimed_by IS NOT NULL");
    REQUIRE(holder.size() >= 1);
    const std::string claimant = holder[0][0].as<std::string>();
    int victim = -1;
    for (int i = 0; i < r.size(); ++i)
        if (claimant.find(":" + std::to_string(r.pid(i)) + ":") != std::string::npos) victim = i;
    REQUIRE_MESSAGE(victim >= 0, claimant);
    r.kill9(victim);

    CHECK_MESSAGE(test::wait_until([&] { return scalar(*url, "SELECT count(*) FROM outbox WHERE state = 'delivered'") ==
                                                kChannels; },
                                   60s),
                  r.logs());
    CHECK(scalar(*url, "SELECT count(*) FROM outbox WHERE state <> 'delivered'") == 0);
    // Every notice reached Slack once, except the one cut off mid-request: the
    // platform saw that request, and then the one that delivered it.
    int interrupted = 0;
    for (int g = 1; g <= kChannels; ++g) {
        const int n = posts_with(r.slack, "\"notice " + std::to_string(g) + "\"");
        CAPTURE(g);
        CHECK((n == 1 || n == 2));
        interrupted += n == 2;
    }
    CHECK(interrupted == 1);
    CHECK(r.metric_sum(client, "hindsight_outbox_claims") >= kChannels);
}

TEST_CASE("replicas: the database restarted under load: 503 meanwhile, back by itself, nothing acked lost") {
    auto url = test::postgres_database();
    if (!url) return;
    Replicas r(*url, 2);
    outbound::HttpClient client;
    REQUIRE(test::wait_until([&] { return r.all_ready(client); }, 30s));
    REQUIRE(r.command(client, "open Database maintenance").status == 200);

    // A steady stream of events until told to stop; what was acked is kept.
    const long long base = unix_now();
    std::mutex mutex;
    std::vector<std::string> acked;
    std::atomic<int> refused{0};
    std::atomic<bool> stop{false};
    std::thread sender([&] {
        outbound::HttpClient own;
        for (int i = 0; !stop; ++i) {
            const auto ts = ts_of(base, i);
            const auto status = r.message(own, "EvLoad" + std::to_string(i), ts, "load " + std::to_string(i)).status;
            if (status == 200) {
                std::lock_guard lock(mutex);
                acked.push_back(ts);
            } else {
                ++refused;
            }
        }
    });
    auto acked_count = [&] {
        std::lock_guard lock(mutex);
        return acked.size();
    };
    REQUIRE(test::wait_until([&] { return acked_count() >= 30; }, 30s));

    auto* server = test::PostgresServer::instance();
    server->stop();
    CHECK(test::wait_until([&] { return r.readyz(0, client) == 503 && r.readyz(1, client) == 503; }, 30s));
    CHECK(test::wait_until([&] { return refused > 0; }, 30s));
    server->start();
    CHECK(test::wait_until([&] { return r.all_ready(client); }, 30s));
    const auto after = acked_count();
    CHECK(test::wait_until([&] { return acked_count() >= after + 30; }, 30s));
    stop = true;
    sender.join();

    // Every acked event is stored, once.
    pqxx::connection db(*url);
    pqxx::nontransaction q(db);
    std::set<std::string> stored;
    for (const auto& row : q.exec("SELECT message_id FROM messages")) stored.insert(row[0].as<std::string>());
    CHECK(scalar(*url, "SELECT count(*) FROM messages") == static_cast<std::int64_t>(stored.size()));
    int lost = 0;
    for (const auto& ts : acked) lost += stored.count(ts) == 0;
    CHECK(lost == 0);
    const auto logs = r.logs();
    CHECK(logs.find("lost the PostgreSQL connection") != std::string::npos);
    CHECK(logs.find("restored") != std::string::npos);
    CHECK(logs.find(kPassword) == std::string::npos);
}
