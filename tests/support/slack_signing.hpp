// Signs requests the way Slack does (docs/platforms.md, "Slack: request signing"), written here
// independently of the product's verifier so the two check each other.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::test {

inline std::string slack_signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
    std::string base = "v0:" + timestamp + ":" + body;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(base.data()), base.size(), digest, &length);
    std::string hex = "v0=";
    char buf[3];
    for (unsigned i = 0; i < length; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        hex += buf;
    }
    return hex;
}

// Headers of a signed Slack request sent at `unix_seconds`.
inline std::vector<std::pair<std::string, std::string>> slack_headers(const std::string& secret, long long unix_seconds,
                                                                      const std::string& body,
                                                                      const std::string& content_type) {
    auto ts = std::to_string(unix_seconds);
    return {{"Content-Type", content_type},
            {"X-Slack-Request-Timestamp", ts},
            {"X-Slack-Signature", slack_signature(secret, ts, body)}};
}

}  // namespace hindsight::test
