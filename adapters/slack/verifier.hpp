// Slack request signing (docs/platforms.md, "Slack: request signing"): HMAC-SHA256 over
// "v0:<timestamp>:<raw body>", compared in constant time, with a ±300 s
// replay window. Pure function: the caller passes the raw body and "now".
#pragma once

#include "bot/core/time.hpp"

#include <string>
#include <string_view>

namespace hindsight::slack {

enum class Verdict { ok, missing_headers, bad_timestamp, stale, bad_signature };

std::string_view to_string(Verdict v);

// `timestamp_header` / `signature_header` are the raw header values
// (X-Slack-Request-Timestamp / X-Slack-Signature; empty when absent).
Verdict verify(std::string_view signing_secret, std::string_view timestamp_header,
               std::string_view signature_header, std::string_view raw_body, Timestamp now);

// "v0=" + lowercase hex HMAC-SHA256 of the basestring. Exposed for the test
// double and for tests that sign requests the way Slack does.
std::string sign(std::string_view signing_secret, std::string_view timestamp,
                 std::string_view raw_body);

}  // namespace hindsight::slack
