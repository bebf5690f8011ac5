// The Events API body reader's JSON rules (RFC 8259, as strict as nlohmann's
// parser, which it replaced): what it accepts, what it refuses with "body is
// not valid JSON", how strings are decoded and numbers typed, and that the
// members it does not keep still have to be valid.
#include "adapters/slack/inbound.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace hindsight;
using namespace hindsight::slack;

namespace {

// A url_verification body whose challenge is the given JSON string literal
// (quotes included), with `extra` members before it.
std::string challenge_body(const std::string& literal, const std::string& extra = "") {
    return R"({"type":"url_verification",)" + extra + R"("challenge":)" + literal + "}";
}

Parsed<EventsPayload> parse(const std::string& body) { return parse_events(body); }

std::string challenge_of(const std::string& body) {
    auto r = parse(body);
    REQUIRE_MESSAGE(r, r.error);
    auto* v = std::get_if<UrlVerification>(&*r.value);
    REQUIRE(v != nullptr);
    return v->challenge;
}

bool refused_as_json(const std::string& body) {
    auto r = parse(body);
    return !r && r.error == "body is not valid JSON";
}

std::int64_t rate_limited(const std::string& number) {
    auto r = parse(R"({"type":"app_rate_limited","team_id":"T1","minute_rate_limited":)" + number + "}");
    REQUIRE_MESSAGE(r, r.error);
    return std::get<AppRateLimited>(*r.value).minute_rate_limited;
}

}  // namespace

TEST_CASE("events json: string escapes, surrogate pairs and UTF-8 decode to the text") {
    CHECK(challenge_of(challenge_body(R"("plain")")) == "plain");
    CHECK(challenge_of(challenge_body(R"("q\"b\\s\/n\nt\tr\rb\bf\f")")) == "q\"b\\s/n\nt\tr\rb\bf\f");
    CHECK(challenge_of(challenge_body(R"("\u0041\u00e9\u20AC")")) == "A\xC3\xA9\xE2\x82\xAC");
    CHECK(challenge_of(challenge_body(R"("\ud83d\ude00")")) == "\xF0\x9F\x98\x80");
    CHECK(challenge_of(challenge_body("\"caf\xC3\xA9 \xE2\x8F\xB0 \xF0\x9F\x98\x80\"")) ==
          "caf\xC3\xA9 \xE2\x8F\xB0 \xF0\x9F\x98\x80");
    CHECK(challenge_of(challenge_body(R"("a\u0000b")")) == std::string("a\0b", 3));
    // A long run with an escape at each end (copied in runs, not per byte).
    const std::string run(5000, 'x');
    CHECK(challenge_of(challenge_body("\"\\n" + run + "\\t\"")) == "\n" + run + "\t");
}

TEST_CASE("events json: whitespace, a leading byte order mark and a trailing NUL are accepted") {
    CHECK(challenge_of(" \t\r\n" + challenge_body(R"( "x" )") + " \n") == "x");
    CHECK(challenge_of("\xEF\xBB\xBF" + challenge_body(R"("x")")) == "x");
    CHECK(challenge_of(challenge_body(R"("x")") + std::string(1, '\0') + "anything") == "x");
    // A repeated member keeps its last value.
    CHECK(challenge_of(challenge_body(R"("second")", R"("challenge":"first",)")) == "second");
}

TEST_CASE("events json: malformed bodies are refused as not JSON") {
    const std::string bad[] = {
        "",
        "   ",
        "{",
        "{\"type\":\"url_verification\",\"challenge\":\"x\"",
        R"({"type":"url_verification","challenge":"x",})",
        R"({"type":"url_verification","challenge":"x"} {})",
        R"({"type":"url_verification","challenge":"x"}])",
        R"({"type":"url_verification" "challenge":"x"})",
        R"({"type":"url_verification","challenge"})",
        R"({type:"url_verification"})",
        R"({'type':'url_verification'})",
        R"({"type":"url_verification","challenge":"x"} // comment)",
        R"({"a":[1,2,],"type":"x"})",
        R"({"a":tru,"type":"x"})",
        R"({"a":nul,"type":"x"})",
        R"({"a":True,"type":"x"})",
        "\xEF\xBB{\"type\":\"x\"}",
        // strings
        challenge_body("\"unterminated"),
        challenge_body("\"tab\there\""),
        challenge_body("\"line\nbreak\""),
        challenge_body(R"("\x41")"),
        challenge_body(R"("\u12")"),
        challenge_body(R"("\u12G4")"),
        challenge_body(R"("\ud83d")"),
        challenge_body(R"("\ud83d\u0041")"),
        challenge_body(R"("\ude00")"),
        challenge_body("\"\xFF\""),
        challenge_body("\"\xC0\xAF\""),          // overlong '/'
        challenge_body("\"\xE0\x80\xAF\""),      // overlong
        challenge_body("\"\xED\xA0\x80\""),      // encoded surrogate
        challenge_body("\"\xF4\x90\x80\x80\""),  // above U+10FFFF
        challenge_body("\"\xE2\x82\""),          // truncated sequence
        challenge_body("\"\x80\""),              // lone continuation byte
        // numbers
        R"({"a":01,"type":"x"})",
        R"({"a":-,"type":"x"})",
        R"({"a":1.,"type":"x"})",
        R"({"a":.5,"type":"x"})",
        R"({"a":+1,"type":"x"})",
        R"({"a":1e,"type":"x"})",
        R"({"a":1e+,"type":"x"})",
        R"({"a":0x10,"type":"x"})",
        R"({"a":NaN,"type":"x"})",
        R"({"a":1e400,"type":"x"})",  // overflows a double
        R"({"a":-1e400,"type":"x"})",
    };
    for (const auto& body : bad) {
        CAPTURE(body);
        CHECK(refused_as_json(body));
    }
}

TEST_CASE("events json: members the parser skips must be valid JSON too") {
    // "blocks" is never read, yet a bad string or number inside it is a bad body.
    CHECK(challenge_of(challenge_body(R"("x")", R"("blocks":[{"t":"\u00e9","n":[1,-2.5e3,null,true]}],)")) == "x");
    CHECK(refused_as_json(challenge_body(R"("x")", R"("blocks":[{"t":"\ud800"}],)")));
    CHECK(refused_as_json(challenge_body(R"("x")", R"("blocks":[{"t":"a)" "\x01" R"("}],)")));
    CHECK(refused_as_json(challenge_body(R"("x")", R"("blocks":[1e999],)")));
    CHECK(refused_as_json(challenge_body(R"("x")", R"("blocks":[1,],)")));
    // Deep nesting is read without recursion, and still has to close.
    const std::string deep(100000, '[');
    const std::string closed(100000, ']');
    CHECK(challenge_of(challenge_body(R"("x")", R"("blocks":)" + deep + closed + ",")) == "x");
    CHECK(refused_as_json(challenge_body(R"("x")", R"("blocks":)" + deep + ",")));
}

TEST_CASE("events json: integers are integers whatever their size, fractions and exponents are not") {
    CHECK(rate_limited("1518467820") == 1518467820);
    CHECK(rate_limited("-5") == -5);
    CHECK(rate_limited("0") == 0);
    CHECK(rate_limited("-0") == 0);
    CHECK(rate_limited("9223372036854775807") == 9223372036854775807LL);
    // Not an integer (a fraction, an exponent, or too large for 64 bits):
    // read as absent, like any field of the wrong type.
    CHECK(rate_limited("1.5") == 0);
    CHECK(rate_limited("1e3") == 0);
    CHECK(rate_limited("99999999999999999999999") == 0);
    CHECK(rate_limited("\"60\"") == 0);
}

TEST_CASE("events json: a kept field holding a container keeps its kind") {
    // bot_id present as an object still marks a bot; text as an object reads as empty.
    auto r = parse(R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message",)"
                   R"("channel":"C1","ts":"1.000001","user":"U1","text":{"a":[1,{"b":2}]},"bot_id":{"id":["B1"]}}})");
    REQUIRE_MESSAGE(r, r.error);
    auto m = std::get<ChatMessage>(*std::get<EventCallback>(*r.value).event);
    CHECK(m.origin == Origin::bot);
    CHECK(m.text.empty());
    CHECK(m.user_id == "U1");
}
