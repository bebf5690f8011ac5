#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace hindsight::outbound;
using hindsight::fakes::FakeResponse;
using hindsight::fakes::FakeServer;
using hindsight::fakes::RecordedRequest;
using namespace std::chrono_literals;

namespace {

ClientRequest get(const std::string& url) {
    ClientRequest r;
    r.url = url;
    return r;
}

ClientOptions short_timeouts() {
    ClientOptions o;
    o.connect_timeout = 2000ms;
    o.request_timeout = 200ms;
    return o;
}

}  // namespace

TEST_CASE("Url::parse splits absolute http(s) URLs and defaults the port") {
    auto u = Url::parse("https://Slack.com/api/chat.postMessage?x=1#frag");
    REQUIRE(u);
    CHECK(u->scheme == "https");
    CHECK(u->host == "slack.com");
    CHECK(u->port == "443");
    CHECK(u->target == "/api/chat.postMessage?x=1");

    auto plain = Url::parse("http://127.0.0.1:8065");
    REQUIRE(plain);
    CHECK(plain->port == "8065");
    CHECK(plain->target == "/");
    CHECK(Url::parse("http://mm.local")->port == "80");
    CHECK(Url::parse("http://mm.local?q=1")->target == "/?q=1");

    auto v6 = Url::parse("http://[::1]:9000/x");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == "9000");

    CHECK_FALSE(Url::parse("ftp://example.com/"));
    CHECK_FALSE(Url::parse("/relative/path"));
    CHECK_FALSE(Url::parse("https://"));
    CHECK_FALSE(Url::parse("https://host:0/"));
    CHECK_FALSE(Url::parse("https://host:99999/"));
    CHECK_FALSE(Url::parse("https://host:12ab/"));
    CHECK_FALSE(Url::parse("https://user:secret@host/"));
    CHECK_FALSE(Url::parse("https://bad host/"));
    CHECK_FALSE(Url::parse("https://host/a b"));
}

TEST_CASE("ClientResponse::header is case-insensitive") {
    ClientResponse r;
    r.headers = {{"Retry-After", "30"}};
    CHECK(r.header("retry-after") == "30");
    CHECK_FALSE(r.header("Retry"));
}

TEST_CASE("GET and POST round trips carry method, target, headers and body") {
    FakeServer server;
    server.route("GET", "/hello", [](const RecordedRequest&) {
        auto r = FakeResponse::json(200, R"({"ok":true})");
        r.headers.emplace_back("X-Served-By", "fake");
        return r;
    });
    server.route("POST", "/echo", [](const RecordedRequest& req) {
        return FakeResponse::text(201, "got " + req.body);
    });
    HttpClient client;

    ClientRequest g = get(server.base_url() + "/hello?channel=C1");
    g.headers.emplace_back("Authorization", "Bearer xoxb-test");
    auto r1 = client.send(g);
    CHECK(r1.error.empty());
    CHECK(r1.status == 200);
    CHECK(r1.body == R"({"ok":true})");
    CHECK(r1.header("x-served-by") == "fake");
    CHECK(r1.header("Content-Type") == "application/json");

    ClientRequest p;
    p.method = "POST";
    p.url = server.base_url() + "/echo";
    p.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    p.body = R"({"text":"hi"})";
    auto r2 = client.send(p);
    CHECK(r2.status == 201);
    CHECK(r2.body == R"(got {"text":"hi"})");

    auto seen = server.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].target == "/hello?channel=C1");
    CHECK(seen[0].header("authorization") == "Bearer xoxb-test");
    CHECK(seen[0].header("Host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen[1].method == "POST");
    CHECK(seen[1].body == R"({"text":"hi"})");
    CHECK(seen[1].header("Content-Type") == "application/json; charset=utf-8");
    CHECK(seen[1].header("Content-Length") == "13");
}

TEST_CASE("an unrouted path answers 404, which is a response, not a transport error") {
    FakeServer server;
    HttpClient client;
    auto r = client.send(get(server.base_url() + "/nowhere"));
    CHECK(r.error.empty());
    CHECK(r.status == 404);
}

TEST_CASE("keep-alive: consecutive requests to one host reuse one connection") {
    FakeServer server;
    server.route("GET", "/a", [](const RecordedRequest&) { return FakeResponse::json(200, "{}"); });
    HttpClient client;
    for (int i = 0; i < 3; ++i) CHECK(client.send(get(server.base_url() + "/a")).status == 200);
    CHECK(server.connections() == 1);

    // A second client has its own connection.
    HttpClient other;
    CHECK(other.send(get(server.base_url() + "/a")).status == 200);
    CHECK(server.connections() == 2);
}

TEST_CASE("a kept-alive connection the server closed is replaced transparently") {
    FakeServer server;
    server.route("GET", "/a", [](const RecordedRequest&) {
        auto r = FakeResponse::json(200, "{}");
        r.close_after = true;  // answers as keep-alive, then hangs up
        return r;
    });
    HttpClient client;
    auto first = client.send(get(server.base_url() + "/a"));
    CHECK(first.status == 200);
    auto second = client.send(get(server.base_url() + "/a"));
    CHECK(second.error.empty());
    CHECK(second.status == 200);
    CHECK(server.connections() == 2);
    CHECK(server.requests_to("/a").size() == 2);  // the request reached the server once
}

TEST_CASE("a response slower than request_timeout is a timeout error") {
    FakeServer server;
    server.route("GET", "/slow", [](const RecordedRequest&) {
        auto r = FakeResponse::json(200, "{}");
        r.delay = 5000ms;
        return r;
    });
    server.route("GET", "/fast", [](const RecordedRequest&) { return FakeResponse::json(200, "{}"); });
    HttpClient client(short_timeouts());
    auto r = client.send(get(server.base_url() + "/slow"));
    CHECK(r.status == 0);
    CHECK(r.error == "read: timeout");

    // The timed-out connection is dropped; the next request works on a fresh one.
    auto next = client.send(get(server.base_url() + "/fast"));
    CHECK(next.status == 200);
    CHECK(server.connections() == 2);
}

TEST_CASE("connection refused is reported, not thrown") {
    unsigned short port = 0;
    {
        FakeServer gone;
        port = gone.port();
    }
    HttpClient client(short_timeouts());
    auto r = client.send(get("http://127.0.0.1:" + std::to_string(port) + "/x"));
    CHECK(r.status == 0);
    CHECK(r.error.rfind("connect: ", 0) == 0);
}

TEST_CASE("a connection reset in the middle of a response is an error") {
    FakeServer server;
    server.route("GET", "/reset", [](const RecordedRequest&) {
        auto r = FakeResponse::json(200, std::string(2000, 'x'));
        r.reset_connection = true;
        return r;
    });
    HttpClient client(short_timeouts());
    auto r = client.send(get(server.base_url() + "/reset"));
    CHECK(r.status == 0);
    CHECK(r.error.rfind("read: ", 0) == 0);
    CHECK(server.requests_to("/reset").size() == 1);  // a fresh connection is not retried
}

TEST_CASE("a response body over max_response_bytes is refused") {
    FakeServer server;
    server.route("GET", "/big", [](const RecordedRequest&) { return FakeResponse::json(200, std::string(4096, 'x')); });
    server.route("GET", "/small", [](const RecordedRequest&) { return FakeResponse::json(200, std::string(1024, 'x')); });
    ClientOptions options = short_timeouts();
    options.max_response_bytes = 1024;
    HttpClient client(options);
    auto big = client.send(get(server.base_url() + "/big"));
    CHECK(big.status == 0);
    CHECK(big.error == "read: body limit exceeded");
    auto small = client.send(get(server.base_url() + "/small"));
    CHECK(small.status == 200);
    CHECK(small.body.size() == 1024);
}

TEST_CASE("a malformed URL is an error, not a throw") {
    HttpClient client;
    auto r = client.send(get("not a url"));
    CHECK(r.status == 0);
    CHECK_FALSE(r.error.empty());
}

TEST_CASE("https: a server whose certificate is trusted via ca_file is reached, by IP and by name") {
    FakeServer server({.tls = true});
    server.route("POST", "/api/chat.postMessage",
                 [](const RecordedRequest& req) { return FakeResponse::json(200, req.body); });
    ClientOptions options = short_timeouts();
    options.ca_file = server.ca_file();
    HttpClient client(options);

    ClientRequest p;
    p.method = "POST";
    p.url = server.base_url() + "/api/chat.postMessage";
    p.body = R"({"channel":"C1"})";
    auto r = client.send(p);
    CHECK(r.error.empty());
    CHECK(r.status == 200);
    CHECK(r.body == p.body);
    CHECK(client.send(p).status == 200);
    CHECK(server.connections() == 1);  // keep-alive over TLS too

    p.url = server.url_for_host("localhost") + "/api/chat.postMessage";
    auto by_name = client.send(p);
    CHECK(by_name.error.empty());
    CHECK(by_name.status == 200);
}

TEST_CASE("https: an untrusted certificate fails verification") {
    FakeServer server({.tls = true});
    server.route("GET", "/x", [](const RecordedRequest&) { return FakeResponse::json(200, "{}"); });
    HttpClient client(short_timeouts());  // system store only
    auto r = client.send(get(server.base_url() + "/x"));
    CHECK(r.status == 0);
    CHECK(r.error.rfind("tls handshake: ", 0) == 0);
    CHECK(r.error.find("certificate verify failed") != std::string::npos);
    CHECK(server.requests().empty());
}

TEST_CASE("https: a trusted certificate for another host name fails verification") {
    FakeServer server({.tls = true, .cert_dns_names = {"example.invalid"}, .cert_loopback_ip = false});
    server.route("GET", "/x", [](const RecordedRequest&) { return FakeResponse::json(200, "{}"); });
    ClientOptions options = short_timeouts();
    options.ca_file = server.ca_file();
    HttpClient client(options);
    for (const auto& base : {server.base_url(), server.url_for_host("localhost")}) {
        CAPTURE(base);
        auto r = client.send(get(base + "/x"));
        CHECK(r.status == 0);
        CHECK(r.error.find("certificate verify failed") != std::string::npos);
    }
    CHECK(server.requests().empty());
}

TEST_CASE("a ca_file that cannot be read makes every request fail with a clear error") {
    FakeServer server;
    ClientOptions options;
    options.ca_file = "/nonexistent/hindsight-ca.pem";
    HttpClient client(options);
    auto r = client.send(get(server.base_url() + "/x"));
    CHECK(r.status == 0);
    CHECK(r.error.find("/nonexistent/hindsight-ca.pem") != std::string::npos);
    CHECK(server.requests().empty());
}

TEST_CASE("a header with a line break is refused before anything is sent") {
    FakeServer server;
    HttpClient client;
    ClientRequest r = get(server.base_url() + "/x");
    r.headers.emplace_back("X-Note", "fine\r\nX-Injected: yes");
    auto response = client.send(r);
    CHECK(response.status == 0);
    CHECK(response.error.rfind("request: invalid header", 0) == 0);
    CHECK(server.requests().empty());
    CHECK(server.connections() == 0);
}
