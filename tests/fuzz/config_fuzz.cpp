// Config loading: any text either loads or throws ConfigError naming the key;
// a loaded config always redacts and warns without a crash.
#include "config/config.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace hindsight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(fuzz::as_text(data, size));
    try {
        auto loaded = config::parse(text, {});
        (void)config::redacted_json(loaded);
        (void)config::warnings(loaded);
    } catch (const config::ConfigError&) {
    }
    return 0;
}
