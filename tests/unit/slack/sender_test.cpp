#include "adapters/slack/sender.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "tests/fakes/fake_slack.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>

using namespace hindsight;
using namespace hindsight::slack;
using hindsight::fakes::FakeSlack;
using nlohmann::json;

namespace {

OutboundMessage to_channel(std::string text) {
    OutboundMessage m;
    m.platform = Platform::slack;
    m.team = "T0TEST0001";
    m.channel = "C0TEST0001";
    m.text = std::move(text);
    return m;
}

struct Rig {
    FakeSlack slack;
    SlackSender sender{ApiSettings{slack.api_base_url(), slack.bot_token()}};
};

}  // namespace

TEST_CASE("sender: channel post with Bearer token, JSON and charset") {
    Rig rig;
    auto result = rig.sender.send(to_channel("**Incident opened**: checkout <latency>"));
    CHECK(result.status == SendResult::Status::delivered);
    auto calls = rig.slack.calls("chat.postMessage");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].method == "POST");
    CHECK(calls[0].header("Authorization") == "Bearer " + rig.slack.bot_token());
    CHECK(calls[0].header("Content-Type") == "application/json; charset=utf-8");
    CHECK(rig.slack.warnings().empty());
    auto posted = rig.slack.posted();
    REQUIRE(posted.size() == 1);
    CHECK(posted[0]["channel"] == "C0TEST0001");
    CHECK(posted[0]["text"] == "*Incident opened*: checkout &lt;latency&gt;");
    CHECK_FALSE(posted[0].contains("thread_ts"));
    CHECK_FALSE(posted[0].contains("blocks"));
}

TEST_CASE("sender: thread replies carry thread_ts") {
    Rig rig;
    auto m = to_channel("in the thread");
    m.thread = "1700000000.000100";
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    auto posted = rig.slack.posted();
    REQUIRE(posted.size() == 1);
    CHECK(posted[0]["thread_ts"] == "1700000000.000100");
}

TEST_CASE("sender: DM opens the conversation once and posts to it") {
    Rig rig;
    OutboundMessage m;
    m.platform = Platform::slack;
    m.team = "T0TEST0001";
    m.to_user = "U0TEST0003";
    m.text = "A-12 is overdue";
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    auto opens = rig.slack.calls("conversations.open");
    REQUIRE(opens.size() == 1);  // cached
    CHECK(json::parse(opens[0].body)["users"] == "U0TEST0003");
    CHECK(opens[0].header("Content-Type") == "application/json; charset=utf-8");
    auto posted = rig.slack.posted();
    REQUIRE(posted.size() == 2);
    CHECK(posted[0]["channel"] == "DU0TEST0003");
    CHECK(posted[1]["channel"] == "DU0TEST0003");
}

TEST_CASE("sender: a failed conversations.open is not cached") {
    Rig rig;
    OutboundMessage m;
    m.team = "T0TEST0001";
    m.to_user = "U0TEST0003";
    m.text = "hi";
    rig.slack.error_next("conversations.open", "user_not_found");
    auto first = rig.sender.send(m);
    CHECK(first.status == SendResult::Status::failed);
    CHECK(first.error.find("user_not_found") != std::string::npos);
    CHECK(rig.slack.posted().empty());
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    CHECK(rig.slack.calls("conversations.open").size() == 2);
}

TEST_CASE("sender: buttons become a section plus an actions block") {
    Rig rig;
    OutboundMessage m;
    m.team = "T0TEST0001";
    m.to_user = "U0TEST0003";
    m.text = "**A-12** is 2d overdue";
    m.buttons = {{"Done", "done", "A-12"}, {"Snooze 1 day", "snooze", "A-12"}};
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    auto posted = rig.slack.posted();
    REQUIRE(posted.size() == 1);
    const json& blocks = posted[0]["blocks"];
    REQUIRE(blocks.size() == 2);
    CHECK(blocks[0] == json::parse(R"({"type":"section","text":{"type":"mrkdwn","text":"*A-12* is 2d overdue"}})"));
    CHECK(blocks[1] == json::parse(R"({"type":"actions","elements":[
        {"type":"button","text":{"type":"plain_text","text":"Done","emoji":true},"action_id":"done","value":"A-12"},
        {"type":"button","text":{"type":"plain_text","text":"Snooze 1 day","emoji":true},"action_id":"snooze","value":"A-12"}]})"));
    CHECK(posted[0]["text"] == "*A-12* is 2d overdue");  // notification fallback
}

TEST_CASE("sender: long text goes out as sections of at most 3,000 characters") {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of the drafted postmortem timeline\n";
    REQUIRE(text.size() > max_text_chars);
    auto payload = json::parse(message_payload(to_channel(text)));
    REQUIRE(payload.contains("blocks"));
    std::string joined;
    for (const auto& block : payload["blocks"]) {
        CHECK(block["type"] == "section");
        auto part = block["text"]["text"].get<std::string>();
        CHECK(part.size() <= max_section_chars);
        joined += (joined.empty() ? "" : "\n") + part;
    }
    CHECK(payload["blocks"].size() >= 3);
    CHECK(joined == text);
    // Short text stays plain.
    CHECK_FALSE(json::parse(message_payload(to_channel("short"))).contains("blocks"));
}

TEST_CASE("sender: response_url replies carry response_type and no token") {
    Rig rig;
    OutboundMessage m;
    m.team = "T0TEST0001";
    m.channel = "C0TEST0001";
    m.text = "Drafted the postmortem";
    m.response_url = rig.slack.new_response_url();
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    m.ephemeral = true;
    m.text = "only you";
    m.response_url = rig.slack.new_response_url();
    CHECK(rig.sender.send(m).status == SendResult::Status::delivered);
    auto responses = rig.slack.responses();
    REQUIRE(responses.size() == 2);
    CHECK(responses[0]["response_type"] == "in_channel");
    CHECK(responses[0]["text"] == "Drafted the postmortem");
    CHECK(responses[1]["response_type"] == "ephemeral");
    for (const auto& r : rig.slack.server().requests_to("/response/1"))
        CHECK_FALSE(r.header("Authorization").has_value());
    CHECK(rig.slack.posted().empty());
}

TEST_CASE("sender: 429 is a retry with Retry-After") {
    Rig rig;
    rig.slack.rate_limit_next("chat.postMessage", 7);
    auto result = rig.sender.send(to_channel("hello"));
    CHECK(result.status == SendResult::Status::retry);
    CHECK(result.retry_after == std::chrono::seconds{7});
    CHECK(rig.slack.posted().empty());
    // The retry (the delivery worker's job) then goes through.
    CHECK(rig.sender.send(to_channel("hello")).status == SendResult::Status::delivered);
    CHECK(rig.slack.posted().size() == 1);
}

TEST_CASE("sender: ok:false is a permanent failure, ratelimited a retry") {
    Rig rig;
    rig.slack.error_next("chat.postMessage", "channel_not_found");
    auto failed = rig.sender.send(to_channel("hello"));
    CHECK(failed.status == SendResult::Status::failed);
    CHECK(failed.error == "chat.postMessage: channel_not_found");
    rig.slack.error_next("chat.postMessage", "ratelimited");
    CHECK(rig.sender.send(to_channel("hello")).status == SendResult::Status::retry);
}

TEST_CASE("sender: wrong token is invalid_auth, server errors and a dead server are retries") {
    FakeSlack slack;
    SlackSender wrong(ApiSettings{slack.api_base_url(), "xoxb-wrong"});
    auto result = wrong.send(to_channel("hello"));
    CHECK(result.status == SendResult::Status::failed);
    CHECK(result.error == "chat.postMessage: invalid_auth");
    CHECK(result.error.find("xoxb") == std::string::npos);

    SlackSender right(ApiSettings{slack.api_base_url(), slack.bot_token()});
    slack.server().fail_next("/api/chat.postMessage", {hindsight::fakes::FakeResponse::text(503, "busy")});
    CHECK(right.send(to_channel("hello")).status == SendResult::Status::retry);

    std::string dead;
    {
        FakeSlack gone;
        dead = gone.api_base_url();
    }
    SlackSender nowhere(ApiSettings{dead, "xoxb-x"});
    CHECK(nowhere.send(to_channel("hello")).status == SendResult::Status::retry);
}

TEST_CASE("fake slack: a JSON body without charset draws Slack's warning") {
    FakeSlack slack;
    hindsight::outbound::HttpClient http;
    hindsight::outbound::ClientRequest request;
    request.method = "POST";
    request.url = slack.api_base_url() + "chat.postMessage";
    request.headers = {{"Authorization", "Bearer " + slack.bot_token()}, {"Content-Type", "application/json"}};
    request.body = R"({"channel":"C1","text":"x"})";
    auto response = http.send(request);
    CHECK(response.status == 200);
    auto body = json::parse(response.body);
    CHECK(body["ok"] == true);
    CHECK(body["response_metadata"]["warnings"] == json::array({"missing_charset"}));
    request.headers.pop_back();
    request.headers.emplace_back("Authorization", "ignored");
    request.headers.erase(request.headers.begin());
    CHECK(json::parse(http.send(request).body)["error"] == "invalid_auth");
    request.headers.clear();
    CHECK(json::parse(http.send(request).body)["error"] == "not_authed");
}

namespace {

// A close post as the core writes it: intro, render_timeline's heading,
// entries, notes and hint, the document link, then the after-close prompts.
std::string timeline_post(int entries) {
    std::string md = "📝 *Draft timeline* for Checkout 500s\n**Timeline — Checkout 500s** (" +
                     std::to_string(entries) + " entries; times in UTC)\n";
    for (int i = 1; i <= entries; ++i)
        md += std::to_string(i) + ". 14:" + (i < 10 ? "0" : "") + std::to_string(i % 60) + " · message · Alice — step " +
              std::to_string(i) + " & <check>\n";
    md += "_3 noise messages dropped._\n"
          "Curate: `/incident timeline hide <n>` · `show <n>`\n"
          "Full postmortem draft: `/incident postmortem`\n\n"
          "🔍 *Five whys* — Why did \"Checkout 500s\" happen?\n\n"
          "👥 Facilitator suggestion: Carol";
    return md;
}

std::vector<std::string> section_texts(const json& blocks) {
    std::vector<std::string> out;
    for (const auto& b : blocks)
        if (b["type"] == "section") out.push_back(b["text"]["text"].get<std::string>());
    return out;
}

}  // namespace

TEST_CASE("sender: a timeline post is heading, entries, context notes and prompts as blocks") {
    Rig rig;
    CHECK(rig.sender.send(to_channel(timeline_post(12))).status == SendResult::Status::delivered);
    auto posted = rig.slack.posted();
    REQUIRE(posted.size() == 1);
    const json& blocks = posted[0]["blocks"];
    std::vector<std::string> types;
    for (const auto& b : blocks) types.push_back(b["type"]);
    CHECK(types == std::vector<std::string>{"section", "divider", "section", "section", "context", "section",
                                            "divider", "section", "section"});
    CHECK(blocks[0]["text"]["text"] ==
          "📝 _Draft timeline_ for Checkout 500s\n*Timeline — Checkout 500s* (12 entries; times in UTC)");
    // Entries in order, ten per section, escaped for mrkdwn.
    auto first = blocks[2]["text"]["text"].get<std::string>();
    CHECK(first.rfind("1. 14:01 · message · Alice — step 1 &amp; &lt;check&gt;\n2. ", 0) == 0);
    CHECK(std::count(first.begin(), first.end(), '\n') == 9);
    CHECK(blocks[3]["text"]["text"] ==
          "11. 14:11 · message · Alice — step 11 &amp; &lt;check&gt;\n12. 14:12 · message · Alice — step 12 &amp; "
          "&lt;check&gt;");
    REQUIRE(blocks[4]["elements"].size() == 2);
    CHECK(blocks[4]["elements"][0] == json{{"type", "mrkdwn"}, {"text", "_3 noise messages dropped._"}});
    CHECK(blocks[4]["elements"][1]["text"].get<std::string>().rfind("Curate: `/incident timeline hide <n>`", 0) == 0);
    CHECK(blocks[5]["text"]["text"] == "Full postmortem draft: `/incident postmortem`");
    CHECK(blocks[7]["text"]["text"] == "🔍 _Five whys_ — Why did \"Checkout 500s\" happen?");
    CHECK(blocks[8]["text"]["text"] == "👥 Facilitator suggestion: Carol");
    // The notification fallback is one line saying what the post is, not the document again.
    CHECK(posted[0]["text"] == "📝 _Draft timeline_ for Checkout 500s");
}

TEST_CASE("sender: a long timeline stays within 50 blocks and 3,000 characters a section") {
    auto payload = json::parse(message_payload(to_channel(timeline_post(60))));
    const json& blocks = payload["blocks"];
    CHECK(blocks.size() <= 50);
    std::string entries;
    for (const auto& text : section_texts(blocks)) {
        CHECK(text.size() <= max_section_chars);
        if (std::isdigit(static_cast<unsigned char>(text[0]))) entries += text + "\n";
    }
    // All 60 entries, in order, none lost between sections.
    std::size_t at = 0;
    for (int i = 1; i <= 60; ++i) {
        auto found = entries.find(std::to_string(i) + ". 14:", at);
        REQUIRE_MESSAGE(found != std::string::npos, i);
        at = found + 1;
    }
    CHECK(payload["text"].get<std::string>().size() <= max_text_chars);
    // Other messages are not laid out as a timeline.
    CHECK_FALSE(json::parse(message_payload(to_channel("1. first\n2. second"))).contains("blocks"));
}

TEST_CASE("sender: the core's mention tokens go out as Slack mentions") {
    auto payload = json::parse(message_payload(to_channel("⚠️ A-3 for @{U0BOB|bob} is overdue")));
    CHECK(payload["text"] == "⚠️ A-3 for <@U0BOB> is overdue");
    // A configured facilitator may be a member id with no name known, or a name.
    CHECK(with_slack_mentions("@{U0CAROL|U0CAROL}, @{carol|carol}, @{|dave}") == "<@U0CAROL>, @carol, @dave");
}
