// End to end through the Slack endpoints with the real database and Bot:
// signed requests in, rows and Slack API calls (FakeSlack) out.
#include "adapters/http/form.hpp"
#include "adapters/outbound/delivery.hpp"
#include "adapters/outbound/worker.hpp"
#include "adapters/slack/sender.hpp"
#include "adapters/slack/api.hpp"
#include "adapters/slack/endpoints.hpp"
#include "adapters/slack/verifier.hpp"
#include "storage/database.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/slack/fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>

using namespace hindsight;
using namespace hindsight::slack;
using hindsight::fakes::FakeSlack;
using hindsight::slack::test::fixture;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto secret = "8f742231b10e8888abcd99yyyzzz85a5";
const ChannelRef incident_channel{Platform::slack, "T0TEST0001", "C0TEST0001"};

struct Rig {
    hindsight::test::TempDir dir;
    storage::Database db{dir.file("hindsight.db")};
    ManualClock clock{Timestamp{std::chrono::seconds{1700000000}}};
    Bot bot{db.store(), db.outbox(), clock, BotSettings{}};
    FakeSlack slack;
    Api api{ApiSettings{slack.api_base_url(), slack.bot_token()}};
    outbound::Worker worker{"slack-test"};
    std::atomic<int> outbox_wakeups{0};
    std::vector<EventOutcome> outcomes;
    std::mutex outcomes_mutex;
    Endpoints endpoints{config::SlackConfig{secret, slack.bot_token(), slack.api_base_url()},
                        EndpointDeps{db.writes(), bot, db.store(), clock, &worker,
                                     [this](EventOutcome o) {
                                         std::lock_guard lock(outcomes_mutex);
                                         outcomes.push_back(o);
                                     },
                                     [this] { ++outbox_wakeups; }},
                        &api};
    // Late replies (the answer to `close`) go out through the outbox.
    SlackSender sender{ApiSettings{slack.api_base_url(), slack.bot_token()}};
    outbound::Delivery delivery{db.writes(), db.outbox(), clock, {}};

    Rig() { delivery.add_sender(Platform::slack, sender); }

    http::Request request(std::string body, std::string content_type, bool good_signature = true) {
        auto ts = std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count());
        http::Request r;
        r.method = "POST";
        r.body = std::move(body);
        r.remote = "127.0.0.1:5555";
        r.headers = {{"Content-Type", std::move(content_type)},
                     {"X-Slack-Request-Timestamp", ts},
                     {"X-Slack-Signature", good_signature ? sign(secret, ts, r.body)
                                                          : sign("wrong-secret", ts, r.body)}};
        return r;
    }

    template <class Route>
    http::Response call(Route route, const http::Request& r) {
        auto promise = std::make_shared<std::promise<http::Response>>();
        auto future = promise->get_future();
        (endpoints.*route)(r, [promise](http::Response response) { promise->set_value(std::move(response)); });
        REQUIRE(future.wait_for(10s) == std::future_status::ready);
        return future.get();
    }

    http::Response event(const std::string& body, bool good_signature = true) {
        return call(&Endpoints::events, request(body, "application/json", good_signature));
    }

    http::Response command(const std::string& text, const std::string& team = "T0TEST0001",
                           const std::string& response_url = {}) {
        std::string body = "token=vtok&team_id=" + team + "&team_domain=acme&channel_id=C0TEST0001"
                           "&channel_name=inc-checkout&user_id=U0TEST0002&user_name=alice&command=%2Fincident"
                           "&text=" + http::url_encode(text) + "&response_url=" + http::url_encode(response_url) +
                           "&trigger_id=1.2.3";
        return call(&Endpoints::commands, request(body, "application/x-www-form-urlencoded"));
    }

    // Everything posted to the background worker so far has run, and what it
    // submitted to the database has committed (both are FIFO).
    void settle() {
        auto done = std::make_shared<std::promise<void>>();
        auto future = done->get_future();
        worker.post([done] { done->set_value(); });
        REQUIRE(future.wait_for(20s) == std::future_status::ready);
        db.writes().run([] {});
    }

    // Sends what the outbox holds now.
    void deliver() { delivery.deliver_due(); }

    std::vector<RecordedMessage> messages() {
        auto reader = db.open_reader();
        auto incident = reader->latest_incident(incident_channel);
        REQUIRE(incident.has_value());
        return reader->messages(incident->id);
    }
};

std::string with_event_id(std::string body, const std::string& id) {
    auto j = json::parse(body);
    j["event_id"] = id;
    return j.dump();
}

json reply_json(const http::Response& r) {
    CHECK(r.status == 200);
    CHECK(r.content_type.rfind("application/json", 0) == 0);
    return json::parse(r.body);
}

}  // namespace

TEST_CASE("endpoints: commands reply with JSON, ephemeral or in_channel") {
    Rig rig;
    auto help = reply_json(rig.command("help"));
    CHECK(help["response_type"] == "ephemeral");
    CHECK(help["text"].get<std::string>().find("/incident") != std::string::npos);

    auto opened = reply_json(rig.command("open Checkout latency sev:2"));
    CHECK(opened["response_type"] == "in_channel");
    auto incident = rig.db.open_reader()->latest_incident(incident_channel);
    REQUIRE(incident.has_value());
    CHECK(incident->title == "Checkout latency");
    CHECK(incident->severity == 2);
}

TEST_CASE("endpoints: the bot's headings reach Slack bold, not italic") {
    Rig rig;
    auto opened = reply_json(rig.command("open Checkout latency sev:2"));
    auto text = opened["text"].get<std::string>();
    CHECK(text.find("*Incident opened:*") != std::string::npos);
    CHECK(text.find("_Incident opened:_") == std::string::npos);
    auto whys = reply_json(rig.command("why"));
    CHECK(whys["text"].get<std::string>().find("*Five whys*") != std::string::npos);
}

TEST_CASE("endpoints: ssl_check, bad signature, wrong media type, malformed body") {
    Rig rig;
    auto ssl = rig.call(&Endpoints::commands, rig.request("ssl_check=1&token=vtok", "application/x-www-form-urlencoded"));
    CHECK(ssl.status == 200);
    CHECK(ssl.body.empty());

    auto unsigned_command = rig.call(&Endpoints::commands,
        rig.request("team_id=T0TEST0001&channel_id=C0TEST0001&user_id=U1&text=open+x", "application/x-www-form-urlencoded", false));
    CHECK(unsigned_command.status == 401);
    CHECK(unsigned_command.body.empty());
    CHECK_FALSE(rig.db.open_reader()->latest_incident(incident_channel).has_value());

    CHECK(rig.call(&Endpoints::commands, rig.request("text=open+x", "application/json")).status == 415);
    CHECK(rig.call(&Endpoints::events, rig.request("{}", "application/x-www-form-urlencoded")).status == 415);
    CHECK(rig.call(&Endpoints::interactions, rig.request("payload=%7B%7D", "text/plain")).status == 415);
    CHECK(rig.call(&Endpoints::commands, rig.request("team_id=T1&text=%zz", "application/x-www-form-urlencoded")).status == 400);
    CHECK(rig.call(&Endpoints::commands, rig.request("text=status", "application/x-www-form-urlencoded")).status == 400);
    CHECK(rig.event("{not json").status == 400);
    CHECK(rig.call(&Endpoints::interactions, rig.request("payload=%5B", "application/x-www-form-urlencoded")).status == 400);

    // A stale timestamp is refused even with a correct signature.
    auto r = rig.request(fixture("url_verification.json"), "application/json");
    rig.clock.advance(301s);
    CHECK(rig.call(&Endpoints::events, r).status == 401);
}

TEST_CASE("endpoints: url_verification answers the challenge — unknown events are acked") {
    Rig rig;
    auto r = rig.event(fixture("url_verification.json"));
    CHECK(reply_json(r) == json{{"challenge", "3q8MyChallengeValue0123456789abcdef"}});
    auto limited = rig.event(fixture("app_rate_limited.json"));
    CHECK(limited.status == 200);
    CHECK(rig.event(fixture("event_member_joined.json")).status == 200);
}

TEST_CASE("endpoints: a badly signed event stores nothing") {
    Rig rig;
    rig.command("open Checkout latency");
    auto r = rig.event(fixture("event_message.json"), false);
    CHECK(r.status == 401);
    rig.settle();
    CHECK(rig.messages().empty());
}

TEST_CASE("endpoints: a message is stored once however often Slack retries it") {
    Rig rig;
    rig.slack.add_user(json::parse(R"({"id":"U0TEST0002","name":"alice","real_name":"Alice Example",
        "profile":{"display_name":"Alice Ops","real_name":"Alice Example"}})"));
    rig.command("open Checkout latency");
    CHECK(rig.event(fixture("event_message.json")).status == 200);
    CHECK(rig.event(fixture("event_message.json")).status == 200);  // X-Slack-Retry-Num: 1
    auto messages = rig.messages();
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].message_id == "1700000000.000100");
    CHECK(messages[0].text == "checkout p99 is at 4s & paging <db> on-call");
    CHECK(messages[0].at == Timestamp{std::chrono::seconds{1700000000}} + 100us);
    // The command carried team_domain, so the permalink is known.
    CHECK(messages[0].permalink == "https://acme.slack.com/archives/C0TEST0001/p1700000000000100");
    {
        std::lock_guard lock(rig.outcomes_mutex);
        CHECK(rig.outcomes == std::vector<EventOutcome>{EventOutcome::stored, EventOutcome::duplicate});
    }

    // The author's display name is looked up once and cached.
    rig.settle();
    CHECK(rig.slack.calls("users.info").size() == 1);
    CHECK(rig.db.open_reader()->user_name(incident_channel, "U0TEST0002") == "Alice Ops");
    rig.event(fixture("event_thread_reply.json"));  // another user, unknown to the fake
    rig.event(with_event_id(fixture("event_message.json"), "Ev0MSG0002"));
    rig.settle();
    auto lookups = rig.slack.calls("users.info");
    REQUIRE(lookups.size() == 2);
    CHECK(lookups[1].target.find("user=U0TEST0003") != std::string::npos);
}

TEST_CASE("endpoints: a display name is asked for again once the cache entry is an hour old") {
    Rig rig;
    auto alice = [](const std::string& display) {
        return json{{"id", "U0TEST0002"}, {"name", "alice"}, {"profile", {{"display_name", display}}}};
    };
    // Another message of the same author: new event_id, new ts.
    auto message = [](int n) {
        auto j = json::parse(fixture("event_message.json"));
        j["event_id"] = "Ev0NAME" + std::to_string(n);
        j["event"]["ts"] = "1700000000.00020" + std::to_string(n);
        return j.dump();
    };
    rig.slack.add_user(alice("Alice Ops"));
    rig.command("open Checkout latency");
    REQUIRE(rig.event(message(1)).status == 200);
    rig.settle();
    REQUIRE(rig.slack.calls("users.info").size() == 1);
    CHECK(rig.db.open_reader()->user_name(incident_channel, "U0TEST0002") == "Alice Ops");

    // She renames herself; inside the hour the cached name stands, no call.
    rig.slack.add_user(alice("Alice (on call)"));
    rig.clock.advance(NameCache::default_ttl - 1s);
    REQUIRE(rig.event(message(2)).status == 200);
    rig.settle();
    CHECK(rig.slack.calls("users.info").size() == 1);
    CHECK(rig.db.open_reader()->user_name(incident_channel, "U0TEST0002") == "Alice Ops");

    // Past the hour the next message asks again and the new name is stored.
    rig.clock.advance(2s);
    REQUIRE(rig.event(message(3)).status == 200);
    rig.settle();
    CHECK(rig.slack.calls("users.info").size() == 2);
    CHECK(rig.db.open_reader()->user_name(incident_channel, "U0TEST0002") == "Alice (on call)");
    // And the fresh entry holds for another hour.
    REQUIRE(rig.event(message(4)).status == 200);
    rig.settle();
    CHECK(rig.slack.calls("users.info").size() == 2);
}

TEST_CASE("name cache: one claim per user and ttl, a forgotten user is claimable again") {
    ManualClock clock{Timestamp{std::chrono::seconds{1700000000}}};
    NameCache cache{clock, 10min};
    CHECK(cache.claim("T1", "U1"));
    CHECK_FALSE(cache.claim("T1", "U1"));
    CHECK(cache.claim("T2", "U1"));  // another workspace is another person
    clock.advance(10min - 1us);
    CHECK_FALSE(cache.claim("T1", "U1"));
    clock.advance(1us);
    CHECK(cache.claim("T1", "U1"));
    CHECK_FALSE(cache.claim("T1", "U1"));
    cache.forget("T1", "U1");
    CHECK(cache.claim("T1", "U1"));
}

TEST_CASE("endpoints: the same message under a new event_id is still one row") {
    Rig rig;
    rig.command("open Checkout latency");
    rig.event(fixture("event_message.json"));
    rig.event(with_event_id(fixture("event_message.json"), "Ev0OTHER01"));
    CHECK(rig.messages().size() == 1);
}

TEST_CASE("endpoints: bots, our own posts and join notices are not recorded") {
    Rig rig;
    rig.command("open Checkout latency");
    for (auto name : {"event_own_post.json", "event_own_user_no_bot_id.json", "event_bot_message.json",
                      "event_channel_join.json", "event_channel_leave.json"})
        CHECK(rig.event(fixture(name)).status == 200);
    CHECK(rig.messages().empty());
    rig.settle();
    CHECK(rig.slack.calls("users.info").empty());
}

TEST_CASE("endpoints: an edit keeps the original — a deletion leaves a tombstone") {
    Rig rig;
    rig.command("open Checkout latency");
    rig.event(fixture("event_message.json"));
    rig.event(fixture("event_message_changed.json"));
    auto edited = rig.messages();
    REQUIRE(edited.size() == 1);
    CHECK(edited[0].text == "checkout p99 is at 6s");
    CHECK(edited[0].original_text == "checkout p99 is at 4s & paging <db> on-call");
    CHECK(edited[0].edited_at.has_value());

    rig.event(fixture("event_message_deleted.json"));
    auto deleted = rig.messages();
    REQUIRE(deleted.size() == 1);
    CHECK(deleted[0].deleted);
    CHECK(deleted[0].original_text == "checkout p99 is at 4s & paging <db> on-call");
}

TEST_CASE("endpoints: pushpin reactions and pins mark key messages") {
    Rig rig;
    rig.command("open Checkout latency");
    rig.event(fixture("event_thread_reply.json"));
    rig.event(fixture("event_reaction_added_pushpin.json"));
    CHECK(rig.messages().at(0).key_event);
    rig.event(fixture("event_reaction_removed_pushpin.json"));
    CHECK_FALSE(rig.messages().at(0).key_event);
    rig.event(fixture("event_pin_added.json"));
    CHECK(rig.messages().at(0).key_event);
}

TEST_CASE("endpoints: another workspace never sees the channel's incident") {
    Rig rig;
    rig.command("open Checkout latency");
    auto other = reply_json(rig.command("status", "T0OTHER001"));
    CHECK(other["response_type"] == "ephemeral");
    CHECK(other["text"].get<std::string>().find("Checkout latency") == std::string::npos);
    CHECK(other["text"].get<std::string>().find("no incident") != std::string::npos);
    auto same = reply_json(rig.command("status"));
    CHECK(same["text"].get<std::string>().find("Checkout latency") != std::string::npos);
    // An event from the other workspace's channel with the same id is not recorded.
    auto foreign = json::parse(fixture("event_message.json"));
    foreign["team_id"] = "T0OTHER001";
    rig.event(foreign.dump());
    CHECK(rig.messages().empty());
}

TEST_CASE("endpoints: a command form without command, team_id, channel_id or user_id is 400 and changes nothing") {
    Rig rig;
    const std::string full = "token=vtok&team_id=T0TEST0001&channel_id=C0TEST0001&user_id=U0TEST0002"
                             "&command=%2Fincident&text=open+Checkout";
    for (std::string field : {"command", "team_id", "channel_id", "user_id"}) {
        CAPTURE(field);
        auto at = full.find(field + "=");
        auto end = full.find('&', at);
        auto body = full.substr(0, at) + full.substr(end + 1);
        auto r = rig.call(&Endpoints::commands, rig.request(body, "application/x-www-form-urlencoded"));
        CHECK(r.status == 400);
    }
    CHECK_FALSE(rig.db.open_reader()->latest_incident(incident_channel).has_value());
}

TEST_CASE("endpoints: close answers with its draft from what was recorded live, then merges the channel history") {
    Rig rig;
    rig.command("open Checkout latency");
    auto opened_at = rig.clock.now();
    // Live: one message that stays, one that will have been deleted.
    rig.clock.advance(10s);
    auto live = json::parse(fixture("event_message.json"));
    live["event"]["ts"] = "1700000010.000001";
    live["event"]["text"] = "live message";
    rig.event(live.dump());
    live["event_id"] = "Ev0LIVE0002";
    live["event"]["ts"] = "1700000011.000001";
    live["event"]["text"] = "deleted while the bot was down";
    rig.event(live.dump());

    // History: the live one (edited since), the bot's own post, and 250
    // messages the bot missed, across two pages of 200.
    std::vector<json> history;
    history.push_back({{"type", "message"}, {"user", "U0TEST0002"}, {"text", "live message, edited"},
                       {"ts", "1700000010.000001"}, {"edited", {{"user", "U0TEST0002"}, {"ts", "1700000050.000000"}}}});
    history.push_back({{"type", "message"}, {"user", "U0BOT00001"}, {"bot_id", "B0HINDS001"},
                       {"text", "Incident opened"}, {"ts", "1700000001.000001"}});
    for (int i = 0; i < 250; ++i) {
        char ts[32];
        std::snprintf(ts, sizeof ts, "1700000100.%06d", i);
        history.push_back({{"type", "message"}, {"user", "U0TEST0004"}, {"text", "missed " + std::to_string(i)}, {"ts", ts}});
    }
    // Before the incident: not part of the window.
    history.push_back({{"type", "message"}, {"user", "U0TEST0004"}, {"text", "before"}, {"ts", "1699999000.000001"}});
    rig.slack.set_history("C0TEST0001", history);

    rig.clock.advance(10min);
    auto url = rig.slack.new_response_url();
    auto ack = reply_json(rig.command("close Checkout recovered", "T0TEST0001", url));
    CHECK(ack["response_type"] == "in_channel");
    CHECK(ack["text"].get<std::string>().find("Incident closed") != std::string::npos);
    CHECK(ack["text"].get<std::string>().find("2 messages recorded") != std::string::npos);  // before the history

    rig.settle();
    auto pages = rig.slack.calls("conversations.history");
    REQUIRE(pages.size() == 2);
    CHECK(pages[0].method == "GET");
    CHECK(pages[0].header("Authorization") == "Bearer " + rig.slack.bot_token());
    CHECK(pages[0].target.find("channel=C0TEST0001") != std::string::npos);
    CHECK(pages[0].target.find("oldest=" + to_ts(opened_at)) != std::string::npos);
    CHECK(pages[0].target.find("inclusive=true") != std::string::npos);
    CHECK(pages[0].target.find("limit=200") != std::string::npos);
    CHECK(pages[1].target.find("cursor=next%3A200") != std::string::npos);

    auto messages = rig.messages();
    CHECK(messages.size() == 252);  // 2 live + 250 missed; no bot post, nothing before
    int deleted = 0;
    for (const auto& m : messages) {
        if (m.message_id == "1700000010.000001") {
            CHECK(m.text == "live message, edited");
            CHECK(m.original_text == "live message");
        }
        if (m.message_id == "1700000011.000001") CHECK(m.deleted);
        if (m.message_id == "1700000100.000007")
            CHECK(m.permalink == "https://acme.slack.com/archives/C0TEST0001/p1700000100000007");
        deleted += m.deleted ? 1 : 0;
    }
    CHECK(deleted == 1);

    auto incident = rig.db.open_reader()->latest_incident(incident_channel);
    REQUIRE(incident.has_value());
    CHECK(incident->state == IncidentState::closed);
    rig.deliver();
    CHECK(rig.slack.responses().empty());  // the command's answer was the ack
    // The draft as first posted, then replaced in place, and a note in its thread.
    auto posted = rig.slack.posted();
    auto ts = rig.slack.posted_ts();
    REQUIRE(posted.size() == 2);
    CHECK(posted[0].dump().find("Draft timeline") != std::string::npos);
    CHECK(posted[0].dump().find("missed 249") == std::string::npos);
    auto updates = rig.slack.updated();
    REQUIRE(updates.size() == 1);
    CHECK(updates[0]["ts"] == ts[0]);
    CHECK(updates[0]["channel"] == "C0TEST0001");
    CHECK(updates[0].dump().find("Draft timeline") != std::string::npos);
    CHECK(posted[1]["thread_ts"] == ts[0]);
    CHECK(posted[1]["text"].get<std::string>().find("250 messages, 1 edit and 1 deletion") != std::string::npos);
    CHECK(rig.outbox_wakeups > 0);
}

TEST_CASE("endpoints: close still happens when the history cannot be read") {
    Rig rig;
    rig.command("open Checkout latency");
    rig.slack.error_next("conversations.history", "missing_scope");
    auto url = rig.slack.new_response_url();
    reply_json(rig.command("close", "T0TEST0001", url));
    rig.settle();
    auto incident = rig.db.open_reader()->latest_incident(incident_channel);
    REQUIRE(incident.has_value());
    CHECK(incident->state == IncidentState::closed);
    rig.deliver();
    REQUIRE(rig.slack.posted().size() == 1);  // the draft, as recorded live, stands
    CHECK(rig.slack.posted()[0].dump().find("Draft timeline") != std::string::npos);
    CHECK(rig.slack.updated().empty());
}

TEST_CASE("endpoints: a history read that fails is owed, tried again after a backoff, and merged once then") {
    Rig rig;
    rig.command("open Checkout latency");
    rig.clock.advance(10s);
    const std::string missed = "payments-db pool exhausted";
    rig.slack.set_history("C0TEST0001", {{{"type", "message"}, {"user", "U0TEST0004"}, {"text", missed},
                                          {"ts", "1700000005.000001"}}});
    rig.slack.error_next("conversations.history", "ratelimited_by_proxy");
    reply_json(rig.command("close", "T0TEST0001", rig.slack.new_response_url()));
    rig.settle();
    CHECK(rig.slack.calls("conversations.history").size() == 1);
    auto owed = rig.db.open_reader()->history_merges();
    REQUIRE(owed.size() == 1);
    CHECK(owed[0].attempts == 1);
    CHECK(owed[0].next_attempt_at == rig.clock.now() + 30s);
    CHECK(owed[0].last_error.find("ratelimited_by_proxy") != std::string::npos);

    // Not due yet: a scan leaves it alone.
    rig.clock.advance(29s);
    rig.endpoints.flow().resume_history_merges();
    rig.db.writes().run([] {});
    rig.settle();
    CHECK(rig.slack.calls("conversations.history").size() == 1);

    rig.clock.advance(1s);
    rig.endpoints.flow().resume_history_merges();
    rig.db.writes().run([] {});
    rig.settle();
    CHECK(rig.slack.calls("conversations.history").size() == 2);
    CHECK(rig.db.open_reader()->history_merges().empty());
    rig.deliver();
    REQUIRE(rig.slack.updated().size() == 1);
    CHECK(rig.slack.updated()[0].dump().find(missed) != std::string::npos);

    // Done: another scan finds nothing to do.
    rig.clock.advance(1h);
    rig.endpoints.flow().resume_history_merges();
    rig.db.writes().run([] {});
    rig.settle();
    CHECK(rig.slack.calls("conversations.history").size() == 2);
    CHECK(rig.slack.updated().size() == 1);
}

TEST_CASE("endpoints: a history that stays unreadable is given up after the bound, the live draft standing") {
    Rig rig;
    rig.command("open Checkout latency");
    const chat::MergePolicy policy;
    for (int i = 0; i < policy.max_reads; ++i) rig.slack.error_next("conversations.history", "not_in_channel");
    reply_json(rig.command("close", "T0TEST0001", rig.slack.new_response_url()));
    rig.settle();
    // The waits double from 30 s up to an hour.
    std::vector<Duration> waits;
    for (int read = 1; read < policy.max_reads; ++read) {
        auto owed = rig.db.open_reader()->history_merges();
        REQUIRE(owed.size() == 1);
        CHECK(owed[0].attempts == read);
        waits.push_back(owed[0].next_attempt_at - rig.clock.now());
        rig.clock.set(owed[0].next_attempt_at);
        rig.endpoints.flow().resume_history_merges();
        rig.db.writes().run([] {});
        rig.settle();
    }
    CHECK(waits.front() == 30s);
    CHECK(waits.at(1) == 60s);
    CHECK(waits.back() == 1h);
    CHECK(rig.slack.calls("conversations.history").size() == static_cast<std::size_t>(policy.max_reads));
    CHECK(rig.db.open_reader()->history_merges().empty());
    rig.clock.advance(24h);
    rig.endpoints.flow().resume_history_merges();
    rig.db.writes().run([] {});
    rig.settle();
    CHECK(rig.slack.calls("conversations.history").size() == static_cast<std::size_t>(policy.max_reads));
    rig.deliver();
    CHECK(rig.slack.posted().size() == 1);  // the draft as recorded live
    CHECK(rig.slack.updated().empty());
}

TEST_CASE("endpoints: a button click runs the action and replaces the message") {
    Rig rig;
    rig.command("open Checkout latency");
    auto added = reply_json(rig.command("action <@U0TEST0002|alice> add an alert on replica lag > 30s due:+3d"));
    auto text = added["text"].get<std::string>();
    auto pos = text.find("A-");
    REQUIRE(pos != std::string::npos);
    auto id = text.substr(pos, text.find_first_not_of("0123456789", pos + 2) - pos);

    auto url = rig.slack.new_response_url();
    json payload = json::parse(http::url_decode(fixture("interaction_block_actions.form").substr(8)).value());
    payload["actions"][0]["value"] = id;
    payload["response_url"] = url;
    auto r = rig.call(&Endpoints::interactions,
                      rig.request("payload=" + http::url_encode(payload.dump()), "application/x-www-form-urlencoded"));
    CHECK(r.status == 200);
    rig.settle();
    auto item = rig.db.open_reader()->actions(rig.db.open_reader()->latest_incident(incident_channel)->id);
    REQUIRE(item.size() == 1);
    CHECK(item[0].state == ActionState::done);
    CHECK(item[0].done_by == "U0TEST0002");
    auto replies = rig.slack.responses();
    REQUIRE(replies.size() == 1);
    CHECK(replies[0]["replace_original"] == true);
    CHECK(replies[0]["text"].get<std::string>().find(id) != std::string::npos);
}
