// GET /users/{id}: the name and the username. How often it is asked is
// chat::NameCache's business (tests/unit/mattermost/endpoints_test.cpp).
#include "adapters/mattermost/api.hpp"
#include "tests/fakes/fake_mattermost.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;

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
