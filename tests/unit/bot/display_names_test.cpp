// Names in the draft: a command's login name is only a fallback, and
// Mattermost "@username" mentions read as the names its adapter cached.
#include "bot/core/bot.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace hindsight;

namespace {

struct Names {
    test::TempDir dir;
    storage::Database db{dir.file("names.db")};
    ManualClock clock{Timestamp{std::chrono::seconds{1800000000}}};
    Bot bot{db.store(), db.outbox(), clock, BotSettings{}};
    int posts = 0;

    void command(const ChannelRef& where, const std::string& user_id, const std::string& user_name,
                 const std::string& text) {
        SlashCommand c;
        c.where = where;
        c.user_id = user_id;
        c.user_name = user_name;
        c.text = text;
        c.at = clock.now();
        db.writes().run([&] { bot.handle_command(c); });
    }
    void say(const ChannelRef& where, const std::string& user_id, const std::string& text) {
        ChatMessage m;
        m.where = where;
        m.message_id = "po";
        m.message_id += std::to_string(++posts);
        m.user_id = user_id;
        m.text = text;
        m.at = clock.now();
        db.writes().run([&] { bot.handle_event(m); });
    }
    void remember(const ChannelRef& where, const std::string& key, const std::string& name) {
        db.writes().run([&] { db.store().remember_user(where, key, name); });
    }
    std::optional<std::string> name(const ChannelRef& where, const std::string& key) {
        std::optional<std::string> out;
        db.writes().run([&] { out = db.store().user_name(where, key); });
        return out;
    }
};

}  // namespace

TEST_CASE("names: a command's login name does not replace a display name the adapter resolved") {
    Names w;
    ChannelRef where{Platform::slack, "T1", "C1"};
    w.remember(where, "U1", "Alice Liddell");
    w.command(where, "U1", "alice", "open Checkout errors");
    CHECK(w.name(where, "U1") == std::optional<std::string>("Alice Liddell"));
    // Someone nobody resolved yet is known by their login name.
    w.command(where, "U2", "bob", "note pool exhausted");
    CHECK(w.name(where, "U2") == std::optional<std::string>("bob"));
}

TEST_CASE("names: an @username mention reads as the display name cached under @username, on any platform") {
    Names w;
    ChannelRef where{Platform::mattermost, "tm1", "ch1"};
    w.remember(where, "uscarol", "Carol Danvers");
    w.remember(where, "@carol", "Carol Danvers");
    w.command(where, "usalice", "alice", "open Checkout errors");
    w.clock.advance(std::chrono::minutes{1});
    w.say(where, "usalice", "looping in @carol and @dave from payments");
    w.clock.advance(std::chrono::minutes{1});
    w.command(where, "usalice", "alice", "close Pool exhausted");
    std::optional<Incident> incident;
    w.db.writes().run([&] { incident = w.db.store().latest_incident(where); });
    REQUIRE(incident);
    INFO(incident->postmortem_md);
    CHECK(incident->postmortem_md.find("looping in Carol Danvers and @dave from payments") != std::string::npos);

    // The core does not ask which platform it is on: the console reads the same.
    Names c;
    ChannelRef console{Platform::console, "console", "incident"};
    c.remember(console, "@carol", "Carol Danvers");
    c.command(console, "you", "you", "open Checkout errors");
    c.clock.advance(std::chrono::minutes{1});
    c.say(console, "you", "looping in @carol from payments");
    c.clock.advance(std::chrono::minutes{1});
    c.command(console, "you", "you", "close Pool exhausted");
    std::optional<Incident> closed;
    c.db.writes().run([&] { closed = c.db.store().latest_incident(console); });
    REQUIRE(closed);
    CHECK(closed->postmortem_md.find("looping in Carol Danvers from payments") != std::string::npos);
}
