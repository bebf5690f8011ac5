// `hindsight serve` with listen.tls, through the real binary: HTTPS verified
// against a CA generated here, certificate reload on SIGHUP (new connections
// get the new certificate, a broken file keeps the old one), and certificate
// files that cannot be used as a startup error.
#include "adapters/outbound/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificate.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>

using namespace std::chrono_literals;
using namespace hindsight;

namespace {

const std::string binary = HINDSIGHT_BINARY;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    REQUIRE(out.good());
}

test::TestCertificate certificate(const std::string& cn) {
    test::CertificateOptions options;
    options.common_name = cn;
    return test::make_test_certificate(options);
}

// GET /healthz on a new connection, trusting only the CA in `ca_file`.
outbound::ClientResponse healthz(int port, const std::string& ca_file) {
    outbound::ClientOptions options;
    options.ca_file = ca_file;
    outbound::HttpClient client(options);
    return client.send({"GET", "https://127.0.0.1:" + std::to_string(port) + "/healthz", {}, {}});
}

std::string config_json(const test::TempDir& dir) {
    return R"({"listen": {"port": 0, "tls": {"cert": ")" + dir.file("cert.pem") + R"(", "key": ")" +
           dir.file("key.pem") + R"("}}, "storage": {"path": "tls.db"}})";
}

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
    return n;
}

}  // namespace

TEST_CASE("tls: serve over HTTPS, SIGHUP swaps in a new certificate, a broken one keeps the old") {
    test::TempDir dir;
    auto first = certificate("hindsight first");
    auto second = certificate("hindsight second");
    write_file(dir.file("cert.pem"), first.cert_pem);
    write_file(dir.file("key.pem"), first.key_pem);
    write_file(dir.file("first-ca.pem"), first.cert_pem);
    write_file(dir.file("second-ca.pem"), second.cert_pem);
    write_file(dir.file("config.json"), config_json(dir));

    test::ChildProcess serve(binary, {"serve", "--config", "config.json"}, dir.path());
    auto port = test::listening_port(serve, 20s);
    REQUIRE_MESSAGE(port.has_value(), serve.err());
    CHECK(contains(serve.err(), "listening on https://127.0.0.1:"));

    auto ok = healthz(*port, dir.file("first-ca.pem"));
    CHECK_MESSAGE(ok.status == 200, ok.error);
    auto untrusted = healthz(*port, dir.file("second-ca.pem"));
    CHECK(untrusted.status == 0);
    // Plain HTTP to the HTTPS port gets no HTTP answer.
    outbound::HttpClient plain;
    CHECK(plain.send({"GET", "http://127.0.0.1:" + std::to_string(*port) + "/healthz", {}, {}}).status == 0);

    // A keep-alive connection opened before the reload.
    outbound::ClientOptions kept_options;
    kept_options.ca_file = dir.file("first-ca.pem");
    outbound::HttpClient kept(kept_options);
    auto base = "https://127.0.0.1:" + std::to_string(*port);
    REQUIRE(kept.send({"GET", base + "/healthz", {}, {}}).status == 200);

    write_file(dir.file("cert.pem"), second.cert_pem);
    write_file(dir.file("key.pem"), second.key_pem);
    serve.signal(SIGHUP);
    CHECK_MESSAGE(test::wait_until([&] { return healthz(*port, dir.file("second-ca.pem")).status == 200; }, 20s),
                  serve.err());
    CHECK(healthz(*port, dir.file("first-ca.pem")).status == 0);
    // The connection from before the reload still works: a new one would fail verification.
    CHECK(kept.send({"GET", base + "/healthz", {}, {}}).status == 200);
    CHECK(contains(serve.err(), "TLS certificate reloaded from " + dir.file("cert.pem")));

    write_file(dir.file("cert.pem"), "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
    serve.signal(SIGHUP);
    REQUIRE_MESSAGE(test::wait_until([&] { return contains(serve.err(), "TLS reload failed"); }, 20s), serve.err());
    auto err = serve.err();
    CHECK(contains(err, "listen.tls.cert " + dir.file("cert.pem")));
    CHECK_FALSE(contains(err, second.key_pem.substr(30, 20)));
    auto still = healthz(*port, dir.file("second-ca.pem"));
    CHECK_MESSAGE(still.status == 200, still.error);
    CHECK(count_of(err, "TLS certificate reloaded") == 1);

    serve.signal(SIGTERM);
    auto rc = serve.wait(20s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
}

TEST_CASE("tls: SIGHUP without listen.tls is logged and the service keeps running") {
    test::TempDir dir;
    write_file(dir.file("config.json"), R"({"listen": {"port": 0}, "storage": {"path": "plain.db"}})");
    test::ChildProcess serve(binary, {"serve", "--config", "config.json"}, dir.path());
    REQUIRE_MESSAGE(test::wait_until([&] { return contains(serve.err(), "listening on http://127.0.0.1:"); }, 20s),
                    serve.err());
    auto port = test::listening_port(serve);
    REQUIRE(port.has_value());
    serve.signal(SIGHUP);
    REQUIRE_MESSAGE(test::wait_until([&] { return contains(serve.err(), "no listen.tls configured"); }, 20s),
                    serve.err());
    outbound::HttpClient client;
    CHECK(client.send({"GET", "http://127.0.0.1:" + std::to_string(*port) + "/healthz", {}, {}}).status == 200);
    serve.signal(SIGTERM);
    CHECK(serve.wait(20s) == 0);
}

TEST_CASE("tls: certificate files that cannot be used stop serve with exit code 2 naming the file") {
    test::TempDir dir;
    auto cert = certificate("startup");
    auto other = certificate("other");
    write_file(dir.file("cert.pem"), cert.cert_pem);
    write_file(dir.file("key.pem"), other.key_pem);  // not this certificate's key
    write_file(dir.file("config.json"), config_json(dir));
    test::ChildProcess mismatch(binary, {"serve", "--config", "config.json"}, dir.path());
    CHECK(mismatch.wait(20s) == 2);
    CHECK(contains(mismatch.err(), "listen.tls.key " + dir.file("key.pem") + ": does not match the certificate in " +
                                       dir.file("cert.pem")));

    std::filesystem::remove(dir.file("cert.pem"));
    test::ChildProcess missing(binary, {"serve", "--config", "config.json"}, dir.path());
    CHECK(missing.wait(20s) == 2);
    CHECK(contains(missing.err(), "listen.tls.cert " + dir.file("cert.pem") + ": cannot read"));
    CHECK_FALSE(contains(missing.err(), "listening on"));
    // Refused before anything was created.
    CHECK_FALSE(std::filesystem::exists(dir.file("tls.db")));
}
