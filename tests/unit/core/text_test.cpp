#include "bot/core/neutral_text.hpp"
#include "bot/core/text.hpp"
#include "bot/core/zone.hpp"

#include <date/date.h>
#include <doctest/doctest.h>

#include <stdexcept>

using namespace hindsight;

namespace {

std::string names(const std::string& id) {
    if (id == "U1") return "Alice Doe";
    if (id == "alice") return "Alice Doe";
    return id;
}

Timestamp at(int y, unsigned mo, unsigned d, int h, int mi) {
    using namespace std::chrono;
    return Timestamp{date::sys_days{date::year{y} / mo / d}.time_since_epoch() + hours{h} + minutes{mi}};
}

}  // namespace

TEST_CASE("collapse_whitespace joins runs and trims") {
    CHECK(collapse_whitespace("  rolled\n\n back \t now  ") == "rolled back now");
    CHECK(collapse_whitespace(" \n ") == "");
}

TEST_CASE("render_chat_markup: mention tokens, links as labels") {
    CHECK(render_chat_markup("ping @{U1|} now", names) == "ping Alice Doe now");
    CHECK(render_chat_markup("ping @{U9|bob} now", names) == "ping bob now");
    CHECK(render_chat_markup("ping @{U9|}", names) == "ping @U9");
    CHECK(render_chat_markup("ping @{U1|old-name}", names) == "ping Alice Doe");
    CHECK(render_chat_markup("ping @{U9|Bob Smith}!", names) == "ping Bob Smith!");
    CHECK(render_chat_markup("dash: [error dashboard](https://grafana.example/d/1)", names) == "dash: error dashboard");
    CHECK(render_chat_markup("raw https://x.example/a?b=1&c=2", names) == "raw https://x.example/a?b=1&c=2");
    // What is not a token or a link stays text: Slack's markup among it (the
    // Slack adapter translates that before the core sees it).
    CHECK(render_chat_markup("latency < 100 ms > 50 ms", names) == "latency < 100 ms > 50 ms");
    CHECK(render_chat_markup("[WIP](see below) @{U1 no bar} @{U1|\nx}", names) ==
          "[WIP](see below) @{U1 no bar} @{U1|\nx}");
    CHECK(render_chat_markup("<#C1|ops> <!here> &amp;", names) == "<#C1|ops> <!here> &amp;");
}

TEST_CASE("render_chat_markup: @names via the resolver") {
    CHECK(render_chat_markup("thanks @alice.", names) == "thanks Alice Doe.");
    CHECK(render_chat_markup("cc @bob", names) == "cc @bob");
    CHECK(render_chat_markup("mail ops@example.com", names) == "mail ops@example.com");
    CHECK(render_chat_markup("no resolver @{U1|}", NameResolver{}) == "no resolver @U1");
}

TEST_CASE("neutralise_markup hides who was mentioned") {
    CHECK(neutralise_markup("@{U1|Page} said hi to @alice") == "@user said hi to @user");
}

TEST_CASE("mention tokens: found whole, never across a line") {
    CHECK(mention_token_at("cc @{U1|bob} now", 3) == 9);
    CHECK(mention_token_at("cc @{U1|bob} now", 0) == 0);
    CHECK(mention_token_at("@{U1|bo\nb}", 0) == 0);
    CHECK(mention_token_at("@{U1}", 0) == 0);
    CHECK(render_mentions("to @{U1|bob} and @{U2|}", [](const std::string& id, const std::string& name) {
              return "<" + id + ":" + name + ">";
          }) == "to <U1:bob> and <U2:>");
}

TEST_CASE("shorten cuts on a word boundary with an ellipsis") {
    CHECK(shorten("short text", 20) == "short text");
    CHECK(shorten("rolled back the checkout service to v41", 20) == "rolled back the…");
    // No space in reach: hard cut, but never inside a code point.
    CHECK(shorten("ééééééééééé", 5) == "éééé…");
    CHECK(shorten("abcdefghijklmnop", 6) == "abcde…");
    // A cut never leaves an escaping backslash dangling.
    CHECK(shorten("abc\\*defghijk", 5) == "abc…");
}

TEST_CASE("escape_markdown makes chat text literal") {
    CHECK(escape_markdown("*bold* [x](y) `code` a|b <tag> ~s~") ==
          "\\*bold\\* \\[x\\](y) \\`code\\` a\\|b \\<tag\\> \\~s\\~");
    CHECK(escape_markdown("error_rate _em_") == "error_rate \\_em\\_");
    CHECK(escape_markdown("#1 on #ops") == "\\#1 on #ops");
    CHECK(escape_markdown_inline("#1 on #ops") == "#1 on #ops");
    CHECK(escape_markdown("C:\\tmp") == "C:\\\\tmp");
}

TEST_CASE("markdown_link_target encodes what would end the link") {
    CHECK(markdown_link_target("https://x.example/a (b)") == "https://x.example/a%20%28b%29");
}

TEST_CASE("accented Latin letters fold to their base letter, others stay") {
    CHECK(fold_accents("Décision: trafic progressif, reparación en curso") == "Decision: trafic progressif, reparacion en curso");
    CHECK(fold_accents("ÀÉÎÕÜÑÇ àéîõüñçÿ") == "AEIOUNC aeiouncy");
    CHECK(fold_accents("Straße, Æsir, 🔥 ok") == "Straße, Æsir, 🔥 ok");  // no single base letter; not Latin-1
    CHECK(tokenize_lower("Décision: ROLLBACK") == std::vector<std::string>{"decision", ":", "rollback"});
}

TEST_CASE("reading_of: the first KiB of a message, never cut inside a code point") {
    CHECK(reading_of("short text") == "short text");
    const std::string exact(reading_bytes, 'a');
    CHECK(reading_of(exact) == exact);
    const std::string longer = exact + "tail";
    CHECK(reading_of(longer) == exact);
    // "é" is two bytes; one starting at the last byte kept is left out whole.
    const std::string split = std::string(reading_bytes - 1, 'a') + "\xC3\xA9" + "more";
    CHECK(reading_of(split) == std::string(reading_bytes - 1, 'a'));
    CHECK(reading_of("d\xC3\xA9" "cision", 2) == "d");
}

TEST_CASE("tokenize_lower splits words and punctuation") {
    CHECK(tokenize_lower("Let’s ROLL-back +1, cc @Bob") ==
          std::vector<std::string>{"let's", "roll", "-", "back", "+", "1", ",", "cc", "@", "bob"});
    CHECK(tokenize_lower("") .empty());
}

TEST_CASE("emoji detection: shortcodes and Unicode") {
    CHECK(only_emoji(":thumbsup:"));
    CHECK(only_emoji(" :+1: :white_check_mark: "));
    CHECK(only_emoji("👍"));
    CHECK(only_emoji("🙏🏽🙏"));
    CHECK(only_emoji("❤️"));
    CHECK(only_emoji("👨‍💻"));
    CHECK_FALSE(only_emoji("👍 rolled back"));
    CHECK_FALSE(only_emoji("ratio 3:2:1"));
    CHECK_FALSE(only_emoji(""));
    CHECK_FALSE(only_emoji("   "));
    CHECK(strip_emoji("done :tada: 🎉!") == "done  !");
}

TEST_CASE("malformed UTF-8 never breaks the text functions") {
    std::string bad = "ok \xC3 \xF0\x9F and \xFF end";
    CHECK_NOTHROW(shorten(bad, 5));
    CHECK_NOTHROW(tokenize_lower(bad));
    CHECK_FALSE(only_emoji(bad));
    CHECK(strip_emoji(bad) == bad);
}

TEST_CASE("ZoneFormatter shows UTC and the configured zone") {
    ZoneFormatter berlin("Europe/Berlin");
    auto t = at(2026, 11, 24, 14, 3);
    CHECK(berlin.time(t, false) == "14:03 UTC (15:03 CET)");
    CHECK(berlin.time(t, true) == "2026-11-24 14:03 UTC (15:03 CET)");
    // The local date is spelled out when it differs from the UTC date.
    CHECK(berlin.time(at(2026, 11, 24, 23, 30), true) == "2026-11-24 23:30 UTC (2026-11-25 00:30 CET)");
    CHECK(berlin.time(at(2026, 7, 1, 8, 0), false) == "08:00 UTC (10:00 CEST)");
    CHECK(berlin.legend() == "UTC / Europe/Berlin");

    ZoneFormatter utc("UTC");
    CHECK(utc.time(t, false) == "14:03 UTC");
    CHECK(utc.time(t, true) == "2026-11-24 14:03 UTC");
    CHECK(utc.legend() == "UTC");

    ZoneFormatter kolkata("Asia/Kolkata");
    CHECK(kolkata.time(t, false) == "14:03 UTC (19:33 IST)");
}

TEST_CASE("ZoneFormatter::same_day looks at both calendars") {
    ZoneFormatter berlin("Europe/Berlin");
    CHECK(berlin.same_day(at(2026, 11, 24, 10, 0), at(2026, 11, 24, 22, 0)));
    // Same UTC day, but 23:30 UTC is already the 25th in Berlin.
    CHECK_FALSE(berlin.same_day(at(2026, 11, 24, 10, 0), at(2026, 11, 24, 23, 30)));
    ZoneFormatter utc("UTC");
    CHECK(utc.same_day(at(2026, 11, 24, 10, 0), at(2026, 11, 24, 23, 30)));
    CHECK_FALSE(utc.same_day(at(2026, 11, 24, 23, 59), at(2026, 11, 25, 0, 1)));
}

TEST_CASE("unknown time zones are refused by name") {
    CHECK(is_valid_time_zone("America/New_York"));
    CHECK_FALSE(is_valid_time_zone("Mars/Olympus"));
    CHECK_FALSE(is_valid_time_zone(""));
    CHECK_THROWS_WITH_AS(ZoneFormatter("Mars/Olympus"), "unknown time zone 'Mars/Olympus'", std::invalid_argument);
}

TEST_CASE("count_of: singular for one, plural otherwise") {
    CHECK(count_of(0, "message", "messages") == "0 messages");
    CHECK(count_of(1, "message", "messages") == "1 message");
    CHECK(count_of(2, "entry", "entries") == "2 entries");
}

TEST_CASE("mention tokens: the core's neutral mention, rendered by whoever shows the text") {
    auto text = "for " + mention_token("U7", "bob") + " and " + mention_token("", "carol") + ", not @{broken";
    CHECK(text == "for @{U7|bob} and @{|carol}, not @{broken");
    auto rendered = render_mentions(text, [](const std::string& id, const std::string& name) {
        return id.empty() ? "@" + name : "<" + id + ">";
    });
    CHECK(rendered == "for <U7> and @carol, not @{broken");
    CHECK(render_mentions("no tokens", [](const std::string&, const std::string&) { return std::string("x"); }) ==
          "no tokens");
}

TEST_CASE("neutral text: mentions keep a label the token can hold, links are Markdown unless plainer") {
    CHECK(neutral_mention("U1", "bob") == "@{U1|bob}");
    CHECK(neutral_mention("U1", "@bob") == "@{U1|bob}");
    CHECK(neutral_mention("U1", "") == "@{U1|}");
    for (auto label : {"a|b", "a{b", "a}b", "a\nb"}) CHECK(neutral_mention("U1", label) == "@{U1|}");
    CHECK(neutral_link("https://x.example", "the board") == "[the board](https://x.example)");
    CHECK(neutral_link("https://x.example", "") == "https://x.example");
    CHECK(neutral_link("https://x.example", "https://x.example") == "https://x.example");
    CHECK(neutral_link("mailto:ops@example.com", "ops@example.com") == "ops@example.com");
    CHECK(neutral_link("https://x.example", "see [1]") == "see [1] (https://x.example)");
    // What the core then reads back.
    CHECK(render_chat_markup(neutral_link("https://x.example", "the board"), names) == "the board");
    CHECK(render_chat_markup(neutral_mention("U9", "a}b") + " " + neutral_mention("U9", "Bob"), names) == "@U9 Bob");
}
