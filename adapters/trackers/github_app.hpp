// GitHub App authentication (docs/trackers.md, "GitHub"): a JWT signed with
// the app's private key (RS256) buys an installation access token at
// POST /app/installations/{id}/access_tokens; the token is kept until
// shortly before its expires_at (on the injected clock) and bought again
// then, or at once when GitHub refuses it (401). Internal to adapters/trackers.
#pragma once

#include "adapters/outbound/http_client.hpp"
#include "adapters/trackers/client.hpp"
#include "bot/core/time.hpp"

#include <memory>
#include <string>

namespace hindsight::trackers {

// Whether `pem` holds an RSA private key OpenSSL can read; "" when it does,
// else why not (no key material in it).
std::string check_app_private_key(const std::string& pem);

// The JWT that authenticates as the app `app_id` from `now` for ten minutes
// (iat a minute back, for clock drift). Empty when the key cannot sign.
std::string app_jwt(const std::string& app_id, const std::string& private_key_pem, Timestamp now);

class AppToken {
public:
    AppToken(std::string base_url, std::string app_id, std::string installation_id, std::string private_key_pem,
             const outbound::ClientOptions& options, const Clock& clock);
    ~AppToken();
    // The installation token; `stale`: the last one was refused, buy another.
    CallResult token(bool stale, std::string& token);

    // How long before expires_at a token is replaced.
    static constexpr Duration margin = std::chrono::minutes(5);

private:
    std::string base_url_;
    std::string app_id_;
    std::string installation_id_;
    std::string key_pem_;
    outbound::HttpClient http_;
    const Clock& clock_;
    std::string token_;
    Timestamp renew_at_{};
};

}  // namespace hindsight::trackers
