#include "adapters/mattermost/inbound.hpp"

#include "fixtures.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::mattermost::test::fixture;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const ParseContext context{"usbot", "https://chat.example.com/"};
const Timestamp received = Timestamp{seconds{1800000000}};

}  // namespace

TEST_CASE("slash command form → SlashCommand with resolved mentions") {
    auto r = parse_slash_command(fixture("slash.form"), received);
    const auto& c = r.command;
    CHECK(c.where == ChannelRef{Platform::mattermost, "tm7k3w9a1bq8zcx5d2e6f4g0hj", "ch1a2b3c4d5e6f7g8h9i0jklmn"});
    CHECK(c.user_id == "us9z8y7x6w5v4u3t2s1r0qponm");
    CHECK(c.user_name == "carol");
    CHECK(c.text == "action @alice add an alert on replica lag @bob");
    CHECK(c.response_url == "https://chat.example.com/hooks/commands/cmd1234567890abcdefghijklm");
    CHECK(c.at == received);
    CHECK(r.command_word == "/incident");
    CHECK(r.team_domain == "acme");
    CHECK(r.trigger_id == "tr1");
    CHECK(r.mentions.at("alice") == "usalice00000000000000000000");
    CHECK(r.mentions.at("bob") == "usbob0000000000000000000000");
    REQUIRE(c.mentions.size() == 2);
    CHECK(c.mentions[0] == std::pair<std::string, std::string>{"alice", "usalice00000000000000000000"});
    CHECK(c.mentions[1] == std::pair<std::string, std::string>{"bob", "usbob0000000000000000000000"});
}

TEST_CASE("slash command without mentions, and malformed ones") {
    auto r = parse_slash_command("team_id=t&channel_id=c&user_id=u&command=%2Fincident&text=status", received);
    CHECK(r.command.text == "status");
    CHECK(r.command.mentions.empty());
    CHECK_THROWS_WITH_AS(parse_slash_command("channel_id=c&user_id=u", received),
                         "slash command: missing team_id", ParseError);
    CHECK_THROWS_AS(parse_slash_command("team_id=t&channel_id=c", received), ParseError);
    // Without the command word it is not our command: 400, nothing run.
    CHECK_THROWS_WITH_AS(parse_slash_command("team_id=t&channel_id=c&user_id=u&text=status", received),
                         "slash command: missing command", ParseError);
    CHECK_THROWS_AS(parse_slash_command("team_id=%zz&channel_id=c&user_id=u&command=%2Fincident", received), ParseError);
    CHECK_THROWS_AS(parse_slash_command("team_id=t&channel_id=c&user_id=u&command=%2Fincident&user_mentions=a", received),
                    ParseError);
}

TEST_CASE("outgoing webhook JSON: timestamp is milliseconds") {
    auto p = parse_webhook_json(fixture("webhook.json"), context);
    const auto& m = p.message;
    CHECK(m.where == ChannelRef{Platform::mattermost, "tm7k3w9a1bq8zcx5d2e6f4g0hj", "ch1a2b3c4d5e6f7g8h9i0jklmn"});
    CHECK(m.message_id == "po0a1b2c3d4e5f6g7h8i9jklmn");
    CHECK(m.user_id == "us9z8y7x6w5v4u3t2s1r0qponm");
    CHECK(m.user_name == "alice");
    CHECK(m.text == "#build now");
    CHECK(m.at == Timestamp{milliseconds{1700000000123}});
    CHECK(m.origin == Origin::human);
    CHECK(m.permalink == "https://chat.example.com/acme/pl/po0a1b2c3d4e5f6g7h8i9jklmn");
    CHECK(p.trigger_word == "#build");
    CHECK(p.file_ids == std::vector<std::string>{"fi1aaaaaaaaaaaaaaaaaaaaaaa", "fi2bbbbbbbbbbbbbbbbbbbbbbb"});
}

TEST_CASE("form webhook timestamp is SECONDS, JSON is milliseconds") {
    auto form = parse_webhook_form(fixture("webhook.form"), context);
    auto json = parse_webhook_json(fixture("webhook.json"), context);
    // Same post: both land in the same second of 2023-11-14, not in 1970 or year 55000.
    CHECK(form.message.at == Timestamp{seconds{1700000000}});
    CHECK(std::chrono::floor<seconds>(json.message.at) == form.message.at);
    CHECK(form.message.message_id == json.message.message_id);
    CHECK(form.message.text == "#build now");
    CHECK(form.message.user_name == "alice");
    CHECK(form.file_ids.empty());
    // A fractional seconds string is read exactly, without floating point.
    auto precise = parse_webhook_form(
        "team_id=t&channel_id=c&post_id=p&user_id=u&timestamp=1700000000.123456&file_ids=a,b", context);
    CHECK(precise.message.at == Timestamp{std::chrono::microseconds{1700000000123456}});
    CHECK(precise.file_ids == std::vector<std::string>{"a", "b"});
}

TEST_CASE("malformed webhooks are parse errors with a reason") {
    CHECK_THROWS_WITH_AS(parse_webhook_json("{", context), "outgoing webhook: body is not valid JSON", ParseError);
    CHECK_THROWS_WITH_AS(parse_webhook_json("[]", context), "outgoing webhook: body is not a JSON object", ParseError);
    CHECK_THROWS_WITH_AS(
        parse_webhook_json(R"({"team_id":"t","channel_id":"c","post_id":"p","user_id":"u","timestamp":"1700000000123"})", context),
        "outgoing webhook: timestamp is not an integer", ParseError);
    CHECK_THROWS_WITH_AS(parse_webhook_json(R"({"team_id":"t","channel_id":"c","user_id":"u","timestamp":1})", context),
                         "outgoing webhook: missing post_id", ParseError);
    CHECK_THROWS_AS(parse_webhook_json(R"({"team_id":"t","channel_id":"c","post_id":"p","user_id":"u","timestamp":-5})", context),
                    ParseError);
    CHECK_THROWS_AS(parse_webhook_json(R"({"team_id":"t","channel_id":"c","post_id":"p","user_id":"u","timestamp":18446744073709551615})", context),
                    ParseError);
    CHECK_THROWS_WITH_AS(parse_webhook_form("team_id=t&channel_id=c&post_id=p&user_id=u&timestamp=1.7e9", context),
                         "outgoing webhook: timestamp is not a number of seconds", ParseError);
    CHECK_THROWS_AS(parse_webhook_form("team_id=t&channel_id=c&post_id=p&user_id=u&timestamp=", context), ParseError);
    CHECK_THROWS_AS(parse_webhook_form("team_id=t&channel_id=c&post_id=p&user_id=u&timestamp=17.", context), ParseError);
    CHECK_THROWS_AS(parse_webhook_form("team_id=t&channel_id=c&post_id=p&user_id=u&timestamp=99999999999999999999", context), ParseError);
}

TEST_CASE("the bot's own webhook post is Origin::bot") {
    auto p = parse_webhook_json(
        R"({"team_id":"t","channel_id":"c","post_id":"p","user_id":"usbot","timestamp":1,"text":"Recording."})", context);
    CHECK(p.message.origin == Origin::bot);
    auto unknown_bot = parse_webhook_json(
        R"({"team_id":"t","channel_id":"c","post_id":"p","user_id":"usbot","timestamp":1})", ParseContext{});
    CHECK(unknown_bot.message.origin == Origin::human);  // no bot id known: can't tell
}

TEST_CASE("interactive action callback → ButtonAction and the context token") {
    auto r = parse_action(R"({"user_id":"usalice","user_name":"alice","channel_id":"dm1","team_id":"",
        "post_id":"po9","trigger_id":"tr","type":"","context":{"action":"done","value":"A-12","token":"abc"}})",
                          received);
    CHECK(r.action.where == ChannelRef{Platform::mattermost, "", "dm1"});
    CHECK(r.action.user_id == "usalice");
    CHECK(r.action.user_name == "alice");
    CHECK(r.action.action == "done");
    CHECK(r.action.value == "A-12");
    CHECK(r.action.at == received);
    CHECK(r.token == "abc");
    CHECK(r.team.empty());
    CHECK(r.post_id == "po9");
    // Clicks in DMs carry no team_id; the team we put into the context is used.
    auto dm = parse_action(R"({"user_id":"u","channel_id":"dm1","team_id":"",
        "context":{"action":"done","value":"A-1","team":"tm1","token":"t"}})", received);
    CHECK(dm.team == "tm1");
    CHECK(dm.action.where.team == "tm1");
    CHECK_THROWS_WITH_AS(parse_action(R"({"user_id":"u","channel_id":"c"})", received), "action: missing context", ParseError);
    CHECK_THROWS_WITH_AS(parse_action(R"({"user_id":"u","channel_id":"c","context":{"value":"A-1"}})", received),
                         "action context: missing action", ParseError);
}

TEST_CASE("PostList: newest-first order becomes chronological events — edits and deletions reconciled") {
    auto list = parse_post_list(fixture("postlist.json"));
    CHECK(list.order == std::vector<std::string>{"po3", "po2", "po1"});
    CHECK(list.posts.size() == 4);  // po0 is an extra (thread root), not in order
    ChannelRef where{Platform::mattermost, "tm1", "ch1"};
    auto events = post_list_events(list, where, context);
    REQUIRE(events.size() == 5);
    // po1 (oldest): message, then its deletion
    auto& m1 = std::get<ChatMessage>(events[0]);
    CHECK(m1.message_id == "po1");
    CHECK(m1.at == Timestamp{milliseconds{1700000100000}});
    CHECK(m1.permalink == "https://chat.example.com/_redirect/pl/po1");
    auto& d1 = std::get<MessageDeleted>(events[1]);
    CHECK(d1.message_id == "po1");
    CHECK(d1.at == Timestamp{milliseconds{1700000400000}});
    // po2: message in a thread, then the edit carrying the current text
    auto& m2 = std::get<ChatMessage>(events[2]);
    CHECK(m2.thread_parent == "po0");
    CHECK(m2.origin == Origin::human);
    auto& e2 = std::get<MessageEdited>(events[3]);
    CHECK(e2.new_text == "rolled back v2 (edited)");
    CHECK(e2.at == Timestamp{milliseconds{1700000250000}});
    // po3: the bot's own announcement
    auto& m3 = std::get<ChatMessage>(events[4]);
    CHECK(m3.origin == Origin::bot);
    for (const auto& e : events) CHECK(std::visit([](auto& x) { return x.where; }, e) == where);
}

TEST_CASE("PostList: posts created before the window contribute only edits and deletions") {
    auto list = parse_post_list(fixture("postlist.json"));
    auto events = post_list_events(list, {Platform::mattermost, "t", "ch1"}, context,
                                   Timestamp{milliseconds{1700000150000}});
    REQUIRE(events.size() == 4);
    CHECK(std::holds_alternative<MessageDeleted>(events[0]));  // po1 predates the window
    CHECK(std::get<ChatMessage>(events[1]).message_id == "po2");
}

TEST_CASE("PostList: malformed shapes") {
    CHECK_THROWS_WITH_AS(parse_post_list(R"({"posts":{}})"), "post list: missing order", ParseError);
    CHECK_THROWS_WITH_AS(parse_post_list(R"({"order":["a"],"posts":{}})"),
                         "post list: ordered post missing from posts", ParseError);
    CHECK_THROWS_AS(parse_post_list(R"({"order":[],"posts":{"a":{"id":"a"}}})"), ParseError);
    auto empty = parse_post_list(R"({"order":[],"posts":{},"next_post_id":"","prev_post_id":""})");
    CHECK(empty.order.empty());
}

TEST_CASE("system posts are Origin::system — integration posts Origin::bot") {
    auto join = parse_post(R"({"id":"p","channel_id":"c","user_id":"u","create_at":1,"type":"system_join_channel","message":"u joined"})");
    CHECK(post_origin(join, context) == Origin::system);
    auto hook = parse_post(R"({"id":"p","channel_id":"c","user_id":"u","create_at":1,"props":{"from_webhook":"true"}})");
    CHECK(post_origin(hook, context) == Origin::bot);
    auto person = parse_post(R"({"id":"p","channel_id":"c","user_id":"u","create_at":1,"props":{"from_bot":"false"}})");
    CHECK(post_origin(person, context) == Origin::human);
}

TEST_CASE("WebSocket posted frame: data.post is a JSON string") {
    auto ev = parse_socket_event(fixture("ws_posted.json"), context);
    CHECK(ev.event == "posted");
    CHECK(ev.seq == 7);
    CHECK(ev.channel_id == "ch1");
    CHECK(ev.team_id == "tm1");
    CHECK(ev.changed_at == 1700000500123);
    REQUIRE(ev.chat);
    auto& m = std::get<ChatMessage>(*ev.chat);
    CHECK(m.where == ChannelRef{Platform::mattermost, "tm1", "ch1"});
    CHECK(m.message_id == "po5");
    CHECK(m.user_id == "usalice");
    CHECK(m.user_name == "alice");
    CHECK(m.text == "paged the DB on-call");
    CHECK(m.thread_parent == "po2");
    CHECK(m.at == Timestamp{milliseconds{1700000500123}});
    CHECK(m.origin == Origin::human);
}

TEST_CASE("WebSocket edits, deletions and system posts") {
    auto edited = parse_socket_event(
        R"({"event":"post_edited","data":{"post":"{\"id\":\"po5\",\"channel_id\":\"ch1\",\"user_id\":\"usalice\",\"create_at\":1700000500123,\"update_at\":1700000700000,\"edit_at\":1700000700000,\"message\":\"paged DB on-call (fixed)\"}"},"broadcast":{"channel_id":"ch1"},"seq":9})",
        context);
    REQUIRE(edited.chat);
    auto& e = std::get<MessageEdited>(*edited.chat);
    CHECK(e.message_id == "po5");
    CHECK(e.new_text == "paged DB on-call (fixed)");
    CHECK(e.at == Timestamp{milliseconds{1700000700000}});
    CHECK(e.where.team.empty());  // the caller resolves the channel's team
    set_team(*edited.chat, "tm1");
    CHECK(std::get<MessageEdited>(*edited.chat).where.team == "tm1");

    auto deleted = parse_socket_event(
        R"({"event":"post_deleted","data":{"post":"{\"id\":\"po5\",\"channel_id\":\"ch1\",\"user_id\":\"usalice\",\"create_at\":1,\"update_at\":1700000800000,\"delete_at\":1700000800000}"},"broadcast":{"channel_id":"ch1"},"seq":10})",
        context);
    REQUIRE(deleted.chat);
    CHECK(std::get<MessageDeleted>(*deleted.chat).at == Timestamp{milliseconds{1700000800000}});

    auto system = parse_socket_event(
        R"({"event":"posted","data":{"post":"{\"id\":\"p6\",\"channel_id\":\"ch1\",\"user_id\":\"usbob\",\"create_at\":1,\"type\":\"system_join_channel\",\"message\":\"bob joined\"}"},"broadcast":{"channel_id":"ch1"},"seq":11})",
        context);
    CHECK(std::get<ChatMessage>(*system.chat).origin == Origin::system);
}

TEST_CASE("WebSocket pushpin reactions mark key events — other emoji don't") {
    auto ev = parse_socket_event(fixture("ws_reaction.json"), context);
    CHECK(ev.seq == 8);
    REQUIRE(ev.chat);
    auto& k = std::get<KeyEventMarked>(*ev.chat);
    CHECK(k.message_id == "po5");
    CHECK(k.user_id == "usbob");
    CHECK(k.marked);
    CHECK(k.where.channel == "ch1");
    CHECK(k.at == Timestamp{milliseconds{1700000600000}});

    auto removed = parse_socket_event(
        R"({"event":"reaction_removed","data":{"reaction":"{\"user_id\":\"usbob\",\"post_id\":\"po5\",\"emoji_name\":\"pushpin\",\"create_at\":1}"},"broadcast":{"channel_id":"ch1"},"seq":9})",
        context);
    CHECK_FALSE(std::get<KeyEventMarked>(*removed.chat).marked);

    auto thumbs = parse_socket_event(
        R"({"event":"reaction_added","data":{"reaction":"{\"user_id\":\"usbob\",\"post_id\":\"po5\",\"emoji_name\":\"+1\",\"create_at\":1}"},"broadcast":{"channel_id":"ch1"},"seq":10})",
        context);
    CHECK_FALSE(thumbs.chat);
}

TEST_CASE("WebSocket hello, replies and malformed frames") {
    auto hello = parse_socket_event(R"({"event":"hello","data":{"connection_id":"cn1","server_version":"9"},"broadcast":{},"seq":0})", context);
    CHECK(hello.event == "hello");
    CHECK(hello.seq == 0);
    CHECK(hello.connection_id == "cn1");
    CHECK_FALSE(hello.chat);
    auto reply = parse_socket_event(R"({"status":"OK","seq_reply":1})", context);
    CHECK(reply.event.empty());
    CHECK(reply.seq == -1);
    auto typing = parse_socket_event(R"({"event":"typing","data":{},"broadcast":{"channel_id":"ch1"},"seq":3})", context);
    CHECK_FALSE(typing.chat);
    CHECK_THROWS_AS(parse_socket_event("nope", context), ParseError);
    CHECK_THROWS_WITH_AS(parse_socket_event(R"({"event":"posted","data":{"post":{"id":"p"}},"seq":1})", context),
                         "websocket event: post is not a string", ParseError);
    CHECK_THROWS_WITH_AS(parse_socket_event(R"({"event":"posted","data":{"post":"{"},"seq":1})", context),
                         "post: not valid JSON", ParseError);
}

TEST_CASE("a deleted post's (empty) text never overwrites the recorded text") {
    auto post = parse_post(R"({"id":"p","channel_id":"c","user_id":"u","create_at":1,"edit_at":5,"delete_at":9,"message":""})");
    auto events = post_events(post, {Platform::mattermost, "t", "c"}, context);
    REQUIRE(events.size() == 2);
    CHECK(std::holds_alternative<ChatMessage>(events[0]));
    CHECK(std::get<MessageDeleted>(events[1]).at == Timestamp{milliseconds{9}});
}
