#include "adapters/outbound/http_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <map>

namespace hindsight::outbound {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

// One kept-alive connection to one (scheme, host, port).
struct Connection {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;

    beast::tcp_stream& tcp() { return plain ? *plain : beast::get_lowest_layer(*secure); }

    void close() {
        if (!plain && !secure) return;  // never connected
        beast::error_code ignored;
        tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
        tcp().socket().close(ignored);
    }
};

std::string describe(const char* step, const beast::error_code& ec) {
    if (ec == beast::error::timeout) return std::string(step) + ": timeout";
    return std::string(step) + ": " + ec.message();
}

bool is_ip_literal(const std::string& host) {
    beast::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

std::string host_header(const Url& url) {
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    bool default_port = (url.scheme == "https" && url.port == "443") ||
                        (url.scheme == "http" && url.port == "80");
    return default_port ? host : host + ":" + url.port;
}

}  // namespace

struct HttpClient::Impl {
    ClientOptions options;
    net::io_context ioc;
    ssl::context tls{ssl::context::tls_client};
    std::string setup_error;  // a bad ca_file: every send reports it
    std::map<std::string, std::unique_ptr<Connection>> pool;

    explicit Impl(ClientOptions o) : options(std::move(o)) {
        try {
            tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
            SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
            tls.set_verify_mode(ssl::verify_peer);
            tls.set_default_verify_paths();
            if (!options.ca_file.empty()) tls.load_verify_file(options.ca_file);
        } catch (const std::exception& e) {
            setup_error = "tls setup: cannot load CA file " + options.ca_file + ": " + e.what();
        }
    }

    ~Impl() {
        for (auto& [key, connection] : pool) connection->close();
    }

    // Runs the pending asynchronous operations to completion; their timers
    // are what bound each blocking step.
    void run() {
        ioc.restart();
        ioc.run();
    }

    // Resolve, connect and (https) handshake within connect_timeout.
    std::string connect(const Url& url, Connection& connection) {
        const auto deadline = steady::now() + options.connect_timeout;
        beast::error_code ec;

        tcp::resolver resolver(ioc);
        net::steady_timer timer(ioc);
        bool resolve_timed_out = false;
        tcp::resolver::results_type endpoints;
        timer.expires_at(deadline);
        timer.async_wait([&](beast::error_code wait_ec) {
            if (wait_ec) return;
            resolve_timed_out = true;
            resolver.cancel();
        });
        resolver.async_resolve(url.host, url.port,
                               [&](beast::error_code e, tcp::resolver::results_type results) {
                                   ec = e;
                                   endpoints = std::move(results);
                                   timer.cancel();
                               });
        run();
        if (resolve_timed_out) return "resolve: timeout";
        if (ec) return describe("resolve", ec);

        auto stream = std::make_unique<beast::tcp_stream>(ioc);
        stream->expires_at(deadline);
        stream->async_connect(endpoints,
                              [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) return describe("connect", ec);

        if (url.scheme != "https") {
            connection.plain = std::move(stream);
            return {};
        }
        connection.secure =
            std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), tls);
        auto& secure = *connection.secure;
        // SNI carries names only, never address literals (RFC 6066).
        if (!is_ip_literal(url.host) &&
            !SSL_set_tlsext_host_name(secure.native_handle(), url.host.c_str()))
            return "tls: cannot set SNI host name";
        secure.set_verify_mode(ssl::verify_peer);
        secure.set_verify_callback(ssl::host_name_verification(url.host));
        beast::get_lowest_layer(secure).expires_at(deadline);
        secure.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
        run();
        if (ec) return describe("tls handshake", ec);
        return {};
    }

    // One request/response exchange within request_timeout. `retryable` says
    // the failure happened on a reused connection before any response byte:
    // the peer had closed it while idle, so a fresh connection may succeed.
    template <class Stream>
    ClientResponse exchange(Stream& stream, Connection& connection,
                            http::request<http::string_body>& request, bool reused,
                            bool& retryable, bool& keep_alive) {
        ClientResponse out;
        const auto deadline = steady::now() + options.request_timeout;
        beast::error_code ec;

        connection.tcp().expires_at(deadline);
        http::async_write(stream, request, [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            retryable = reused && ec != beast::error::timeout;
            out.error = describe("write", ec);
            return out;
        }

        http::response_parser<http::string_body> parser;
        parser.header_limit(64 * 1024);
        parser.body_limit(options.max_response_bytes);
        connection.tcp().expires_at(deadline);
        http::async_read(stream, connection.buffer, parser,
                         [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            retryable = reused && ec != beast::error::timeout && !parser.got_some() &&
                        connection.buffer.size() == 0;
            out.error = describe("read", ec);
            return out;
        }

        auto& response = parser.get();
        out.status = static_cast<int>(response.result_int());
        for (const auto& field : response)
            out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        out.body = std::move(response.body());
        keep_alive = response.keep_alive();
        return out;
    }

    ClientResponse send(const ClientRequest& request) {
        ClientResponse failed;
        if (!setup_error.empty()) {
            failed.error = setup_error;
            return failed;
        }
        auto url = Url::parse(request.url);
        if (!url) {
            failed.error = "request: not an absolute http(s) URL";
            return failed;
        }

        for (const auto& [name, value] : request.headers) {
            // A line break in a header would let a value smuggle in its own headers.
            if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
                value.find_first_of("\r\n") != std::string::npos) {
                failed.error = "request: invalid header " + name.substr(0, name.find_first_of("\r\n"));
                return failed;
            }
        }
        if (request.method.empty() ||
            request.method.find_first_of(" \r\n\t") != std::string::npos) {
            failed.error = "request: invalid method";
            return failed;
        }

        http::request<http::string_body> message;
        message.version(11);
        message.method_string(request.method);
        message.target(url->target);
        message.set(http::field::host, host_header(*url));
        message.set(http::field::user_agent, "hindsight");
        for (const auto& [name, value] : request.headers) message.set(name, value);
        message.body() = request.body;
        message.keep_alive(true);
        message.prepare_payload();

        const std::string key = url->scheme + "://" + url->host + ":" + url->port;
        for (int attempt = 0;; ++attempt) {
            auto& slot = pool[key];
            const bool reused = slot != nullptr;
            if (!slot) {
                auto connection = std::make_unique<Connection>();
                std::string error = connect(*url, *connection);
                if (!error.empty()) {
                    connection->close();
                    pool.erase(key);
                    failed.error = std::move(error);
                    return failed;
                }
                slot = std::move(connection);
            }

            bool retryable = false;
            bool keep_alive = false;
            Connection& connection = *slot;
            ClientResponse response =
                connection.plain
                    ? exchange(*connection.plain, connection, message, reused, retryable, keep_alive)
                    : exchange(*connection.secure, connection, message, reused, retryable,
                               keep_alive);
            if (!response.error.empty() || !keep_alive) {
                connection.close();
                pool.erase(key);
            }
            if (response.error.empty() || !retryable || attempt > 0) return response;
        }
    }
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

ClientResponse HttpClient::send(const ClientRequest& request) {
    try {
        return impl_->send(request);
    } catch (const std::exception& e) {
        // Not a network error (e.g. a malformed header value): still no throw,
        // and nothing half-used is kept.
        impl_->pool.clear();
        ClientResponse failed;
        failed.error = std::string("request: ") + e.what();
        return failed;
    }
}

}  // namespace hindsight::outbound
