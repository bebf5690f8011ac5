// Writing the neutral text adapters hand the core (docs/architecture.md,
// "Text on the way in"): the one place that knows what a mention token can
// hold and how a link is written, for the adapters' translations and the
// store's rewrite of older rows.
#pragma once

#include <string>
#include <string_view>

namespace hindsight {

// A mention token for a user id and the label a platform gave it: a leading
// '@' is dropped, and a label the token cannot hold (a brace, a bar, a
// newline) is dropped whole, so the name comes from the users cache as for a
// mention without a label.
std::string neutral_mention(std::string_view id, std::string_view label);

// A link: "[label](url)"; the bare URL when there is no label or the label
// only repeats the URL (with or without "mailto:"); "label (url)" when the
// label holds a bracket Markdown could not keep.
std::string neutral_link(std::string_view url, std::string_view label);

}  // namespace hindsight
