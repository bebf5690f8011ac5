#include "adapters/outbound/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hindsight::outbound {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool valid_port(std::string_view port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return ec == std::errc{} && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

bool valid_host_char(unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::optional<Url> Url::parse(const std::string& text) {
    auto sep = text.find("://");
    if (sep == std::string::npos) return std::nullopt;
    Url url;
    url.scheme = lower(std::string_view(text).substr(0, sep));
    if (url.scheme != "http" && url.scheme != "https") return std::nullopt;

    std::string_view rest = std::string_view(text).substr(sep + 3);
    rest = rest.substr(0, rest.find('#'));
    auto authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view target = authority_end == std::string_view::npos
                                  ? std::string_view{}
                                  : rest.substr(authority_end);
    // Credentials in URLs would end up in logs; the client never takes them.
    if (authority.find('@') != std::string_view::npos) return std::nullopt;

    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
        if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
            return std::nullopt;
    } else {
        auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
        if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
                return valid_host_char(static_cast<unsigned char>(c));
            }))
            return std::nullopt;
    }
    if (port.empty()) port = url.scheme == "https" ? "443" : "80";
    if (!valid_port(port)) return std::nullopt;
    url.host = lower(host);
    url.port = std::string(port);

    if (target.empty()) url.target = "/";
    else if (target.front() == '?') url.target = "/" + std::string(target);
    else url.target = std::string(target);
    if (url.target.find_first_of(" \r\n\t") != std::string::npos) return std::nullopt;
    return url;
}

std::optional<std::string> ClientResponse::header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            }))
            return v;
    }
    return std::nullopt;
}

}  // namespace hindsight::outbound
