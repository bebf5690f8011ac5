// application/x-www-form-urlencoded decoding: never a crash; a form that
// parses re-encodes to one that parses to the same pairs.
#include "adapters/http/form.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <cstdlib>

using namespace hindsight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    (void)http::url_decode(text);
    auto form = http::Form::parse(text);
    if (!form) return 0;
    std::string again;
    for (const auto& [key, value] : form->pairs()) {
        if (!again.empty()) again += '&';
        again += http::url_encode(key) + '=' + http::url_encode(value);
        (void)form->get(key);
        (void)form->all(key);
    }
    auto round_trip = http::Form::parse(again);
    if (!round_trip) std::abort();
    // Empty pairs ("a&&b") may be dropped by the parser; compare what survives.
    std::vector<std::pair<std::string, std::string>> kept;
    for (const auto& p : form->pairs())
        if (!p.first.empty() || !p.second.empty()) kept.push_back(p);
    std::vector<std::pair<std::string, std::string>> kept_again;
    for (const auto& p : round_trip->pairs())
        if (!p.first.empty() || !p.second.empty()) kept_again.push_back(p);
    if (kept != kept_again) std::abort();
    return 0;
}
