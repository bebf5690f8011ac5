// `hindsight draft --slack-export` as a user runs it, on an incident channel
// from tests/data/transcripts: retroactive drafting end to end.
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace hindsight;

namespace {

const std::string binary = HINDSIGHT_BINARY;

std::filesystem::path transcripts() {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    std::filesystem::path base =
        data ? std::filesystem::path(data) : std::filesystem::path(__FILE__).parent_path().parent_path() / "data";
    return base / "transcripts";
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("cli: draft --slack-export prints the postmortem of a channel that spans midnight") {
    test::TempDir dir;
    test::ChildProcess draft(binary,
                             {"draft", "--slack-export", (transcripts() / "db_failover").string(), "--channel",
                              "#inc-orders-db"},
                             dir.path());
    auto rc = draft.wait(60s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 0);
    auto out = draft.out();
    CHECK(out.starts_with("# Postmortem: #inc-orders-db\n"));
    for (auto heading : {"## Summary", "## Impact", "## Timeline", "## Root cause (five whys)",
                         "## Contributing factors", "## Action items", "## Lessons learned", "## Blameless check"})
        CHECK_MESSAGE(contains(out, std::string("\n") + heading + "\n"), heading);
    // Dates on every entry across midnight, names rather than ids, the failover decision with its questions.
    CHECK(contains(out, "- **2026-11-27 23:55 UTC** · decision · Noor — ok. Decision: we fail over to orders-db-2 now"));
    CHECK(contains(out, "  - _What information was available at this point?_\n  - _What options existed?_"));
    CHECK(contains(out, "- **2026-11-28 00:04 UTC** · mitigation · Hana — writes working!!"));
    CHECK(contains(out, "- Time to mitigation: 30m"));
    CHECK(contains(out, "- Time to close: 1h 35m"));
    CHECK_FALSE(contains(out, "U0NOOR"));
    CHECK_FALSE(contains(out, "[FIRING:1]"));
}

TEST_CASE("cli: draft --slack-export names the missing channel and exits 1") {
    test::TempDir dir;
    test::ChildProcess draft(binary,
                             {"draft", "--slack-export", (transcripts() / "db_failover").string(), "--channel",
                              "inc-nope"},
                             dir.path());
    auto rc = draft.wait(30s);
    REQUIRE(rc.has_value());
    CHECK(*rc == 1);
    CHECK(contains(draft.err(), "no channel named #inc-nope"));
    CHECK(draft.out().empty());
}

TEST_CASE("cli: draft --workspace-url links every entry to its Slack message, thread replies with their thread") {
    test::TempDir dir;
    auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"draft", "--slack-export", (transcripts() / "bad_deploy").string(), "--channel",
                                      "inc-cart-502s"};
        args.insert(args.end(), extra.begin(), extra.end());
        test::ChildProcess draft(binary, args, dir.path());
        auto rc = draft.wait(60s);
        REQUIRE(rc.has_value());
        CHECK(*rc == 0);
        return draft.out();
    };
    // Channel C0CART502 and the message ts values come from the export's JSON
    // (channels.json, inc-cart-502s/2026-11-26.json).
    auto out = run({"--workspace-url", "https://acme.slack.com"});
    CHECK(contains(out, "anyone else getting spinners on the cart page? prod, not staging / like 1 in 3 loads just "
                        "hangs and then 502 ([link](https://acme.slack.com/archives/C0CART502/p1795701725000111))"));
    CHECK(contains(out, "the 502s come back from cart-api itself, I see them in the app logs too ([link]("
                        "https://acme.slack.com/archives/C0CART502/p1795702323000135?thread_ts=1795702258.000133"
                        "&cid=C0CART502))"));
    std::size_t entries = 0, linked = 0;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with("- **") && line.find(" UTC** · ") != std::string::npos) {
            ++entries;
            linked += contains(line, "([link](https://acme.slack.com/archives/C0CART502/p");
        }
    CHECK(entries > 20);
    CHECK(linked == entries);
    // A trailing slash is the same workspace; without the option there is nothing to link to.
    CHECK(run({"--workspace-url", "https://acme.slack.com/"}) == out);
    CHECK_FALSE(contains(run({}), "[link]("));
}

TEST_CASE("cli: draft --workspace-url that is not an https workspace address is a usage error") {
    test::TempDir dir;
    for (std::string bad : {"http://acme.slack.com", "acme.slack.com", "https://", "https://acme.slack.com/archives",
                            "https://acme slack.com", "https://localhost", "ftp://acme.slack.com", ""}) {
        CAPTURE(bad);
        test::ChildProcess draft(binary,
                                 {"draft", "--slack-export", (transcripts() / "bad_deploy").string(), "--channel",
                                  "inc-cart-502s", "--workspace-url", bad},
                                 dir.path());
        auto rc = draft.wait(30s);
        REQUIRE(rc.has_value());
        CHECK(*rc == 2);
        CHECK(contains(draft.err(), "--workspace-url: expected the workspace's https address"));
        CHECK(draft.out().empty());
    }
}

TEST_CASE("cli: --help shows the draft's --workspace-url") {
    test::TempDir dir;
    test::ChildProcess help(binary, {"--help"}, dir.path());
    REQUIRE(help.wait(10s) == 0);
    CHECK(contains(help.out(), "[--workspace-url URL]"));
}

TEST_CASE("cli: draft --explain says for every message whether it is kept and why, --explain-json as data") {
    test::TempDir dir;
    test::ChildProcess draft(binary,
                             {"draft", "--slack-export", (transcripts() / "db_failover").string(), "--channel",
                              "#inc-orders-db", "--explain"},
                             dir.path());
    REQUIRE(draft.wait(60s) == 0);
    auto out = draft.out();
    CHECK(out.starts_with("Why each message is or is not in the draft of #inc-orders-db"));
    CHECK(contains(out, "Noor · KEPT as entry "));
    CHECK(contains(out, "“ok. Decision: we fail over to orders-db-2 now"));
    CHECK(contains(out, "dropped: noise"));
    CHECK(contains(out, "dropped: low salience"));
    CHECK(contains(out, "    weighed: "));
    CHECK_FALSE(contains(out, "## Timeline"));

    test::ChildProcess json(binary,
                            {"draft", "--slack-export", (transcripts() / "db_failover").string(), "--channel",
                             "#inc-orders-db", "--explain-json"},
                            dir.path());
    REQUIRE(json.wait(60s) == 0);
    std::istringstream lines(json.out());
    std::size_t n = 0, kept = 0;
    for (std::string line; std::getline(lines, line); ++n) {
        CHECK(line.starts_with("{\""));
        kept += contains(line, "\"outcome\":\"kept\"");
    }
    CHECK(n > 150);
    CHECK(kept > 10);
    CHECK(kept * 2 < n);

    test::ChildProcess help(binary, {"--help"}, dir.path());
    REQUIRE(help.wait(10s) == 0);
    CHECK(contains(help.out(), "[--explain | --explain-json]"));
}
