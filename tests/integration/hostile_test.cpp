// Hostile and broken clients against the real binary: slow
// senders, too many connections, oversized and malformed requests, forged or
// replayed signatures, foreign tokens and workspaces. Each gets the right
// status and a log line, the service keeps serving others, and nothing changes.
#include "adapters/http/form.hpp"
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

const std::string binary = HINDSIGHT_BINARY;
constexpr auto secret = "hostile-signing-secret";
constexpr auto api_token = "hostile-api-token";
constexpr auto mm_token = "hostile-mattermost-token";

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A plain TCP connection for what an HTTP client library will not send:
// half a request, a request in slices, raw bytes.
class RawConnection {
public:
    explicit RawConnection(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawConnection() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return connected_; }
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    // Reads until the peer closes (true) or `timeout` passes (false); what
    // arrived is in received().
    bool read_until_closed(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        while (true) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;  // orderly close or reset: closed either way
            received_.append(buf, static_cast<std::size_t>(n));
        }
    }
    const std::string& received() const { return received_; }
    // "HTTP/1.1 413 ..." → 413; 0 when nothing (or no status line) arrived.
    int status() const {
        static const std::regex re("^HTTP/1\\.[01] ([0-9]{3})");
        std::smatch m;
        return std::regex_search(received_, m, re) ? std::stoi(m[1]) : 0;
    }

private:
    int fd_ = -1;
    bool connected_ = false;
    std::string received_;
};

struct Hostile {
    test::TempDir dir;
    fakes::FakeSlack slack;
    std::unique_ptr<test::ChildProcess> process;
    int port = 0;
    std::string base;
    outbound::HttpClient client;

    explicit Hostile(json listen = json::object()) {
        listen["port"] = 0;
        json config = {{"listen", listen},
                       {"storage", {{"path", "hostile.db"}}},
                       {"api", {{"token", api_token}}},
                       {"slack", {{"signing_secret", secret}, {"bot_token", slack.bot_token()},
                                  {"api_base_url", slack.api_base_url()}}},
                       {"mattermost", {{"tokens", {mm_token}}}}};
        std::ofstream(dir.path() / "config.json") << config.dump();
        process = std::make_unique<test::ChildProcess>(binary, std::vector<std::string>{"serve", "--config", "config.json"},
                                                       dir.path());
        port = test::listening_port(*process).value_or(0);
        REQUIRE_MESSAGE(port != 0, process->err());
        base = "http://127.0.0.1:" + std::to_string(port);
    }

    ~Hostile() {
        // Whatever happened, the process must still be alive and stop cleanly.
        process->signal(SIGTERM);
        CHECK(process->wait(15s) == 0);
    }

    outbound::ClientResponse signed_post(const std::string& path, const std::string& body, const std::string& type,
                                         long long at, const std::string& key = secret) {
        return client.send({"POST", base + path, test::slack_headers(key, at, body, type), body});
    }

    std::string command_body(const std::string& text, const std::string& team = "T0HOME",
                             const std::string& channel = "C0INC") {
        return "team_id=" + team + "&team_domain=home&channel_id=" + channel + "&channel_name=inc&user_id=U0ALICE"
               "&user_name=alice&command=%2Fincident&text=" + http::url_encode(text) +
               "&response_url=" + http::url_encode(slack.new_response_url());
    }

    outbound::ClientResponse command(const std::string& text, const std::string& team = "T0HOME") {
        return signed_post("/slack/commands", command_body(text, team), "application/x-www-form-urlencoded", unix_now());
    }

    static std::string event_body(const std::string& event_id, const std::string& text, const std::string& ts) {
        return json{{"token", "x"}, {"team_id", "T0HOME"}, {"api_app_id", "A0"}, {"type", "event_callback"},
                    {"event_id", event_id}, {"event_time", unix_now()},
                    {"event", {{"type", "message"}, {"channel", "C0INC"}, {"user", "U0BOB"}, {"text", text},
                               {"ts", ts}, {"channel_type", "channel"}}}}
            .dump();
    }

    json incidents() {
        auto r = client.send({"GET", base + "/incidents", {{"Authorization", std::string("Bearer ") + api_token}}, {}});
        REQUIRE(r.status == 200);
        return json::parse(r.body)["incidents"];
    }

    std::string metrics() { return client.send({"GET", base + "/metrics", {}, {}}).body; }
    long stored_events() {
        static const std::regex re("hindsight_events_total\\{outcome=\"stored\"\\} ([0-9]+)");
        std::smatch m;
        auto text = metrics();
        return std::regex_search(text, m, re) ? std::stol(m[1]) : 0;
    }
    bool healthy() { return client.send({"GET", base + "/healthz", {}, {}}).status == 200; }
    bool logged(const std::string& needle) {
        return test::wait_until([&] { return process->err().find(needle) != std::string::npos; }, 5s);
    }
};

}  // namespace

// Bad-client warnings are rate-limited (one a second, the rest counted), so
// each kind of slow or oversized request gets a service of its own here.
TEST_CASE("hostile: slow headers and slow bodies are closed after the timeout while others are served") {
    const json timeouts = {{"header_timeout_s", 0.3}, {"body_timeout_s", 0.3}};
    {
        Hostile svc(timeouts);
        RawConnection slow_header(svc.port);
        REQUIRE(slow_header.connected());
        CHECK(slow_header.send("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: appl"));
        CHECK(svc.healthy());  // others are served while it dawdles
        CHECK(slow_header.read_until_closed(10s));
        CHECK(svc.logged("request header not received within the timeout"));
        CHECK(svc.healthy());
    }
    {
        Hostile svc(timeouts);
        RawConnection slow_body(svc.port);
        REQUIRE(slow_body.connected());
        CHECK(slow_body.send("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             "Content-Length: 100\r\n\r\n{\"type\":"));
        CHECK(svc.healthy());
        CHECK(slow_body.read_until_closed(10s));
        CHECK(svc.logged("request body not received within the timeout"));
        CHECK(svc.healthy());
        CHECK(svc.stored_events() == 0);
    }
}

TEST_CASE("hostile: connections over max_connections are refused with 503 and the service keeps working") {
    Hostile svc(json{{"max_connections", 3}, {"header_timeout_s", 30.0}});
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<RawConnection>(svc.port));
        REQUIRE(held.back()->connected());
    }
    // The server counts a connection once it accepted it; an extra one is
    // refused as soon as the three are counted.
    bool refused = test::wait_until(
        [&] {
            RawConnection extra(svc.port);
            return extra.read_until_closed(5s) && extra.status() == 503;
        },
        10s);
    CHECK(refused);
    CHECK(svc.logged("connections open (the maximum)"));
    held.clear();
    CHECK(test::wait_until([&] { return svc.healthy(); }, 10s));
    CHECK(svc.metrics().find("hindsight_http_connections_refused_total") != std::string::npos);
}

TEST_CASE("hostile: oversized headers get 431") {
    Hostile svc(json{{"max_body_bytes", 4096}});
    RawConnection big_header(svc.port);
    REQUIRE(big_header.connected());
    big_header.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(20000, 'a') + "\r\n\r\n");
    big_header.read_until_closed(10s);
    CHECK(big_header.status() == 431);
    CHECK(svc.logged("431: request header over"));
}

TEST_CASE("hostile: oversized bodies get 413 before any parsing") {
    Hostile svc(json{{"max_body_bytes", 4096}});

    auto body = Hostile::event_body("EvBig", std::string(8000, 'x'), "1700000000.000100");
    auto r = svc.signed_post("/slack/events", body, "application/json", unix_now());
    CHECK(r.status == 413);
    CHECK(svc.logged("413: body over 4096 bytes"));
    CHECK(svc.healthy());
    CHECK(svc.stored_events() == 0);
}

TEST_CASE("hostile: a wrong content type is 415 and changes nothing") {
    Hostile svc;
    auto body = svc.command_body("open Wrong type");
    CHECK(svc.signed_post("/slack/commands", body, "text/plain", unix_now()).status == 415);
    CHECK(svc.signed_post("/slack/commands", body, "application/json", unix_now()).status == 415);
    CHECK(svc.logged("unsupported content type 'text/plain'"));
    CHECK(svc.incidents().empty());
}

TEST_CASE("hostile: invalid UTF-8 and NUL bytes in text are stored or refused cleanly") {
    Hostile svc;
    // A title with a NUL and bytes that are not UTF-8, straight from the form.
    auto body = "team_id=T0HOME&team_domain=home&channel_id=C0INC&channel_name=inc&user_id=U0ALICE&user_name=alice"
                "&command=%2Fincident&text=open+Bad%FF%FEbytes%00and+NUL&response_url=" +
                http::url_encode(svc.slack.new_response_url());
    auto opened = svc.signed_post("/slack/commands", body, "application/x-www-form-urlencoded", unix_now());
    CHECK(opened.status == 200);
    // Raw invalid UTF-8 inside JSON is not JSON: 400.
    auto raw = Hostile::event_body("EvRaw", "PLACEHOLDER", "1700000000.000100");
    raw.replace(raw.find("PLACEHOLDER"), 11, "bad \xff\xfe bytes");
    CHECK(svc.signed_post("/slack/events", raw, "application/json", unix_now()).status == 400);
    // An escaped NUL is valid JSON: stored like any text.
    auto nul = Hostile::event_body("EvNul", std::string("nul \0 inside", 12), std::to_string(unix_now()) + ".000200");
    CHECK(svc.signed_post("/slack/events", nul, "application/json", unix_now()).status == 200);

    // The API still answers with valid JSON, the bad bytes replaced.
    auto list = svc.incidents();
    REQUIRE(list.size() == 1);
    CHECK(list[0]["title"].get<std::string>().find("Bad") == 0);
    auto id = std::to_string(list[0]["id"].get<long long>());
    CHECK(svc.command("close").status == 200);
    outbound::ClientResponse doc;
    CHECK(test::wait_until(
        [&] {
            doc = svc.client.send({"GET", svc.base + "/incidents/" + id + "/postmortem.md",
                                   {{"Authorization", std::string("Bearer ") + api_token}}, {}});
            return doc.status == 200 && doc.body.find("## Timeline") != std::string::npos;
        },
        10s));

    // Mattermost replies quote the title: still valid JSON.
    std::string mm = "channel_id=ch1&channel_name=inc&command=%2Fincident&team_domain=acme&team_id=tm1"
                     "&text=open+Bad%FF%FEtitle&token=" + std::string(mm_token) + "&user_id=us1&user_name=eve";
    auto reply = svc.client.send({"POST", svc.base + "/mattermost/commands",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}}, mm});
    CHECK(reply.status == 200);
    CHECK_FALSE(json::parse(reply.body, nullptr, false).is_discarded());
    CHECK(svc.incidents().size() == 2);
    CHECK(svc.healthy());
}

TEST_CASE("hostile: deeply nested and huge JSON get 400 or 413, never a stack overflow") {
    Hostile svc;
    // 400,000 levels fit in the default 1 MiB body.
    std::string deep(400000, '[');
    deep += std::string(400000, ']');
    CHECK(svc.signed_post("/slack/events", deep, "application/json", unix_now()).status == 400);
    // Deep nesting inside an otherwise valid event envelope.
    std::string nested_event = R"({"type":"event_callback","team_id":"T0HOME","event_id":"EvDeep","event":{"type":"message",)"
                               R"("channel":"C0INC","user":"U0BOB","text":"deep","ts":"1700000000.000100","blocks":)" +
                               std::string(300000, '[') + std::string(300000, ']') + "}}";
    auto r = svc.signed_post("/slack/events", nested_event, "application/json", unix_now());
    CHECK((r.status == 200 || r.status == 400));
    // Interactions carry JSON inside a form field.
    auto form = "payload=" + http::url_encode(R"({"type":"block_actions","x":)" + std::string(100000, '[') +
                                              std::string(100000, ']') + "}");
    auto i = svc.signed_post("/slack/interactions", form, "application/x-www-form-urlencoded", unix_now());
    CHECK((i.status == 200 || i.status == 400));
    // Mattermost JSON webhooks too.
    std::string mm_deep = R"({"token":")" + std::string(mm_token) + R"(","x":)" + std::string(300000, '[') +
                          std::string(300000, ']') + "}";
    auto mm = svc.client.send({"POST", svc.base + "/mattermost/events", {{"Content-Type", "application/json"}}, mm_deep});
    CHECK(mm.status == 400);
    // Over the body limit: 413 before any parsing.
    std::string huge = "[" + std::string(2 * 1024 * 1024, '1') + "]";
    CHECK(svc.signed_post("/slack/events", huge, "application/json", unix_now()).status == 413);
    CHECK(svc.healthy());
    CHECK(svc.incidents().empty());
}

TEST_CASE("hostile: a replayed old timestamp and another app's secret are 401 and change nothing") {
    Hostile svc;
    auto body = svc.command_body("open Forged");
    auto old = svc.signed_post("/slack/commands", body, "application/x-www-form-urlencoded", unix_now() - 600);
    CHECK(old.status == 401);
    auto other = svc.signed_post("/slack/commands", body, "application/x-www-form-urlencoded", unix_now(),
                                 "secret-of-another-app");
    CHECK(other.status == 401);
    auto event = svc.signed_post("/slack/events", Hostile::event_body("EvOld", "replayed", "1700000000.000100"),
                                 "application/json", unix_now() - 600);
    CHECK(event.status == 401);
    CHECK(svc.logged("slack commands: rejected request from"));
    CHECK(svc.logged("slack events: rejected request from"));
    CHECK(svc.incidents().empty());
    CHECK(svc.stored_events() == 0);
}

TEST_CASE("hostile: a Mattermost token of another integration is 401 with an empty body") {
    Hostile svc;
    std::string form = "channel_id=ch1&channel_name=inc&command=%2Fincident&team_domain=acme&team_id=tm1"
                       "&text=open+Intruder&token=token-of-another-integration&user_id=us1&user_name=eve";
    auto r = svc.client.send({"POST", svc.base + "/mattermost/commands",
                              {{"Content-Type", "application/x-www-form-urlencoded"}}, form});
    CHECK(r.status == 401);
    CHECK(r.body.empty());
    auto hook = svc.client.send({"POST", svc.base + "/mattermost/events", {{"Content-Type", "application/json"}},
                                 R"({"token":"token-of-another-integration","channel_id":"ch1","post_id":"p1",)"
                                 R"("user_id":"us1","text":"hi","timestamp":1700000000000})"});
    CHECK(hook.status == 401);
    CHECK(hook.body.empty());
    CHECK(svc.logged("mattermost: /mattermost/commands: bad or missing token"));
    CHECK(svc.incidents().empty());
}

TEST_CASE("hostile: a command from another workspace aimed at a known channel id neither sees nor changes it") {
    Hostile svc;
    REQUIRE(svc.command("open Secret outage sev:1").status == 200);
    auto status = svc.command("status", "T0EVIL");
    CHECK(status.status == 200);
    CHECK(status.body.find("Secret outage") == std::string::npos);
    CHECK(svc.command("close Taken over", "T0EVIL").status == 200);
    CHECK(svc.command("note injected by another workspace", "T0EVIL").status == 200);
    auto list = svc.incidents();
    REQUIRE(list.size() == 1);
    CHECK(list[0]["team"] == "T0HOME");
    CHECK(list[0]["state"] == "open");
    CHECK(list[0]["title"] == "Secret outage");
    // The home workspace still sees its incident, without the foreign note.
    auto mine = svc.command("status");
    CHECK(mine.body.find("Secret outage") != std::string::npos);
    auto id = std::to_string(list[0]["id"].get<long long>());
    CHECK(svc.command("close").status == 200);
    CHECK(test::wait_until(
        [&] {
            auto doc = svc.client.send({"GET", svc.base + "/incidents/" + id + "/postmortem.md",
                                        {{"Authorization", std::string("Bearer ") + api_token}}, {}});
            return doc.status == 200 && doc.body.find("## Timeline") != std::string::npos &&
                   doc.body.find("injected by another workspace") == std::string::npos;
        },
        10s));
}
