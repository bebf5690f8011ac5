#include "bot/core/neutral_text.hpp"

#include "bot/core/text.hpp"

namespace hindsight {

std::string neutral_mention(std::string_view id, std::string_view label) {
    if (label.starts_with('@')) label.remove_prefix(1);
    if (label.find_first_of("|{}\n") != std::string_view::npos) label = {};
    return mention_token(id, label);
}

std::string neutral_link(std::string_view url, std::string_view label) {
    if (label.empty() || label == url) return std::string(url);
    if (url.starts_with("mailto:") && url.substr(7) == label) return std::string(label);
    if (label.find_first_of("[]") != std::string_view::npos) return std::string(label) + " (" + std::string(url) + ")";
    return "[" + std::string(label) + "](" + std::string(url) + ")";
}

}  // namespace hindsight
