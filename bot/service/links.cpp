#include "bot/service/links.hpp"

#include "adapters/chat/wire.hpp"
#include "adapters/http/form.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace hindsight::service {

namespace {

std::string signed_text(std::string_view path, std::int64_t expires) {
    std::string text(path);
    text += '\n';
    text += std::to_string(expires);
    return text;
}

std::int64_t unix_seconds(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string link_query(std::string_view secret, std::string_view path, std::int64_t expires) {
    return "?exp=" + std::to_string(expires) + "&sig=" + chat::hmac_sha256_hex(secret, signed_text(path, expires));
}

std::string_view to_string(LinkCheck check) {
    switch (check) {
        case LinkCheck::ok: return "ok";
        case LinkCheck::missing: return "no link token";
        case LinkCheck::malformed: return "malformed link token";
        case LinkCheck::expired: return "link expired";
        case LinkCheck::bad_signature: return "link signature does not match";
        case LinkCheck::no_secret: return "no link secret stored";
    }
    return "?";
}

LinkCheck check_link(std::string_view secret, std::string_view path, std::string_view query, Timestamp now,
                     std::int64_t* expires) {
    auto form = http::Form::parse(query);
    if (!form) return LinkCheck::malformed;
    auto exp = form->get("exp");
    auto sig = form->get("sig");
    if (!exp && !sig) return LinkCheck::missing;
    if (!exp || !sig || exp->empty()) return LinkCheck::malformed;
    std::int64_t at = 0;
    auto [ptr, ec] = std::from_chars(exp->data(), exp->data() + exp->size(), at);
    if (ec != std::errc{} || ptr != exp->data() + exp->size()) return LinkCheck::malformed;
    if (secret.empty()) return LinkCheck::no_secret;
    // The signature is compared before the expiry is reported, so a forged
    // link never learns more than "bad signature".
    auto expected = chat::hmac_sha256_hex(secret, signed_text(path, at));
    if (sig->size() != expected.size() || CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)
        return LinkCheck::bad_signature;
    if (unix_seconds(now) >= at) return LinkCheck::expired;
    if (expires) *expires = at;
    return LinkCheck::ok;
}

std::string new_link_secret() {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("cannot draw random bytes for the link secret");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 0x0f];
    }
    return out;
}

std::string StoredLinkSigner::query(IncidentStore& store, std::string_view path, Timestamp now) const {
    auto secret = store.link_secret();
    if (secret.empty()) return {};
    return link_query(secret, path, unix_seconds(now + lifetime_));
}

}  // namespace hindsight::service
