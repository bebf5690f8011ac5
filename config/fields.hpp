// Typed, validated access to the fields of one JSON object of the config file.
// Every error names the full dotted key and never echoes a value, because a
// value may be a secret.
#pragma once

#include "config/config.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hindsight::config::detail {

using nlohmann::json;

// One present value with its dotted key ("listen.port").
struct Field {
    const json& value;
    std::string key;
};

[[noreturn]] void fail(const std::string& key, const std::string& expected);

// A JSON object (or an absent one) whose keys have been checked against the
// allowed set: any other key is an error naming it.
class Section {
public:
    // The top level of the file.
    Section(const json& root, std::initializer_list<std::string_view> allowed);

    // Every member of a nested object whose keys are names the user chose
    // (trackers.<name>): each must be an object with only `allowed` keys.
    std::vector<std::pair<std::string, Section>> named_sections(std::string_view name,
                                                                std::initializer_list<std::string_view> allowed) const;

    // A nested object; absent means "all defaults".
    Section section(std::string_view name, std::initializer_list<std::string_view> allowed) const;

    std::optional<Field> operator[](std::string_view name) const;

private:
    Section(const json* object, std::string prefix, std::initializer_list<std::string_view> allowed);
    std::string key(std::string_view name) const;

    const json* object_;  // null when the section is absent
    std::string prefix_;  // "listen." or "" at the top level
};

std::string as_string(const Field& f);
std::string as_nonempty_string(const Field& f);
bool as_bool(const Field& f);
std::int64_t as_integer(const Field& f, std::int64_t min, std::int64_t max);
// A positive, finite number no larger than max (fractions allowed).
double as_positive_number(const Field& f, double max, const std::string& expected);
// Array of non-empty strings; element errors are named "key[i]".
std::vector<std::string> as_string_list(const Field& f);
// "" (unset) or an http:// / https:// URL with a host.
std::string as_url(const Field& f);

bool is_http_url(std::string_view text);

}  // namespace hindsight::config::detail
