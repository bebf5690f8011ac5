// Inputs the config fuzzer (tests/fuzz/config_fuzz.cpp) found: each must be
// refused with a ConfigError, never escape as another exception.
#include "tests/unit/config/support.hpp"

using config_test::error_of;

TEST_CASE("a number too large for a double is a ConfigError, not a crash") {
    // nlohmann reports this as out_of_range, not parse_error.
    CHECK(error_of(R"({"listen": {"port": 1E48575}})") == "malformed JSON: a number is out of range");
    CHECK(error_of("-1e999") == "malformed JSON: a number is out of range");
}
