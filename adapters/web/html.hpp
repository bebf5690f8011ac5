// Building HTML by hand, safely: every piece of text that is not our own
// markup goes through escape().
#pragma once

#include <string>
#include <string_view>

namespace hindsight::web {

// Text or attribute value: & < > " ' as character references. Bytes that are
// not UTF-8 are kept (the page declares UTF-8; a browser shows U+FFFD).
std::string escape(std::string_view text);
void append_escaped(std::string& out, std::string_view text);

// A safe id from a heading: lower-case ASCII letters and digits joined by '-'.
std::string slug(std::string_view text);

// A number for an SVG attribute: at most one decimal, no exponent.
std::string svg_number(double value);

}  // namespace hindsight::web
