// Slack's inbound payloads (docs/platforms.md, "Slack: slash commands", "Slack: Events API", "Slack: interactivity") translated into the neutral
// vocabulary of bot/core/chat_event.hpp. Pure functions: no I/O, no logging;
// the endpoints verify the signature first and log what these report.
#pragma once

#include "adapters/http/form.hpp"
#include "bot/core/chat_event.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hindsight::slack {

// A value, or why the payload could not be read (for the log; the caller
// answers 400).
template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;
    explicit operator bool() const { return value.has_value(); }
    static Parsed fail(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
};

// "1700000000.000100" → 1700000000 s + 100 µs. Read as a string, never as a
// double (a double loses the last digits). nullopt when malformed.
std::optional<Timestamp> parse_ts(std::string_view ts);

// https://<domain>.slack.com/archives/<channel>/p<ts without the dot>, plus
// ?thread_ts=…&cid=… for thread replies (the form chat.getPermalink returns).
std::string permalink(std::string_view team_domain, std::string_view channel, std::string_view ts,
                      std::string_view thread_ts = {});

// --- slash commands (form-encoded)

struct CommandRequest {
    bool ssl_check = false;    // Slack's certificate probe: answer 200, nothing else
    std::string team_domain;   // lets later events build permalinks
    std::string command_name;  // "/incident"
    SlashCommand command;      // `at` = the time we received it
};

Parsed<CommandRequest> parse_command(const http::Form& form, Timestamp received_at);

// --- Events API (JSON)

struct UrlVerification {
    std::string challenge;
};

struct AppRateLimited {
    std::string team_id;
    std::int64_t minute_rate_limited = 0;
};

struct EventCallback {
    std::string team_id;
    std::string event_id;  // the de-duplication key
    // What the inner event was ("message", "message/message_changed",
    // "reaction_added", ...), for logs.
    std::string kind;
    // Empty when the event is nothing the bot records (an unknown type, a
    // reaction other than :pushpin:, an unfurl-only message_changed, ...).
    std::optional<ChatEvent> event;
};

// Any other envelope type: acked and logged at debug.
struct UnknownEnvelope {
    std::string type;
};

using EventsPayload = std::variant<UrlVerification, AppRateLimited, EventCallback, UnknownEnvelope>;

// team id → workspace domain ("acme" of acme.slack.com), "" when unknown.
using DomainLookup = std::function<std::string(const std::string& team_id)>;

// Messages get a permalink when `domains` knows the team's domain (learned
// from slash commands, which carry team_domain); otherwise none.
Parsed<EventsPayload> parse_events(std::string_view json_body, const DomainLookup& domains = {});

// --- interactivity (form field `payload` holding JSON)

struct InteractionRequest {
    std::string type;                   // "block_actions", "view_submission", ...
    std::optional<ButtonAction> action; // set for block_actions with a button
};

Parsed<InteractionRequest> parse_interaction(const http::Form& form, Timestamp received_at);

}  // namespace hindsight::slack
