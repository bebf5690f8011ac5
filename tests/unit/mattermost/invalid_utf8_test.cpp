// Text that is not UTF-8 (a hostile client can put any bytes into a command)
// must not make a post undeliverable: nlohmann's dump() throws on such bytes
// unless told to replace them.
#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/sender.hpp"
#include "tests/fakes/fake_mattermost.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;
using nlohmann::json;

TEST_CASE("sender: a post with bytes that are not UTF-8 is delivered with them replaced") {
    FakeMattermost fake;
    Api api{fake.url(), FakeMattermost::default_bot_token};
    Sender sender{api, "https://hindsight.example.com/", "action-secret"};
    fake.add_channel("chincident0000000000000000", "tm1");
    OutboundMessage m;
    m.platform = Platform::mattermost;
    m.team = "tm1";
    m.channel = "chincident0000000000000000";
    m.text = "title with \xff\xfe bytes";
    m.buttons = {{"Done", "done", "A-1"}};
    auto result = sender.send(m);
    CHECK(result.status == SendResult::Status::delivered);
    auto calls = fake.requests_to("/api/v4/posts");
    REQUIRE(calls.size() == 1);
    auto body = json::parse(calls[0].body);
    CHECK(body["message"] == "title with \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}
