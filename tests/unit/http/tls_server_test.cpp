#include "adapters/http/server.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificate.hpp"
#include "tests/unit/http/raw_client.hpp"
#include "tests/unit/http/tls_client.hpp"
#include "tests/unit/http/test_server.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <thread>

using namespace hindsight::http;
using namespace hindsight::http::test;
using namespace std::chrono_literals;
using hindsight::test::CertificateOptions;
using hindsight::test::make_test_certificate;
using hindsight::test::TempDir;
using hindsight::test::TestCertificate;

namespace {

TestCertificate certificate(const std::string& cn) {
    CertificateOptions options;
    options.common_name = cn;
    return make_test_certificate(options);
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    REQUIRE(out.good());
}

// A certificate and key on disk, where the server reads them (again on reload).
struct CertFiles {
    TempDir dir;
    std::string cert = dir.file("cert.pem");
    std::string key = dir.file("key.pem");

    void install(const TestCertificate& c) {
        write_file(cert, c.cert_pem);
        write_file(key, c.key_pem);
    }
    TlsFiles files() const { return {cert, key}; }
};

void hello(Router& router) {
    router.add("GET", "/hello", [](const Request&, Responder respond) { respond(Response::text(200, "hello")); });
}

// A real HTTPS server on 127.0.0.1 with an ephemeral port, its loop on two threads.
// TestServer with the given certificate and key.
struct TlsTestServer : TestServer {
    TlsTestServer(const TlsFiles& files, std::function<void(Router&)> routes, ServerOptions options = {})
        : TestServer(std::move(routes), with_tls(std::move(options), files)) {}

    static ServerOptions with_tls(ServerOptions options, const TlsFiles& files) {
        options.tls = files;
        return options;
    }
};

TlsClientOptions trusting(const TestCertificate& ca) {
    TlsClientOptions options;
    options.ca_pem = ca.cert_pem;
    return options;
}

// Handshake, GET /hello, the answer.
std::optional<RawResponse> hello_over_tls(std::uint16_t port, const TlsClientOptions& options) {
    TlsClient client(port, options);
    if (!client.handshake()) return std::nullopt;
    client.send(get("/hello"));
    return client.read_response();
}

// The start() error for these files, or "" when it starts.
std::string start_error(const TlsFiles& files) {
    EventLoop loop(1);
    Router router;
    Metrics metrics;
    ServerOptions options;
    options.port = 0;
    options.tls = files;
    Server server(loop, options, router, metrics);
    try {
        server.start();
    } catch (const TlsError& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string metric_line(const std::string& text, const std::string& prefix) {
    auto at = text.find("\n" + prefix);
    if (at == std::string::npos) return {};
    ++at;
    return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("tls server: a request over TLS with the CA trusted succeeds, keep-alive on one connection") {
    auto ca = certificate("hindsight tls test");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);

    TlsClient client(ts.port, trusting(ca));
    REQUIRE_MESSAGE(client.handshake(), client.error());
    CHECK(client.peer_common_name() == "hindsight tls test");
    for (int i = 0; i < 2; ++i) {
        client.send(get("/hello"));
        auto r = client.read_response();
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(r->body == "hello");
        CHECK(r->header("Connection") != "close");
    }
    CHECK(ts.server->tls());
    CHECK(ts.server->active_connections() == 1);
    CHECK(eventually([&] {
        return metric_line(ts.metrics.render(), R"(hindsight_http_requests_total{route="/hello",status="200"})") ==
               R"(hindsight_http_requests_total{route="/hello",status="200"} 2)";
    }));
}

TEST_CASE("tls server: a client trusting another CA fails verification") {
    auto ca = certificate("served");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);
    TlsClient client(ts.port, trusting(certificate("someone else")));
    CHECK_FALSE(client.handshake());
    CHECK(contains(client.error(), "certificate verify failed"));
}

TEST_CASE("tls server: TLS 1.3 and TLS 1.2 with ECDHE and AES-GCM or ChaCha20 are accepted") {
    auto ca = certificate("modern");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);

    TlsClient tls13(ts.port, trusting(ca));
    REQUIRE_MESSAGE(tls13.handshake(), tls13.error());
    CHECK(tls13.version() == "TLSv1.3");

    for (std::string cipher : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
        auto options = trusting(ca);
        options.max_version = TLS1_2_VERSION;
        options.ciphers = cipher;
        TlsClient tls12(ts.port, options);
        REQUIRE_MESSAGE(tls12.handshake(), tls12.error());
        CHECK(tls12.version() == "TLSv1.2");
        CHECK(tls12.cipher() == cipher);
    }
}

TEST_CASE("tls server: a TLS 1.1-only client is refused") {
    auto ca = certificate("no old protocols");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);
    auto options = trusting(ca);
    options.min_version = TLS1_1_VERSION;
    options.max_version = TLS1_1_VERSION;
    options.ciphers = "DEFAULT:@SECLEVEL=0";
    TlsClient old(ts.port, options);
    CHECK_FALSE(old.handshake());
    CHECK(hello_over_tls(ts.port, trusting(ca)).has_value());
}

TEST_CASE("tls server: a TLS 1.2 client offering only CBC ciphers is refused") {
    auto ca = certificate("aead only");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);
    auto options = trusting(ca);
    options.max_version = TLS1_2_VERSION;
    options.ciphers = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384";
    TlsClient cbc(ts.port, options);
    CHECK_FALSE(cbc.handshake());
}

TEST_CASE("tls server: client-initiated renegotiation is refused") {
    auto ca = certificate("no renegotiation");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);
    auto options = trusting(ca);
    options.max_version = TLS1_2_VERSION;  // TLS 1.3 has no renegotiation at all
    TlsClient client(ts.port, options);
    REQUIRE_MESSAGE(client.handshake(), client.error());
    CHECK_FALSE(client.renegotiate());
    CHECK(hello_over_tls(ts.port, trusting(ca)).has_value());
}

TEST_CASE("tls server: an idle keep-alive TLS connection is closed after the idle timeout") {
    auto ca = certificate("idle");
    CertFiles files;
    files.install(ca);
    ServerOptions options;
    options.idle_timeout = 300ms;
    TlsTestServer ts(files.files(), hello, options);
    TlsClient client(ts.port, trusting(ca));
    REQUIRE_MESSAGE(client.handshake(), client.error());
    client.send(get("/hello"));
    REQUIRE(client.read_response().has_value());
    CHECK(client.wait_closed());
    CHECK(eventually([&] { return ts.server->active_connections() == 0; }));
}

TEST_CASE("tls server: plain HTTP to the TLS port fails cleanly and the server keeps serving") {
    auto ca = certificate("https only");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);
    RawClient plain(ts.port);
    plain.send(get("/hello"));
    CHECK_FALSE(plain.read_response().has_value());
    CHECK(plain.wait_closed());
    CHECK(eventually([&] { return ts.server->active_connections() == 0; }));
    auto r = hello_over_tls(ts.port, trusting(ca));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
}

TEST_CASE("tls server: a stalled handshake is closed after the header timeout while others are served") {
    auto ca = certificate("no stalling");
    CertFiles files;
    files.install(ca);
    ServerOptions options;
    options.header_timeout = 300ms;
    TlsTestServer ts(files.files(), hello, options);
    RawClient silent(ts.port);
    RawClient partial(ts.port);
    partial.send(std::string("\x16\x03\x01\x02\x00\x01", 6));  // a ClientHello's first bytes, then nothing
    auto r = hello_over_tls(ts.port, trusting(ca));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(silent.wait_closed(10s));
    CHECK(partial.wait_closed(10s));
}

TEST_CASE("tls server: a body over max_body_bytes gets 413 over TLS") {
    auto ca = certificate("limits");
    CertFiles files;
    files.install(ca);
    ServerOptions options;
    options.max_body_bytes = 16;
    TlsTestServer ts(files.files(), [](Router& router) {
        router.add("POST", "/echo",
                   [](const Request& req, Responder respond) { respond(Response::text(200, req.body)); });
    }, options);
    TlsClient client(ts.port, trusting(ca));
    REQUIRE_MESSAGE(client.handshake(), client.error());
    client.send(post("/echo", std::string(100, 'x')));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(r->header("Connection") == "close");
}

TEST_CASE("tls server: Connection: close ends the exchange with close_notify") {
    auto ca = certificate("clean close");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);
    TlsClient client(ts.port, trusting(ca));
    REQUIRE_MESSAGE(client.handshake(), client.error());
    client.send(get("/hello", "Connection: close\r\n"));
    auto r = client.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(client.wait_closed());
    CHECK(eventually([&] { return ts.server->active_connections() == 0; }));
}

TEST_CASE("tls server: over max_connections a TLS client gets 503 after the handshake") {
    auto ca = certificate("cap");
    CertFiles files;
    files.install(ca);
    ServerOptions options;
    options.max_connections = 1;
    TlsTestServer ts(files.files(), hello, options);
    TlsClient first(ts.port, trusting(ca));
    REQUIRE_MESSAGE(first.handshake(), first.error());
    first.send(get("/hello"));
    REQUIRE(first.read_response().has_value());

    TlsClient refused(ts.port, trusting(ca));
    REQUIRE_MESSAGE(refused.handshake(), refused.error());
    refused.send(get("/hello"));
    auto r = refused.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
    CHECK(r->header("Retry-After") == "1");
}

TEST_CASE("tls server: graceful shutdown closes idle TLS connections and finishes the request in flight") {
    auto ca = certificate("shutdown");
    CertFiles files;
    files.install(ca);
    std::vector<Responder> parked;  // filled under arrived's lock
    Signal arrived;
    TlsTestServer ts(files.files(), [&](Router& router) {
        router.add("POST", "/slow", [&](const Request&, Responder respond) {
            arrived.notify([&] { parked.push_back(std::move(respond)); });
        });
    });
    TlsClient idle(ts.port, trusting(ca));
    REQUIRE_MESSAGE(idle.handshake(), idle.error());
    TlsClient busy(ts.port, trusting(ca));
    REQUIRE_MESSAGE(busy.handshake(), busy.error());
    busy.send(post("/slow", "x"));
    REQUIRE(arrived.wait_for_count(1));

    Signal done;
    ts.server->shutdown([&] { done.notify(); });
    CHECK(idle.wait_closed());
    CHECK_FALSE(RawClient::can_connect(ts.port));
    CHECK(eventually([&] { return ts.server->active_connections() == 1; }));
    CHECK(done.count() == 0);  // the slow request still holds its connection
    std::thread late([&] { parked.at(0)(Response::text(200, "finished")); });
    late.join();
    auto r = busy.read_response();
    REQUIRE(r.has_value());
    CHECK(r->body == "finished");
    CHECK(r->header("Connection") == "close");
    CHECK(done.wait_for_count(1));
}

TEST_CASE("tls server: reload_tls serves the new certificate to new connections, open ones keep theirs") {
    auto first = certificate("first");
    auto second = certificate("second");
    CertFiles files;
    files.install(first);
    TlsTestServer ts(files.files(), hello);

    TlsClient open(ts.port, trusting(first));
    REQUIRE_MESSAGE(open.handshake(), open.error());

    files.install(second);
    ts.server->reload_tls();

    TlsClient fresh(ts.port, trusting(second));
    REQUIRE_MESSAGE(fresh.handshake(), fresh.error());
    CHECK(fresh.peer_common_name() == "second");
    TlsClient stale(ts.port, trusting(first));
    CHECK_FALSE(stale.handshake());

    open.send(get("/hello"));
    auto r = open.read_response();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(open.peer_common_name() == "first");
}

TEST_CASE("tls server: a reload from a broken file throws naming it and keeps the previous certificate") {
    auto ca = certificate("kept");
    CertFiles files;
    files.install(ca);
    TlsTestServer ts(files.files(), hello);

    write_file(files.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    try {
        ts.server->reload_tls();
        FAIL("a broken certificate file must not load");
    } catch (const TlsError& e) {
        CHECK(contains(e.what(), "listen.tls.cert " + files.cert));
    }
    auto other = certificate("other");
    write_file(files.cert, ca.cert_pem);
    write_file(files.key, other.key_pem);
    try {
        ts.server->reload_tls();
        FAIL("a key that does not match the certificate must not load");
    } catch (const TlsError& e) {
        INFO(e.what());
        CHECK(contains(e.what(), "listen.tls.key " + files.key + ": does not match the certificate in " + files.cert));
    }
    TlsClient client(ts.port, trusting(ca));
    REQUIRE_MESSAGE(client.handshake(), client.error());
    CHECK(client.peer_common_name() == "kept");
}

TEST_CASE("tls server: start() names the file that cannot be read or used, and the key never shows") {
    auto ca = certificate("start");
    CertFiles files;
    files.install(ca);
    TempDir other;

    CHECK(contains(start_error({other.file("missing.pem"), files.key}),
                   "listen.tls.cert " + other.file("missing.pem") + ": cannot read: No such file or directory"));
    CHECK(contains(start_error({files.cert, other.file("missing.pem")}),
                   "listen.tls.key " + other.file("missing.pem") + ": cannot read"));
    CHECK(contains(start_error({files.cert, other.path().string()}), ": cannot read: is a directory"));
    // A key file given as the certificate: not a certificate, and its bytes are not quoted.
    auto wrong = start_error({files.key, files.key});
    CHECK(contains(wrong, "listen.tls.cert " + files.key + ": not a usable PEM certificate"));
    CHECK_FALSE(contains(wrong, ca.key_pem.substr(30, 20)));
    auto other_key = certificate("unrelated").key_pem;
    write_file(other.file("other-key.pem"), other_key);
    auto mismatch = start_error({files.cert, other.file("other-key.pem")});
    CHECK_MESSAGE(contains(mismatch, "does not match the certificate"), mismatch);
    CHECK(start_error(files.files()).empty());
    // The same check without a server, for the service to run before it opens anything.
    CHECK_THROWS_AS(check_tls_files({files.cert, other.file("other-key.pem")}), TlsError);
    CHECK_NOTHROW(check_tls_files(files.files()));
}

TEST_CASE("tls server: without TLS, reload_tls says there is nothing to reload") {
    EventLoop loop(1);
    Router router;
    Metrics metrics;
    Server server(loop, ServerOptions{}, router, metrics);
    CHECK_FALSE(server.tls());
    CHECK_THROWS_AS(server.reload_tls(), TlsError);
}
