// application/x-www-form-urlencoded and query-string decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hindsight::http {

// Percent-decoding with '+' as space. nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view text);
std::string url_encode(std::string_view text);

// Ordered key/value pairs (keys may repeat, e.g. Mattermost user_mentions).
class Form {
public:
    // nullopt when any pair is malformed.
    static std::optional<Form> parse(std::string_view body);

    std::optional<std::string> get(std::string_view key) const;  // first value
    std::string value(std::string_view key) const;               // first value or ""
    std::vector<std::string> all(std::string_view key) const;
    const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

private:
    std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace hindsight::http
