#include "adapters/chat/wire.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace hindsight::chat {

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0x0f]);
    }
    return out;
}

namespace {
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::size_t utf8_prefix(std::string_view text, std::size_t chars) {
    std::size_t i = 0;
    for (std::size_t n = 0; i < text.size() && n < chars; ++n) {
        ++i;
        while (i < text.size() && is_continuation(text[i])) ++i;
    }
    return i;
}

std::vector<std::string> split_text(std::string_view text, std::size_t max_chars) {
    std::vector<std::string> parts;
    if (max_chars == 0) max_chars = 1;
    while (true) {
        auto limit = utf8_prefix(text, max_chars);
        if (limit >= text.size()) break;
        auto head = text.substr(0, limit);
        std::size_t cut = head.rfind('\n');
        if (cut == std::string_view::npos || cut < limit / 2) cut = head.rfind(' ');
        if (cut == std::string_view::npos || cut < limit / 2 || cut == 0) {
            parts.emplace_back(text.substr(0, limit));
            text.remove_prefix(limit);
        } else {
            parts.emplace_back(text.substr(0, cut));
            text.remove_prefix(cut + 1);
        }
    }
    if (!text.empty() || parts.empty()) parts.emplace_back(text);
    return parts;
}

}  // namespace hindsight::chat
