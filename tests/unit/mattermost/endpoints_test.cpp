#include "adapters/chat/name_cache.hpp"
#include "adapters/mattermost/api.hpp"
#include "adapters/http/form.hpp"
#include "adapters/mattermost/endpoints.hpp"
#include "adapters/mattermost/inbound.hpp"
#include "adapters/mattermost/sender.hpp"
#include "adapters/mattermost/verifier.hpp"
#include "adapters/outbound/delivery.hpp"
#include "adapters/outbound/worker.hpp"
#include "storage/database.hpp"
#include "tests/fakes/fake_mattermost.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <future>

using namespace hindsight;
using namespace hindsight::mattermost;
using hindsight::fakes::FakeMattermost;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr const char* token = "cmdtoken000000000000000000";
const ChannelRef channel{Platform::mattermost, "tm7k3w9a1bq8zcx5d2e6f4g0hj", "ch1a2b3c4d5e6f7g8h9i0jklmn"};
const ChannelRef other_team{Platform::mattermost, "tmother00000000000000000000", "ch1a2b3c4d5e6f7g8h9i0jklmn"};

http::Request request(std::string target, std::string content_type, std::string body) {
    http::Request r;
    r.method = "POST";
    r.target = std::move(target);
    if (!content_type.empty()) r.headers = {{"Content-Type", std::move(content_type)}};
    r.body = std::move(body);
    r.remote = "127.0.0.1";
    return r;
}

std::string command_form(const ChannelRef& where, const std::string& text, const std::string& tok = token,
                         const std::string& response_url = "") {
    return "channel_id=" + where.channel + "&team_id=" + where.team + "&user_id=uscarol&user_name=carol" +
           "&command=%2Fincident&text=" + http::url_encode(text) + "&token=" + tok +
           (response_url.empty() ? "" : "&response_url=" + http::url_encode(response_url));
}

std::string webhook_json(const ChannelRef& where, const std::string& post_id, const std::string& user_id,
                         const std::string& text, const std::string& tok = token) {
    return json{{"token", tok},           {"team_id", where.team},   {"team_domain", "acme"},
                {"channel_id", where.channel}, {"channel_name", "inc"}, {"timestamp", 1800000000123},
                {"user_id", user_id},     {"user_name", "alice"},    {"post_id", post_id},
                {"text", text},           {"trigger_word", ""},      {"file_ids", ""}}
        .dump();
}

struct World {
    hindsight::test::TempDir dir;
    storage::Database db{dir.file("hindsight.db")};
    ManualClock clock{Timestamp{std::chrono::seconds{1800000000}}};
    Bot bot{db.store(), db.outbox(), clock, BotSettings{}};
    std::vector<EventOutcome> outcomes;
    std::mutex outcomes_mutex;
    int outbox_wakes = 0;
    std::unique_ptr<Endpoints> endpoints;

    explicit World(Api* api = nullptr, outbound::Worker* worker = nullptr) {
        Settings settings{{token}, "action-secret", "usbot", "https://chat.example.com"};
        EndpointDeps deps{db.writes(), bot, db.store(), clock, worker,
                          [this](EventOutcome o) {
                              std::lock_guard lock(outcomes_mutex);
                              outcomes.push_back(o);
                          },
                          [this] { ++outbox_wakes; }};
        endpoints = std::make_unique<Endpoints>(std::move(settings), deps, api);
    }

    using Route = void (Endpoints::*)(const http::Request&, http::Responder);
    http::Response call(Route route, const http::Request& r) {
        std::promise<http::Response> promise;
        auto future = promise.get_future();
        ((*endpoints).*route)(r, [&promise](http::Response response) { promise.set_value(std::move(response)); });
        REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        return future.get();
    }
    http::Response command(const ChannelRef& where, const std::string& text) {
        return call(&Endpoints::commands,
                    request("/mattermost/commands", "application/x-www-form-urlencoded", command_form(where, text)));
    }
    http::Response event(const std::string& body, const std::string& type = "application/json") {
        return call(&Endpoints::events, request("/mattermost/events", type, body));
    }

    std::optional<Incident> incident(const ChannelRef& where) { return db.open_reader()->latest_incident(where); }
    std::vector<RecordedMessage> messages(const ChannelRef& where) {
        auto reader = db.open_reader();
        auto found = reader->latest_incident(where);
        return found ? reader->messages(found->id) : std::vector<RecordedMessage>{};
    }
};

}  // namespace

TEST_CASE("commands: open answers JSON with Content-Type application/json") {
    World w;
    auto r = w.command(channel, "open Database is down sev:1");
    CHECK(r.status == 200);
    CHECK(r.content_type.starts_with("application/json"));
    auto body = json::parse(r.body);
    CHECK(body["response_type"] == "in_channel");
    CHECK(body["text"].get<std::string>().find("Database is down") != std::string::npos);
    auto incident = w.incident(channel);
    REQUIRE(incident);
    CHECK(incident->title == "Database is down");
    CHECK(incident->commander_id == "uscarol");
    CHECK(w.outbox_wakes == 1);
}

TEST_CASE("commands: bad token → 401 with an empty body and nothing stored") {
    World w;
    auto r = w.call(&Endpoints::commands, request("/mattermost/commands", "application/x-www-form-urlencoded",
                                                  command_form(channel, "open Outage", "wrongtoken")));
    CHECK(r.status == 401);
    CHECK(r.body.empty());
    CHECK_FALSE(w.incident(channel));
}

TEST_CASE("commands: a form without command, team_id, channel_id or user_id is 400 and changes nothing") {
    World w;
    for (std::string field : {"command", "team_id", "channel_id", "user_id"}) {
        CAPTURE(field);
        auto full = command_form(channel, "open Outage");
        auto at = full.find(field + "=");
        auto end = full.find('&', at);
        auto body = full.substr(0, at) + (end == std::string::npos ? "" : full.substr(end + 1));
        auto r = w.call(&Endpoints::commands, request("/mattermost/commands", "application/x-www-form-urlencoded", body));
        CHECK(r.status == 400);
    }
    CHECK_FALSE(w.incident(channel));
}

TEST_CASE("commands: GET with the query string and the Authorization: Token header") {
    World w;
    http::Request r;
    r.method = "GET";
    r.target = "/mattermost/commands?" + command_form(channel, "open Latency spike", "");
    r.headers = {{"Authorization", std::string("Token ") + token}};
    auto response = w.call(&Endpoints::commands, r);
    CHECK(response.status == 200);
    CHECK(w.incident(channel));
}

TEST_CASE("commands: usage and status replies are ephemeral — malformed is 400") {
    World w;
    auto r = w.command(channel, "status");
    CHECK(json::parse(r.body)["response_type"] == "ephemeral");
    auto bad = w.call(&Endpoints::commands,
                      request("/mattermost/commands", "application/x-www-form-urlencoded", std::string("token=") + token));
    CHECK(bad.status == 400);
}

TEST_CASE("commands: another team's command can't see the incident") {
    World w;
    w.command(channel, "open Checkout errors");
    auto r = w.command(other_team, "status");
    auto text = json::parse(r.body)["text"].get<std::string>();
    CHECK(text.find("no incident") != std::string::npos);
    CHECK(text.find("Checkout errors") == std::string::npos);
    // ... nor record into it.
    CHECK(w.event(webhook_json(other_team, "po1", "usalice", "hello from elsewhere")).status == 200);
    CHECK(w.messages(channel).empty());
}

TEST_CASE("events: a webhook post is stored — the reply body is always empty") {
    World w;
    w.command(channel, "open Checkout errors");
    auto r = w.event(webhook_json(channel, "po1", "usalice", "paged the DB on-call"));
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    auto messages = w.messages(channel);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].message_id == "po1");
    CHECK(messages[0].text == "paged the DB on-call");
    CHECK(messages[0].at == Timestamp{milliseconds{1800000000123}});
    CHECK(messages[0].permalink == "https://chat.example.com/acme/pl/po1");
    CHECK(w.outcomes == std::vector<EventOutcome>{EventOutcome::stored});
}

TEST_CASE("events: form bodies carry seconds, stored at the same instant scale") {
    World w;
    w.command(channel, "open Checkout errors");
    auto form = "token=" + std::string(token) + "&team_id=" + channel.team + "&channel_id=" + channel.channel +
                "&post_id=po2&user_id=usalice&user_name=alice&timestamp=1800000000&text=rolled+back";
    CHECK(w.event(form, "application/x-www-form-urlencoded").status == 200);
    auto messages = w.messages(channel);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].at == Timestamp{std::chrono::seconds{1800000000}});
    CHECK(messages[0].text == "rolled back");
}

TEST_CASE("events: a duplicate post_id is stored once") {
    World w;
    w.command(channel, "open Checkout errors");
    w.event(webhook_json(channel, "po1", "usalice", "first"));
    auto again = w.event(webhook_json(channel, "po1", "usalice", "first"));
    CHECK(again.status == 200);
    CHECK(again.body.empty());
    CHECK(w.messages(channel).size() == 1);
    CHECK(w.outcomes == std::vector<EventOutcome>{EventOutcome::stored, EventOutcome::duplicate});
}

TEST_CASE("events: the bot's own post is ignored") {
    World w;
    w.command(channel, "open Checkout errors");
    CHECK(w.event(webhook_json(channel, "po9", "usbot", "Recording started.")).status == 200);
    CHECK(w.messages(channel).empty());
    CHECK(w.outcomes == std::vector<EventOutcome>{EventOutcome::ignored});
}

TEST_CASE("events: bad token → 401, EMPTY body, nothing stored") {
    World w;
    w.command(channel, "open Checkout errors");
    auto r = w.event(webhook_json(channel, "po1", "usalice", "hello", "nottherighttoken"));
    CHECK(r.status == 401);
    CHECK(r.body.empty());
    auto missing = w.event(R"({"team_id":"t","channel_id":"c","post_id":"p","user_id":"u","timestamp":1})");
    CHECK(missing.status == 401);
    CHECK(missing.body.empty());
    CHECK(w.messages(channel).empty());
    CHECK(w.outcomes.empty());
}

TEST_CASE("events: malformed bodies and unknown content types get an empty-bodied error") {
    World w;
    w.command(channel, "open Checkout errors");
    auto malformed = w.event(R"({"token":")" + std::string(token) + R"(","team_id":"t"})");
    CHECK(malformed.status == 400);
    CHECK(malformed.body.empty());
    auto xml = w.event("token=" + std::string(token), "text/xml");
    CHECK(xml.status == 415);
    CHECK(xml.body.empty());
    CHECK(w.messages(channel).empty());
}

TEST_CASE("actions: the context token must match the button") {
    World w;
    json click{{"user_id", "usalice"}, {"user_name", "alice"}, {"channel_id", "dm1"}, {"team_id", ""},
               {"post_id", "po1"},
               {"context", {{"action", "done"}, {"value", "A-999"}, {"team", channel.team},
                            {"token", action_token("action-secret", "done", "A-998", channel.team)}}}};
    auto forged = w.call(&Endpoints::interactions, request("/mattermost/actions", "application/json", click.dump()));
    CHECK(forged.status == 401);
    CHECK(forged.body.empty());

    click["context"]["token"] = action_token("action-secret", "done", "A-999", channel.team);
    auto r = w.call(&Endpoints::interactions, request("/mattermost/actions", "application/json", click.dump()));
    CHECK(r.status == 200);
    CHECK(r.content_type.starts_with("application/json"));
    auto body = json::parse(r.body);
    // No such item: the bot answers only the clicker.
    REQUIRE(body.contains("ephemeral_text"));
    CHECK(body["ephemeral_text"].get<std::string>().find("A-999") != std::string::npos);
    CHECK_FALSE(body.contains("update"));

    auto malformed = w.call(&Endpoints::interactions, request("/mattermost/actions", "application/json", "{}"));
    CHECK(malformed.status == 400);
}

TEST_CASE("actions: Done on a real item updates the post and completes the item") {
    World w;
    w.command(channel, "open Checkout errors");
    w.command(channel, "action @alice add an alert on replica lag due:+1d");
    auto items = w.db.open_reader()->all_actions();
    REQUIRE(items.size() == 1);
    auto value = "A-" + std::to_string(items[0].id);
    json click{{"user_id", "usalice"}, {"channel_id", "dm1"}, {"team_id", ""}, {"post_id", "po1"},
               {"context", {{"action", "done"}, {"value", value}, {"team", channel.team},
                            {"token", action_token("action-secret", "done", value, channel.team)}}}};
    auto r = w.call(&Endpoints::interactions, request("/mattermost/actions", "application/json", click.dump()));
    auto body = json::parse(r.body);
    CHECK(w.db.open_reader()->find_action(items[0].id)->state == ActionState::done);
    // A state change replaces the reminder post, dropping its buttons.
    REQUIRE(body.contains("update"));
    CHECK(body["update"]["props"] == json::object());
    CHECK(body["update"]["message"].get<std::string>().find(value) != std::string::npos);
}

TEST_CASE("close: answers at once with the draft from what was live, then backfills from REST in one go and patches the draft") {
    FakeMattermost fake("fake-bot-token-0000000000", "usbot");
    fake.add_channel(channel.channel, channel.team);
    fake.add_user({"usalice", "alice", "Alice", "Liddell", "", false});
    fake.server().route("POST", "/hooks/commands/close1", [](const fakes::RecordedRequest&) {
        return fakes::FakeResponse::json(200, "{}");
    });
    Api api(fake.url(), "fake-bot-token-0000000000");
    {
        outbound::Worker worker("mattermost-test");
        World w(&api, &worker);
        w.command(channel, "open Checkout errors");
        auto opened_ms = to_millis(w.incident(channel)->opened_at);
        // Before the incident: not part of it.
        fake.add_post({"po0", channel.channel, "usalice", "", "earlier chatter", "", opened_ms - 60000});
        // Seen live AND in history: merged by id.
        w.event(webhook_json(channel, "po1", "usalice", "seen live"));
        fake.add_post({"po1", channel.channel, "usalice", "", "seen live", "", 1800000000123});
        // Missed live (private channel, bot outage), edited later.
        fake.add_post({"po2", channel.channel, "usalice", "", "rolled back v2 (edited)", "", opened_ms + 5000,
                       opened_ms + 9000, opened_ms + 9000});
        // The bot's own announcement.
        fake.add_post({"po3", channel.channel, "usbot", "", "Recording.", "", opened_ms + 6000});
        // Seen live, deleted while the bot was away: absent from the history
        // (an ordinary bot token never sees deleted posts).
        w.event(webhook_json(channel, "po4", "usalice", "deleted while away"));
        w.clock.advance(std::chrono::minutes(1));

        auto r = w.call(&Endpoints::commands,
                        request("/mattermost/commands", "application/x-www-form-urlencoded",
                                command_form(channel, "close Rolled back", token, fake.url() + "/hooks/commands/close1")));
        CHECK(r.status == 200);
        // The answer is the close itself, from what was recorded live.
        CHECK(json::parse(r.body)["response_type"] == "in_channel");
        CHECK(json::parse(r.body)["text"].get<std::string>().find("closed") != std::string::npos);
        CHECK(json::parse(r.body)["text"].get<std::string>().find("2 messages recorded") != std::string::npos);

        // The worker has merged the history; the draft, its update and the
        // note in its thread wait in the outbox, sent by the delivery worker.
        std::promise<void> done;
        worker.post([&] { done.set_value(); });
        REQUIRE(done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        w.db.writes().run([] {});
        Sender sender(api, "", "action-secret");
        outbound::Delivery delivery(w.db.writes(), w.db.outbox(), w.clock, {});
        delivery.add_sender(Platform::mattermost, sender);
        delivery.deliver_due();
        CHECK(fake.requests_to("/hooks/commands/close1").empty());
        int drafts = 0;
        for (const auto& body : fake.created_posts()) {
            auto post = json::parse(body);
            if (post["message"].get<std::string>().find("Draft timeline") == std::string::npos) continue;
            ++drafts;
            CHECK(post["message"].get<std::string>().find("rolled back v2") == std::string::npos);
        }
        CHECK(drafts == 1);
        auto patches = fake.patches();
        REQUIRE(patches.size() == 1);
        auto patched = fake.post(patches[0].first);
        REQUIRE(patched.has_value());
        CHECK(patched->message.find("Draft timeline") != std::string::npos);
        CHECK(patched->message.find("rolled back v2 (edited)") != std::string::npos);
        CHECK(patched->message.find("deleted while away") == std::string::npos);
        auto note = json::parse(fake.created_posts().back());
        CHECK(note["root_id"] == patches[0].first);
        CHECK(note["message"].get<std::string>().find("1 message and 1 deletion") != std::string::npos);

        auto messages = w.messages(channel);
        REQUIRE(messages.size() == 3);
        CHECK(messages[0].message_id == "po1");
        CHECK_FALSE(messages[0].deleted);
        CHECK(messages[1].message_id == "po4");
        CHECK(messages[1].deleted);
        CHECK(messages[2].message_id == "po2");
        CHECK(messages[2].text == "rolled back v2 (edited)");
        CHECK(w.incident(channel)->state == IncidentState::closed);
        auto pages = fake.requests_to("/api/v4/channels/" + channel.channel + "/posts");
        REQUIRE_FALSE(pages.empty());
        CHECK(pages[0].header("Authorization") == std::optional<std::string>("Bearer fake-bot-token-0000000000"));
    }
}

TEST_CASE("names: resolved on the worker under the id and @username, and read again once the cache lifetime has passed") {
    FakeMattermost fake("fake-bot-token-0000000000", "usbot");
    fake.add_channel(channel.channel, channel.team);
    fake.add_user({"usalice", "alice", "Alice", "Liddell", "", false});
    Api api(fake.url(), "fake-bot-token-0000000000");
    outbound::Worker worker("mattermost-names");
    World w(&api, &worker);
    auto name_of = [&](const std::string& key) { return w.db.open_reader()->user_name(channel, key); };
    // Everything posted to the worker so far has run, and what it submitted is written.
    auto settle = [&] {
        std::promise<void> done;
        worker.post([&] { done.set_value(); });
        REQUIRE(done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        w.db.writes().run([] {});
    };

    w.command(channel, "open Checkout errors");
    w.event(webhook_json(channel, "po1", "usalice", "first"));
    settle();
    CHECK(name_of("usalice") == std::optional<std::string>("Alice Liddell"));
    CHECK(name_of("@alice") == std::optional<std::string>("Alice Liddell"));

    fake.add_user({"usalice", "alice", "Alice", "Liddell", "Ali", false});
    w.event(webhook_json(channel, "po2", "usalice", "second"));
    settle();
    CHECK(fake.requests_to("/api/v4/users/usalice").size() == 1);

    w.clock.advance(chat::NameCache::default_ttl + std::chrono::minutes{1});
    w.event(webhook_json(channel, "po3", "usalice", "third"));
    settle();
    CHECK(fake.requests_to("/api/v4/users/usalice").size() == 2);
    CHECK(name_of("usalice") == std::optional<std::string>("Ali"));
    CHECK(name_of("@alice") == std::optional<std::string>("Ali"));
}

TEST_CASE("live events: a WebSocket post is recorded, counted and its author's name resolved") {
    FakeMattermost fake("fake-bot-token-0000000000", "usbot");
    fake.add_channel(channel.channel, channel.team, "P");
    fake.add_user({"usbob", "bob", "Bob", "Builder", "", false});
    Api api(fake.url(), "fake-bot-token-0000000000");
    outbound::Worker worker("mattermost-live");
    World w(&api, &worker);
    w.command(channel, "open Checkout errors");

    ChatMessage m;
    m.where = channel;
    m.message_id = "po1";
    m.user_id = "usbob";
    m.user_name = "bob";
    m.text = "restarting the checkout pods";
    m.at = w.clock.now();
    w.endpoints->live_event(m);

    auto reader = w.db.open_reader();
    CHECK(hindsight::test::wait_until(
        [&] { return reader->user_name(channel, "usbob") == std::optional<std::string>("Bob Builder"); },
        std::chrono::seconds(10)));
    auto messages = w.messages(channel);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].text == "restarting the checkout pods");
    std::lock_guard lock(w.outcomes_mutex);
    CHECK(std::count(w.outcomes.begin(), w.outcomes.end(), EventOutcome::stored) == 1);
}
