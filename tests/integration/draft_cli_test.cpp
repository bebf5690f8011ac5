// `hindsight draft --slack-export` as a user runs it, on an incident channel
// from tests/data/transcripts: retroactive drafting end to end.
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

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
