// Text utilities for drafting: chat markup to plain words, concise one-line
// text, Markdown escaping, and a word tokenizer shared by the rule tables.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight {

// Resolves a user id (Slack "U123") or a username (Mattermost "alice") to a
// display name; may return its argument unchanged when it knows no better.
using NameResolver = std::function<std::string(const std::string&)>;

// ASCII lower-casing (non-ASCII bytes unchanged).
std::string to_lower_ascii(std::string_view text);

// A person, in the neutral form "@{<user id>|<name>}" (either part may be
// empty), in the bot's own text and in what adapters hand the core. The core
// never reads or writes a platform's mention syntax: adapters translate theirs
// into tokens on the way in and render tokens the way their platform
// notifies on the way out (Slack <@U…>, Mattermost and the console @username).
std::string mention_token(std::string_view id, std::string_view name);
// The length of the mention token starting at text[i], 0 when none starts
// there (neither part of a token holds '|', '{', '}' or a newline).
std::size_t mention_token_at(std::string_view text, std::size_t i);
// `text` with every mention token replaced by render(id, name).
std::string render_mentions(std::string_view text,
                            const std::function<std::string(const std::string& id, const std::string& name)>& render);

// "1 message", "3 messages": a count with the word in the right number.
std::string count_of(long long n, std::string_view singular, std::string_view plural);

// Runs of whitespace (including newlines) become one space; trimmed.
std::string collapse_whitespace(std::string_view text);

// The neutral text adapters hand the core (docs/architecture.md, "Text on
// the way in") → readable plain text:
//   @{U123|bob} → display name of U123, else "bob", else "@U123";
//   @alice → display name when the resolver knows one;
//   [label](https://x) → label.
// `names` may be empty (mentions then keep their name or id).
std::string render_chat_markup(std::string_view text, const NameResolver& names);

// The same with every user mention replaced by "@user", for classification
// (so a person called "Page" never makes a message a detection).
std::string neutralise_markup(std::string_view text);

// At most `max_chars` characters (UTF-8 code points), cut on a word boundary
// with "…" appended when shortened. Never splits a code point.
std::string shorten(std::string_view text, std::size_t max_chars);

// The part of a message the drafter reads: the first `max_bytes` bytes, cut
// before a UTF-8 continuation byte (never inside a code point). What follows
// in a longer message is pasted output (logs, stack traces) — the words that
// make it a key moment come first, and an entry shows 280 characters at most.
inline constexpr std::size_t reading_bytes = 1024;
std::string_view reading_of(std::string_view text, std::size_t max_bytes = reading_bytes);

// Escapes Markdown control characters (\ ` * [ ] < > | ~, '_' at word edges)
// so chat text renders literally, also inside table cells. A leading '#' is
// escaped too when the text starts a line (it would make a heading).
std::string escape_markdown(std::string_view text, bool starts_line = true);
// For text placed after other text on a line (entries, cells, titles).
inline std::string escape_markdown_inline(std::string_view text) { return escape_markdown(text, false); }

// Makes a URL safe inside a Markdown link target: spaces and parentheses
// percent-encoded.
std::string markdown_link_target(std::string_view url);

// `text` with the accented Latin letters of U+00C0–U+00FF written as their base
// letter ("décision" → "decision", "Ñ" → "N"), so a team writing in French or
// Spanish meets the same word lists; letters without one (æ, ß, þ) are kept.
std::string fold_accents(std::string_view text);

// A lower-cased token stream: words are runs of ASCII letters/digits, '\'' and
// non-ASCII bytes ('’' counts as '\'', accented letters fold as in
// fold_accents()); every other visible ASCII character is a token of its own
// ("+1" → "+", "1"; "cc @bob" → "cc", "@", "bob").
std::vector<std::string> tokenize_lower(std::string_view text);

// The same tokens as views into one lower-cased buffer: one allocation per
// text instead of one per word (drafting tokenizes every message). Neither
// copyable nor movable, as the views point into the object.
class LowerTokens {
public:
    explicit LowerTokens(std::string_view text);
    LowerTokens(const LowerTokens&) = delete;
    LowerTokens& operator=(const LowerTokens&) = delete;

    std::size_t size() const { return views_.size(); }
    bool empty() const { return views_.empty(); }
    std::string_view operator[](std::size_t i) const { return views_[i]; }
    auto begin() const { return views_.begin(); }
    auto end() const { return views_.end(); }

private:
    std::string buffer_;
    std::vector<std::string_view> views_;
};

// True when `text` is only whitespace, :shortcode: emoji and Unicode emoji.
bool only_emoji(std::string_view text);
// `text` without :shortcode: and Unicode emoji.
std::string strip_emoji(std::string_view text);

}  // namespace hindsight
