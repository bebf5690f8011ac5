#include "adapters/trackers/github_app.hpp"

#include "adapters/trackers/rest.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <ctime>

namespace hindsight::trackers {

namespace {

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Key read_key(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (!bio) return nullptr;
    return Key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string base64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::int64_t unix_seconds(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// "2026-11-24T10:10:00Z" -> the instant; nullopt when not that shape.
std::optional<Timestamp> parse_utc(const std::string& text) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end != '\0') return std::nullopt;
    return Timestamp(std::chrono::seconds(timegm(&tm)));
}

}  // namespace

std::string check_app_private_key(const std::string& pem) {
    auto key = read_key(pem);
    if (!key) return "not a PEM private key OpenSSL can read";
    if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) return "not an RSA key (GitHub App keys are RSA)";
    return {};
}

std::string app_jwt(const std::string& app_id, const std::string& private_key_pem, Timestamp now) {
    auto key = read_key(private_key_pem);
    if (!key) return {};
    const auto at = unix_seconds(now);
    const std::string header = base64url(R"({"alg":"RS256","typ":"JWT"})");
    const std::string claims =
        base64url(nlohmann::json{{"iat", at - 60}, {"exp", at + 540}, {"iss", app_id}}.dump());
    const std::string signing_input = header + "." + claims;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1)
        return {};
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1)
        return {};
    signature.resize(length);
    return signing_input + "." + base64url(signature);
}

AppToken::AppToken(std::string base_url, std::string app_id, std::string installation_id, std::string private_key_pem,
                   const outbound::ClientOptions& options, const Clock& clock)
    : base_url_(std::move(base_url)),
      app_id_(std::move(app_id)),
      installation_id_(std::move(installation_id)),
      key_pem_(std::move(private_key_pem)),
      http_(options),
      clock_(clock) {}

AppToken::~AppToken() = default;

CallResult AppToken::token(bool stale, std::string& token) {
    const Timestamp now = clock_.now();
    if (!stale && !token_.empty() && now < renew_at_) {
        token = token_;
        return {};
    }
    token_.clear();
    auto jwt = app_jwt(app_id_, key_pem_, now);
    if (jwt.empty()) return {CallResult::Status::failed, "app token: the private key cannot sign", {}};
    outbound::ClientRequest request;
    request.method = "POST";
    request.url = base_url_ + "/app/installations/" + url_encode(installation_id_) + "/access_tokens";
    request.headers = {{"Authorization", "Bearer " + jwt},
                       {"Accept", "application/vnd.github+json"},
                       {"X-GitHub-Api-Version", "2022-11-28"},
                       {"User-Agent", "hindsight"}};
    auto r = http_.send(request);
    if (r.status == 0) return {CallResult::Status::retry, "app token: " + r.error, {}};
    if (r.status != 201 && r.status != 200) {
        // 401: a wrong app id or key; 404: no such installation. Retried:
        // the delivery worker dead-letters it after its attempts.
        return {r.status >= 500 || r.status == 429 ? CallResult::Status::retry : CallResult::Status::failed,
                "app token: HTTP " + std::to_string(r.status), {}};
    }
    auto body = parse_json(r.body);
    auto expires = parse_utc(string_or_empty(body, "expires_at"));
    token_ = string_or_empty(body, "token");
    if (token_.empty() || !expires) return {CallResult::Status::retry, "app token: an answer without token or expires_at", {}};
    renew_at_ = *expires - margin;
    spdlog::info("trackers: GitHub App installation {}: new token, valid until {}", installation_id_,
                 string_or_empty(body, "expires_at"));
    token = token_;
    return {};
}

}  // namespace hindsight::trackers
