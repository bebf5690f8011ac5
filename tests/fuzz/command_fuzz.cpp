// `/incident …` parsing: every input is either a command or a usage error
// (never both, never neither), and the argument helpers never crash.
#include "bot/core/commands.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <cstdlib>

using namespace hindsight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    auto parsed = parse_command(text);
    if (parsed.command.has_value() == !parsed.error.empty()) std::abort();
    (void)parse_action_id(text);
    (void)parse_mention(text);
    (void)normalise_factor(text);
    return 0;
}
