#include "adapters/slack/verifier.hpp"

#include <doctest/doctest.h>

#include <cctype>

using namespace hindsight;
using namespace hindsight::slack;

namespace {
// Slack's documented test vector (docs/platforms.md, "Slack: request signing").
constexpr std::string_view secret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view timestamp = "1531420618";
constexpr std::string_view body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view signature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

Timestamp at_seconds(std::int64_t s) { return Timestamp{std::chrono::seconds{s}}; }
}  // namespace

TEST_CASE("verifier: Slack's documented test vector is accepted") {
    CHECK(body.size() == 362);
    CHECK(verify(secret, timestamp, signature, body, at_seconds(1531420618)) == Verdict::ok);
    CHECK(sign(secret, timestamp, body) == signature);
}

TEST_CASE("verifier: window is ±300 s inclusive") {
    CHECK(verify(secret, timestamp, signature, body, at_seconds(1531420618 + 300)) == Verdict::ok);
    CHECK(verify(secret, timestamp, signature, body, at_seconds(1531420618 - 300)) == Verdict::ok);
    CHECK(verify(secret, timestamp, signature, body, at_seconds(1531420618 + 301)) == Verdict::stale);
    // A timestamp from the future is a replay too.
    CHECK(verify(secret, timestamp, signature, body, at_seconds(1531420618 - 301)) == Verdict::stale);
}

TEST_CASE("verifier: missing headers") {
    auto now = at_seconds(1531420618);
    CHECK(verify(secret, "", signature, body, now) == Verdict::missing_headers);
    CHECK(verify(secret, timestamp, "", body, now) == Verdict::missing_headers);
}

TEST_CASE("verifier: malformed timestamps") {
    auto now = at_seconds(1531420618);
    CHECK(verify(secret, "abc", signature, body, now) == Verdict::bad_timestamp);
    CHECK(verify(secret, "1531420618.5", signature, body, now) == Verdict::bad_timestamp);
    CHECK(verify(secret, " 1531420618", signature, body, now) == Verdict::bad_timestamp);
    CHECK(verify(secret, "-1531420618", signature, body, now) == Verdict::bad_timestamp);
    CHECK(verify(secret, "99999999999999999999999", signature, body, now) == Verdict::bad_timestamp);
}

TEST_CASE("verifier: signature rejections") {
    auto now = at_seconds(1531420618);
    SUBCASE("body changed by one byte") {
        std::string changed(body);
        changed.back() = 'd';
        CHECK(verify(secret, timestamp, signature, changed, now) == Verdict::bad_signature);
    }
    SUBCASE("wrong secret") {
        CHECK(verify("8f742231b10e8888abcd99yyyzzz85a6", timestamp, signature, body, now) ==
              Verdict::bad_signature);
    }
    SUBCASE("uppercase hex is not the documented form") {
        std::string upper(signature);
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        upper.replace(0, 3, "v0=");
        CHECK(verify(secret, timestamp, upper, body, now) == Verdict::bad_signature);
    }
    SUBCASE("other version prefix") {
        std::string v1(signature);
        v1[1] = '1';
        CHECK(verify(secret, timestamp, v1, body, now) == Verdict::bad_signature);
    }
    SUBCASE("truncated and extended") {
        CHECK(verify(secret, timestamp, signature.substr(0, 66), body, now) == Verdict::bad_signature);
        CHECK(verify(secret, timestamp, std::string(signature) + "0", body, now) ==
              Verdict::bad_signature);
        CHECK(verify(secret, timestamp, "v0=", body, now) == Verdict::bad_signature);
    }
    SUBCASE("timestamp is part of the basestring") {
        CHECK(verify(secret, "1531420619", signature, body, now) == Verdict::bad_signature);
    }
}
