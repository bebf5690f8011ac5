// Slack Socket Mode frames as data: what a text frame from Slack is (hello,
// disconnect and why, an envelope, or nothing we use), the ack we send back,
// the apps.connections.open answer, and the HTTP body an envelope's payload
// stands for. Pure functions of their input — no sockets, no Boost — so they
// are unit tested and fuzzed on their own (tests/fuzz/socket_frames_fuzz.cpp);
// socket_mode.cpp and socket_dispatch.cpp do the I/O around them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hindsight::slack {

// One envelope, as Slack sent it.
struct Envelope {
    std::string envelope_id;
    std::string type;     // "events_api" | "slash_commands" | "interactive" (others are passed on too)
    std::string payload;  // the `payload` member as JSON text ("{}" when absent)
    bool accepts_response_payload = false;
    int retry_attempt = 0;
    std::string retry_reason;
};

// What a `disconnect` frame asks of the client.
enum class DisconnectReason {
    refresh,              // "warning" / "refresh_requested": replace this socket
    too_many_websockets,  // the app holds more sockets than Slack allows: back off
    link_disabled,        // Socket Mode was switched off for the app: stop
    unknown,              // anything else: reconnect
};

DisconnectReason classify_disconnect(std::string_view reason);

struct Frame {
    enum class Kind {
        hello,       // the socket is usable
        disconnect,  // Slack asks for something: see `disconnect`
        envelope,    // an envelope to hand on and ack: see `envelope`
        ignored,     // a JSON object of no use to us (another type, no envelope_id)
        malformed,   // not a JSON object, or a member of the wrong kind
    };
    Kind kind = Kind::malformed;
    std::string type;  // the frame's `type` as sent ("" when absent)
    // hello: debug_info.approximate_connection_time, Slack's estimate in
    // seconds of when it will ask for a refresh.
    std::optional<long long> refresh_in_s;
    // disconnect: `reason` as sent, and what it means.
    std::string reason;
    DisconnectReason disconnect = DisconnectReason::unknown;
    Envelope envelope;
    std::string problem;  // malformed: what was wrong, for a debug log line
};

// Never throws: a frame that is not what Slack documents is `malformed`.
Frame parse_frame(std::string_view text);

// The acknowledgement of `envelope_id`; `payload`, when it is a JSON object,
// rides along (anything else is left out: an ack must never be lost to it).
std::string ack_frame(std::string_view envelope_id, std::string_view payload);

// The answer of POST apps.connections.open: a wss:// URL, or why not.
struct OpenAnswer {
    std::string url;    // set when ok
    std::string error;  // set otherwise, for the log ("apps.connections.open: invalid_auth")
};
OpenAnswer parse_open_answer(int http_status, std::string_view body);

// The HTTP request the matching Slack endpoint would have received for an
// envelope's payload: the Events API body as it is, a slash command's JSON
// object back to its form, an interaction as `payload=<json>`.
struct EndpointRequest {
    enum class Route { events, commands, interactions, none };
    Route route = Route::none;  // none: an envelope type we do not handle
    std::string content_type;
    std::string body;
    std::string problem;  // set when the payload cannot be what the route takes
};
EndpointRequest endpoint_request(const Envelope& envelope);

}  // namespace hindsight::slack
