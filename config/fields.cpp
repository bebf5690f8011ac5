#include "config/fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace hindsight::config::detail {

void fail(const std::string& key, const std::string& expected) {
    throw ConfigError(key + ": " + expected);
}

namespace {
const json* top_level(const json& root) {
    if (!root.is_object()) throw ConfigError("config: the top level must be a JSON object");
    return &root;
}
}  // namespace

Section::Section(const json& root, std::initializer_list<std::string_view> allowed)
    : Section(top_level(root), "", allowed) {}

Section::Section(const json* object, std::string prefix, std::initializer_list<std::string_view> allowed)
    : object_(object), prefix_(std::move(prefix)) {
    if (!object_) return;
    for (const auto& item : object_->items()) {
        if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
            throw ConfigError("unknown key: " + key(item.key()));
        }
    }
}

Section Section::section(std::string_view name, std::initializer_list<std::string_view> allowed) const {
    auto field = (*this)[name];
    if (!field) return Section(nullptr, key(name) + ".", allowed);
    if (!field->value.is_object()) fail(field->key, "must be an object");
    return Section(&field->value, field->key + ".", allowed);
}

std::vector<std::pair<std::string, Section>> Section::named_sections(
    std::string_view name, std::initializer_list<std::string_view> allowed) const {
    std::vector<std::pair<std::string, Section>> out;
    auto field = (*this)[name];
    if (!field) return out;
    if (!field->value.is_object()) fail(field->key, "must be an object");
    for (const auto& item : field->value.items()) {  // nlohmann orders them by name
        const std::string key = field->key + "." + item.key();
        if (!item.value().is_object()) fail(key, "must be an object");
        out.emplace_back(item.key(), Section(&item.value(), key + ".", allowed));
    }
    return out;
}

std::optional<Field> Section::operator[](std::string_view name) const {
    if (!object_) return std::nullopt;
    auto it = object_->find(name);
    if (it == object_->end()) return std::nullopt;
    return Field{*it, key(name)};
}

std::string Section::key(std::string_view name) const {
    return prefix_ + std::string(name);
}

std::string as_string(const Field& f) {
    if (!f.value.is_string()) fail(f.key, "must be a string");
    return f.value.get<std::string>();
}

std::string as_nonempty_string(const Field& f) {
    if (!f.value.is_string() || f.value.get_ref<const std::string&>().empty()) {
        fail(f.key, "must be a non-empty string");
    }
    return f.value.get<std::string>();
}

bool as_bool(const Field& f) {
    if (!f.value.is_boolean()) fail(f.key, "must be true or false");
    return f.value.get<bool>();
}

std::int64_t as_integer(const Field& f, std::int64_t min, std::int64_t max) {
    auto expected = "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
    if (!f.value.is_number_integer()) fail(f.key, expected);
    if (f.value.is_number_unsigned()) {
        auto v = f.value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(max)) fail(f.key, expected);
        auto s = static_cast<std::int64_t>(v);
        if (s < min) fail(f.key, expected);
        return s;
    }
    auto v = f.value.get<std::int64_t>();
    if (v < min || v > max) fail(f.key, expected);
    return v;
}

double as_positive_number(const Field& f, double max, const std::string& expected) {
    if (!f.value.is_number()) fail(f.key, expected);
    auto v = f.value.get<double>();
    if (!std::isfinite(v) || v <= 0 || v > max) fail(f.key, expected);
    return v;
}

std::vector<std::string> as_string_list(const Field& f) {
    if (!f.value.is_array()) fail(f.key, "must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < f.value.size(); ++i) {
        out.push_back(as_nonempty_string(Field{f.value[i], f.key + "[" + std::to_string(i) + "]"}));
    }
    return out;
}

bool is_http_url(std::string_view text) {
    std::string lower;
    for (char c : text.substr(0, 8)) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t scheme = 0;
    if (lower.starts_with("https://")) scheme = 8;
    else if (lower.starts_with("http://")) scheme = 7;
    else return false;
    if (text.size() <= scheme || text[scheme] == '/') return false;  // needs a host
    return std::none_of(text.begin(), text.end(),
                        [](char c) { return std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)); });
}

std::string as_url(const Field& f) {
    if (!f.value.is_string()) fail(f.key, "must be a string (an http:// or https:// URL)");
    auto text = f.value.get<std::string>();
    if (!text.empty() && !is_http_url(text)) fail(f.key, "must be an http:// or https:// URL");
    return text;
}

}  // namespace hindsight::config::detail
