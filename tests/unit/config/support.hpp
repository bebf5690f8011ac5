// Helpers shared by the config tests.
#pragma once

#include "config/config.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace config_test {

// The ConfigError message for `json_text`, or "" when it parses.
inline std::string error_of(const std::string& json_text, const hindsight::config::Environment& env = {}) {
    try {
        hindsight::config::parse(json_text, env);
    } catch (const hindsight::config::ConfigError& e) {
        return e.what();
    }
    return "";
}

// Leaf keys of a JSON object in dotted form ("listen.port"); arrays are leaves.
inline void leaf_keys(const nlohmann::json& j, const std::string& prefix, std::vector<std::string>& out) {
    for (const auto& item : j.items()) {
        auto key = prefix + item.key();
        if (item.value().is_object()) {
            leaf_keys(item.value(), key + ".", out);
        } else {
            out.push_back(key);
        }
    }
}

}  // namespace config_test
