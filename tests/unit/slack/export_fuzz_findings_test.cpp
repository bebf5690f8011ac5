// Inputs the Slack-export fuzzer (tests/fuzz/export_reader_fuzz.cpp) found:
// refused with the documented std::runtime_error naming the file.
#include "adapters/slack/export_reader.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace hindsight;

TEST_CASE("slack export: a number too large for a double is a malformed-JSON error naming the file") {
    test::TempDir dir;
    std::filesystem::create_directories(dir.path() / "inc");
    std::ofstream(dir.path() / "users.json") << R"([{"id": "U1", "name": "a", "x": 1e999}])";
    std::ofstream(dir.path() / "channels.json") << R"([{"id": "C1", "name": "inc"}])";
    std::ofstream(dir.path() / "inc" / "2026-11-24.json") << R"([{"type": "message", "user": "U1", "text": "hi", "ts": "1700000000.000100"}])";
    std::string error;
    try {
        slack::read_slack_export(dir.path(), "inc");
    } catch (const std::runtime_error& e) {
        error = e.what();
    }
    CHECK(error.find("users.json") != std::string::npos);
    CHECK(error.find("malformed JSON") != std::string::npos);
}
