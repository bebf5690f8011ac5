// The pages' one stylesheet (inline, so a saved page still works offline) and
// the Content-Security-Policy that allows exactly it: no script, no other
// style, images only as data: URLs, no framing.
#pragma once

#include <string>
#include <string_view>

namespace hindsight::web {

std::string_view stylesheet();

// "default-src 'none'; style-src 'sha256-…'; img-src data:; …"
const std::string& content_security_policy();

}  // namespace hindsight::web
