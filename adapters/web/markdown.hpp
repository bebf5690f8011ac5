// Markdown to HTML with cmark-gfm (GitHub tables, strikethrough, autolinks)
// in its safe mode: raw HTML in the input is never passed through and
// links to javascript:, vbscript:, file: and data: (other than images) are
// emptied.
#pragma once

#include <string>
#include <string_view>

namespace hindsight::web {

std::string markdown_to_html(std::string_view markdown);

}  // namespace hindsight::web
