// spdlog set-up: human-readable text or JSON lines (Loki/ELK), to stderr.
#pragma once

#include <string>

namespace hindsight::service {

// level: trace|debug|info|warn|error; format: text|json.
void configure_logging(const std::string& level, const std::string& format);

// Escapes a string for inclusion in a JSON string literal.
std::string json_escape(std::string_view text);

}  // namespace hindsight::service
