// Overdue action-item nudges, escalation, the review-meeting reminder and the
// reminder buttons, through the real Bot, a real SQLite outbox and a
// ManualClock.
#include "storage/forwarding_store.hpp"
#include "tests/support/follow_up_world.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace hindsight;
using namespace hindsight::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

const ChannelRef chan = slack_channel("C1", "T1");

// Opens an incident (commander U1) with one action item for U7; returns its id.
std::int64_t incident_with_action(FollowUpWorld& w, const std::string& due, const ChannelRef& where = chan) {
    w.command(where, "U1", "open Checkout errors");
    w.command(where, "U1", "action @{U7|dana} add an alert on replica lag due:" + due);
    auto id = w.actions(where).back().id;
    w.take_outbox();
    return id;
}

std::vector<OutboundMessage> to_user(const std::vector<OutboundMessage>& sent, const std::string& user) {
    std::vector<OutboundMessage> out;
    std::copy_if(sent.begin(), sent.end(), std::back_inserter(out),
                 [&](const OutboundMessage& m) { return m.to_user == user; });
    return out;
}

}  // namespace

TEST_CASE("reminders: none before due, one DM at due, none again before repeat_every, again after") {
    FollowUpWorld w;  // repeat_every 24h
    auto id = incident_with_action(w, "+2h");
    const std::string ref = "A-" + std::to_string(id);

    CHECK(w.remind() == 0);
    w.clock.advance(2h - 1s);
    CHECK(w.remind() == 0);
    CHECK(w.take_outbox().empty());

    w.clock.advance(1s);  // exactly due
    CHECK(w.remind() == 1);
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 1);
    const auto& dm = sent[0];
    CHECK(dm.platform == Platform::slack);
    CHECK(dm.team == "T1");
    CHECK(dm.to_user == "U7");
    CHECK(dm.channel.empty());
    CHECK(contains(dm.text, ref));
    CHECK(contains(dm.text, "Checkout errors"));
    CHECK(contains(dm.text, "add an alert on replica lag"));
    CHECK(contains(dm.text, "/incident done " + ref));
    CHECK(contains(dm.text, "/incident snooze " + ref + " 1d"));
    REQUIRE(dm.buttons.size() == 2);
    CHECK(dm.buttons[0].label == "Done");
    CHECK(dm.buttons[0].action == "done");
    CHECK(dm.buttons[0].value == ref);
    CHECK(dm.buttons[1].label == "Snooze 1 day");
    CHECK(dm.buttons[1].action == "snooze");
    CHECK(dm.buttons[1].value == ref);
    auto item = w.action(id);
    CHECK(item->nudges == 1);
    CHECK(item->last_nudged_at == w.clock.now());

    CHECK(w.remind() == 0);
    w.clock.advance(24h - 1s);
    CHECK(w.remind() == 0);
    CHECK(w.take_outbox().empty());

    w.clock.advance(1s);
    CHECK(w.remind() == 1);
    sent = w.take_outbox();
    REQUIRE(sent.size() == 1);
    CHECK(contains(sent[0].text, "overdue by 1d"));
    CHECK(w.action(id)->nudges == 2);
}

TEST_CASE("reminders: a snoozed item waits, then gets its reminder") {
    FollowUpWorld w;
    auto id = incident_with_action(w, "-1h");
    const std::string ref = "A-" + std::to_string(id);
    w.command(chan, "U7", "snooze " + ref + " 3h");
    w.take_outbox();
    CHECK(w.remind() == 0);
    w.clock.advance(3h - 1s);
    CHECK(w.remind() == 0);
    w.clock.advance(1s);
    CHECK(w.remind() == 1);
    CHECK(to_user(w.take_outbox(), "U7").size() == 1);

    // Snoozing after a nudge pushes the next one past repeat_every.
    w.command(chan, "U7", "snooze " + ref + " 2d");
    w.clock.advance(24h);
    CHECK(w.remind() == 0);
    w.clock.advance(24h);
    CHECK(w.remind() == 1);
}

TEST_CASE("reminders: a done item gets none") {
    FollowUpWorld w;
    auto id = incident_with_action(w, "-1h");
    w.command(chan, "U7", "done A-" + std::to_string(id));
    w.take_outbox();
    CHECK(w.remind() == 0);
    w.clock.advance(72h);
    CHECK(w.remind() == 0);
    CHECK(w.take_outbox().empty());
    CHECK(w.action(id)->nudges == 0);
}

TEST_CASE("reminders: escalation after N nudges DMs the commander and posts in the channel") {
    BotSettings settings;
    settings.reminders.repeat_every = 1h;
    settings.reminders.escalate_after = 3;
    FollowUpWorld w(settings);
    auto id = incident_with_action(w, "-1h");
    const std::string ref = "A-" + std::to_string(id);

    for (int nudge = 1; nudge <= 2; ++nudge) {
        CHECK(w.remind() == 1);
        auto sent = w.take_outbox();
        REQUIRE(sent.size() == 1);
        CHECK(sent[0].to_user == "U7");
        w.clock.advance(1h);
    }
    CHECK(w.remind() == 3);
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 3);
    CHECK(to_user(sent, "U7").size() == 1);
    auto commander = to_user(sent, "U1");
    REQUIRE(commander.size() == 1);
    CHECK(contains(commander[0].text, ref));
    CHECK(contains(commander[0].text, "dana"));
    auto post = std::find_if(sent.begin(), sent.end(), [](const OutboundMessage& m) { return m.channel == "C1"; });
    REQUIRE(post != sent.end());
    CHECK(post->to_user.empty());
    CHECK(post->team == "T1");
    CHECK(contains(post->text, "@{U7|"));
    CHECK(contains(post->text, ref));
    CHECK(w.action(id)->nudges == 3);

    // Escalation happens once; later nudges are DMs again.
    w.clock.advance(1h);
    CHECK(w.remind() == 1);
    CHECK(to_user(w.take_outbox(), "U7").size() == 1);
}

TEST_CASE("reminders: escalation on Mattermost mentions the username - an owner who commands gets no second DM") {
    BotSettings settings;
    settings.reminders.repeat_every = 1h;
    settings.reminders.escalate_after = 1;
    FollowUpWorld w(settings);
    const ChannelRef mm{Platform::mattermost, "team1", "chan1"};
    w.command(mm, "uid-alice", "open Search slow", {}, "alice");
    w.command(mm, "uid-alice", "action @alice add a slow-query alert due:-1h", {{"alice", "uid-alice"}}, "alice");
    w.take_outbox();
    CHECK(w.remind() == 2);  // owner DM + channel post; the commander is the owner
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 2);
    CHECK(to_user(sent, "uid-alice").size() == 1);
    auto post = std::find_if(sent.begin(), sent.end(), [](const OutboundMessage& m) { return m.channel == "chan1"; });
    REQUIRE(post != sent.end());
    CHECK(post->platform == Platform::mattermost);
    CHECK(contains(post->text, "|alice}"));  // the neutral mention; the Mattermost sender writes @alice
}

TEST_CASE("reminders: a recorded nudge is not sent again after a restart") {
    FollowUpWorld w;
    auto id = incident_with_action(w, "-1h");
    CHECK(w.remind() == 1);
    w.restart();
    CHECK(w.remind() == 0);
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 1);  // the one enqueued before the restart, still waiting for delivery
    CHECK(sent[0].to_user == "U7");
    CHECK(w.action(id)->nudges == 1);
}

namespace {

// A store whose nudge query answers from an older snapshot, the way a
// result can go stale: the reminder must re-read each item.
class StaleNudgeQuery final : public storage::ForwardingStore {
public:
    explicit StaleNudgeQuery(IncidentStore& real) : ForwardingStore(real), real_(real) {}
    std::vector<ActionItem> snapshot;

    std::vector<ActionItem> actions_due_for_nudge(Timestamp, Duration, std::size_t) override { return snapshot; }
    // Counts the reads of every incident (the tick must not need them).
    int list_incidents_calls = 0;
    std::vector<Incident> list_incidents() override {
        ++list_incidents_calls;
        return real_.list_incidents();
    }

private:
    IncidentStore& real_;
};

}  // namespace

TEST_CASE("reminders: items that changed since the query are skipped") {
    TempDir dir;
    storage::Database db(dir.file("hindsight.db"));
    ManualClock clock(follow_up_epoch());
    StaleNudgeQuery store(db.store());
    Bot bot(store, db.outbox(), clock, BotSettings{});
    auto run = [&](const std::string& text) {
        SlashCommand c;
        c.where = chan;
        c.user_id = "U1";
        c.text = text;
        c.at = clock.now();
        db.writes().run([&] { bot.handle_command(c); });
    };
    run("open Checkout errors");
    run("action @{U7|} done-item due:-1h");
    run("action @{U7|} snoozed-item due:-1h");
    run("action @{U7|} not-yet-due due:+1h");
    run("action @{U7|} due-item due:-1h");
    db.writes().run([&] { store.snapshot = db.store().all_actions(); });
    const auto ids = [&] {
        std::vector<std::int64_t> out;
        for (const auto& a : store.snapshot) out.push_back(a.id);
        return out;
    }();
    run("done A-" + std::to_string(ids[0]));
    run("snooze A-" + std::to_string(ids[1]) + " 1d");
    db.writes().run([&] {
        for (auto& m : db.outbox().due_messages(Timestamp::max(), 100)) db.outbox().mark_delivered(m.id, clock.now());
    });

    std::size_t sent = 0;
    db.writes().run([&] { sent = bot.run_reminders(); });
    CHECK(sent == 1);
    db.writes().run([&] {
        auto due = db.outbox().due_messages(Timestamp::max(), 100);
        REQUIRE(due.size() == 1);
        CHECK(contains(due[0].message.text, "due-item"));
        CHECK(db.store().find_action(ids[0])->nudges == 0);
        CHECK(db.store().find_action(ids[1])->nudges == 0);
        CHECK(db.store().find_action(ids[2])->nudges == 0);
        CHECK(db.store().find_action(ids[3])->nudges == 1);
    });
}

TEST_CASE("review meeting: one channel reminder at half the window when none is scheduled") {
    BotSettings settings;
    settings.postmortem.schedule_within = 48h;
    FollowUpWorld w(settings);
    const ChannelRef scheduled = slack_channel("C2");
    const ChannelRef still_open = slack_channel("C3");
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "close");
    w.command(scheduled, "U1", "open Search slow");
    w.command(scheduled, "U1", "close");
    w.command(scheduled, "U1", "meeting +30h");
    w.command(still_open, "U1", "open Login slow");
    w.take_outbox();

    w.clock.advance(24h - 1s);
    CHECK(w.remind() == 0);
    w.clock.advance(1s);
    CHECK(w.remind() == 1);
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].channel == "C1");
    CHECK(sent[0].team == "T1");
    CHECK(sent[0].to_user.empty());
    CHECK(contains(sent[0].text, "/incident meeting"));
    CHECK(w.incident(chan)->meeting_reminded_at == w.clock.now());

    w.clock.advance(24h);
    CHECK(w.remind() == 0);
    CHECK(w.take_outbox().empty());
    CHECK_FALSE(w.incident(scheduled)->meeting_reminded_at.has_value());
}

TEST_CASE("review meeting: a scheduler tick asks the store for the waiting incidents, not for every incident") {
    TempDir dir;
    storage::Database db(dir.file("hindsight.db"));
    ManualClock clock(follow_up_epoch());
    StaleNudgeQuery store(db.store());
    BotSettings settings;
    settings.postmortem.schedule_within = 48h;
    Bot bot(store, db.outbox(), clock, settings);
    auto run = [&](const ChannelRef& where, const std::string& text) {
        SlashCommand c;
        c.where = where;
        c.user_id = "U1";
        c.text = text;
        c.at = clock.now();
        db.writes().run([&] { bot.handle_command(c); });
    };
    run(chan, "open Checkout errors");
    run(chan, "close");
    run(slack_channel("C2"), "open Login slow");
    clock.advance(24h);
    store.list_incidents_calls = 0;

    std::size_t sent = 0;
    db.writes().run([&] { sent = bot.run_reminders(); });
    CHECK(sent == 1);
    CHECK(store.list_incidents_calls == 0);
    db.writes().run([&] {
        auto waiting = db.store().incidents_awaiting_meeting_reminder(clock.now());
        CHECK(waiting.empty());
    });
}

TEST_CASE("review meeting: fractional windows work") {
    BotSettings settings;
    settings.postmortem.schedule_within = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(36.0));
    FollowUpWorld w(settings);
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "close");
    w.take_outbox();
    w.clock.advance(17s);
    CHECK(w.remind() == 0);
    w.clock.advance(1s);
    CHECK(w.remind() == 1);
}

TEST_CASE("reminder buttons: done and snooze act like the commands, scoped to the workspace") {
    FollowUpWorld w;
    auto id = incident_with_action(w, "-1h");
    auto other = [&] {
        w.command(chan, "U1", "action @{U7|dana} write the failover runbook due:-1h");
        return w.actions(chan).back().id;
    }();
    w.take_outbox();
    const std::string ref = "A-" + std::to_string(id);
    const ChannelRef dm = slack_channel("D7", "T1");

    auto foreign = w.click(slack_channel("D7", "T2"), "U7", "done", ref);
    CHECK(contains(foreign.text, "no action item " + ref));
    CHECK(w.action(id)->state == ActionState::open);

    auto snoozed = w.click(dm, "U7", "snooze", "A-" + std::to_string(other));
    CHECK(contains(snoozed.text, "A-" + std::to_string(other)));
    CHECK(w.action(other)->snoozed_until == w.clock.now() + 24h);

    auto done = w.click(dm, "U7", "done", ref);
    CHECK(contains(done.text, ref));
    auto item = w.action(id);
    CHECK(item->state == ActionState::done);
    CHECK(item->done_by == "U7");
    CHECK(item->done_at == w.clock.now());
    // The incident channel hears about it.
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].channel == "C1");

    auto stale = w.click(dm, "U7", "done", ref);
    CHECK(contains(stale.text, "already done"));
    auto unknown = w.click(dm, "U7", "done", "A-999");
    CHECK(contains(unknown.text, "no action item A-999"));
    auto garbage = w.click(dm, "U7", "delete", ref);
    CHECK(contains(garbage.text, "/incident actions"));
    auto bad_value = w.click(dm, "U7", "done", "not-an-id");
    CHECK(contains(bad_value.text, "/incident actions"));

    // Neither item gets a reminder now: one done, one snoozed.
    CHECK(w.remind() == 0);
}
