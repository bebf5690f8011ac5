// Signed, expiring links to the web pages (docs/web.md). A link carries
// `exp` (Unix seconds) and `sig`, the HMAC-SHA256 under the deployment's link
// secret (kept in the database) of "<path>\n<exp>": it opens that one path
// until then. Replacing the secret (`hindsight rotate-link-secret`) revokes
// every link at once.
#pragma once

#include "bot/core/ports.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hindsight::service {

// "?exp=<expires>&sig=<hex>" for `path`.
std::string link_query(std::string_view secret, std::string_view path, std::int64_t expires);

enum class LinkCheck { ok, missing, malformed, expired, bad_signature, no_secret };
std::string_view to_string(LinkCheck check);

// Checks the `exp` and `sig` of a request's query against its path. On ok,
// `expires` (when given) receives the link's expiry.
LinkCheck check_link(std::string_view secret, std::string_view path, std::string_view query, Timestamp now,
                     std::int64_t* expires = nullptr);

// 32 random bytes from OpenSSL, hex.
std::string new_link_secret();

// The bot's link signer: reads the secret from the store it is given each
// time, so a rotation by another process takes effect at once.
class StoredLinkSigner final : public LinkSigner {
public:
    explicit StoredLinkSigner(Duration lifetime) : lifetime_(lifetime) {}
    std::string query(IncidentStore& store, std::string_view path, Timestamp now) const override;

private:
    Duration lifetime_;
};

}  // namespace hindsight::service
