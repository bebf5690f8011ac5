#include "adapters/slack/verifier.hpp"

#include "adapters/chat/wire.hpp"

#include <openssl/crypto.h>

#include <charconv>
#include <cstdint>

namespace hindsight::slack {

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::ok: return "ok";
        case Verdict::missing_headers: return "missing signature headers";
        case Verdict::bad_timestamp: return "malformed timestamp";
        case Verdict::stale: return "timestamp outside the 5-minute window";
        case Verdict::bad_signature: return "signature mismatch";
    }
    return "unknown";
}

std::string sign(std::string_view signing_secret, std::string_view timestamp,
                 std::string_view raw_body) {
    std::string base;
    base.reserve(raw_body.size() + timestamp.size() + 4);
    base.append("v0:").append(timestamp).append(":").append(raw_body);

    return "v0=" + chat::hmac_sha256_hex(signing_secret, base);
}

Verdict verify(std::string_view signing_secret, std::string_view timestamp_header,
               std::string_view signature_header, std::string_view raw_body, Timestamp now) {
    if (timestamp_header.empty() || signature_header.empty()) return Verdict::missing_headers;

    std::int64_t ts = 0;
    const char* first = timestamp_header.data();
    const char* last = first + timestamp_header.size();
    auto [end, ec] = std::from_chars(first, last, ts);
    if (ec != std::errc{} || end != last || ts < 0) return Verdict::bad_timestamp;

    auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto skew = now_s > ts ? now_s - ts : ts - now_s;
    if (skew > 300) return Verdict::stale;

    if (signature_header.substr(0, 3) != "v0=") return Verdict::bad_signature;
    std::string expected = sign(signing_secret, timestamp_header, raw_body);
    if (expected.size() != signature_header.size()) return Verdict::bad_signature;
    if (CRYPTO_memcmp(expected.data(), signature_header.data(), expected.size()) != 0)
        return Verdict::bad_signature;
    return Verdict::ok;
}

}  // namespace hindsight::slack
