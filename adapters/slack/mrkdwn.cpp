#include "adapters/slack/mrkdwn.hpp"

#include "bot/core/neutral_text.hpp"

#include <algorithm>
#include <cctype>

namespace hindsight::slack {

namespace {

bool starts_with(std::string_view s, std::size_t i, std::string_view prefix) {
    return s.substr(i, prefix.size()) == prefix;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// <@U…>, <#C…>, <!here>, <!subteam^…>, <https://…|label>, <mailto:…>: length
// of the construct starting at s[i] == '<', or 0 when it is a literal '<'.
std::size_t slack_construct(std::string_view s, std::size_t i) {
    auto rest = s.substr(i + 1);
    bool known = !rest.empty() && (rest[0] == '@' || rest[0] == '#' || rest[0] == '!');
    known = known || starts_with(rest, 0, "http://") || starts_with(rest, 0, "https://") ||
            starts_with(rest, 0, "mailto:");
    if (!known) return 0;
    auto end = rest.find('>');
    if (end == std::string_view::npos || end < 2) return 0;
    auto inner = rest.substr(0, end);
    if (inner.find('<') != std::string_view::npos || inner.find('\n') != std::string_view::npos)
        return 0;
    // The target part (before '|') has no spaces.
    auto target = inner.substr(0, inner.find('|'));
    if (target.find(' ') != std::string_view::npos) return 0;
    return end + 2;
}

void escape_char(char c, std::string& out) {
    switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        default: out += c;
    }
}

// Characters a Markdown backslash may escape.
bool md_escapable(char c) {
    return std::string_view("\\`*_{}[]()#+-.!|~<>&").find(c) != std::string_view::npos;
}

std::string inline_md(std::string_view s);

// Finds the closing delimiter for emphasis opened at `from`; the content must
// not start or end with a space.
std::size_t closing(std::string_view s, std::size_t from, std::string_view delim) {
    if (from >= s.size() || s[from] == ' ') return std::string_view::npos;
    auto end = s.find(delim, from);
    while (end != std::string_view::npos) {
        if (end > from && s[end - 1] != ' ') {
            // A single '*' must not be half of a '**'.
            if (delim.size() == 1 && end + 1 < s.size() && s[end + 1] == delim[0]) {
                end = s.find(delim, end + 2);
                continue;
            }
            return end;
        }
        end = s.find(delim, end + 1);
    }
    return std::string_view::npos;
}

std::string link_url(std::string_view url) {
    std::string out;
    for (char c : url) {
        if (c == '|') out += "%7C";
        else if (c == '<') out += "%3C";
        else if (c == '>') out += "%3E";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    return out;
}

std::string inline_md(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 16);
    std::size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (c == '`') {
            std::size_t run = 0;
            while (i + run < s.size() && s[i + run] == '`') ++run;
            auto end = s.find(std::string(run, '`'), i + run);
            if (end != std::string_view::npos) {
                out.append(s.substr(i, end + run - i));  // code span: untouched
                i = end + run;
            } else {
                out.append(run, '`');
                i += run;
            }
            continue;
        }
        if (c == '\\' && i + 1 < s.size() && md_escapable(s[i + 1])) {
            escape_char(s[i + 1], out);
            i += 2;
            continue;
        }
        if (c == '<') {
            if (auto n = slack_construct(s, i)) {
                out.append(s.substr(i, n));
                i += n;
            } else {
                out += "&lt;";
                ++i;
            }
            continue;
        }
        if (starts_with(s, i, "**") || starts_with(s, i, "__") || starts_with(s, i, "~~")) {
            auto delim = s.substr(i, 2);
            auto end = closing(s, i + 2, delim);
            if (end != std::string_view::npos) {
                char mark = delim[0] == '~' ? '~' : '*';
                out += mark;
                out += inline_md(s.substr(i + 2, end - i - 2));
                out += mark;
                i = end + 2;
                continue;
            }
            out.append(delim);
            i += 2;
            continue;
        }
        if (c == '*') {
            auto end = closing(s, i + 1, "*");
            if (end != std::string_view::npos) {
                out += '_';
                out += inline_md(s.substr(i + 1, end - i - 1));
                out += '_';
                i = end + 1;
                continue;
            }
        }
        if (c == '[') {
            auto mid = s.find("](", i + 1);
            auto close = mid == std::string_view::npos ? mid : s.find(')', mid + 2);
            if (close != std::string_view::npos && mid > i + 1 &&
                s.substr(i + 1, mid - i - 1).find('[') == std::string_view::npos) {
                auto label = s.substr(i + 1, mid - i - 1);
                auto url = trim(s.substr(mid + 2, close - mid - 2));
                if (!url.empty() && url.find(' ') == std::string_view::npos) {
                    out += '<';
                    out += link_url(url);
                    out += '|';
                    // Only plain text renders inside a link label.
                    for (char l : label) {
                        if (l == '|') out += "\xE2\x88\xA3";  // '∣': '|' would end the label
                        else if (l != '*' && l != '`') escape_char(l, out);
                    }
                    out += '>';
                    i = close + 1;
                    continue;
                }
            }
        }
        escape_char(c, out);
        ++i;
    }
    return out;
}

bool is_fence(std::string_view line) { return starts_with(trim(line), 0, "```"); }

std::vector<std::string_view> table_cells(std::string_view row) {
    row = trim(row);
    if (!row.empty() && row.front() == '|') row.remove_prefix(1);
    if (!row.empty() && row.back() == '|') row.remove_suffix(1);
    std::vector<std::string_view> cells;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= row.size(); ++i) {
        if (i == row.size() || (row[i] == '|' && (i == 0 || row[i - 1] != '\\'))) {
            cells.push_back(trim(row.substr(start, i - start)));
            start = i + 1;
        }
    }
    return cells;
}

bool is_table_row(std::string_view line) {
    auto t = trim(line);
    return t.size() >= 2 && t.front() == '|' && t.back() == '|';
}

bool is_separator_row(std::string_view line) {
    for (auto cell : table_cells(line)) {
        if (cell.empty()) return false;
        for (char c : cell)
            if (c != '-' && c != ':') return false;
    }
    return true;
}

std::string heading_text(std::string_view line) {
    std::size_t level = 0;
    while (level < line.size() && line[level] == '#') ++level;
    if (level == 0 || level > 6 || level >= line.size() || line[level] != ' ') return {};
    auto text = trim(line.substr(level + 1));
    // Trailing closing hashes ("## Title ##") are decoration.
    while (!text.empty() && text.back() == '#') text.remove_suffix(1);
    text = trim(text);
    std::string plain;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (starts_with(text, i, "**")) { ++i; continue; }  // the whole line is bold already
        plain += text[i];
    }
    return "*" + inline_md(plain) + "*";
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) escape_char(c, out);
    return out;
}

std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '&') {
            if (starts_with(text, i, "&amp;")) { out += '&'; i += 4; continue; }
            if (starts_with(text, i, "&lt;")) { out += '<'; i += 3; continue; }
            if (starts_with(text, i, "&gt;")) { out += '>'; i += 3; continue; }
        }
        out += text[i];
    }
    return out;
}

namespace {

// One construct's inside (between '<' and '>', still escaped) in neutral text.
std::string neutral_construct(std::string_view inner) {
    auto bar = inner.find('|');
    auto target = unescape(inner.substr(0, bar));
    auto label = bar == std::string_view::npos ? std::string{} : unescape(inner.substr(bar + 1));
    switch (target.front()) {
        case '@': return neutral_mention(target.substr(1), label);
        case '#': return "#" + (label.empty() ? target.substr(1) : label);
        case '!': return label.empty() ? "@" + target.substr(1, target.find('^') - 1) : label;  // <!subteam^S1>
        default: return neutral_link(target, label);
    }
}

}  // namespace

std::string to_neutral(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto next = text.find('<', i);
        if (next == std::string_view::npos) break;
        if (auto n = slack_construct(text, next)) {
            out += unescape(text.substr(i, next - i));
            out += neutral_construct(text.substr(next + 1, n - 2));
            i = next + n;
        } else {
            out += unescape(text.substr(i, next + 1 - i));
            i = next + 1;
        }
    }
    out += unescape(text.substr(i));
    return out;
}

std::string to_mrkdwn(std::string_view markdown) {
    auto lines = lines_of(markdown);
    std::string out;
    out.reserve(markdown.size() + 32);
    bool in_fence = false;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        auto line = lines[n];
        if (n > 0) out += '\n';
        if (is_fence(line)) {
            // Slack shows a language tag as text: keep only the fence.
            out += "```";
            in_fence = !in_fence;
            continue;
        }
        if (in_fence) {
            out.append(line);
            continue;
        }
        if (is_table_row(line)) {
            // Slack has no tables: one line per row, header in bold.
            bool header = n + 1 < lines.size() && is_separator_row(lines[n + 1]) &&
                          (n == 0 || !is_table_row(lines[n - 1]));
            if (is_separator_row(line) && n > 0 && is_table_row(lines[n - 1])) {
                out.pop_back();  // drop the separator row and its newline
                continue;
            }
            auto cells = table_cells(line);
            for (std::size_t c = 0; c < cells.size(); ++c) {
                if (c > 0) out += " | ";
                auto cell = inline_md(cells[c]);
                if (header && !cell.empty()) out += "*" + cell + "*";
                else out += cell;
            }
            continue;
        }
        auto heading = heading_text(line);
        if (!heading.empty()) {
            out += heading;
            continue;
        }
        std::size_t indent = 0;
        while (indent < line.size() && line[indent] == ' ') ++indent;
        auto body = line.substr(indent);
        out.append(indent, ' ');
        if ((starts_with(body, 0, "- ") || starts_with(body, 0, "* ") || starts_with(body, 0, "+ ")) &&
            trim(body) != "* * *") {
            out += "\xE2\x80\xA2 ";  // '•'
            out += inline_md(body.substr(2));
        } else if (starts_with(body, 0, "> ") || body == ">") {
            out += '>';  // Slack renders quotes the same way
            out += inline_md(body.substr(1));
        } else {
            out += inline_md(body);
        }
    }
    return out;
}

std::vector<std::string> split(std::string_view text, std::size_t limit) {
    std::vector<std::string> chunks;
    if (limit < 16) limit = 16;  // room for reopened fences
    std::string current;
    bool in_fence = false;      // state at the end of `current`
    auto flush = [&] {
        if (current.empty()) return;
        if (in_fence) current += "\n```";
        chunks.push_back(std::move(current));
        current.clear();
        if (in_fence) current = "```\n";
    };
    bool fence = false;  // the current line opens or closes a code block
    // Room to keep for the "\n```" that closes a cut code block: needed
    // whenever the chunk is inside a fence after this line — it was and the
    // line does not close it, or it was not and the line opens one.
    auto fence_cost = [&] { return in_fence != fence ? std::size_t{4} : 0; };
    for (auto line : lines_of(text)) {
        fence = is_fence(line);
        std::size_t sep = current.empty() || current == "```\n" ? 0 : 1;
        if (current.size() + sep + line.size() + fence_cost() > limit) flush();
        sep = current.empty() || current == "```\n" ? 0 : 1;
        // A line that alone exceeds the limit: cut it, preferring spaces and
        // never inside a UTF-8 sequence. Each cut piece is flushed before the
        // line's own fence takes effect, so it needs room for a closing fence
        // when the chunk is inside one now; a line that opens a fence keeps
        // that room too, so a piece is always shorter than the line and the
        // rest (with the opening) fits next to its closing fence.
        while (current.size() + sep + line.size() + fence_cost() > limit) {
            std::size_t room = limit - current.size() - sep - (in_fence || fence ? 4 : 0);
            std::size_t cut = room;
            auto space = line.substr(0, room).rfind(' ');
            if (space != std::string_view::npos && space > room / 2) cut = space + 1;
            while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
            if (cut == 0) cut = room;
            if (sep) current += '\n';
            current.append(line.substr(0, cut));
            line.remove_prefix(cut);
            flush();
            sep = current.empty() || current == "```\n" ? 0 : 1;
        }
        if (sep) current += '\n';
        current.append(line);
        if (fence) in_fence = !in_fence;
    }
    if (!current.empty() && current != "```\n") {
        chunks.push_back(std::move(current));
    }
    return chunks;
}

}  // namespace hindsight::slack
