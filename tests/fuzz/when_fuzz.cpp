// Time expressions (due dates, "started", meetings) and relative durations in
// a few zones, including one with DST and one unknown: never a crash, and a
// parsed time always formats.
#include "bot/core/when.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <array>

using namespace hindsight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const std::array<std::string, 4> zones{"UTC", "Europe/Berlin", "Pacific/Chatham", "Not/AZone"};
    const auto& zone = zones[data[0] % zones.size()];
    auto text = fuzz::as_text(data + 1, size - 1);
    if (auto t = parse_when(text, fuzz::fixed_now(), zone)) (void)format_local(*t, zone);
    if (auto d = parse_duration(text)) (void)format_duration(*d);
    return 0;
}
