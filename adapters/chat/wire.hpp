// Small pieces every chat adapter needs the same way: JSON text that never
// fails on bad UTF-8, HMAC-SHA256 in lowercase hex, and cutting text into
// pieces of at most N characters without splitting a UTF-8 sequence.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::chat {

// Compact JSON; bytes that are not UTF-8 (people paste anything) are
// replaced, never allowed to make a whole answer or post fail.
std::string dump(const nlohmann::json& j);

// Lowercase hex HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Byte offset just past the first `chars` characters (code points) of `text`,
// or its size.
std::size_t utf8_prefix(std::string_view text, std::size_t chars);

// Splits `text` into pieces of at most `max_chars` characters, preferring a
// line break, then a space (the separator itself is dropped), when that keeps
// at least half a piece; never cuts a UTF-8 sequence. At least one piece.
std::vector<std::string> split_text(std::string_view text, std::size_t max_chars);

}  // namespace hindsight::chat
