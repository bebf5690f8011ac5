#include "adapters/http/message.hpp"

#include <algorithm>

namespace hindsight::http {

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}
}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return std::string_view(value);
    return std::nullopt;
}

std::string_view Request::path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
    std::string_view t = target;
    auto mark = t.find('?');
    return mark == std::string_view::npos ? std::string_view{} : t.substr(mark + 1);
}

std::string Request::content_type() const {
    auto value = header("Content-Type");
    if (!value) return {};
    auto media = trim(value->substr(0, value->find(';')));
    std::string out(media);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

Response Response::text(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

// No Content-Type: an empty body has no media type (the server still sends
// Content-Length: 0).
Response Response::empty(int status) {
    Response r;
    r.status = status;
    r.content_type.clear();
    return r;
}

}  // namespace hindsight::http
