#include "bot/core/connection_url.hpp"

#include <cctype>
#include <vector>

namespace hindsight {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

bool is_uri(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

bool iequals_at(std::string_view text, std::size_t at, std::string_view word) {
    if (at + word.size() > text.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
    return true;
}

// [begin, end) ranges of every password value in the string.
std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view url) {
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    if (is_uri(url)) {
        const std::size_t authority = url.find("://") + 3;
        std::size_t end = url.find_first_of("/?#", authority);
        if (end == std::string_view::npos) end = url.size();
        // The last '@' of the authority: a password may itself contain '@' when not percent-encoded.
        const std::size_t at = url.rfind('@', end == 0 ? 0 : end - 1);
        if (at != std::string_view::npos && at >= authority) {
            const std::size_t colon = url.find(':', authority);
            if (colon != std::string_view::npos && colon < at) spans.emplace_back(colon + 1, at);
        }
        // Query parameters: ...?password=x&...
        std::size_t q = url.find('?', authority);
        while (q != std::string_view::npos && q < url.size()) {
            const std::size_t start = q + 1;
            if (iequals_at(url, start, "password=")) {
                const std::size_t value = start + 9;
                std::size_t stop = url.find('&', value);
                if (stop == std::string_view::npos) stop = url.size();
                spans.emplace_back(value, stop);
            }
            q = url.find('&', start);
        }
        return spans;
    }
    // Keyword/value form: password=secret or password='se cret'.
    for (std::size_t i = 0; i < url.size(); ++i) {
        if ((i == 0 || std::isspace(static_cast<unsigned char>(url[i - 1]))) && iequals_at(url, i, "password")) {
            std::size_t j = i + 8;
            while (j < url.size() && std::isspace(static_cast<unsigned char>(url[j]))) ++j;
            if (j >= url.size() || url[j] != '=') continue;
            ++j;
            while (j < url.size() && std::isspace(static_cast<unsigned char>(url[j]))) ++j;
            std::size_t stop = j;
            if (j < url.size() && url[j] == '\'') {
                stop = j + 1;
                while (stop < url.size() && url[stop] != '\'') stop += url[stop] == '\\' ? 2 : 1;
                stop = stop < url.size() ? stop + 1 : url.size();
            } else {
                while (stop < url.size() && !std::isspace(static_cast<unsigned char>(url[stop]))) ++stop;
            }
            spans.emplace_back(j, stop);
            i = stop;
        }
    }
    return spans;
}

}  // namespace

std::string redact_connection_url(std::string_view url) {
    std::string out;
    std::size_t from = 0;
    for (auto [begin, end] : password_spans(url)) {
        out.append(url.substr(from, begin - from));
        if (end > begin) out.append(kRedacted);
        from = end;
    }
    out.append(url.substr(from));
    return out;
}

std::string scrub_password(std::string text, std::string_view url) {
    for (auto [begin, end] : password_spans(url)) {
        if (end <= begin) continue;
        const std::string secret(url.substr(begin, end - begin));
        for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kRedacted.size()))
            text.replace(at, secret.size(), kRedacted);
    }
    // The whole string, should a message quote it.
    if (!url.empty()) {
        const std::string whole(url);
        const std::string shown = redact_connection_url(url);
        for (std::size_t at = text.find(whole); at != std::string::npos; at = text.find(whole, at + shown.size()))
            text.replace(at, whole.size(), shown);
    }
    return text;
}

}  // namespace hindsight
