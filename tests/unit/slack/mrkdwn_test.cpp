#include "adapters/slack/mrkdwn.hpp"

#include <doctest/doctest.h>

using namespace hindsight::slack;

TEST_CASE("mrkdwn: emphasis") {
    CHECK(to_mrkdwn("**bold**") == "*bold*");
    CHECK(to_mrkdwn("__bold__") == "*bold*");
    CHECK(to_mrkdwn("_italic_") == "_italic_");
    CHECK(to_mrkdwn("*italic*") == "_italic_");
    CHECK(to_mrkdwn("~~gone~~") == "~gone~");
    CHECK(to_mrkdwn("**Sev 1** incident _open_") == "*Sev 1* incident _open_");
    CHECK(to_mrkdwn("**bold with *italic* inside**") == "*bold with _italic_ inside*");
    // Not emphasis: unmatched or spaced markers stay literal.
    CHECK(to_mrkdwn("5 * 3 = 15") == "5 * 3 = 15");
    CHECK(to_mrkdwn("** not bold **") == "** not bold **");
    CHECK(to_mrkdwn("snake_case_name") == "snake_case_name");
}

TEST_CASE("mrkdwn: code spans and blocks are untouched") {
    CHECK(to_mrkdwn("run `a < b && **c**` now") == "run `a < b && **c**` now");
    CHECK(to_mrkdwn("``x ` y``") == "``x ` y``");
    CHECK(to_mrkdwn("```sql\nSELECT * FROM t WHERE a < 3 AND **b**;\n```\nafter **x**") ==
          "```\nSELECT * FROM t WHERE a < 3 AND **b**;\n```\nafter *x*");
    CHECK(to_mrkdwn("```\n# not a heading\n- not a list\n```") ==
          "```\n# not a heading\n- not a list\n```");
}

TEST_CASE("mrkdwn: links") {
    CHECK(to_mrkdwn("[postmortem](https://hindsight.example.com/incidents/7/postmortem.md)") ==
          "<https://hindsight.example.com/incidents/7/postmortem.md|postmortem>");
    CHECK(to_mrkdwn("see [the **runbook**](https://x.example/r?a=1&b=2) now") ==
          "see <https://x.example/r?a=1&amp;b=2|the runbook> now");
    CHECK(to_mrkdwn("[a|b](https://x.example)") == "<https://x.example|a\xE2\x88\xA3" "b>");
    CHECK(to_mrkdwn("[not a link](no closing") == "[not a link](no closing");
    CHECK(to_mrkdwn("[x](has space)") == "[x](has space)");
}

TEST_CASE("mrkdwn: escaping only &, <, > in literal text") {
    CHECK(to_mrkdwn("latency < 5s & errors > 1%") == "latency &lt; 5s &amp; errors &gt; 1%");
    CHECK(to_mrkdwn("a \"quote\" 'single'") == "a \"quote\" 'single'");
    CHECK(to_mrkdwn("\\*not italic\\*") == "*not italic*");
    CHECK(to_mrkdwn("a <b> c") == "a &lt;b&gt; c");
    CHECK(to_mrkdwn("<not a link>") == "&lt;not a link&gt;");
}

TEST_CASE("mrkdwn: Slack constructs the core emits pass through") {
    CHECK(to_mrkdwn("owner <@U0TEST0003> & <@U0TEST0004|bob>") ==
          "owner <@U0TEST0003> &amp; <@U0TEST0004|bob>");
    CHECK(to_mrkdwn("in <#C0TEST0001|inc-checkout>, <!here>") == "in <#C0TEST0001|inc-checkout>, <!here>");
    CHECK(to_mrkdwn("<https://status.example.com|status> <mailto:a@b.example>") ==
          "<https://status.example.com|status> <mailto:a@b.example>");
    CHECK(to_mrkdwn("**<@U1>** done") == "*<@U1>* done");
}

TEST_CASE("mrkdwn: headings become bold lines") {
    CHECK(to_mrkdwn("# Postmortem: checkout latency") == "*Postmortem: checkout latency*");
    CHECK(to_mrkdwn("## Root cause (five whys)\ntext") == "*Root cause (five whys)*\ntext");
    CHECK(to_mrkdwn("### **Already bold** ###") == "*Already bold*");
    CHECK(to_mrkdwn("#hashtag") == "#hashtag");
    CHECK(to_mrkdwn("## A < B") == "*A &lt; B*");
}

TEST_CASE("mrkdwn: lists and quotes") {
    CHECK(to_mrkdwn("- one\n- **two**\n  - nested") ==
          "\xE2\x80\xA2 one\n\xE2\x80\xA2 *two*\n  \xE2\x80\xA2 nested");
    CHECK(to_mrkdwn("* star item") == "\xE2\x80\xA2 star item");
    CHECK(to_mrkdwn("1. first\n2. second") == "1. first\n2. second");
    CHECK(to_mrkdwn("> quoted & said") == "> quoted &amp; said");
}

TEST_CASE("mrkdwn: tables become one line per row") {
    CHECK(to_mrkdwn("| Id | Owner | Due |\n|---|:---:|---:|\n| A-1 | <@U1> | 2026-12-01 |\n| A-2 | "
                    "**bob** | — |\nafter") ==
          "*Id* | *Owner* | *Due*\nA-1 | <@U1> | 2026-12-01\nA-2 | *bob* | —\nafter");
    CHECK(to_mrkdwn("| no | header |") == "no | header");
}

TEST_CASE("mrkdwn: escape and unescape") {
    CHECK(escape("a&b<c>d") == "a&amp;b&lt;c&gt;d");
    CHECK(unescape("a&amp;b&lt;c&gt;d") == "a&b<c>d");
    CHECK(unescape("&amp;lt;") == "&lt;");  // one level only
    CHECK(unescape("&quot; & &am") == "&quot; & &am");
}

TEST_CASE("inbound text: Slack's markup becomes the core's neutral text") {
    // Mentions, with and without a label, become tokens.
    CHECK(to_neutral("ping <@U0BOB> now") == "ping @{U0BOB|} now");
    CHECK(to_neutral("ping <@U0BOB|bob> now") == "ping @{U0BOB|bob} now");
    CHECK(to_neutral("<@U0BOB|@bob>") == "@{U0BOB|bob}");
    CHECK(to_neutral("<@U0BOB|a}b>") == "@{U0BOB|}");  // a label the token cannot hold
    CHECK(to_neutral("<@U0BOB|a{b>") == "@{U0BOB|}");
    // Channels, specials, user groups, dates.
    CHECK(to_neutral("see <#C1|ops> and <#C2>") == "see #ops and #C2");
    CHECK(to_neutral("<!here> <!channel> <!everyone|everyone>") == "@here @channel everyone");
    CHECK(to_neutral("<!subteam^S1|@oncall> help") == "@oncall help");
    CHECK(to_neutral("<!subteam^S1> help") == "@subteam help");
    CHECK(to_neutral("<!date^1700000000^{date}|Nov 14> at noon") == "Nov 14 at noon");
    // Links: a label becomes a Markdown link; a bare URL stays a URL.
    CHECK(to_neutral("dash: <https://grafana.example/d/1|error dashboard>") ==
          "dash: [error dashboard](https://grafana.example/d/1)");
    CHECK(to_neutral("raw <https://x.example/a?b=1&amp;c=2>") == "raw https://x.example/a?b=1&c=2");
    CHECK(to_neutral("<https://x.example|https://x.example>") == "https://x.example");
    CHECK(to_neutral("<mailto:ops@example.com|ops@example.com>") == "ops@example.com");
    CHECK(to_neutral("<https://x.example|see [1]>") == "see [1] (https://x.example)");
    // Escapes: undone once, labels included; what people typed stays text.
    CHECK(to_neutral("p99 &lt; 100ms &amp;&amp; <@U1|a&amp;b> &gt; 2s") == "p99 < 100ms && @{U1|a&b} > 2s");
    CHECK(to_neutral("&amp;lt;@U1&amp;gt; is how Slack writes it") == "&lt;@U1&gt; is how Slack writes it");
    CHECK(to_neutral("a < b and <not a link>") == "a < b and <not a link>");
    // Inside code too: Slack only sends a construct where the client made one.
    CHECK(to_neutral("`<@U1>` ```<#C1|ops>```") == "`@{U1|}` ```#ops```");
    CHECK(to_neutral("") == "");
}

TEST_CASE("mrkdwn: split on line boundaries") {
    CHECK(split("short", 100) == std::vector<std::string>{"short"});
    CHECK(split("", 100).empty());
    std::string a(30, 'a'), b(30, 'b'), c(30, 'c');
    CHECK(split(a + "\n" + b + "\n" + c, 65) == std::vector<std::string>{a + "\n" + b, c});
    // One over-long line is cut at a space.
    auto parts = split("alpha beta gamma delta epsilon zeta", 20);
    CHECK(parts == std::vector<std::string>{"alpha beta gamma ", "delta epsilon zeta"});
    // Never inside a UTF-8 sequence: "é" is two bytes.
    std::string accents;
    for (int i = 0; i < 20; ++i) accents += "\xC3\xA9";
    for (const auto& part : split(accents, 17)) {
        CHECK(part.size() <= 17);
        CHECK((static_cast<unsigned char>(part.front()) & 0xC0) != 0x80);
    }
}

TEST_CASE("mrkdwn: a code block cut in two is closed and reopened") {
    std::string line(20, 'x');
    auto parts = split("intro\n```\n" + line + "\n" + line + "\n```\nend", 40);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "intro\n```\n" + line + "\n```");
    CHECK(parts[1] == "```\n" + line + "\n```\nend");
    for (const auto& p : parts) CHECK(p.size() <= 40);
}
