#include "adapters/web/html.hpp"

#include <cmath>
#include <cstdio>

namespace hindsight::web {

void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    append_escaped(out, text);
    return out;
}

std::string slug(std::string_view text) {
    std::string out;
    bool dash = false;
    for (char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && !out.empty()) out += '-';
            out += c;
            dash = false;
        } else if (c >= 'A' && c <= 'Z') {
            if (dash && !out.empty()) out += '-';
            out += static_cast<char>(c - 'A' + 'a');
            dash = false;
        } else {
            dash = true;
        }
    }
    return out.empty() ? std::string("section") : out;
}

std::string svg_number(double value) {
    if (!std::isfinite(value)) value = 0;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    std::string out = buffer;
    if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
    if (out == "-0") out = "0";
    return out;
}

}  // namespace hindsight::web
