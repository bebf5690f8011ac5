// Follow-up on Mattermost through the real binary: overdue action items are
// nudged in a direct channel with Done/Snooze buttons, the Done button (as
// Mattermost posts it to /mattermost/actions) stops them, and an item left
// open escalates into the incident channel mentioning its owner.
#include "tests/integration/mattermost_service.hpp"

#include <algorithm>

using namespace hindsight;
using namespace hindsight::test::mm;

namespace {

// Mattermost names a direct channel after its two members, sorted.
std::string direct_channel_id(const std::string& a, const std::string& b) {
    return std::min(a, b) + "__" + std::max(a, b);
}

std::string mention_form(const std::string& username, const std::string& id) {
    return "&user_mentions=" + username + "&user_mentions_ids=" + id;
}

// The button named `label` of a post, or null.
json button(const json& post, const std::string& label) {
    if (!post.contains("props")) return nullptr;
    for (const auto& action : post["props"]["attachments"][0]["actions"])
        if (action["name"] == label) return action;
    return nullptr;
}

}  // namespace

TEST_CASE("mattermost reminders: an overdue item is nudged in a direct channel with Done and Snooze buttons, Done stops it, another escalates with @username") {
    // Fractional seconds keep the whole follow-up inside a few seconds.
    MattermostService svc(Options{.reminders = {{"check_interval_s", 0.05}, {"repeat_every_s", 2.0}, {"escalate_after", 2}}});
    REQUIRE(svc.command("open Replica lag on orders-db").status == 200);
    REQUIRE(svc.command("action @bob add an alert on replica lag above 30s due:2020-01-01", alice, command_token,
                        false, mention_form("bob", bob))
                .status == 200);

    const auto bob_dm = direct_channel_id(svc.site.bot_user_id(), bob);
    REQUIRE_MESSAGE(svc.wait_for_post(bob_dm, "A-1"), svc.process->err());
    auto direct = svc.site.requests_to("/api/v4/channels/direct");
    REQUIRE_FALSE(direct.empty());
    auto members = json::parse(direct[0].body);
    CHECK(members == json::array({svc.site.bot_user_id(), bob}));

    auto nudges = svc.posts_in(bob_dm);
    REQUIRE(nudges.size() == 1);
    const auto& nudge = nudges[0];
    CHECK(nudge["message"].get<std::string>().find("add an alert on replica lag above 30s") != std::string::npos);
    CHECK(nudge["message"].get<std::string>().find("Replica lag on orders-db") != std::string::npos);
    auto done = button(nudge, "Done");
    REQUIRE_MESSAGE(done.is_object(), nudge.dump());
    CHECK(button(nudge, "Snooze 1 day").is_object());
    CHECK(done["type"] == "button");
    CHECK(done["integration"]["url"] == "http://hindsight.invalid/mattermost/actions");

    // A forged click (the context's token does not match) changes nothing.
    auto forged_context = done["integration"]["context"];
    forged_context["token"] = "0000";
    json click{{"user_id", bob},         {"user_name", "bob"}, {"channel_id", bob_dm}, {"channel_name", ""},
               {"team_id", ""},          {"team_domain", ""},  {"post_id", "fakepost1"}, {"trigger_id", "trig2"},
               {"type", ""},             {"data_source", ""},  {"context", forged_context}};
    auto forged = svc.client.send({"POST", svc.base + "/mattermost/actions", {{"Content-Type", "application/json"}},
                                   click.dump()});
    CHECK(forged.status == 401);

    // The click as Mattermost sends it: the button's context comes back verbatim.
    click["context"] = done["integration"]["context"];
    auto clicked = svc.client.send({"POST", svc.base + "/mattermost/actions", {{"Content-Type", "application/json"}},
                                    click.dump()});
    REQUIRE(clicked.status == 200);
    auto answer = json::parse(clicked.body);
    REQUIRE_MESSAGE(answer.contains("update"), clicked.body);
    CHECK(answer["update"]["message"].get<std::string>().find("A-1") != std::string::npos);
    const auto bob_nudges = svc.posts_in(bob_dm).size();

    // A second item, left open, keeps the clock honest: by the time it has
    // escalated and been nudged again, A-1 would have been nudged too.
    REQUIRE(svc.command("action @carol add a runbook step for replica lag due:2020-01-01", alice, command_token,
                        false, mention_form("carol", carol))
                .status == 200);
    const auto carol_dm = direct_channel_id(svc.site.bot_user_id(), carol);
    CHECK_MESSAGE(svc.wait_for_post(channel_id, "after 2 reminders"), svc.process->err());
    std::string escalation;
    for (const auto& post : svc.posts_in(channel_id))
        if (post["message"].get<std::string>().find("after 2 reminders") != std::string::npos)
            escalation = post["message"].get<std::string>();
    CHECK(escalation.find("A-2") != std::string::npos);
    CHECK(escalation.find("@carol") != std::string::npos);
    // Its owner was nudged (twice) before it escalated.
    CHECK(svc.posts_in(carol_dm).size() >= 2);
    // The commander hears about it directly.
    CHECK(svc.wait_for_post(direct_channel_id(svc.site.bot_user_id(), alice), "A-2"));
    REQUIRE(test::wait_until([&] { return svc.posts_in(carol_dm).size() >= 3; }, 20s));

    CHECK(svc.posts_in(bob_dm).size() == bob_nudges);
    auto actions = svc.command("actions all");
    REQUIRE(actions.status == 200);
    CHECK(json::parse(actions.body)["text"].get<std::string>().find("A-1") != std::string::npos);
    svc.stop();
}
