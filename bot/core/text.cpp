#include "bot/core/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace hindsight {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The base letter of U+00C0 + i, or '.' when it has none.
constexpr std::string_view latin1_letters = "AAAAAA.CEEEEIIII.NOOOOO.OUUUUY..aaaaaa.ceeeeiiii.nooooo.ouuuuy.y";

char base_letter(std::uint32_t cp) {
    if (cp < 0xC0 || cp > 0xFF) return 0;
    auto c = latin1_letters[cp - 0xC0];
    return c == '.' ? 0 : c;
}

// Decodes one UTF-8 code point at s[i]; invalid bytes decode as themselves
// (length 1) so malformed input never stalls or throws.
std::uint32_t decode(std::string_view s, std::size_t i, std::size_t& length) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
    if (extra <= 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
        length = 1;
        return b;
    }
    std::uint32_t cp = b & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
        auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((c & 0xC0) != 0x80) {
            length = 1;
            return b;
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    length = static_cast<std::size_t>(extra) + 1;
    return cp;
}

// Pictographs, dingbats, symbols and the joiners/modifiers that build emoji
// sequences (ZWJ, variation selector, skin tones, keycaps, tags, flags).
bool is_emoji_code_point(std::uint32_t cp) {
    return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
           (cp >= 0x2B00 && cp <= 0x2BFF) || (cp >= 0x2300 && cp <= 0x23FF) ||
           (cp >= 0x2190 && cp <= 0x21FF) || (cp >= 0xE0020 && cp <= 0xE007F) || cp == 0x200D ||
           cp == 0xFE0F || cp == 0xFE0E || cp == 0x20E3 || cp == 0x00A9 || cp == 0x00AE || cp == 0x203C ||
           cp == 0x2049 || cp == 0x2122 || cp == 0x2139 || cp == 0x3030 || cp == 0x303D || cp == 0x3297 ||
           cp == 0x3299;
}

bool is_shortcode_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '+' || c == '\''; }

// Length of a ":shortcode:" (optionally followed by "::skin-tone-2:") at s[i], 0 if none.
std::size_t shortcode_at(std::string_view s, std::size_t i) {
    if (s[i] != ':') return 0;
    std::size_t j = i + 1;
    while (j < s.size() && is_shortcode_char(s[j])) ++j;
    if (j == i + 1 || j >= s.size() || s[j] != ':') return 0;
    return j + 1 - i;
}

// "@{U1|bob}" → ("U1", "bob"), for a token mention_token_at() found.
std::pair<std::string_view, std::string_view> token_parts(std::string_view token) {
    auto bar = token.find('|');
    return {token.substr(2, bar - 2), token.substr(bar + 1, token.size() - bar - 2)};
}

// A Markdown link "[label](scheme:...)" at s[i] on one line: its length, 0
// if none. Only a target with a URL scheme counts, so "[WIP](see below)"
// stays text. Each scan stops at the next bracket or space, so a text full
// of '[' is still read in linear time.
std::size_t markdown_link_at(std::string_view s, std::size_t i, std::string_view& label, std::string_view& target) {
    if (s[i] != '[') return 0;
    auto close = s.find_first_of("[]\n", i + 1);
    if (close == std::string_view::npos || close == i + 1 || s.substr(close, 2) != "](") return 0;
    auto end = s.find_first_of(") \t\n\r\f\v", close + 2);
    if (end == std::string_view::npos || s[end] != ')') return 0;
    label = s.substr(i + 1, close - i - 1);
    target = s.substr(close + 2, end - close - 2);
    auto colon = target.find(':');
    if (colon == std::string_view::npos || colon == 0) return 0;
    for (std::size_t k = 0; k < colon; ++k)
        if (!is_alnum(target[k]) && target[k] != '+' && target[k] != '.' && target[k] != '-') return 0;
    return end + 1 - i;
}

bool mm_username_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }

// Renders the neutral text adapters hand the core; `mention` decides what a
// user mention becomes from (id, name), name possibly empty ("@alice" is
// (alice, "")).
template <typename Mention>
std::string render(std::string_view s, Mention&& mention) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        std::string_view label, target;
        if (auto n = c == '@' ? mention_token_at(s, i) : 0) {
            auto [id, name] = token_parts(s.substr(i, n));
            out += mention(std::string(id), std::string(name));
            i += n;
            continue;
        }
        if (auto n = c == '[' ? markdown_link_at(s, i, label, target) : 0) {
            out += label;
            i += n;
            continue;
        }
        if (c == '@' && (i == 0 || !(is_alnum(s[i - 1]) || s[i - 1] == '.'))) {
            std::size_t j = i + 1;
            while (j < s.size() && mm_username_char(s[j])) ++j;
            while (j > i + 1 && (s[j - 1] == '.' || s[j - 1] == '-')) --j;  // "@bob." ends a sentence
            if (j > i + 1) {
                out += mention(std::string(s.substr(i + 1, j - i - 1)), std::string{});
                i = j;
                continue;
            }
        }
        out += c;
        ++i;
    }
    return out;
}

}  // namespace

std::size_t mention_token_at(std::string_view text, std::size_t i) {
    if (text.substr(i, 2) != "@{") return 0;
    // Neither part holds a brace or a newline: each scan stops at the next
    // one, so a text full of "@{" is still read in linear time.
    auto bar = text.find_first_of("|{}\n", i + 2);
    if (bar == std::string_view::npos || text[bar] != '|') return 0;
    auto end = text.find_first_of("|{}\n", bar + 1);
    if (end == std::string_view::npos || text[end] != '}') return 0;
    return end + 1 - i;
}

std::string mention_token(std::string_view id, std::string_view name) {
    return "@{" + std::string(id) + "|" + std::string(name) + "}";
}

std::string render_mentions(std::string_view text,
                            const std::function<std::string(const std::string& id, const std::string& name)>& render) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto start = text.find("@{", i);
        if (start == std::string_view::npos) break;
        auto n = mention_token_at(text, start);
        out.append(text.substr(i, start - i));
        if (n == 0) {
            out += "@{";
            i = start + 2;
            continue;
        }
        auto [id, name] = token_parts(text.substr(start, n));
        out += render(std::string(id), std::string(name));
        i = start + n;
    }
    out.append(text.substr(i));
    return out;
}

std::string count_of(long long n, std::string_view singular, std::string_view plural) {
    return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string to_lower_ascii(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = lower(c);
    return out;
}

std::string collapse_whitespace(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (char c : text) {
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string render_chat_markup(std::string_view text, const NameResolver& names) {
    auto mention = [&](const std::string& id, const std::string& label) -> std::string {
        std::string resolved = names ? names(id) : std::string{};
        bool known = !resolved.empty() && resolved != id;
        if (known) return resolved;
        if (!label.empty()) return label.front() == '@' ? label.substr(1) : label;
        return "@" + id;
    };
    return render(text, mention);
}

std::string neutralise_markup(std::string_view text) {
    auto mention = [](const std::string&, const std::string&) { return std::string("@user"); };
    return render(text, mention);
}

std::string_view reading_of(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    auto end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

std::string shorten(std::string_view text, std::size_t max_chars) {
    // Find the byte offset of code point number max_chars.
    std::size_t chars = 0, i = 0, cut = std::string_view::npos;
    while (i < text.size()) {
        if (chars == max_chars) {
            cut = i;
            break;
        }
        std::size_t len = 1;
        decode(text, i, len);
        i += len;
        ++chars;
    }
    if (cut == std::string_view::npos) return std::string(text);
    if (max_chars == 0) return {};
    // Leave room for the ellipsis: back up one code point.
    std::size_t limit = cut;
    do {
        --limit;
    } while (limit > 0 && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80);
    auto head = text.substr(0, limit);
    auto space = head.find_last_of(' ');
    // Cut on a word boundary unless that would throw away most of the text.
    if (space != std::string_view::npos && space >= limit / 2) head = head.substr(0, space);
    while (!head.empty() && (is_space(head.back()) || head.back() == ',' || head.back() == ';')) head.remove_suffix(1);
    // A trailing lone backslash would escape the ellipsis' neighbour.
    std::size_t slashes = 0;
    while (slashes < head.size() && head[head.size() - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) head.remove_suffix(1);
    std::string out(head);
    out += "…";
    return out;
}

std::string escape_markdown(std::string_view text, bool starts_line) {
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        switch (c) {
            case '\\': case '`': case '*': case '[': case ']': case '<': case '>': case '|': case '~':
                out += '\\';
                out += c;
                break;
            case '_': {
                // Intra-word underscores (error_rate) are not emphasis.
                bool inner = i > 0 && i + 1 < text.size() && is_alnum(text[i - 1]) && is_alnum(text[i + 1]);
                if (!inner) out += '\\';
                out += c;
                break;
            }
            case '#':
                if (out.empty() && starts_line) out += '\\';
                out += c;
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string markdown_link_target(std::string_view url) {
    std::string out;
    out.reserve(url.size());
    for (char c : url) {
        if (c == ' ') out += "%20";
        else if (c == '(') out += "%28";
        else if (c == ')') out += "%29";
        else if (c == '<') out += "%3C";
        else if (c == '>') out += "%3E";
        else if (!is_space(c)) out += c;
    }
    return out;
}

LowerTokens::LowerTokens(std::string_view text) {
    // The buffer never outgrows the text ('’' shrinks to '\'', joiners are
    // dropped), so reserving once keeps every view valid.
    buffer_.reserve(text.size());
    std::size_t word_start = std::string::npos;
    auto flush = [&] {
        if (word_start != std::string::npos) views_.emplace_back(buffer_.data() + word_start, buffer_.size() - word_start);
        word_start = std::string::npos;
    };
    auto start_word = [&] {
        if (word_start == std::string::npos) word_start = buffer_.size();
    };
    auto single = [&](std::string_view bytes) {
        flush();
        auto at = buffer_.size();
        buffer_.append(bytes);
        views_.emplace_back(buffer_.data() + at, bytes.size());
    };
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        auto b = static_cast<unsigned char>(c);
        if (b >= 0x80) {
            if (text.substr(i, 3) == "\xE2\x80\x99") {  // ’ typed by phones and macOS
                start_word();
                buffer_ += '\'';
                i += 3;
                continue;
            }
            std::size_t len = 1;
            auto cp = decode(text, i, len);
            if (is_emoji_code_point(cp) || (cp >= 0x2000 && cp <= 0x206F)) {
                // Emoji and general punctuation (… — “) separate words.
                flush();
                if (cp != 0xFE0F && cp != 0x200D) single(text.substr(i, len));
            } else if (auto base = base_letter(cp)) {
                start_word();
                buffer_ += lower(base);
            } else {
                start_word();
                buffer_.append(text.substr(i, len));
            }
            i += len;
            continue;
        }
        if (is_alnum(c) || c == '\'') {
            start_word();
            buffer_ += lower(c);
        } else {
            flush();
            if (!is_space(c)) single(text.substr(i, 1));
        }
        ++i;
    }
    flush();
}

std::string fold_accents(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t len = 1;
        auto cp = decode(text, i, len);
        if (auto c = base_letter(cp)) out += c;
        else out.append(text.substr(i, len));
        i += len;
    }
    return out;
}

std::vector<std::string> tokenize_lower(std::string_view text) {
    LowerTokens tokens(text);
    return {tokens.begin(), tokens.end()};
}

std::string strip_emoji(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (auto n = shortcode_at(text, i)) {
            i += n;
            continue;
        }
        std::size_t len = 1;
        auto cp = decode(text, i, len);
        bool regional_indicator = cp >= 0x1F1E6 && cp <= 0x1F1FF;
        if (!is_emoji_code_point(cp) && !regional_indicator) out.append(text.substr(i, len));
        i += len;
    }
    return out;
}

bool only_emoji(std::string_view text) {
    bool any_emoji = false;
    for (std::size_t i = 0; i < text.size();) {
        if (auto n = shortcode_at(text, i)) {
            any_emoji = true;
            i += n;
            continue;
        }
        std::size_t len = 1;
        auto cp = decode(text, i, len);
        if (is_emoji_code_point(cp) || (cp >= 0x1F1E6 && cp <= 0x1F1FF)) any_emoji = true;
        else if (!(cp < 0x80 && is_space(static_cast<char>(cp)))) return false;  // stops at the first word
        i += len;
    }
    return any_emoji;
}

}  // namespace hindsight
