// Markdown → Slack mrkdwn and message splitting: never a crash, every chunk
// within the limit, and the chunks never cut a UTF-8 sequence the input had whole.
#include "adapters/slack/mrkdwn.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <cstdlib>

using namespace hindsight;

namespace {
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += n;
    }
    return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto text = fuzz::as_text(data + 1, size - 1);
    auto rendered = slack::to_mrkdwn(text);
    (void)slack::unescape(slack::escape(text));
    // A limit small enough that splitting really happens, never below what a
    // re-opened code fence plus one character needs.
    std::size_t limit = 16 + data[0];
    for (const auto& chunk : slack::split(rendered, limit)) {
        if (chunk.size() > limit) std::abort();
        if (valid_utf8(rendered) && !valid_utf8(chunk)) std::abort();
    }
    return 0;
}
