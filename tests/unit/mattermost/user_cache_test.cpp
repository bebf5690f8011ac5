// GET /users/{id} results are cached for an hour of the injected clock.
#include "adapters/mattermost/api.hpp"
#include "tests/fakes/fake_mattermost.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;

TEST_CASE("user cache: a name is reused for an hour of the injected clock, then read again") {
    FakeMattermost fake;
    fake.add_user({"u1", "alice", "Alice", "Liddell", "", false});
    ManualClock clock{Timestamp{std::chrono::seconds{1800000000}}};
    Api api(fake.url(), FakeMattermost::default_bot_token, {}, &clock);

    CHECK(api.display_name("u1") == std::optional<std::string>("Alice Liddell"));
    fake.add_user({"u1", "alice", "Alice", "Liddell", "Ali", false});  // renamed in Mattermost
    clock.advance(std::chrono::minutes{59});
    CHECK(api.display_name("u1") == std::optional<std::string>("Alice Liddell"));
    CHECK(fake.requests_to("/api/v4/users/u1").size() == 1);

    clock.advance(std::chrono::minutes{2});
    CHECK(api.display_name("u1") == std::optional<std::string>("Ali"));
    CHECK(fake.requests_to("/api/v4/users/u1").size() == 2);
    CHECK(api.display_name("u1") == std::optional<std::string>("Ali"));
    CHECK(fake.requests_to("/api/v4/users/u1").size() == 2);
}

TEST_CASE("user cache: the user carries the username that @mentions use") {
    FakeMattermost fake;
    fake.add_user({"u2", "bob.b", "", "", "Bobby", false});
    Api api(fake.url(), FakeMattermost::default_bot_token);
    auto user = api.user("u2");
    REQUIRE(user);
    CHECK(user->display_name == "Bobby");
    CHECK(user->username == "bob.b");
    CHECK_FALSE(api.user("nobody"));
}
