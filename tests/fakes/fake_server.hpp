// A recording HTTP(S) server for tests: listens on 127.0.0.1 (ephemeral
// port) on its own I/O thread, answers from scripted routes and records every
// request it received. The platform fakes (Slack, Mattermost) are built on it.
// No Boost in this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hindsight::fakes {

struct RecordedRequest {
    std::string method;
    std::string target;  // path plus query, as received
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // When the fake finished reading the request (for "retried no sooner than").
    std::chrono::steady_clock::time_point received_at{};

    std::optional<std::string> header(std::string_view name) const;  // case-insensitive
    std::string path() const;  // target up to '?'
};

struct FakeResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type = "application/json";  // empty: no Content-Type
    // Answer after this long; other connections are served meanwhile.
    std::chrono::milliseconds delay{0};
    // Send the head and half the body, then reset the TCP connection (RST).
    // With an empty body the connection is reset before any response byte.
    bool reset_connection = false;
    // Answer as keep-alive, then close the connection (a peer that drops idle
    // connections): the client only notices on its next request.
    bool close_after = false;

    static FakeResponse json(int status, std::string body);
    static FakeResponse text(int status, std::string body);
};

class FakeServer {
public:
    using Handler = std::function<FakeResponse(const RecordedRequest&)>;

    struct Options {
        bool tls = false;
        // Names in the generated certificate's subjectAltName (the first is
        // also its CN); with loopback_ip the certificate also covers 127.0.0.1.
        std::vector<std::string> cert_dns_names{"localhost"};
        bool cert_loopback_ip = true;
    };

    explicit FakeServer(Options options);
    FakeServer();
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
    std::string base_url() const;
    // The same server under another host name, e.g. "localhost".
    std::string url_for_host(std::string_view host) const;
    unsigned short port() const;
    // A PEM file holding the self-signed certificate (TLS only; empty otherwise),
    // for ClientOptions::ca_file. Deleted when the server is destroyed.
    std::string ca_file() const;
    std::string ca_pem() const;

    // Exact path match; the query is ignored for matching. A later route for
    // the same method and path replaces the earlier one.
    void route(std::string method, std::string path, Handler handler);
    // Answers what no route matches (a fake with paths of its own, e.g.
    // /repos/{owner}/{repo}/issues/{n}); without one that is a 404.
    void fallback(Handler handler);
    // Requests to `path` (any method) are recorded but not answered until
    // release(path): a slow peer, without timing, e.g. a history read the
    // test holds while it checks what the bot did meanwhile.
    void hold(std::string path);
    void release(const std::string& path);
    // Scripted responses for `path` (any method), used in order before the route.
    void fail_next(std::string path, std::vector<FakeResponse> responses);

    std::vector<RecordedRequest> requests() const;
    std::vector<RecordedRequest> requests_to(std::string_view path) const;
    // Waits (bounded) until at least n requests to `path` were received.
    bool wait_for_requests(std::string_view path, std::size_t n,
                           std::chrono::milliseconds timeout) const;
    // TCP connections accepted so far.
    std::size_t connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::fakes
