#include "tests/unit/config/support.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace hindsight::config;
using config_test::error_of;
using nlohmann::json;

namespace {

bool has_warning(const std::vector<std::string>& all, const std::string& part) {
    return std::any_of(all.begin(), all.end(), [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("config listen.tls: cert and key are read as given, unset means plain HTTP") {
    CHECK_FALSE(parse("{}", {}).listen.tls.has_value());
    auto c = parse(R"({"listen": {"tls": {"cert": "/etc/hindsight/tls/fullchain.pem", "key": "key.pem"}}})", {});
    REQUIRE(c.listen.tls.has_value());
    CHECK(c.listen.tls->cert == "/etc/hindsight/tls/fullchain.pem");
    CHECK(c.listen.tls->key == "key.pem");
}

TEST_CASE("config listen.tls: errors name the key") {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"listen": {"tls": {"cert": "c.pem"}}})", "listen.tls.key: required"},
        {R"({"listen": {"tls": {"key": "k.pem"}}})", "listen.tls.cert: required"},
        {R"({"listen": {"tls": {}}})", "listen.tls.cert: required"},
        {R"({"listen": {"tls": {"cert": "", "key": "k.pem"}}})", "listen.tls.cert: must be a non-empty string"},
        {R"({"listen": {"tls": {"cert": "c.pem", "key": 7}}})", "listen.tls.key: must be a non-empty string"},
        {R"({"listen": {"tls": {"cert": "c.pem", "key": "k.pem", "chain": "x"}}})", "unknown key: listen.tls.chain"},
        {R"({"listen": {"tls": "cert.pem"}})", "listen.tls: must be an object"},
        {R"({"listen": {"tls": null}})", "listen.tls: must be an object"},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        CHECK(error_of(text) == expected);
    }
}

TEST_CASE("config listen.tls: check-config shows the paths, absent when unset") {
    auto plain = json::parse(redacted_json(parse("{}", {})));
    CHECK_FALSE(plain["listen"].contains("tls"));
    auto c = parse(R"({"listen": {"tls": {"cert": "/tls/cert.pem", "key": "/tls/key.pem"}}})", {});
    auto j = json::parse(redacted_json(c));
    CHECK(j["listen"]["tls"] == json({{"cert", "/tls/cert.pem"}, {"key", "/tls/key.pem"}}));
    // What check-config prints loads again as the same configuration.
    auto again = parse(redacted_json(c), {});
    REQUIRE(again.listen.tls.has_value());
    CHECK(again.listen.tls->cert == "/tls/cert.pem");
    CHECK(again.listen.tls->key == "/tls/key.pem");
}

TEST_CASE("config listen.tls: a public address with TLS is not warned about, without TLS it is") {
    auto plain = parse(R"({"listen": {"address": "0.0.0.0"}})", {});
    CHECK(has_warning(warnings(plain), "listen.address 0.0.0.0"));
    auto tls = parse(R"({"listen": {"address": "0.0.0.0", "tls": {"cert": "c.pem", "key": "k.pem"}}})", {});
    CHECK_FALSE(has_warning(warnings(tls), "listen.address"));
}

TEST_CASE("config/README.md documents listen.tls.cert and listen.tls.key") {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    REQUIRE_MESSAGE(data != nullptr, "HINDSIGHT_TEST_DATA is not set; run through ctest");
    std::ifstream in(std::string(data) + "/../../config/README.md");
    std::ostringstream text;
    text << in.rdbuf();
    CHECK(text.str().find("`listen.tls.cert`") != std::string::npos);
    CHECK(text.str().find("`listen.tls.key`") != std::string::npos);
}
