#include "adapters/http/server.hpp"

#include "tests/unit/http/raw_client.hpp"
#include "tests/unit/http/test_server.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace hindsight::http;
using namespace hindsight::http::test;
using namespace std::chrono_literals;

namespace {

void hello(Router& router) {
    router.add("GET", "/hello", [](const Request&, Responder respond) { respond(Response::text(200, "hello")); });
    router.add("POST", "/echo", [](const Request& req, Responder respond) {
        auto r = Response::text(200, req.body);
        r.content_type = std::string(req.header("Content-Type").value_or("application/octet-stream"));
        respond(std::move(r));
    });
}

// Holds the responders of requests a test answers itself, from its own thread.
struct Parked {
    std::mutex mutex;
    std::vector<Responder> responders;
    Signal arrived;

    Handler handler() {
        return [this](const Request&, Responder respond) {
            arrived.notify([&] { responders.push_back(std::move(respond)); });
        };
    }
    Responder take(std::size_t i) {
        std::lock_guard lock(mutex);
        return responders.at(i);
    }
};

// The sample line starting with `prefix` (HELP and TYPE lines are skipped).
std::string metric_line(const std::string& text, const std::string& prefix) {
    auto at = text.find("\n" + prefix);
    if (at == std::string::npos) return {};
    ++at;
    return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("server: GET round trip with Content-Length, Server and Content-Type") {
    TestServer ts(hello);
    RawClient client(ts.port);
    client.send(get("/hello"));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "hello");
    CHECK(r->header("Content-Length") == "5");
    CHECK(r->header("Server") == "hindsight");
    CHECK(r->header("Content-Type") == "text/plain; charset=utf-8");
}

TEST_CASE("server: the handler sees method, target, headers, remote and the raw body byte for byte") {
    Request seen;
    Signal got;
    TestServer ts([&](Router& router) {
        router.add("POST", "/slack/events", [&](const Request& req, Responder respond) {
            got.notify([&] { seen = req; });
            respond(Response::empty(200));
        });
    });
    const std::string body("payload=%7B%22a%22%3A1%7D&x=+\0\r\n\r\nend", 36);
    RawClient client(ts.port);
    client.send(post("/slack/events?retry=1", body, "X-Slack-Signature: v0=abc\r\nContent-Type: text/plain\r\n"));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->header("Content-Length") == "0");
    REQUIRE(got.wait_for_count(1));
    CHECK(seen.method == "POST");
    CHECK(seen.target == "/slack/events?retry=1");
    CHECK(seen.path() == "/slack/events");
    CHECK(seen.body == body);
    CHECK(seen.header("x-slack-signature") == "v0=abc");
    CHECK(seen.remote.rfind("127.0.0.1:", 0) == 0);
}

TEST_CASE("server: keep-alive serves two requests on one connection, pipelined ones in order") {
    TestServer ts(hello);
    RawClient client(ts.port);
    client.send(get("/hello"));
    auto first = client.read_response();
    REQUIRE(first.has_value());
    CHECK(first->status == 200);
    CHECK(first->header("Connection") != "close");
    client.send(post("/echo", "second"));
    auto second = client.read_response();
    REQUIRE(second.has_value());
    CHECK(second->body == "second");

    client.send(post("/echo", "one") + post("/echo", "two") + get("/hello"));
    auto a = client.read_response();
    auto b = client.read_response();
    auto c = client.read_response();
    REQUIRE((a && b && c));
    CHECK(a->body == "one");
    CHECK(b->body == "two");
    CHECK(c->body == "hello");
}

TEST_CASE("server: a handler may answer later from another thread") {
    Parked parked;
    TestServer ts([&](Router& router) { router.add("POST", "/slow", parked.handler()); });
    RawClient client(ts.port);
    client.send(post("/slow", "x"));
    REQUIRE(parked.arrived.wait_for_count(1));
    std::thread committer([&] { parked.take(0)(Response::json(201, R"({"stored":true})")); });
    committer.join();
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 201);
    CHECK(r->body == R"({"stored":true})");
    CHECK(r->header("Content-Type") == "application/json");
    // The connection is still good for the next request.
    client.send(post("/slow", "y"));
    REQUIRE(parked.arrived.wait_for_count(2));
    parked.take(1)(Response::text(200, "again"));
    auto again = client.read_response();
    REQUIRE(again.has_value());
    CHECK(again->body == "again");
}

TEST_CASE("server: a body over max_body_bytes gets 413 and the handler never runs") {
    std::atomic<int> calls{0};
    ServerOptions options;
    options.max_body_bytes = 1024;
    TestServer ts(
        [&](Router& router) {
            router.add("POST", "/echo", [&](const Request&, Responder respond) {
                ++calls;
                respond(Response::empty(200));
            });
        },
        options);

    SUBCASE("declared by Content-Length") {
        RawClient client(ts.port);
        client.send(post("/echo", std::string(2048, 'a')));
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 413);
        CHECK(r->header("Connection") == "close");
        CHECK(client.wait_closed());
        CHECK(calls == 0);
    }
    SUBCASE("chunked") {
        RawClient client(ts.port);
        std::string chunk(800, 'b');
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 413);
        CHECK(client.wait_closed());
        CHECK(calls == 0);
    }
    SUBCASE("exactly the limit is accepted") {
        RawClient client(ts.port);
        client.send(post("/echo", std::string(1024, 'c')));
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(calls == 1);
    }
}

TEST_CASE("server: a header over 16 KiB gets 431") {
    TestServer ts(hello);
    RawClient client(ts.port);
    client.send(get("/hello", "X-Big: " + std::string(20 * 1024, 'h') + "\r\n"));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 431);
    CHECK(client.wait_closed());
}

TEST_CASE("server: a malformed request gets 400 and the connection closes") {
    TestServer ts(hello);
    SUBCASE("garbage") {
        RawClient client(ts.port);
        client.send("\x01\x02 garbage \xff\r\n\r\n");
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 400);
        CHECK(client.wait_closed());
    }
    SUBCASE("bad header line") {
        RawClient client(ts.port);
        client.send("GET /hello HTTP/1.1\r\nno colon here\r\n\r\n");
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 400);
        CHECK(client.wait_closed());
    }
    // The server is still serving.
    RawClient next(ts.port);
    next.send(get("/hello"));
    auto ok = next.read_response();
    REQUIRE(ok.has_value());
    CHECK(ok->status == 200);
}

TEST_CASE("server: a client stalled mid-header is closed after the header timeout while others are served") {
    ServerOptions options;
    options.header_timeout = 200ms;
    TestServer ts(hello, options);
    RawClient stalled(ts.port);
    stalled.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Half: ");

    RawClient other(ts.port);
    other.send(get("/hello"));
    auto r = other.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);

    CHECK(stalled.wait_closed(5s));
    CHECK(stalled.unread().empty());
}

TEST_CASE("server: a client stalled mid-body is closed after the body timeout") {
    ServerOptions options;
    options.body_timeout = 200ms;
    std::atomic<int> calls{0};
    TestServer ts(
        [&](Router& router) {
            router.add("POST", "/echo", [&](const Request&, Responder respond) {
                ++calls;
                respond(Response::empty(200));
            });
        },
        options);
    RawClient client(ts.port);
    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(client.wait_closed(5s));
    CHECK(calls == 0);
}

TEST_CASE("server: an idle keep-alive connection is closed after the idle timeout") {
    ServerOptions options;
    options.idle_timeout = 200ms;
    TestServer ts(hello, options);
    RawClient client(ts.port);
    client.send(get("/hello"));
    REQUIRE(client.read_response().has_value());
    CHECK(client.wait_closed(5s));
    CHECK(eventually([&] { return ts.server->active_connections() == 0; }));
}

TEST_CASE("server: a handler that does not answer within handler_timeout gets 503 — its late answer is dropped") {
    ServerOptions options;
    options.handler_timeout = 200ms;
    Parked parked;
    TestServer ts(
        [&](Router& router) {
            router.add("POST", "/stuck", parked.handler());
            hello(router);
        },
        options);
    RawClient client(ts.port);
    client.send(post("/stuck", "x"));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 503);

    REQUIRE(parked.arrived.wait_for_count(1));
    parked.take(0)(Response::text(200, "too late"));
    client.send(post("/echo", "next"));
    auto next = client.read_response();
    REQUIRE(next.has_value());
    CHECK(next->body == "next");
}

TEST_CASE("server: Connection: close and HTTP/1.0 are honoured") {
    TestServer ts(hello);
    SUBCASE("Connection: close") {
        RawClient client(ts.port);
        client.send(get("/hello", "Connection: close\r\n"));
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(r->header("Connection") == "close");
        CHECK(client.wait_closed());
    }
    SUBCASE("HTTP/1.0 without keep-alive") {
        RawClient client(ts.port);
        client.send("GET /hello HTTP/1.0\r\n\r\n");
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->body == "hello");
        CHECK(client.wait_closed());
    }
}

TEST_CASE("server: Expect: 100-continue gets the interim answer before the body is sent") {
    TestServer ts(hello);
    RawClient client(ts.port);
    client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    auto interim = client.read_response();
    REQUIRE(interim.has_value());
    CHECK(interim->status == 100);
    client.send("body");
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "body");
}

TEST_CASE("server: extra response headers are sent — framing headers and CR/LF are refused") {
    TestServer ts([](Router& router) {
        router.add("GET", "/h", [](const Request&, Responder respond) {
            auto r = Response::text(200, "ok");
            r.headers = {{"Retry-After", "5"}, {"Content-Length", "999"}, {"X-Bad", "a\r\nSet-Cookie: x=1"}};
            respond(std::move(r));
        });
    });
    RawClient client(ts.port);
    client.send(get("/h"));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->header("Retry-After") == "5");
    CHECK(r->header("Content-Length") == "2");
    CHECK_FALSE(r->header("X-Bad").has_value());
    CHECK_FALSE(r->header("Set-Cookie").has_value());
    CHECK(r->body == "ok");
}

TEST_CASE("server: requests are counted in the metrics by route label and status") {
    TestServer ts(hello);
    RawClient client(ts.port);
    client.send(get("/hello") + get("/nowhere") + get("/hello"));
    for (int i = 0; i < 3; ++i) REQUIRE(client.read_response().has_value());
    // The count is taken once the write completed, which may be just after the client read it.
    CHECK(eventually([&] {
        auto text = ts.metrics.render();
        return metric_line(text, R"(hindsight_http_requests_total{route="/hello",status="200"})") ==
                   R"(hindsight_http_requests_total{route="/hello",status="200"} 2)" &&
               metric_line(text, R"(hindsight_http_requests_total{route="unmatched",status="404"})") ==
                   R"(hindsight_http_requests_total{route="unmatched",status="404"} 1)";
    }));
    auto text = ts.metrics.render();
    CHECK(metric_line(text, "hindsight_http_connections_active") == "hindsight_http_connections_active 1");
}

TEST_CASE("server: over max_connections a new connection gets 503 with Retry-After, then service resumes") {
    ServerOptions options;
    options.max_connections = 1;
    TestServer ts(hello, options);
    auto first = std::make_unique<RawClient>(ts.port);
    first->send(get("/hello"));
    REQUIRE(first->read_response().has_value());
    REQUIRE(ts.server->active_connections() == 1);

    RawClient refused(ts.port);
    refused.send(get("/hello"));
    auto r = refused.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
    CHECK(r->header("Retry-After") == "1");
    CHECK(refused.wait_closed());
    CHECK(eventually([&] {
        return metric_line(ts.metrics.render(), "hindsight_http_connections_refused_total") ==
               "hindsight_http_connections_refused_total 1";
    }));

    first.reset();
    REQUIRE(eventually([&] { return ts.server->active_connections() == 0; }));
    RawClient again(ts.port);
    again.send(get("/hello"));
    auto ok = again.read_response();
    REQUIRE(ok.has_value());
    CHECK(ok->status == 200);
}

TEST_CASE("server: graceful shutdown finishes the request in flight, closes idle ones, refuses new ones") {
    Parked parked;
    TestServer ts([&](Router& router) {
        router.add("POST", "/slow", parked.handler());
        hello(router);
    });
    RawClient idle(ts.port);
    idle.send(get("/hello"));
    REQUIRE(idle.read_response().has_value());

    RawClient busy(ts.port);
    busy.send(post("/slow", "x"));
    REQUIRE(parked.arrived.wait_for_count(1));

    Signal done;
    ts.server->shutdown([&] { done.notify(); });

    CHECK(idle.wait_closed());
    CHECK_FALSE(RawClient::can_connect(ts.port));
    // The idle connection's count drops just after its close reached the client.
    CHECK(eventually([&] { return ts.server->active_connections() == 1; }));
    CHECK(done.count() == 0);  // the slow request still holds its connection

    std::thread late([&] { parked.take(0)(Response::text(200, "finished")); });
    late.join();
    auto r = busy.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "finished");
    CHECK(r->header("Connection") == "close");
    CHECK(busy.wait_closed());
    CHECK(done.wait_for_count(1));
    CHECK(ts.server->active_connections() == 0);
}

TEST_CASE("server: shutdown with nothing open calls done at once") {
    TestServer ts(hello);
    Signal done;
    ts.server->shutdown([&] { done.notify(); });
    CHECK(done.wait_for_count(1));
    CHECK_FALSE(RawClient::can_connect(ts.port));
}

TEST_CASE("server: start() names address and port when it cannot listen") {
    TestServer ts(hello);
    Router router;
    Metrics metrics;
    ServerOptions taken;
    taken.port = ts.port;
    Server second(ts.loop, taken, router, metrics);
    try {
        second.start();
        FAIL("start() on a port in use must throw");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(ts.port)) != std::string::npos);
    }

    ServerOptions bad;
    bad.address = "not-an-address";
    bad.port = 0;
    Server third(ts.loop, bad, router, metrics);
    CHECK_THROWS_WITH_AS(third.start(), doctest::Contains("not-an-address"), std::runtime_error);
}

TEST_CASE("server: a client still sending a large oversize body reads its 413") {
    ServerOptions options;
    options.max_body_bytes = 1024;
    TestServer ts(hello, options);
    RawClient client(ts.port);
    // More than the socket buffers hold: the server must keep reading (and
    // dropping) it after answering, or this send fails or the answer is lost.
    client.send(post("/echo", std::string(4 * 1024 * 1024, 'z')));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(client.wait_closed());
}

TEST_CASE("server: an invalid status from a handler becomes 500 — 204 goes out without a body") {
    TestServer ts([](Router& router) {
        router.add("GET", "/weird", [](const Request&, Responder respond) { respond(Response::text(1234, "x")); });
        router.add("GET", "/nobody", [](const Request&, Responder respond) { respond(Response::text(204, "x")); });
        hello(router);
    });
    RawClient client(ts.port);
    client.send(get("/weird"));
    auto weird = client.read_response();
    REQUIRE(weird.has_value());
    CHECK(weird->status == 500);
    client.send(get("/nobody") + get("/hello"));
    auto nobody = client.read_response();
    REQUIRE(nobody.has_value());
    CHECK(nobody->status == 204);
    CHECK(nobody->body.empty());
    auto next = client.read_response();  // framing intact: the next answer follows directly
    REQUIRE(next.has_value());
    CHECK(next->body == "hello");
}

TEST_CASE("server: a responder kept after the server and its loop are gone does nothing") {
    Parked parked;
    {
        TestServer ts([&](Router& router) { router.add("POST", "/slow", parked.handler()); });
        RawClient client(ts.port);
        client.send(post("/slow", "x"));
        REQUIRE(parked.arrived.wait_for_count(1));
    }
    parked.take(0)(Response::text(200, "nobody listens"));
    parked.responders.clear();
    CHECK(parked.arrived.count() == 1);
}
