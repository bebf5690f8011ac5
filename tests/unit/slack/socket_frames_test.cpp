// Socket Mode frames as data (adapters/slack/socket_frames.hpp): hello,
// disconnect reasons, the three envelope types, acks, the
// apps.connections.open answer, the payload as the HTTP endpoint's body, and
// input that is not what Slack documents — which is reported, never thrown.
#include "adapters/http/form.hpp"
#include "adapters/slack/socket_frames.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

using namespace hindsight;
using namespace hindsight::slack;
using nlohmann::json;
using Kind = Frame::Kind;

TEST_CASE("socket frames: hello, with and without Slack's refresh estimate") {
    auto f = parse_frame(R"({"type":"hello","num_connections":1,"debug_info":{"host":"applink-1",)"
                         R"("approximate_connection_time":18060},"connection_info":{"app_id":"A0"}})");
    CHECK(f.kind == Kind::hello);
    REQUIRE(f.refresh_in_s.has_value());
    CHECK(*f.refresh_in_s == 18060);

    auto bare = parse_frame(R"({"type":"hello"})");
    CHECK(bare.kind == Kind::hello);
    CHECK_FALSE(bare.refresh_in_s.has_value());
    // An estimate of the wrong kind is just not there.
    CHECK_FALSE(parse_frame(R"({"type":"hello","debug_info":{"approximate_connection_time":"soon"}})").refresh_in_s);
    CHECK_FALSE(parse_frame(R"({"type":"hello","debug_info":{"approximate_connection_time":-5}})").refresh_in_s);
    CHECK_FALSE(parse_frame(R"({"type":"hello","debug_info":7})").refresh_in_s);
}

TEST_CASE("socket frames: each disconnect reason and what it asks for") {
    auto reason = [](const std::string& r) {
        auto f = parse_frame(json{{"type", "disconnect"}, {"reason", r}, {"debug_info", {{"host", "x"}}}}.dump());
        REQUIRE(f.kind == Kind::disconnect);
        CHECK(f.reason == r);
        return f.disconnect;
    };
    CHECK(reason("warning") == DisconnectReason::refresh);
    CHECK(reason("refresh_requested") == DisconnectReason::refresh);
    CHECK(reason("too_many_websockets") == DisconnectReason::too_many_websockets);
    CHECK(reason("link_disabled") == DisconnectReason::link_disabled);
    CHECK(reason("something_new") == DisconnectReason::unknown);
    CHECK(reason("") == DisconnectReason::unknown);
    auto without = parse_frame(R"({"type":"disconnect"})");
    CHECK(without.kind == Kind::disconnect);
    CHECK(without.disconnect == DisconnectReason::unknown);
}

TEST_CASE("socket frames: an events_api envelope carries its payload as the Events API body") {
    json payload = {{"type", "event_callback"},
                    {"event_id", "Ev01"},
                    {"event", {{"type", "message"}, {"text", "db \"primary\" is down ☃"}, {"ts", "1.000100"}}}};
    auto f = parse_frame(json{{"envelope_id", "e-1"},
                              {"type", "events_api"},
                              {"payload", payload},
                              {"accepts_response_payload", false},
                              {"retry_attempt", 2},
                              {"retry_reason", "timeout"}}
                             .dump());
    REQUIRE(f.kind == Kind::envelope);
    CHECK(f.type == "events_api");
    CHECK(f.envelope.envelope_id == "e-1");
    CHECK(f.envelope.type == "events_api");
    CHECK(json::parse(f.envelope.payload) == payload);
    CHECK(f.envelope.retry_attempt == 2);
    CHECK(f.envelope.retry_reason == "timeout");
    CHECK_FALSE(f.envelope.accepts_response_payload);

    auto request = endpoint_request(f.envelope);
    CHECK(request.route == EndpointRequest::Route::events);
    CHECK(request.content_type == "application/json");
    CHECK(json::parse(request.body) == payload);
    CHECK(request.problem.empty());
}

TEST_CASE("socket frames: the payload is the frame's own text of it, wherever it sits and however it is spaced") {
    auto payload_of = [](const std::string& frame) {
        auto f = parse_frame(frame);
        REQUIRE(f.kind == Kind::envelope);
        return f.envelope.payload;
    };
    CHECK(payload_of(R"({"payload" : { "a" : 1 , "b":[2,3.5e1,"x}"]}  ,"type":"events_api","envelope_id":"e"})") ==
          R"({ "a" : 1 , "b":[2,3.5e1,"x}"]})");
    CHECK(payload_of(R"({"envelope_id":"e","type":"events_api","payload":[1,{"k":null}]})") == R"([1,{"k":null}])");
    CHECK(payload_of(R"({"envelope_id":"e","type":"events_api","payload":{"n":12}})") == R"({"n":12})");
    // A repeated member: the last one counts, as in a DOM.
    CHECK(payload_of(R"({"envelope_id":"e","payload":{"first":1},"type":"events_api","payload":{"second":2}})") ==
          R"({"second":2})");
    CHECK(payload_of(R"({"envelope_id":"e","payload":{"first":1},"type":"events_api","payload":"text"})") ==
          R"("text")");
    CHECK(payload_of(R"({"envelope_id":"e","type":"events_api","payload":7})") == "7");
    CHECK(payload_of(R"({"envelope_id":"e","type":"events_api","payload":null})") == "null");
    // Members inside the payload are not the envelope's.
    auto f = parse_frame(R"({"payload":{"envelope_id":"inner","type":"hello"},"envelope_id":"outer","type":"events_api"})");
    REQUIRE(f.kind == Kind::envelope);
    CHECK(f.envelope.envelope_id == "outer");
}

TEST_CASE("socket frames: a slash command's payload becomes the form the HTTP command POST carries") {
    auto f = parse_frame(json{{"envelope_id", "e-2"},
                              {"type", "slash_commands"},
                              {"accepts_response_payload", true},
                              {"payload",
                               {{"command", "/incident"},
                                {"text", "open DB down & out 100% sev:1"},
                                {"channel_id", "C0X"},
                                {"is_enterprise_install", false}}}}
                             .dump());
    REQUIRE(f.kind == Kind::envelope);
    CHECK(f.envelope.accepts_response_payload);
    auto request = endpoint_request(f.envelope);
    CHECK(request.route == EndpointRequest::Route::commands);
    CHECK(request.content_type == "application/x-www-form-urlencoded");
    auto form = http::Form::parse(request.body);
    REQUIRE(form.has_value());
    CHECK(form->value("command") == "/incident");
    CHECK(form->value("text") == "open DB down & out 100% sev:1");
    CHECK(form->value("channel_id") == "C0X");
    CHECK(form->value("is_enterprise_install") == "false");  // a non-string field as its JSON text
}

TEST_CASE("socket frames: an interactive payload becomes payload=<json>, as Slack POSTs it") {
    json payload = {{"type", "block_actions"}, {"actions", json::array({{{"action_id", "done"}, {"value", "a&b=c"}}})}};
    auto f = parse_frame(json{{"envelope_id", "e-3"}, {"type", "interactive"}, {"payload", payload}}.dump());
    REQUIRE(f.kind == Kind::envelope);
    auto request = endpoint_request(f.envelope);
    CHECK(request.route == EndpointRequest::Route::interactions);
    auto form = http::Form::parse(request.body);
    REQUIRE(form.has_value());
    CHECK(json::parse(form->value("payload")) == payload);
}

TEST_CASE("socket frames: a command or click without a payload object is a problem, not a request") {
    for (const char* type : {"slash_commands", "interactive"}) {
        CAPTURE(type);
        auto missing = parse_frame(json{{"envelope_id", "e-4"}, {"type", type}}.dump());
        REQUIRE(missing.kind == Kind::envelope);
        CHECK(missing.envelope.payload == "{}");  // absent: an empty object (the endpoint then refuses it)
        auto text = parse_frame(json{{"envelope_id", "e-5"}, {"type", type}, {"payload", "text"}}.dump());
        REQUIRE(text.kind == Kind::envelope);
        auto request = endpoint_request(text.envelope);
        CHECK_FALSE(request.problem.empty());
        CHECK(request.body.empty());
    }
}

TEST_CASE("socket frames: an envelope of a type we do not route goes nowhere, and still counts as an envelope") {
    auto f = parse_frame(R"({"envelope_id":"e-6","type":"something_new","payload":{}})");
    REQUIRE(f.kind == Kind::envelope);
    CHECK(endpoint_request(f.envelope).route == EndpointRequest::Route::none);
    // Without an envelope_id there is nothing to ack: ignored.
    auto other = parse_frame(R"({"type":"events_api","payload":{}})");
    CHECK(other.kind == Kind::ignored);
    CHECK(other.type == "events_api");
    CHECK(parse_frame(R"({})").kind == Kind::ignored);
}

TEST_CASE("socket frames: what is not what Slack documents is malformed, never an exception") {
    const char* bad[] = {
        "",
        "not json",
        "[1,2,3]",
        "\"hello\"",
        R"({"type":"hello")",                       // cut short
        R"({"type":5})",                            // a type that is not a string
        R"({"type":"disconnect","reason":7})",      // a reason that is not a string
        R"({"type":"events_api","envelope_id":5})",
        R"({"type":"events_api","envelope_id":""})",
        R"({"type":"events_api","envelope_id":"e","retry_attempt":"2"})",
        R"({"type":"events_api","envelope_id":"e","retry_attempt":1.5})",
        R"({"type":"events_api","envelope_id":"e","accepts_response_payload":"yes"})",
        R"({"type":"events_api","envelope_id":"e","retry_reason":{}})",
        "{\"type\":\"hello\",\"x\":\"\xff\xfe\"}",  // not UTF-8
    };
    for (const char* text : bad) {
        CAPTURE(text);
        Frame f;
        CHECK_NOTHROW(f = parse_frame(text));
        CHECK(f.kind == Kind::malformed);
        CHECK_FALSE(f.problem.empty());
    }
}

// parse_frame reads a plainly written envelope with its own scanner and
// leaves everything else to nlohmann's parser. Whichever reads it, a frame
// means what a DOM of its text says: these are the cases where the two could
// part — escapes, UTF-8, numbers, repeats — each checked against the DOM.
TEST_CASE("socket frames: an envelope reads as a DOM of its text does, however it is written") {
    const std::string head = R"({"envelope_id":"e-1","type":"events_api","payload":)";
    const char* frames[] = {
        // What Slack sends: escaped slashes and quotes, UTF-8, \u escapes, numbers.
        R"({"envelope_id":"e-1","type":"events_api","payload":{"text":"see https:\/\/x.test\/a \"q\"","n":[0,-1,2.50,-0.5]},"accepts_response_payload":false,"retry_attempt":0,"retry_reason":""})",
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\",\"payload\":{\"t\":\"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x94\xa5\"}}",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"t":"\u00e9\ud83d\udd25\u0000\b\f\n\r\t\/\\"}})",
        " \n{ \"envelope_id\" : \"e-1\" ,\t\"type\" : \"events_api\" , \"payload\" : [ ] , \"retry_attempt\" : 3 } \r\n",
        // Escapes in the members kept, a repeat, an exponent, a negative or
        // fractional retry, a scalar payload: read by the DOM's rules.
        R"({"envelope_id":"e\/1","type":"events_api","payload":{}})",
        R"({"envelope_id":"e-1","type":"events\u005fapi","retry_reason":"time\"out","payload":{}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"n":1e2,"m":-2.5E-3},"retry_attempt":1})",
        R"({"envelope_id":"e-0","envelope_id":"e-1","type":"events_api","type":"slash_commands","payload":{}})",
        R"({"envelope_\u0069d":"e-1","type":"events_api"})",
        R"({"envelope_id":"e-1","type":"events_api","retry_attempt":18446744073709551615})",
        R"({"envelope_id":"e-1","type":"events_api","retry_attempt":-0})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"big":123456789012345678901234567890}})",
        R"({"envelope_id":"e-1","type":"hello","payload":{}})",
        R"({"envelope_id":"e-1","payload":{},"accepts_response_payload":true,"retry_reason":null,"type":null})",
        // Not JSON, though close to what Slack sends: malformed, whoever reads it.
        R"({"envelope_id":"e-1","type":"events_api","payload":{"t":"\ud83d"}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"t":"\udd25"}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"t":"\x"}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"t":"\u12g4"}})",
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\",\"payload\":{\"t\":\"a\tb\"}}",
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\",\"payload\":{\"t\":\"\xc0\xaf\"}}",
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\",\"payload\":{\"t\":\"\xed\xa0\x80\"}}",
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\",\"payload\":{\"t\":\"\xf4\x90\x80\x80\"}}",
        "{\"envelope_id\":\"e-1\",\"type\":\"events_api\",\"payload\":{\"t\":\"\xe2\x98\"}}",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"n":01}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"n":1.}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"n":-}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"n":1e999}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"a":tru}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"a":1,}})",
        R"({"envelope_id":"e-1","type":"events_api","payload":[1 2]})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{}} x)",
        R"({"envelope_id":"e-1","type":"events_api","payload":{}},)",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"a":1})",
        R"({"envelope_id":"e-1","type":"events_api","payload":{"a" 1}})",
    };
    for (const char* text : frames) {
        CAPTURE(text);
        auto f = parse_frame(text);
        auto dom = json::parse(text, nullptr, false);
        if (dom.is_discarded()) {
            CHECK(f.kind == Kind::malformed);
            continue;
        }
        const auto type = dom["type"].is_string() ? dom["type"].get<std::string>() : std::string{};
        if (type == "hello") {
            CHECK(f.kind == Kind::hello);
            continue;
        }
        REQUIRE(f.kind == Kind::envelope);
        CHECK(f.envelope.envelope_id == dom["envelope_id"].get<std::string>());
        CHECK(f.envelope.type == type);
        CHECK(json::parse(f.envelope.payload) == (dom.contains("payload") ? dom["payload"] : json::object()));
        CHECK(f.envelope.accepts_response_payload == dom.value("accepts_response_payload", false));
        CHECK(f.envelope.retry_reason == (dom["retry_reason"].is_string() ? dom["retry_reason"].get<std::string>() : ""));
        const auto& retry = dom["retry_attempt"];
        if (retry.is_number_unsigned())
            CHECK(f.envelope.retry_attempt ==
                  static_cast<int>(std::min<std::uint64_t>(retry.get<std::uint64_t>(), std::numeric_limits<int>::max())));
        else
            CHECK(f.envelope.retry_attempt == 0);
    }
    // The payload is still the frame's own bytes, escapes and all.
    auto f = parse_frame(head + R"({"t":"https:\/\/x"}})");
    REQUIRE(f.kind == Kind::envelope);
    CHECK(f.envelope.payload == R"({"t":"https:\/\/x"})");
}

TEST_CASE("socket frames: nesting deeper than any Slack frame is refused before it is copied") {
    auto nested = [](int depth) {
        return R"({"envelope_id":"e","type":"events_api","payload":)" + std::string(depth, '[') +
               std::string(depth, ']') + "}";
    };
    CHECK(parse_frame(nested(20)).kind == Kind::envelope);
    CHECK(parse_frame(nested(100000)).kind == Kind::malformed);
}

TEST_CASE("socket frames: null members are as good as absent, and a huge retry_attempt is clamped") {
    auto f = parse_frame(R"({"type":"events_api","envelope_id":"e","retry_attempt":99999999999,)"
                         R"("retry_reason":null,"accepts_response_payload":null})");
    REQUIRE(f.kind == Kind::envelope);
    CHECK(f.envelope.retry_attempt == std::numeric_limits<int>::max());
    CHECK(f.envelope.retry_reason.empty());
    CHECK(parse_frame(R"({"type":"events_api","envelope_id":"e","retry_attempt":-3})").envelope.retry_attempt == 0);
    CHECK(parse_frame(R"({"type":null,"envelope_id":null})").kind == Kind::ignored);
}

TEST_CASE("socket frames: an ack carries the envelope_id and a JSON object payload, nothing else") {
    CHECK(json::parse(ack_frame("e-1", "")) == json{{"envelope_id", "e-1"}});
    CHECK(json::parse(ack_frame("e-2", R"({"response_type":"ephemeral","text":"ok"})")) ==
          json{{"envelope_id", "e-2"}, {"payload", {{"response_type", "ephemeral"}, {"text", "ok"}}}});
    // Not an object (or not JSON): the ack goes out without it.
    CHECK(json::parse(ack_frame("e-3", "[1]")) == json{{"envelope_id", "e-3"}});
    CHECK(json::parse(ack_frame("e-4", "{broken")) == json{{"envelope_id", "e-4"}});
    // An id with quotes stays one string.
    CHECK(json::parse(ack_frame("a\"b", ""))["envelope_id"] == "a\"b");
}

TEST_CASE("socket frames: the apps.connections.open answer gives the wss:// URL or says why not") {
    auto ok = parse_open_answer(200, R"({"ok":true,"url":"wss://wss-primary.slack.com/link/?ticket=t1&app_id=A0"})");
    CHECK(ok.url == "wss://wss-primary.slack.com/link/?ticket=t1&app_id=A0");
    CHECK(ok.error.empty());

    auto error = [](int status, const std::string& body) {
        auto a = parse_open_answer(status, body);
        CHECK(a.url.empty());
        return a.error;
    };
    CHECK(error(200, R"({"ok":false,"error":"invalid_auth"})") == "apps.connections.open: invalid_auth");
    CHECK(error(429, "") == "apps.connections.open: HTTP 429");
    CHECK(error(200, "<html>") == "apps.connections.open: not JSON");
    CHECK(error(200, R"({"ok":false})") == "apps.connections.open: no error given");
    CHECK(error(200, R"({"ok":"yes","error":5})") == "apps.connections.open: no error given");
    CHECK(error(200, R"({"ok":true,"url":"https://example.com/"})") == "apps.connections.open: no wss:// URL in the answer");
    CHECK(error(200, R"({"ok":true,"url":7})") == "apps.connections.open: no wss:// URL in the answer");
}
