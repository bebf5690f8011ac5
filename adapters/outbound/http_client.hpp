// The one outbound HTTP client (Beast + OpenSSL): https:// with SNI and
// certificate + host-name verification against the system CA store, http://
// for local proxies and test doubles, keep-alive reuse of one connection per
// host, and a timeout on every step. Blocking calls: each client is used by
// one delivery thread at a time. No Beast in this header.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::outbound {

struct Url {
    std::string scheme;  // "http" | "https"
    std::string host;
    std::string port;    // defaulted from the scheme when absent
    std::string target;  // path + query, at least "/"
    // nullopt when not an absolute http(s) URL.
    static std::optional<Url> parse(const std::string& text);
};

struct ClientRequest {
    std::string method = "GET";
    std::string url;  // absolute
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct ClientResponse {
    int status = 0;  // 0 when no response was received (see error)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string error;  // transport failure: "connect: Connection refused", "timeout", ...
    std::optional<std::string> header(const std::string& name) const;  // case-insensitive
};

struct ClientOptions {
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{15000};  // write + read of one exchange
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    std::string ca_file;  // extra CA bundle (tests with their own CA); empty: system store only
};

class HttpClient {
public:
    explicit HttpClient(ClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Never throws for network errors: they come back in ClientResponse::error.
    ClientResponse send(const ClientRequest& request);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::outbound
