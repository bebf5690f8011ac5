// Slack Socket Mode frames (adapters/slack/socket_frames.hpp): every text
// frame a socket can receive, the apps.connections.open answer, and the
// conversions that follow a parsed envelope (the endpoint's request, the
// ack). The functions report bad input as values: an exception, a crash, a
// sanitizer report or a broken invariant (checked below) is a bug. The first
// input byte picks what the rest is.
#include "adapters/http/form.hpp"
#include "adapters/slack/socket_frames.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

using namespace hindsight;
using nlohmann::json;

namespace {

void require(bool invariant) {
    if (!invariant) __builtin_trap();
}

void frame(std::string_view text) {
    auto f = slack::parse_frame(text);
    require(f.kind != slack::Frame::Kind::malformed || !f.problem.empty());
    if (f.kind == slack::Frame::Kind::disconnect) require(f.disconnect == slack::classify_disconnect(f.reason));
    if (f.kind != slack::Frame::Kind::envelope) return;
    const auto& e = f.envelope;
    require(!e.envelope_id.empty() && e.retry_attempt >= 0);
    // The payload, taken from the frame's text as it was, is exactly the
    // frame's `payload` member ("{}" when there is none).
    auto payload = json::parse(e.payload, nullptr, false);
    auto whole = json::parse(text, nullptr, false);
    require(!payload.is_discarded() && whole.is_object());
    require(payload == (whole.contains("payload") ? whole["payload"] : json::object()));
    // And its other members are the DOM's, whichever reader took the frame
    // (parse_frame's own scanner for plain envelopes, nlohmann's otherwise).
    require(whole["envelope_id"] == e.envelope_id);
    require(e.type == (whole["type"].is_string() ? whole["type"].get<std::string>() : std::string{}));
    const auto& accepts = whole["accepts_response_payload"];
    require(e.accepts_response_payload == (accepts.is_boolean() && accepts.get<bool>()));
    require(e.retry_reason == (whole["retry_reason"].is_string() ? whole["retry_reason"].get<std::string>() : std::string{}));
    const auto& retry = whole["retry_attempt"];
    require(retry.is_null() || retry.is_number_integer());
    if (retry.is_number_unsigned())
        require(static_cast<std::uint64_t>(e.retry_attempt) ==
                std::min<std::uint64_t>(retry.get<std::uint64_t>(), std::numeric_limits<int>::max()));
    auto request = slack::endpoint_request(e);
    if (request.problem.empty() && request.route != slack::EndpointRequest::Route::none &&
        request.route != slack::EndpointRequest::Route::events)
        require(http::Form::parse(request.body).has_value());  // a form the endpoint can read
    // The ack names the envelope, whatever payload rides along.
    auto ack = json::parse(slack::ack_frame(e.envelope_id, e.payload), nullptr, false);
    require(ack.is_object() && ack["envelope_id"] == e.envelope_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0: frame(text); break;
    case 1: {
        auto answer = slack::parse_open_answer(200, text);
        require(answer.url.empty() != answer.error.empty());
        require(answer.url.empty() || answer.url.starts_with("wss://"));
        break;
    }
    default: {
        // An ack of any id with any payload is one JSON object naming that id.
        auto [id, payload] = fuzz::split_once(text, "|");
        auto ack = json::parse(slack::ack_frame(id, payload), nullptr, false);
        // An id that is not UTF-8 comes out with replacement characters.
        require(ack.is_object() && ack.contains("envelope_id"));
        break;
    }
    }
    return 0;
}
