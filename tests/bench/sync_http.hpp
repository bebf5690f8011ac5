// One blocking HTTP/1.1 request over a fresh connection, for the few
// requests around a benchmark (open the incident, poll /readyz).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::bench {

struct SyncResponse {
    int status = 0;  // 0: no answer (connection failed)
    std::string body;
};

inline SyncResponse sync_request(std::uint16_t port, const std::string& method, const std::string& target,
                                 const std::vector<std::pair<std::string, std::string>>& headers = {},
                                 const std::string& body = {}) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return {};
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(socket, request, ec);
    if (ec) return {};
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response, ec);
    if (ec) return {};
    return {static_cast<int>(response.result_int()), response.body()};
}

}  // namespace hindsight::bench
