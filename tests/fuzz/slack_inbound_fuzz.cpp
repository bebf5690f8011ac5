// Slack's inbound payloads: slash-command forms, Events API JSON and
// interaction forms. The parsers report errors as values: any exception,
// crash or sanitizer report is a bug. The first input byte picks the parser.
#include "adapters/slack/inbound.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace hindsight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 4) {
    case 0: {
        auto form = http::Form::parse(text);
        if (form) (void)slack::parse_command(*form, fuzz::fixed_now());
        break;
    }
    case 1: {
        auto domains = [](const std::string& team) { return team.empty() ? std::string() : "acme"; };
        (void)slack::parse_events(text, domains);
        break;
    }
    case 2: {
        auto form = http::Form::parse(text);
        if (form) (void)slack::parse_interaction(*form, fuzz::fixed_now());
        break;
    }
    default: {
        // The interaction JSON on its own, wrapped as Slack sends it.
        http::Form form = *http::Form::parse("payload=" + http::url_encode(text));
        (void)slack::parse_interaction(form, fuzz::fixed_now());
        (void)slack::parse_ts(text);
        auto [channel, ts] = fuzz::split_once(text, "|");
        (void)slack::permalink("acme", channel, ts, ts);
        break;
    }
    }
    return 0;
}
