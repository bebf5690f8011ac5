// The outbound retry policy keys (outbound.*): read, validated with the key
// named, fractional seconds allowed, shown back by check-config.
#include "tests/unit/config/support.hpp"

#include <chrono>

using namespace hindsight;
using namespace hindsight::config;
using config_test::error_of;
using namespace std::chrono;

TEST_CASE("outbound: the defaults are 8 attempts, backoff 1 s doubling to 300 s, a 15 s request timeout") {
    auto c = parse("{}", {});
    CHECK(c.outbound.max_attempts == 8);
    CHECK(c.outbound.backoff_base == seconds{1});
    CHECK(c.outbound.backoff_max == minutes{5});
    CHECK(c.outbound.timeout_s == 15.0);
}

TEST_CASE("outbound: every key is read, fractional seconds included") {
    auto c = parse(R"({"outbound": {"max_attempts": 3, "backoff_base_s": 0.05, "backoff_max_s": 0.4,
                                    "timeout_s": 1.5}})",
                   {});
    CHECK(c.outbound.max_attempts == 3);
    CHECK(c.outbound.backoff_base == milliseconds{50});
    CHECK(c.outbound.backoff_max == milliseconds{400});
    CHECK(c.outbound.timeout_s == 1.5);
}

TEST_CASE("outbound: invalid values name the key") {
    CHECK(error_of(R"({"outbound": {"max_attempts": 0}})").starts_with("outbound.max_attempts: "));
    CHECK(error_of(R"({"outbound": {"max_attempts": 2.5}})").starts_with("outbound.max_attempts: "));
    CHECK(error_of(R"({"outbound": {"max_attempts": 1001}})").starts_with("outbound.max_attempts: "));
    CHECK(error_of(R"({"outbound": {"backoff_base_s": 0}})").starts_with("outbound.backoff_base_s: "));
    CHECK(error_of(R"({"outbound": {"backoff_base_s": "1"}})").starts_with("outbound.backoff_base_s: "));
    CHECK(error_of(R"({"outbound": {"backoff_max_s": -1}})").starts_with("outbound.backoff_max_s: "));
    CHECK(error_of(R"({"outbound": {"timeout_s": 0}})").starts_with("outbound.timeout_s: "));
    CHECK(error_of(R"({"outbound": {"timeout_s": 0.0001}})") == "outbound.timeout_s: must be at least 0.001 seconds");
    CHECK(error_of(R"({"outbound": {"timeout": 3}})") == "unknown key: outbound.timeout");
    CHECK(error_of(R"({"outbound": 5})").starts_with("outbound: "));
}

TEST_CASE("outbound: the backoff cap below the base is an error naming the key that was set") {
    CHECK(error_of(R"({"outbound": {"backoff_base_s": 2, "backoff_max_s": 1}})") ==
          "outbound.backoff_max_s: must be at least outbound.backoff_base_s");
    // Only the base set, above the default cap of 300 s.
    CHECK(error_of(R"({"outbound": {"backoff_base_s": 600}})") ==
          "outbound.backoff_base_s: must be at most outbound.backoff_max_s (300 when not set)");
    CHECK(error_of(R"({"outbound": {"backoff_base_s": 600, "backoff_max_s": 600}})").empty());
}

TEST_CASE("outbound: check-config shows the policy in the file's units and it parses back") {
    auto c = parse(R"({"outbound": {"max_attempts": 4, "backoff_base_s": 0.25, "backoff_max_s": 30,
                                    "timeout_s": 2.5}})",
                   {});
    auto j = nlohmann::json::parse(redacted_json(c));
    CHECK(j["outbound"]["max_attempts"] == 4);
    CHECK(j["outbound"]["backoff_base_s"] == 0.25);
    CHECK(j["outbound"]["backoff_max_s"] == 30);
    CHECK(j["outbound"]["timeout_s"] == 2.5);
    auto again = parse(redacted_json(c), {});
    CHECK(again.outbound.backoff_base == c.outbound.backoff_base);
    CHECK(again.outbound.backoff_max == c.outbound.backoff_max);
}

TEST_CASE("outbound: delivered rows are kept 30 days unless keep_delivered_days says otherwise") {
    CHECK(parse("{}", {}).outbound.keep_delivered == hours{24 * 30});
    CHECK(parse(R"({"outbound": {"keep_delivered_days": 7}})", {}).outbound.keep_delivered == hours{24 * 7});
    CHECK(parse(R"({"outbound": {"keep_delivered_days": 0}})", {}).outbound.keep_delivered == hours{0});
    CHECK(error_of(R"({"outbound": {"keep_delivered_days": -1}})").starts_with("outbound.keep_delivered_days: "));
    CHECK(error_of(R"({"outbound": {"keep_delivered_days": 3651}})").starts_with("outbound.keep_delivered_days: "));
    CHECK(error_of(R"({"outbound": {"keep_delivered_days": 1.5}})").starts_with("outbound.keep_delivered_days: "));

    auto c = parse(R"({"outbound": {"keep_delivered_days": 90}})", {});
    auto j = nlohmann::json::parse(redacted_json(c));
    CHECK(j["outbound"]["keep_delivered_days"] == 90);
    CHECK(parse(redacted_json(c), {}).outbound.keep_delivered == hours{24 * 90});
}
