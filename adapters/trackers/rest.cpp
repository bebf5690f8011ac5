#include "adapters/trackers/rest.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace hindsight::trackers {

namespace {

std::optional<long long> number_header(const outbound::ClientResponse& r, const std::string& name) {
    auto value = r.header(name);
    if (!value) return std::nullopt;
    long long n = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc{} || n < 0) return std::nullopt;
    (void)end;
    return n;
}

// How long the tracker asked us to wait: Retry-After (seconds), else the
// reset time of an exhausted rate limit (GitHub x-ratelimit-reset, GitLab
// RateLimit-Reset: epoch seconds).
Duration wait_asked(const outbound::ClientResponse& r, Timestamp now) {
    if (auto seconds = number_header(r, "Retry-After"); seconds && *seconds <= 86400)
        return std::chrono::seconds(*seconds);
    for (const char* name : {"x-ratelimit-reset", "RateLimit-Reset"}) {
        if (auto reset = number_header(r, name)) {
            auto at = Timestamp(std::chrono::seconds(*reset));
            if (at > now && at - now <= std::chrono::hours(24)) return at - now;
        }
    }
    return Duration::zero();
}

bool is_rate_limit(const outbound::ClientResponse& r) {
    if (r.status == 429) return true;
    if (r.status != 403) return false;
    // GitHub answers its primary and secondary rate limits with 403.
    auto remaining = r.header("x-ratelimit-remaining");
    return (remaining && *remaining == "0") || r.header("Retry-After").has_value();
}

// The tracker's own words about a refusal, short; never a request header.
std::string reason(const outbound::ClientResponse& r) {
    auto j = parse_json(r.body);
    std::string text;
    for (const char* name : {"message", "error"})
        if (j.contains(name) && j[name].is_string()) text = j[name].get<std::string>();
    if (text.empty() && j.contains("errorMessages") && j["errorMessages"].is_array() && !j["errorMessages"].empty() &&
        j["errorMessages"][0].is_string())
        text = j["errorMessages"][0].get<std::string>();
    if (text.size() > 160) text = text.substr(0, 160) + "…";
    return text;
}

}  // namespace

Rest::Rest(std::string base_url, Headers auth, const outbound::ClientOptions& options, const Clock& clock)
    : base_url_(std::move(base_url)), auth_(std::move(auth)), http_(options), clock_(clock) {}

Rest::Rest(std::string base_url, Credential credential, const outbound::ClientOptions& options, const Clock& clock)
    : base_url_(std::move(base_url)), credential_(std::move(credential)), http_(options), clock_(clock) {}

outbound::ClientResponse Rest::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                                    Headers extra) {
    if (!credential_) return send(method, path, body, extra, auth_);
    for (bool stale : {false, true}) {
        Headers auth;
        auto got = credential_(stale, auth);
        if (!got.ok()) {
            outbound::ClientResponse none;
            none.error = got.error;
            return none;
        }
        auto r = send(method, path, body, extra, auth);
        if (r.status != 401 || stale) return r;
    }
    return {};  // not reached
}

outbound::ClientResponse Rest::send(const std::string& method, const std::string& path, const nlohmann::json& body,
                                    const Headers& extra, const Headers& auth) {
    outbound::ClientRequest request;
    request.method = method;
    request.url = base_url_ + path;
    request.headers = auth;
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("User-Agent", "hindsight");
    for (const auto& h : extra) request.headers.push_back(h);
    if (!body.is_null()) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return http_.send(request);
}

CallResult Rest::classify(const outbound::ClientResponse& r, const std::string& what) const {
    CallResult out;
    if ((r.status >= 200 && r.status < 300) || r.status == 304) return out;
    if (r.status == 0) {
        out.status = CallResult::Status::retry;
        out.error = what + ": " + r.error;
        return out;
    }
    out.error = what + ": HTTP " + std::to_string(r.status);
    if (auto text = reason(r); !text.empty()) out.error += " (" + text + ")";
    if (is_rate_limit(r) || r.status == 408 || r.status >= 500) {
        out.status = CallResult::Status::retry;
        out.retry_after = wait_asked(r, clock_.now());
        return out;
    }
    out.status = CallResult::Status::failed;
    return out;
}

std::optional<std::string> Rest::next_page(const outbound::ClientResponse& r) const {
    auto link = r.header("Link");
    if (!link) return std::nullopt;
    // <https://…?page=2>; rel="next", <https://…?page=9>; rel="last"
    std::string_view rest(*link);
    while (!rest.empty()) {
        auto open = rest.find('<');
        auto close = rest.find('>', open);
        if (open == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
        auto url = rest.substr(open + 1, close - open - 1);
        auto comma = rest.find(',', close);
        auto params = rest.substr(close + 1, comma == std::string_view::npos ? std::string_view::npos : comma - close - 1);
        if (params.find("rel=\"next\"") != std::string_view::npos || params.find("rel=next") != std::string_view::npos) {
            if (!url.starts_with(base_url_) || url.size() == base_url_.size() || url[base_url_.size()] != '/')
                return std::nullopt;
            return std::string(url.substr(base_url_.size()));
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return std::nullopt;
}

CallResult Rest::each_page(const std::string& path, const std::string& what, const Each& each) {
    auto r = call("GET", path);
    auto result = classify(r, what);
    if (!result.ok()) return result;
    return each_page(std::move(r), what, each);
}

CallResult Rest::each_page(outbound::ClientResponse r, const std::string& what, const Each& each) {
    for (int page = 1;; ++page) {
        auto items = parse_json(r.body);
        if (items.is_array())
            for (const auto& item : items)
                if (item.is_object() && !each(item)) return {};
        auto next = next_page(r);
        if (!next) return {};
        if (page == kMaxPages) {
            spdlog::warn("trackers: {} stopped after {} pages", what, kMaxPages);
            return {};
        }
        r = call("GET", *next);
        auto result = classify(r, what);
        if (!result.ok()) return result;
    }
}

nlohmann::json parse_json(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
}

std::string string_or_empty(const nlohmann::json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::pair<std::string, std::string> split_key(const std::string& key) {
    auto hash = key.rfind('#');
    if (hash == std::string::npos) return {key, ""};
    return {key.substr(0, hash), key.substr(hash + 1)};
}

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string iso8601(Timestamp t) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    std::time_t tt = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool has_marker(std::string_view text, std::string_view marker) {
    if (marker.empty()) return false;
    for (auto at = text.find(marker); at != std::string_view::npos; at = text.find(marker, at + 1)) {
        const auto end = at + marker.size();
        if (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) return true;
    }
    return false;
}

bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hindsight::trackers
