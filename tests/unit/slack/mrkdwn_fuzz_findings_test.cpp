// Inputs the mrkdwn fuzzer (tests/fuzz/mrkdwn_fuzz.cpp) found in split().
#include "adapters/slack/mrkdwn.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hindsight::slack;

TEST_CASE("mrkdwn split: a fence opened at the end of a chunk leaves room for its closing") {
    // "long\nmore\n```" is 13 bytes; the next line does not fit, so the chunk is
    // closed with "\n```": 17 bytes, over a limit of 16, unless the opening
    // line counts the closing it will need.
    auto parts = split("long\nmore\n```\nthis line is far too long", 16);
    REQUIRE_FALSE(parts.empty());
    for (const auto& p : parts) CHECK(p.size() <= 16);
    CHECK(parts[0] == "long\nmore");
}

TEST_CASE("mrkdwn split: every chunk of a cut code block fits, closing fence included") {
    for (std::size_t limit = 16; limit < 40; ++limit) {
        auto parts = split("intro\n```\n" + std::string(60, 'x') + "\n```\nend", limit);
        for (const auto& p : parts) CHECK(p.size() <= limit);
    }
}

TEST_CASE("mrkdwn split: a long line that closes a code block is cut with room for the fence") {
    // The second line closes the block the first opened, but its cut pieces
    // are flushed while the block is still open, each closed with "\n```".
    // Found from a table row whose first cell starts with backticks.
    for (std::size_t limit = 16; limit < 40; ++limit) {
        auto parts = split("```\n```" + std::string(60, 'x') + "\nend", limit);
        REQUIRE(parts.size() > 1);
        for (const auto& p : parts) CHECK(p.size() <= limit);
    }
    auto rendered = to_mrkdwn("```\n| ```" + std::string(40, 'y') + " |");
    for (const auto& p : split(rendered, 16)) CHECK(p.size() <= 16);
}

TEST_CASE("mrkdwn split: a line that opens a code block and fits only without its closing fence is cut, not overrun") {
    // The line needs "\n```" of room after it; a line within 4 bytes of the
    // limit was "cut" at the limit, past its own end. Found by fuzz_mrkdwn.
    for (std::size_t limit = 16; limit < 24; ++limit) {
        for (std::size_t size = limit - 3; size <= limit; ++size) {
            CAPTURE(limit);
            CAPTURE(size);
            const std::string opening = "```" + std::string(size - 3, 'z');
            std::vector<std::string> parts;
            REQUIRE_NOTHROW(parts = split("intro\n" + opening + "\ncode\n```", limit));
            std::string zs;
            for (const auto& p : parts) {
                CHECK(p.size() <= limit);
                for (char c : p)
                    if (c == 'z') zs += c;
            }
            CHECK(zs.size() == size - 3);  // nothing of the line lost or repeated
        }
    }
}
