#include "adapters/slack/inbound.hpp"
#include "tests/unit/slack/fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace hindsight;
using namespace hindsight::slack;
using hindsight::slack::test::fixture;

namespace {

Timestamp ts(std::int64_t s, std::int64_t us) {
    return Timestamp{std::chrono::seconds{s}} + std::chrono::microseconds{us};
}

const ChannelRef channel{Platform::slack, "T0TEST0001", "C0TEST0001"};

EventCallback callback(const std::string& name, const DomainLookup& domains = {}) {
    auto parsed = parse_events(fixture(name), domains);
    REQUIRE_MESSAGE(parsed, parsed.error);
    auto* cb = std::get_if<EventCallback>(&*parsed.value);
    REQUIRE(cb != nullptr);
    return *cb;
}

template <class T>
T event_of(const std::string& name, const DomainLookup& domains = {}) {
    auto cb = callback(name, domains);
    REQUIRE(cb.event.has_value());
    auto* e = std::get_if<T>(&*cb.event);
    REQUIRE(e != nullptr);
    return *e;
}

}  // namespace

TEST_CASE("inbound: ts is read as a string with microseconds") {
    CHECK(parse_ts("1700000000.000100") == ts(1700000000, 100));
    CHECK(parse_ts("1700000000.123456") == ts(1700000000, 123456));
    CHECK(parse_ts("1700000000.1") == ts(1700000000, 100000));
    CHECK(parse_ts("1700000000") == ts(1700000000, 0));
    // Precision a double would lose at this magnitude.
    CHECK(parse_ts("1700000000.999999") == ts(1700000000, 999999));
    CHECK_FALSE(parse_ts(""));
    CHECK_FALSE(parse_ts("1700000000."));
    CHECK_FALSE(parse_ts(".000100"));
    CHECK_FALSE(parse_ts("1700000000.0001000"));
    CHECK_FALSE(parse_ts("17000x0000.000100"));
    CHECK_FALSE(parse_ts("1700000000.00a100"));
    CHECK_FALSE(parse_ts("-1700000000.000100"));
    CHECK_FALSE(parse_ts("1e9"));
}

TEST_CASE("inbound: permalink form") {
    CHECK(permalink("acme", "C0TEST0001", "1700000000.000100") ==
          "https://acme.slack.com/archives/C0TEST0001/p1700000000000100");
    CHECK(permalink("acme", "C0TEST0001", "1700000060.123456", "1700000000.000100") ==
          "https://acme.slack.com/archives/C0TEST0001/p1700000060123456"
          "?thread_ts=1700000000.000100&cid=C0TEST0001");
}

TEST_CASE("inbound: plain message") {
    auto cb = callback("event_message.json");
    CHECK(cb.event_id == "Ev0MSG0001");
    CHECK(cb.team_id == "T0TEST0001");
    CHECK(cb.kind == "message");
    auto m = event_of<ChatMessage>("event_message.json");
    CHECK(m.where == channel);
    CHECK(m.message_id == "1700000000.000100");
    CHECK(m.user_id == "U0TEST0002");
    // Slack's escaping of &, <, > is undone: the core stores what was typed.
    CHECK(m.text == "checkout p99 is at 4s & paging <db> on-call");
    CHECK(m.at == ts(1700000000, 100));
    CHECK(m.thread_parent.empty());
    CHECK(m.origin == Origin::human);
    CHECK(m.permalink.empty());  // no domain known
}

TEST_CASE("inbound: permalink when the team domain is known") {
    DomainLookup domains = [](const std::string& team) {
        return team == "T0TEST0001" ? std::string("acme") : std::string();
    };
    auto m = event_of<ChatMessage>("event_message.json", domains);
    CHECK(m.permalink == "https://acme.slack.com/archives/C0TEST0001/p1700000000000100");
    DomainLookup unknown = [](const std::string&) { return std::string(); };
    CHECK(event_of<ChatMessage>("event_message.json", unknown).permalink.empty());
}

TEST_CASE("inbound: thread reply vs thread parent") {
    auto reply = event_of<ChatMessage>("event_thread_reply.json");
    CHECK(reply.thread_parent == "1700000000.000100");
    CHECK(reply.at == ts(1700000060, 123456));
    auto parent = event_of<ChatMessage>("event_thread_parent.json");
    CHECK(parent.thread_parent.empty());  // thread_ts == ts: the parent itself
}

TEST_CASE("inbound: message_changed is keyed by the original ts") {
    auto e = event_of<MessageEdited>("event_message_changed.json");
    CHECK(e.where == channel);
    CHECK(e.message_id == "1700000000.000100");  // event.message.ts, not event.ts
    CHECK(e.new_text == "checkout p99 is at 6s");
    CHECK(e.at == ts(1700000120, 200));
}

TEST_CASE("inbound: messages and edits reach the core as neutral text") {
    auto body = nlohmann::json::parse(fixture("event_message_changed.json"));
    auto& event = body["event"];
    event["message"]["text"] = "<@U0TEST0003|bob> see <https://grafana.example/d/1|the board> &amp; <#C1|ops>";
    auto parsed = parse_events(body.dump());
    REQUIRE_MESSAGE(parsed, parsed.error);
    const auto& edit = std::get<MessageEdited>(*std::get<EventCallback>(*parsed.value).event);
    CHECK(edit.new_text == "@{U0TEST0003|bob} see [the board](https://grafana.example/d/1) & #ops");

    // An unfurl (message_changed, same markup) is still no edit.
    event["previous_message"]["text"] = event["message"]["text"];
    parsed = parse_events(body.dump());
    REQUIRE_MESSAGE(parsed, parsed.error);
    CHECK_FALSE(std::get<EventCallback>(*parsed.value).event.has_value());

    body = nlohmann::json::parse(fixture("event_message.json"));
    body["event"]["text"] = "cc <@U0TEST0003> p99 &gt; 2s";
    parsed = parse_events(body.dump());
    REQUIRE_MESSAGE(parsed, parsed.error);
    CHECK(std::get<ChatMessage>(*std::get<EventCallback>(*parsed.value).event).text == "cc @{U0TEST0003|} p99 > 2s");
}

TEST_CASE("inbound: message_changed with the same text is not an edit") {
    auto cb = callback("event_message_changed_unfurl.json");
    CHECK_FALSE(cb.event.has_value());
    CHECK(cb.kind.find("message_changed") != std::string::npos);
}

TEST_CASE("inbound: message_deleted uses deleted_ts") {
    auto d = event_of<MessageDeleted>("event_message_deleted.json");
    CHECK(d.where == channel);
    CHECK(d.message_id == "1700000000.000100");
    CHECK(d.at == ts(1700000300, 500));
}

TEST_CASE("inbound: join and leave notices are system messages") {
    CHECK(event_of<ChatMessage>("event_channel_join.json").origin == Origin::system);
    CHECK(event_of<ChatMessage>("event_channel_join.json").text == "@{U0TEST0004|carol} has joined the channel");
    CHECK(event_of<ChatMessage>("event_channel_leave.json").origin == Origin::system);
}

TEST_CASE("inbound: bots") {
    auto legacy = event_of<ChatMessage>("event_bot_message.json");
    CHECK(legacy.origin == Origin::bot);
    CHECK(legacy.user_id == "B0PAGER001");
    // Our own chat.postMessage echoes: bot_id without a subtype.
    CHECK(event_of<ChatMessage>("event_own_post.json").origin == Origin::bot);
    // The bot's user id from authorizations[0], even without bot_id.
    CHECK(event_of<ChatMessage>("event_own_user_no_bot_id.json").origin == Origin::bot);
}

TEST_CASE("inbound: pushpin reactions mark key events") {
    auto added = event_of<KeyEventMarked>("event_reaction_added_pushpin.json");
    CHECK(added.where == channel);
    CHECK(added.message_id == "1700000060.123456");
    CHECK(added.user_id == "U0TEST0003");
    CHECK(added.marked);
    CHECK(added.at == ts(1700000070, 700));
    auto removed = event_of<KeyEventMarked>("event_reaction_removed_pushpin.json");
    CHECK(removed.message_id == "1700000060.123456");
    CHECK_FALSE(removed.marked);
    auto other = callback("event_reaction_added_other.json");
    CHECK_FALSE(other.event.has_value());
}

TEST_CASE("inbound: pins mark key events") {
    auto added = event_of<KeyEventMarked>("event_pin_added.json");
    CHECK(added.where == channel);
    CHECK(added.message_id == "1700000060.123456");
    CHECK(added.marked);
    CHECK(added.user_id == "U0TEST0002");
    auto removed = event_of<KeyEventMarked>("event_pin_removed.json");
    CHECK(removed.message_id == "1700000060.123456");
    CHECK_FALSE(removed.marked);
}

TEST_CASE("inbound: other event types are unknown, not errors") {
    auto cb = callback("event_member_joined.json");
    CHECK(cb.kind == "member_joined_channel");
    CHECK_FALSE(cb.event.has_value());
    auto other = parse_events(R"({"type":"some_future_envelope"})");
    REQUIRE(other);
    CHECK(std::get<UnknownEnvelope>(*other.value).type == "some_future_envelope");
}

TEST_CASE("inbound: url_verification and app_rate_limited") {
    auto v = parse_events(fixture("url_verification.json"));
    REQUIRE(v);
    CHECK(std::get<UrlVerification>(*v.value).challenge == "3q8MyChallengeValue0123456789abcdef");
    auto r = parse_events(fixture("app_rate_limited.json"));
    REQUIRE(r);
    auto limited = std::get<AppRateLimited>(*r.value);
    CHECK(limited.team_id == "T0TEST0001");
    CHECK(limited.minute_rate_limited == 1700000040);
}

TEST_CASE("inbound: malformed event bodies are errors with a reason, never exceptions") {
    const char* bad[] = {
        "",
        "not json",
        "[1,2,3]",
        "\"event_callback\"",
        R"({"type":"url_verification"})",
        R"({"type":"event_callback","team_id":"T1","event":{"type":"message"}})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":"message"})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"C1","ts":1700000000.0001}})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"C1","ts":"abc"}})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":["C1"],"ts":"1.1"}})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","subtype":"message_changed","channel":"C1","ts":"1.1","message":"text"}})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","subtype":"message_deleted","channel":"C1","ts":"1.1"}})",
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"reaction_added","reaction":"pushpin","item":"x","event_ts":"1.1"}})",
        R"({"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","ts":"1.1"}})",
        "{\"type\":\"event_callback\",\"team_id\":\"T1\",\"event_id\":\"Ev1\",\"event\":{\"type\":\"message\",\"channel\":\"C1\",\"ts\":\"1.1\",\"text\":\"\xff\xfe\"}}",
    };
    for (std::string body : bad) {
        CAPTURE(body);
        Parsed<EventsPayload> r;
        CHECK_NOTHROW(r = parse_events(body));
        CHECK_FALSE(r);
        CHECK_FALSE(r.error.empty());
    }
}

TEST_CASE("inbound: wrong types in optional fields are tolerated") {
    // user as an object, thread_ts as a number, authorizations as a string.
    auto r = parse_events(
        R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","authorizations":"x",)"
        R"("event":{"type":"message","channel":"C1","ts":"1.000001","user":{"id":"U1"},"thread_ts":5,"text":7}})");
    REQUIRE_MESSAGE(r, r.error);
    auto m = std::get<ChatMessage>(*std::get<EventCallback>(*r.value).event);
    CHECK(m.user_id.empty());
    CHECK(m.thread_parent.empty());
    CHECK(m.text.empty());
}

TEST_CASE("inbound: slash command form") {
    auto form = http::Form::parse(fixture("command_action.form"));
    REQUIRE(form);
    auto received = ts(1700000500, 0);
    auto r = parse_command(*form, received);
    REQUIRE_MESSAGE(r, r.error);
    CHECK_FALSE(r.value->ssl_check);
    CHECK(r.value->team_domain == "acme");
    CHECK(r.value->command_name == "/incident");
    const auto& c = r.value->command;
    CHECK(c.where == channel);
    CHECK(c.user_id == "U0TEST0002");
    CHECK(c.user_name == "alice");
    // The mention is the core's neutral token.
    CHECK(c.text == "action @{U0TEST0003|bob} add replica lag alert due:+3d");
    CHECK(c.at == received);
    CHECK(c.response_url ==
          "https://hooks.slack.com/commands/T0TEST0001/397700885554/96rGlfmibIGlgcZRskXaIFfN");
    REQUIRE(c.mentions.size() == 1);
    CHECK(c.mentions[0] == std::pair<std::string, std::string>{"bob", "U0TEST0003"});
}

TEST_CASE("inbound: ssl_check and incomplete commands") {
    auto check = parse_command(*http::Form::parse("ssl_check=1&token=vtok"), ts(1, 0));
    REQUIRE(check);
    CHECK(check.value->ssl_check);
    auto missing = parse_command(*http::Form::parse("team_id=T1&user_id=U1&text=status"), ts(1, 0));
    CHECK_FALSE(missing);
    CHECK(missing.error.find("channel_id") != std::string::npos);
    // Without the command word it is not our command.
    auto nameless = parse_command(*http::Form::parse("team_id=T1&channel_id=C1&user_id=U1&text=open+X"), ts(1, 0));
    CHECK_FALSE(nameless);
    CHECK(nameless.error == "slash command without command");
    auto escaped = parse_command(
        *http::Form::parse(
            "team_id=T1&channel_id=C1&user_id=U1&command=%2Fincident&text=note+p99+%26gt%3B+4s+%26amp%3B+rising"),
        ts(1, 0));
    REQUIRE(escaped);
    CHECK(escaped.value->command.text == "note p99 > 4s & rising");
}

TEST_CASE("inbound: block_actions button click") {
    auto form = http::Form::parse(fixture("interaction_block_actions.form"));
    REQUIRE(form);
    auto r = parse_interaction(*form, ts(1, 0));
    REQUIRE_MESSAGE(r, r.error);
    CHECK(r.value->type == "block_actions");
    REQUIRE(r.value->action.has_value());
    const auto& a = *r.value->action;
    CHECK(a.where == ChannelRef{Platform::slack, "T0TEST0001", "D0TEST0002"});
    CHECK(a.user_id == "U0TEST0002");
    CHECK(a.user_name == "alice");
    CHECK(a.action == "done");
    CHECK(a.value == "A-12");
    CHECK(a.at == ts(1700100100, 200300));
    CHECK(a.response_url == "https://hooks.slack.com/actions/T0TEST0001/1234567890/abcdefABCDEF");
}

TEST_CASE("inbound: other interactions and malformed payloads") {
    auto other = parse_interaction(*http::Form::parse("payload=%7B%22type%22%3A%22view_closed%22%7D"), ts(1, 0));
    REQUIRE(other);
    CHECK(other.value->type == "view_closed");
    CHECK_FALSE(other.value->action.has_value());

    const char* bad[] = {"", "payload=", "payload=nope", "payload=%5B%5D", "payload=%7B%7D",
                         "payload=%7B%22type%22%3A%22block_actions%22%7D",
                         "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%22x%22%7D"};
    for (std::string body : bad) {
        CAPTURE(body);
        auto form = http::Form::parse(body);
        REQUIRE(form);
        Parsed<InteractionRequest> r;
        CHECK_NOTHROW(r = parse_interaction(*form, ts(1, 0)));
        CHECK_FALSE(r);
    }
}
