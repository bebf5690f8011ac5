// Follow-up on Slack through the real binary (issue 6): an overdue action
// item brings conversations.open and a DM with Done / Snooze 1 day buttons,
// another DM after reminders.repeat_every_s, an escalation (channel post and
// a DM to the commander) after reminders.escalate_after nudges, and nothing
// more once the item is done — by the button or by `/incident done`. A kill
// -9 right after a DM neither repeats it nor loses the next one.
//
// Durations are fractional seconds so this runs in seconds of real time;
// every wait is a bounded condition on what the fake Slack recorded.
#include "tests/integration/slack_service.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>

using namespace std::chrono_literals;
using namespace hindsight;
using hindsight::test::SlackService;
using nlohmann::json;

namespace {

json reminders(double repeat_every_s) {
    return {{"reminders", {{"check_interval_s", 0.05}, {"repeat_every_s", repeat_every_s}, {"escalate_after", 3}}}};
}

// The chat.postMessage requests to `channel` that mention `needle`, with
// their arrival times.
std::vector<fakes::RecordedRequest> posts_to(const SlackService& svc, const std::string& channel,
                                             const std::string& needle) {
    std::vector<fakes::RecordedRequest> out;
    for (const auto& call : svc.slack.calls("chat.postMessage")) {
        auto body = json::parse(call.body, nullptr, false);
        if (!body.is_object() || body.value("channel", "") != channel) continue;
        if (call.body.find(needle) != std::string::npos) out.push_back(call);
    }
    return out;
}

// Reminder DMs about `ref` (the fake's DM channel for user U is "DU").
std::size_t dms(const SlackService& svc, const std::string& user, const std::string& ref) {
    return posts_to(svc, "D" + user, ref).size();
}

// "/incident action …" answers with the new item's id.
std::string add_action(SlackService& svc, const std::string& owner, const std::string& name, const std::string& text) {
    auto r = svc.command("action <@" + owner + "|" + name + "> " + text + " due:2026-01-01");
    REQUIRE(r.status == 200);
    std::smatch m;
    auto body = json::parse(r.body)["text"].get<std::string>();
    REQUIRE_MESSAGE(std::regex_search(body, m, std::regex("A-[0-9]+")), body);
    return m[0];
}

// The form Slack POSTs to the interactivity URL when `user` clicks `action`
// on the reminder DM (docs/platforms.md, "Slack: interactivity").
std::string button_click(const std::string& user, const std::string& action, const std::string& value,
                         const std::string& response_url) {
    json payload = {{"type", "block_actions"},
                    {"user", {{"id", user}, {"username", user}, {"name", user}, {"team_id", SlackService::team}}},
                    {"api_app_id", "A0E2E"},
                    {"token", "vtok"},
                    {"container", {{"type", "message"}, {"message_ts", "1700100000.000100"}, {"channel_id", "D" + user}}},
                    {"trigger_id", "1.2.3"},
                    {"team", {{"id", SlackService::team}, {"domain", "e2e"}}},
                    {"channel", {{"id", "D" + user}, {"name", "directmessage"}}},
                    {"message", {{"type", "message"}, {"text", value + " is overdue"}, {"ts", "1700100000.000100"},
                                 {"bot_id", "B0HINDSIGHT"}}},
                    {"response_url", response_url},
                    {"actions", json::array({{{"action_id", action},
                                              {"block_id", "reminder"},
                                              {"text", {{"type", "plain_text"}, {"text", "Done"}}},
                                              {"value", value},
                                              {"type", "button"},
                                              {"action_ts", std::to_string(test::unix_now()) + ".000100"}}})}};
    return "payload=" + http::url_encode(payload.dump());
}

// Once `ref` is done its owner gets no more DMs, while the control item of
// `other` keeps being nudged: three more of those span several repeat
// intervals. One DM enqueued just before the click may still be delivered.
void check_no_more_dms(SlackService& svc, const std::string& owner, const std::string& ref, const std::string& other,
                       const std::string& other_ref) {
    auto at_done = dms(svc, owner, ref);
    auto control = dms(svc, other, other_ref);
    REQUIRE(test::wait_until([&] { return dms(svc, other, other_ref) >= control + 1; }, 20s));
    auto settled = dms(svc, owner, ref);
    CHECK(settled <= at_done + 1);
    REQUIRE(test::wait_until([&] { return dms(svc, other, other_ref) >= control + 3; }, 20s));
    CHECK(dms(svc, owner, ref) == settled);
}

}  // namespace

TEST_CASE("slack reminders: DM with buttons, a repeat, escalation after N, and none after the Done button") {
    SlackService svc(reminders(0.5));
    REQUIRE(svc.command("open Checkout 500s").status == 200);  // U0ALICE is the commander
    auto bob_ref = add_action(svc, "U0BOB", "bob", "add an alert on checkout error rate above 2 percent");
    auto carol_ref = add_action(svc, "U0CAROL", "carol", "add a rollback step for payments to the runbook");

    REQUIRE_MESSAGE(test::wait_until([&] { return dms(svc, "U0BOB", bob_ref) >= 1; }, 20s), svc.process->err());
    bool opened = false;
    for (const auto& call : svc.slack.calls("conversations.open"))
        opened |= json::parse(call.body).value("users", "") == "U0BOB";
    CHECK(opened);
    auto first = json::parse(posts_to(svc, "DU0BOB", bob_ref)[0].body);
    CHECK(first["text"].get<std::string>().find("overdue") != std::string::npos);
    const json& actions = first["blocks"].back();
    REQUIRE(actions["type"] == "actions");
    REQUIRE(actions["elements"].size() == 2);
    CHECK(actions["elements"][0]["action_id"] == "done");
    CHECK(actions["elements"][0]["value"] == bob_ref);
    CHECK(actions["elements"][0]["text"]["text"] == "Done");
    CHECK(actions["elements"][1]["action_id"] == "snooze");
    CHECK(actions["elements"][1]["text"]["text"] == "Snooze 1 day");

    // The next one after repeat_every_s, not on every 0.05 s check.
    REQUIRE(test::wait_until([&] { return dms(svc, "U0BOB", bob_ref) >= 2; }, 20s));
    auto two = posts_to(svc, "DU0BOB", bob_ref);
    auto gap = two[1].received_at - two[0].received_at;
    // Half the interval: the first delivery also waited for conversations.open.
    CHECK_MESSAGE(gap >= 250ms, std::chrono::duration<double>(gap).count());

    // The third nudge escalates: the channel hears it, mentioning the owner,
    // and the commander gets a DM.
    REQUIRE(test::wait_until(
        [&] { return !posts_to(svc, SlackService::channel, "for <@U0BOB> is still open").empty(); }, 20s));
    CHECK(test::wait_until([&] { return dms(svc, "U0ALICE", bob_ref) >= 1; }, 10s));
    auto bob_dms = posts_to(svc, "DU0BOB", bob_ref);
    REQUIRE(bob_dms.size() >= 3);
    CHECK(bob_dms[2].body.find("This is reminder 3") != std::string::npos);
    CHECK(bob_dms[1].body.find("This is reminder") == std::string::npos);

    // Bob clicks Done on the DM.
    auto response_url = svc.slack.new_response_url();
    auto click = svc.post("/slack/interactions", button_click("U0BOB", "done", bob_ref, response_url),
                          "application/x-www-form-urlencoded");
    REQUIRE(click.status == 200);
    REQUIRE(test::wait_until(
        [&] {
            for (const auto& r : svc.slack.responses())
                if (r.value("replace_original", false) && r.dump().find(bob_ref) != std::string::npos &&
                    r.dump().find("done: ") != std::string::npos)
                    return true;
            return false;
        },
        10s));
    check_no_more_dms(svc, "U0BOB", bob_ref, "U0CAROL", carol_ref);
    // Escalated once, not again on later nudges.
    CHECK(posts_to(svc, SlackService::channel, "for <@U0BOB> is still open").size() == 1);
}

TEST_CASE("slack reminders: /incident done stops the DMs too") {
    SlackService svc(reminders(0.5));
    REQUIRE(svc.command("open Queue backlog").status == 200);
    auto bob_ref = add_action(svc, "U0BOB", "bob", "alert when the orders queue is older than 5 minutes");
    auto carol_ref = add_action(svc, "U0CAROL", "carol", "document the consumer restart in the runbook");
    REQUIRE_MESSAGE(test::wait_until([&] { return dms(svc, "U0BOB", bob_ref) >= 1; }, 20s), svc.process->err());

    auto done = svc.command("done " + bob_ref, "U0BOB");
    REQUIRE(done.status == 200);
    auto reply = json::parse(done.body);
    CHECK(reply["response_type"] == "in_channel");
    auto text = reply["text"].get<std::string>();
    CHECK(text.find(bob_ref) != std::string::npos);
    CHECK(text.find("done: ") != std::string::npos);
    check_no_more_dms(svc, "U0BOB", bob_ref, "U0CAROL", carol_ref);
}

TEST_CASE("slack reminders: kill -9 right after a DM, restart, no duplicate and the next one still comes") {
    // A long repeat so a re-sent nudge (at restart) and the next due one (a
    // full interval after the first) are far apart.
    constexpr auto repeat = 3s;
    SlackService svc(reminders(3.0));
    REQUIRE(svc.command("open Disk full on db-2").status == 200);
    auto ref = add_action(svc, "U0BOB", "bob", "alert at 80 percent disk on the database hosts");
    REQUIRE_MESSAGE(test::wait_until([&] { return dms(svc, "U0BOB", ref) == 1; }, 20s), svc.process->err());
    // The DM was sent and its delivery recorded; then the bot dies.
    REQUIRE(test::wait_until([&] { return svc.metric("hindsight_outbox_pending") == 0; }, 10s));
    svc.kill9();
    svc.start();

    REQUIRE_MESSAGE(test::wait_until([&] { return dms(svc, "U0BOB", ref) >= 2; }, 20s), svc.process->err());
    auto sent = posts_to(svc, "DU0BOB", ref);
    CHECK(sent.size() == 2);
    auto gap = sent[1].received_at - sent[0].received_at;
    // The second is the next nudge (an interval later), not the first again;
    // allow for the first one's delivery time.
    CHECK_MESSAGE(gap >= repeat - 1s, std::chrono::duration<double>(gap).count());
}
