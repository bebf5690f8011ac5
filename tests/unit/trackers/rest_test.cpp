// What the three clients share (adapters/trackers/rest.hpp): the next page
// of a Link header stays on the tracker's base URL; a marker is matched whole.
#include "adapters/trackers/rest.hpp"
#include "bot/core/time.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::trackers;

namespace {

outbound::ClientResponse with_link(std::string link) {
    outbound::ClientResponse r;
    r.status = 200;
    r.headers.emplace_back("Link", std::move(link));
    return r;
}

}  // namespace

TEST_CASE("trackers rest: the next page comes from Link rel=next, only under the base URL") {
    ManualClock clock{Timestamp{}};
    outbound::ClientOptions options;
    Rest rest("https://api.github.example", {{"Authorization", "Bearer t"}}, options, clock);
    CHECK(rest.next_page(with_link(R"(<https://api.github.example/repos/a/b/issues?page=2>; rel="next", )"
                                   R"(<https://api.github.example/repos/a/b/issues?page=5>; rel="last")")) ==
          "/repos/a/b/issues?page=2");
    CHECK(rest.next_page(with_link(R"(<https://api.github.example/x?page=1>; rel="prev", )"
                                   R"(<https://api.github.example/x?page=3>; rel="next")")) == "/x?page=3");
    CHECK_FALSE(rest.next_page(with_link(R"(<https://api.github.example/x?page=1>; rel="first")")));
    // Elsewhere: the token would go with the request. Not followed.
    CHECK_FALSE(rest.next_page(with_link(R"(<https://evil.example/x?page=2>; rel="next")")));
    CHECK_FALSE(rest.next_page(with_link(R"(<https://api.github.example.evil.example/x?page=2>; rel="next")")));
    CHECK_FALSE(rest.next_page(with_link("garbage")));
    CHECK_FALSE(rest.next_page(outbound::ClientResponse{}));
}

TEST_CASE("trackers rest: a marker is found whole, not as the start of another item's") {
    CHECK(has_marker("Filed by Hindsight (hindsight-action:A-1); closing", "hindsight-action:A-1"));
    CHECK(has_marker("hindsight-action:A-1", "hindsight-action:A-1"));
    CHECK_FALSE(has_marker("(hindsight-action:A-12)", "hindsight-action:A-1"));
    CHECK(has_marker("(hindsight-action:A-12) and (hindsight-action:A-1)", "hindsight-action:A-1"));
    CHECK_FALSE(has_marker("nothing", "hindsight-action:A-1"));
}
