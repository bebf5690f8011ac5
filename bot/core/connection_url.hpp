// Database connection strings as they may be shown: in logs, errors and
// `check-config`. A PostgreSQL URL or keyword string can carry a password.
#pragma once

#include <string>
#include <string_view>

namespace hindsight {

// The connection string with any password replaced by "<redacted>":
// "postgresql://app:s3cret@db/hs" -> "postgresql://app:<redacted>@db/hs";
// also a "password=" query parameter or keyword ("host=db password=x").
std::string redact_connection_url(std::string_view url);

// Every occurrence of the password part of `url` (if it has one) in `text`
// replaced by "<redacted>": for messages from a database library that might
// echo the connection string.
std::string scrub_password(std::string text, std::string_view url);

}  // namespace hindsight
