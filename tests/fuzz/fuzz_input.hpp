// Shared helpers for the libFuzzer targets: turning the raw fuzz bytes into
// the inputs the parsers take, and a fixed "now" so runs are reproducible.
#pragma once

#include "bot/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hindsight::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// 2026-11-24T12:00:00Z: a fixed clock keeps a crash reproducible from its input alone.
inline Timestamp fixed_now() { return from_micros(1795521600LL * 1000000); }

// Splits the input at the first occurrence of `separator`; the second part is
// empty when there is none. Lets one input carry several fields.
inline std::pair<std::string_view, std::string_view> split_once(std::string_view text, std::string_view separator) {
    auto at = text.find(separator);
    if (at == std::string_view::npos) return {text, {}};
    return {text.substr(0, at), text.substr(at + separator.size())};
}

}  // namespace hindsight::fuzz
