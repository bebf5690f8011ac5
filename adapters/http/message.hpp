// HTTP requests and responses as plain data, so routes and platform adapters
// are functions (request in, response out) testable without a socket.
// Nothing here includes Beast; the server converts at the edge.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hindsight::http {

struct Request {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path plus query, as received
    std::vector<std::pair<std::string, std::string>> headers;  // as received
    std::string body;    // raw bytes, exactly as received (signatures cover them)
    std::string remote;  // peer address, for logs

    // Case-insensitive header lookup; the first match.
    std::optional<std::string_view> header(std::string_view name) const;
    std::string_view path() const;   // target up to '?'
    std::string_view query() const;  // after '?', may be empty
    // The media type of Content-Type, lower-cased, without parameters.
    std::string content_type() const;
};

struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers

    static Response text(int status, std::string body);
    static Response json(int status, std::string body);
    static Response empty(int status);
};

// Completes a request. May be called from any thread, exactly once.
using Responder = std::function<void(Response)>;

// A route handler: answers now (call respond before returning) or later (e.g.
// after the database committed the write).
using Handler = std::function<void(const Request&, Responder respond)>;

}  // namespace hindsight::http
