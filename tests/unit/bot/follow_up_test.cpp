// Five whys, contributing factors, action items, facilitator, patterns and
// stats, driven through the real Bot on a real SQLite file.
#include "bot/core/patterns.hpp"
#include "bot/core/text.hpp"
#include "bot/core/when.hpp"
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

Timestamp at_utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    using namespace std::chrono;
    return time_point_cast<microseconds>(sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min});
}

const ChannelRef chan = slack_channel("C1", "T1");

}  // namespace

TEST_CASE("five whys: the full chain ends in the root cause and suggests an action item") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors sev:2");

    // Before close the first question is about the title.
    auto shown = w.command(chan, "U1", "why");
    CHECK_FALSE(shown.in_channel);
    CHECK(contains(shown.text, "Why did \"Checkout errors\" happen?"));

    w.command(chan, "U1", "close Payments API returned 500s");
    w.take_outbox();
    shown = w.command(chan, "U1", "why");
    CHECK(contains(shown.text, "Why did \"Payments API returned 500s\" happen?"));

    const std::vector<std::string> answers = {
        "the database connection pool was exhausted",
        "a slow query held connections for minutes",
        "the new report query had no index",
        "the migration adding the index was not in the release",
        "the release checklist does not cover migrations",
    };
    for (std::size_t i = 0; i + 1 < answers.size(); ++i) {
        auto reply = w.command(chan, "U2", "why " + answers[i]);
        CHECK(reply.in_channel);
        CHECK(contains(reply.text, "Why did \"" + answers[i] + "\" happen?"));
        if (i > 0) CHECK(contains(reply.text, answers[i - 1]));  // the chain so far
        CHECK(w.incident(chan)->root_cause.empty());
    }
    auto last = w.command(chan, "U2", "why " + answers.back());
    CHECK(last.in_channel);
    CHECK(contains(last.text, "/incident action"));
    CHECK_FALSE(contains(last.text, "Why did \"" + answers.back() + "\" happen?"));
    CHECK(w.incident(chan)->root_cause == answers.back());

    auto whys = w.whys(chan);
    REQUIRE(whys.size() == 5);
    for (std::size_t i = 0; i < whys.size(); ++i) {
        CHECK(whys[i].n == static_cast<int>(i) + 1);
        CHECK(whys[i].answer == answers[i]);
        CHECK(whys[i].author_id == "U2");
    }

    // A sixth answer is refused; nothing stored.
    auto sixth = w.command(chan, "U2", "why because of something else");
    CHECK_FALSE(sixth.in_channel);
    CHECK(contains(sixth.text, "why edit"));
    CHECK(w.whys(chan).size() == 5);
}

TEST_CASE("five whys: answers get the blameless check, the text is kept") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    auto blamed = w.command(chan, "U1", "why Alice forgot to run the migration, careless");
    CHECK(contains(blamed.text, "Blameless check"));
    auto clean = w.command(chan, "U1", "why the deploy pipeline does not run migrations");
    CHECK_FALSE(contains(clean.text, "Blameless check"));
    auto whys = w.whys(chan);
    REQUIRE(whys.size() == 2);
    CHECK(whys[0].answer == "Alice forgot to run the migration, careless");
}

TEST_CASE("five whys: edit corrects an existing step only") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "why the pool was exhausted");
    w.command(chan, "U1", "why a slow query");

    auto edited = w.command(chan, "U3", "why edit 2 a slow report query held connections");
    CHECK(edited.in_channel);
    CHECK(contains(edited.text, "a slow report query held connections"));
    // The next question follows the corrected answer.
    CHECK(contains(edited.text, "Why did \"a slow report query held connections\" happen?"));

    auto missing = w.command(chan, "U3", "why edit 4 something");
    CHECK_FALSE(missing.in_channel);
    CHECK(contains(missing.text, "no step 4"));

    auto whys = w.whys(chan);
    REQUIRE(whys.size() == 2);
    CHECK(whys[0].answer == "the pool was exhausted");
    CHECK(whys[1].answer == "a slow report query held connections");
    CHECK(whys[1].author_id == "U3");
}

TEST_CASE("five whys: editing the fifth answer corrects the root cause too") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    for (int i = 1; i <= 5; ++i) w.command(chan, "U1", "why answer " + std::to_string(i));
    REQUIRE(w.incident(chan)->root_cause == "answer 5");
    w.command(chan, "U1", "why edit 5 no migration check in CI");
    CHECK(w.incident(chan)->root_cause == "no migration check in CI");
    w.command(chan, "U1", "why edit 3 answer three");
    CHECK(w.incident(chan)->root_cause == "no migration check in CI");
}

TEST_CASE("rootcause ends the chain early") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "why the pool was exhausted");
    auto reply = w.command(chan, "U1", "rootcause connection pool size is not load-tested");
    CHECK(reply.in_channel);
    CHECK(contains(reply.text, "connection pool size is not load-tested"));
    CHECK(contains(reply.text, "/incident action"));
    CHECK(w.incident(chan)->root_cause == "connection pool size is not load-tested");

    auto more = w.command(chan, "U1", "why another answer");
    CHECK_FALSE(more.in_channel);
    CHECK(w.whys(chan).size() == 1);

    auto shown = w.command(chan, "U1", "why");
    CHECK(contains(shown.text, "connection pool size is not load-tested"));
}

TEST_CASE("why and friends need an incident in the channel") {
    FollowUpWorld w;
    auto reply = w.command(chan, "U1", "why something");
    CHECK_FALSE(reply.in_channel);
    CHECK(contains(reply.text, "/incident open"));
}

TEST_CASE("factor: tags are stored once and listed") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    auto reply = w.command(chan, "U1", "factor Insufficient Test Coverage");
    CHECK(reply.in_channel);
    CHECK(contains(reply.text, "insufficient-test-coverage"));
    w.command(chan, "U1", "factor unclear-runbook");
    auto again = w.command(chan, "U1", "factor insufficient-test-coverage");
    CHECK(contains(again.text, "unclear-runbook"));
    auto factors = w.factors(chan);
    std::sort(factors.begin(), factors.end());
    CHECK(factors == std::vector<std::string>{"insufficient-test-coverage", "unclear-runbook"});
}

TEST_CASE("action: every due form, the default and a past date") {
    FollowUpWorld w;  // now: Tue 2026-11-24 09:00 UTC
    w.command(chan, "U1", "open Checkout errors");

    struct Case {
        std::string due;
        Timestamp expected;
    };
    const Timestamp now = w.clock.now();
    std::vector<Case> cases = {
        {"due:2026-12-01", at_utc(2026, 12, 1, 17)},
        {"due:2026-12-01T14:05Z", at_utc(2026, 12, 1, 14, 5)},
        {"due:2026-12-01T14:05+01:00", at_utc(2026, 12, 1, 13, 5)},
        {"due:+3d", now + 72h},
        {"due:+12h", now + 12h},
        {"due:tomorrow", at_utc(2026, 11, 25, 17)},
        {"due:friday", at_utc(2026, 11, 27, 17)},
        {"", now + 7 * 24h},  // reminders.default_due
    };
    for (const auto& c : cases) {
        CAPTURE(c.due);
        auto reply = w.command(chan, "U1", "action @{U7|dana} add an alert on replica lag > 30s " + c.due);
        CHECK(reply.in_channel);
        auto items = w.actions(chan);
        REQUIRE_FALSE(items.empty());
        const auto& item = items.back();
        CHECK(item.due_at == c.expected);
        CHECK(item.text == "add an alert on replica lag > 30s");
        CHECK(item.owner_id == "U7");
        CHECK(item.owner_name == "dana");
        CHECK(item.created_by == "U1");
        CHECK(item.state == ActionState::open);
        CHECK(contains(reply.text, "A-" + std::to_string(item.id)));
        CHECK(contains(reply.text, format_local(c.expected, "UTC")));
        CHECK_FALSE(contains(reply.text, "already overdue"));
    }

    auto past = w.command(chan, "U1", "action @{U7|dana} add a runbook link to the alert due:2026-11-01");
    CHECK(past.in_channel);
    CHECK(contains(past.text, "already overdue"));
    CHECK(w.actions(chan).back().due_at == at_utc(2026, 11, 1, 17));
    CHECK(w.actions(chan).size() == cases.size() + 1);
}

TEST_CASE("action: the configured default due applies") {
    BotSettings settings;
    settings.reminders.default_due = "+2d";
    FollowUpWorld w(settings);
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U7|} add a canary stage");
    CHECK(w.actions(chan).at(0).due_at == w.clock.now() + 48h);
}

TEST_CASE("action: an unreadable due date stores nothing") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    auto reply = w.command(chan, "U1", "action @{U7|} add a canary stage due:someday");
    CHECK_FALSE(reply.in_channel);
    CHECK(contains(reply.text, "someday"));
    CHECK(w.actions(chan).empty());
}

TEST_CASE("action: quality and blameless suggestions are added, the item kept") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    auto vague = w.command(chan, "U1", "action @{U7|} be more careful with deploys");
    CHECK(contains(vague.text, "Blameless check"));
    CHECK(w.actions(chan).size() == 1);
}

TEST_CASE("action: owners from Slack, Mattermost and the console") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U9|} add a canary stage");
    auto slack_item = w.actions(chan).back();
    CHECK(slack_item.owner_id == "U9");

    const ChannelRef mm{Platform::mattermost, "team1", "chan1"};
    w.command(mm, "uid1", "open Search slow");
    auto reply = w.command(mm, "uid1", "action @alice add a slow-query alert", {{"alice", "mmuser7"}});
    CHECK(contains(reply.text, mention_token("mmuser7", "alice")));
    auto mm_item = w.actions(mm).back();
    CHECK(mm_item.owner_id == "mmuser7");
    CHECK(mm_item.owner_name == "alice");

    const ChannelRef console{Platform::console, "console", "incident"};
    w.command(console, "bob", "open Demo");
    w.command(console, "bob", "action @carol write the failover runbook");
    auto console_item = w.actions(console).back();
    CHECK(console_item.owner_id == "carol");
    CHECK(console_item.owner_name == "carol");
}

TEST_CASE("action ids increase across incidents and are never reused, also after a restart") {
    FollowUpWorld w;
    const ChannelRef other = slack_channel("C2");
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U7|} one");
    w.command(other, "U1", "open Search slow");
    w.command(other, "U1", "action @{U7|} two");
    w.command(chan, "U1", "action @{U7|} three");
    w.restart();
    auto reply = w.command(other, "U1", "action @{U7|} four");
    auto first = w.actions(chan);
    auto second = w.actions(other);
    REQUIRE(first.size() == 2);
    REQUIRE(second.size() == 2);
    CHECK(first[0].id < second[0].id);
    CHECK(second[0].id < first[1].id);
    CHECK(first[1].id < second[1].id);
    CHECK(contains(reply.text, "A-" + std::to_string(second[1].id)));
}

TEST_CASE("actions: open, overdue, mine and all") {
    FollowUpWorld w;
    const ChannelRef other = slack_channel("C2");
    const ChannelRef foreign = slack_channel("C9", "T2");
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U7|} soon-item due:+1d");
    w.command(chan, "U1", "action @{U8|} late-item due:-2h");
    w.command(chan, "U1", "action @{U7|} finished-item due:+5d");
    auto finished = w.actions(chan).back();
    w.command(chan, "U7", "done A-" + std::to_string(finished.id));
    w.clock.advance(1min);
    w.command(other, "U2", "open Search slow");
    w.command(other, "U2", "action @{U7|} other-incident-item");
    w.command(foreign, "U7", "open Foreign workspace incident");
    w.command(foreign, "U7", "action @{U7|} foreign-item");

    auto open = w.command(chan, "U1", "actions");
    CHECK_FALSE(open.in_channel);
    CHECK(contains(open.text, "soon-item"));
    CHECK(contains(open.text, "late-item"));
    CHECK(contains(open.text, "overdue by 2h"));
    CHECK_FALSE(contains(open.text, "finished-item"));
    CHECK_FALSE(contains(open.text, "other-incident-item"));

    auto overdue = w.command(chan, "U1", "actions overdue");
    CHECK(contains(overdue.text, "late-item"));
    CHECK_FALSE(contains(overdue.text, "soon-item"));

    auto mine = w.command(chan, "U7", "actions mine");
    CHECK(contains(mine.text, "soon-item"));
    CHECK(contains(mine.text, "other-incident-item"));
    CHECK_FALSE(contains(mine.text, "late-item"));      // U8's
    CHECK_FALSE(contains(mine.text, "finished-item"));  // done
    CHECK_FALSE(contains(mine.text, "foreign-item"));   // another workspace

    auto all = w.command(chan, "U1", "actions all");
    CHECK(contains(all.text, "finished-item"));
    CHECK(contains(all.text, "late-item"));
    CHECK(contains(all.text, "other-incident-item"));
    CHECK_FALSE(contains(all.text, "foreign-item"));
    // Newest incident first.
    CHECK(all.text.find("other-incident-item") < all.text.find("soon-item"));

    auto none = w.command(other, "U1", "actions overdue");
    CHECK(contains(none.text, "Nothing overdue"));
}

TEST_CASE("done: records who and when, once - unknown and foreign ids are refused") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U7|} add a canary stage");
    auto id = w.actions(chan).at(0).id;
    const std::string ref = "A-" + std::to_string(id);

    auto foreign = w.command(slack_channel("C1", "T2"), "U7", "done " + ref);
    CHECK_FALSE(foreign.in_channel);
    CHECK(contains(foreign.text, "no action item " + ref));
    auto other_platform = w.command(ChannelRef{Platform::mattermost, "T1", "C1"}, "U7", "done " + ref);
    CHECK(contains(other_platform.text, "no action item " + ref));
    CHECK(w.action(id)->state == ActionState::open);

    w.clock.advance(1h);
    auto done = w.command(chan, "U7", "done " + ref);
    CHECK(done.in_channel);
    CHECK(contains(done.text, ref));
    auto item = w.action(id);
    CHECK(item->state == ActionState::done);
    CHECK(item->done_by == "U7");
    CHECK(item->done_at == w.clock.now());

    auto again = w.command(chan, "U1", "done " + ref);
    CHECK_FALSE(again.in_channel);
    CHECK(contains(again.text, "already done"));
    CHECK(w.action(id)->done_by == "U7");

    auto unknown = w.command(chan, "U1", "done A-999");
    CHECK_FALSE(unknown.in_channel);
    CHECK(contains(unknown.text, "no action item A-999"));
}

TEST_CASE("done from another channel of the workspace is announced in the incident channel") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U7|} add a canary stage");
    auto id = w.actions(chan).at(0).id;
    w.take_outbox();
    w.command(slack_channel("D7"), "U7", "done A-" + std::to_string(id));
    auto sent = w.take_outbox();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].channel == "C1");
    CHECK(sent[0].team == "T1");
    CHECK(contains(sent[0].text, "A-" + std::to_string(id)));
}

TEST_CASE("snooze: sets the next reminder - bad durations, done and foreign items are refused") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.command(chan, "U1", "action @{U7|} add a canary stage due:-1h");
    auto id = w.actions(chan).at(0).id;
    const std::string ref = "A-" + std::to_string(id);

    auto bad = w.command(chan, "U7", "snooze " + ref + " soon");
    CHECK_FALSE(bad.in_channel);
    CHECK_FALSE(w.action(id)->snoozed_until.has_value());

    auto foreign = w.command(slack_channel("C1", "T2"), "U7", "snooze " + ref + " 2d");
    CHECK(contains(foreign.text, "no action item " + ref));
    CHECK_FALSE(w.action(id)->snoozed_until.has_value());

    auto ok = w.command(chan, "U7", "snooze " + ref + " 2d");
    CHECK(ok.in_channel);
    CHECK(w.action(id)->snoozed_until == w.clock.now() + 48h);
    CHECK(contains(ok.text, format_local(w.clock.now() + 48h, "UTC")));

    w.command(chan, "U7", "done " + ref);
    auto after_done = w.command(chan, "U7", "snooze " + ref + " 1d");
    CHECK(contains(after_done.text, "already done"));
    CHECK(w.action(id)->snoozed_until == w.clock.now() + 48h);
}

TEST_CASE("facilitator: suggests someone who did not take part, rotating fairly") {
    BotSettings settings;
    settings.postmortem.facilitators = {"U1", "U2", "U3", "U4"};
    FollowUpWorld w(settings);
    // U1 commands, U2 posts: both took part.
    w.command(chan, "U1", "open Checkout errors");
    w.say(chan, "U2", "bob", "seeing 500s on checkout");

    auto first = w.command(chan, "U5", "facilitator");
    CHECK(first.in_channel);
    CHECK(contains(first.text, "@{U3|"));
    CHECK_FALSE(contains(first.text, "@{U1|"));
    CHECK_FALSE(contains(first.text, "@{U2|"));
    CHECK(w.incident(chan)->facilitator_id.empty());  // only a suggestion

    w.command(chan, "U5", "facilitator @{U3|}");
    CHECK(w.incident(chan)->facilitator_id == "U3");
    w.command(chan, "U1", "close");

    // Next incident: U3 facilitated last time, so U4 (never) goes first.
    w.clock.advance(2h);
    const ChannelRef next = slack_channel("C2");
    w.command(next, "U1", "open Search slow");
    w.say(next, "U2", "bob", "search p99 is 4s");
    auto second = w.command(next, "U5", "facilitator");
    CHECK(contains(second.text, "@{U4|"));
    w.command(next, "U5", "facilitator @{U4|}");
    w.command(next, "U1", "close");

    // Third: U3 facilitated longer ago than U4.
    w.clock.advance(2h);
    const ChannelRef third = slack_channel("C3");
    w.command(third, "U1", "open Login slow");
    w.say(third, "U2", "bob", "login p99 is 3s");
    auto suggestion = w.command(third, "U5", "facilitator");
    CHECK(contains(suggestion.text, "@{U3|"));
}

TEST_CASE("facilitator: usernames count as participants too - none left says how to configure") {
    BotSettings settings;
    settings.postmortem.facilitators = {"alice", "bob"};
    FollowUpWorld w(settings);
    const ChannelRef mm{Platform::mattermost, "team1", "chan1"};
    w.command(mm, "id-alice", "open Search slow", {}, "alice");
    w.say(mm, "id-bob", "bob", "looking at the slow query log");
    auto reply = w.command(mm, "id-carol", "facilitator", {}, "carol");
    CHECK(contains(reply.text, "postmortem.facilitators"));
    CHECK_FALSE(contains(reply.text, "|alice}"));
    CHECK_FALSE(contains(reply.text, "|bob}"));

    BotSettings empty;
    FollowUpWorld w2(empty);
    w2.command(chan, "U1", "open Checkout errors");
    CHECK(contains(w2.command(chan, "U1", "facilitator").text, "postmortem.facilitators"));
}

TEST_CASE("facilitator: assigning a participant is allowed with a heads-up") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.say(chan, "U2", "bob", "seeing 500s");
    auto reply = w.command(chan, "U1", "facilitator @{U2|bob}");
    CHECK(reply.in_channel);
    CHECK(w.incident(chan)->facilitator_id == "U2");
    CHECK(contains(reply.text, "took part"));
    auto fresh = w.command(chan, "U1", "facilitator @{U8|erin}");
    CHECK_FALSE(contains(fresh.text, "took part"));
}

TEST_CASE("close posts the five-whys question, a facilitator and the meeting deadline") {
    BotSettings settings;
    settings.postmortem.facilitators = {"U1", "U9"};
    FollowUpWorld w(settings);
    w.command(chan, "U1", "open Checkout errors");
    w.say(chan, "U2", "bob", "rolling back the deploy");
    w.take_outbox();
    w.command(chan, "U1", "close");
    auto sent = w.take_outbox();
    auto post = std::find_if(sent.begin(), sent.end(), [](const OutboundMessage& m) {
        return contains(m.text, "Why did \"Checkout errors\" happen?");
    });
    REQUIRE(post != sent.end());
    CHECK(post->channel == "C1");
    CHECK(contains(post->text, "/incident why <answer>"));
    CHECK(contains(post->text, "@{U9|"));
    CHECK(contains(post->text, "Schedule the review within 48h"));
    CHECK(contains(post->text, "/incident meeting <when>"));
}

TEST_CASE("patterns: factors in at least two of the window's postmortems, and streaks") {
    BotSettings settings;
    settings.patterns_window = 4;
    FollowUpWorld w(settings);
    // Oldest first; only the last four closed count.
    const std::vector<std::vector<std::string>> tags = {
        {"unclear-runbook"},                                       // outside the window
        {"unclear-runbook", "insufficient-test-coverage"},
        {"insufficient-test-coverage", "missing-alert"},
        {"insufficient-test-coverage"},
        {"insufficient-test-coverage", "missing-alert", "unsafe-default"},
    };
    for (std::size_t i = 0; i < tags.size(); ++i) {
        auto where = slack_channel("C" + std::to_string(i + 10));
        w.command(where, "U1", "open Incident " + std::to_string(i));
        for (const auto& t : tags[i]) w.command(where, "U1", "factor " + t);
        w.clock.advance(1h);
        w.command(where, "U1", "close");
    }
    // Another workspace with the same factor never counts.
    const ChannelRef foreign = slack_channel("C1", "T2");
    w.command(foreign, "U1", "open Foreign");
    w.command(foreign, "U1", "factor unsafe-default");
    w.command(foreign, "U1", "close");
    // An open incident is no postmortem yet.
    w.command(chan, "U1", "open Still open");
    w.command(chan, "U1", "factor unsafe-default");

    auto reply = w.command(chan, "U1", "patterns");
    CHECK_FALSE(reply.in_channel);
    CHECK(contains(reply.text, "last 4 closed"));
    CHECK(contains(reply.text, "insufficient-test-coverage — 4 of 4"));
    CHECK(contains(reply.text, "missing-alert — 2 of 4"));
    CHECK_FALSE(contains(reply.text, "unclear-runbook —"));  // once in the window
    CHECK_FALSE(contains(reply.text, "unsafe-default"));
    CHECK(contains(reply.text, "4 in a row: insufficient-test-coverage (ongoing)"));
    CHECK_FALSE(contains(reply.text, "in a row: missing-alert"));
}

TEST_CASE("patterns: nothing recurring, and no postmortems yet") {
    FollowUpWorld w;
    auto empty = w.command(chan, "U1", "patterns");
    CHECK(contains(empty.text, "No closed postmortems"));
    w.command(chan, "U1", "open One");
    w.command(chan, "U1", "factor missing-alert");
    w.command(chan, "U1", "close");
    auto once = w.command(chan, "U1", "patterns");
    CHECK(contains(once.text, "No contributing factor appears in two or more"));
}

TEST_CASE("find_patterns: streak lengths and whether they are ongoing") {
    auto report = find_patterns({{"a"}, {"b"}, {"a", "b"}, {"b"}, {"b"}, {"a"}});
    REQUIRE(report.streaks.size() == 1);
    CHECK(report.streaks[0].tag == "b");
    CHECK(report.streaks[0].length == 4);
    CHECK_FALSE(report.streaks[0].ongoing);
    REQUIRE(report.recurring.size() == 2);
    CHECK(report.recurring[0].tag == "b");
    CHECK(report.recurring[0].count == 4);
    CHECK(report.recurring[1].count == 3);
}

TEST_CASE("stats: incidents, median time to close, completion rate, overdue") {
    FollowUpWorld w;
    auto empty = w.command(chan, "U1", "stats");
    CHECK(contains(empty.text, "Incidents: 0 (0 open, 0 closed)"));

    const std::vector<std::chrono::hours> durations = {1h, 3h, 10h};
    for (std::size_t i = 0; i < durations.size(); ++i) {
        auto where = slack_channel("C" + std::to_string(i + 10));
        w.command(where, "U1", "open Incident " + std::to_string(i));
        w.command(where, "U1", "action @{U7|} item due:+1h");
        w.clock.advance(durations[i]);
        w.command(where, "U1", "close");
    }
    w.command(chan, "U1", "open Still open");
    w.command(chan, "U1", "action @{U7|} not yet due due:+30d");
    auto first_item = w.read([](IncidentStore& s) { return s.all_actions(); }).at(0);
    w.command(chan, "U7", "done A-" + std::to_string(first_item.id));
    // Another workspace never counts.
    const ChannelRef foreign = slack_channel("C1", "T2");
    w.command(foreign, "U1", "open Foreign");
    w.command(foreign, "U1", "action @{U7|} foreign item due:-1d");

    auto reply = w.command(chan, "U1", "stats");
    CHECK_FALSE(reply.in_channel);
    CHECK(contains(reply.text, "Incidents: 4 (1 open, 3 closed)"));
    CHECK(contains(reply.text, "Median time to close: 3h"));
    CHECK(contains(reply.text, "1 of 4 done (25%)"));
    CHECK(contains(reply.text, "2 overdue"));
}

TEST_CASE("counts: one of a thing is singular wherever a count is shown") {
    FollowUpWorld w;
    w.command(chan, "U1", "open Checkout errors");
    w.say(chan, "U1", "alice", "the only message");
    auto status = w.command(chan, "U1", "status");
    CHECK(contains(status.text, "Recorded: 1 message, 0 key events, 0 open action items."));
    w.command(chan, "U1", "action @{U2|} add an alert on replica lag due:+3d");
    CHECK(contains(w.command(chan, "U1", "status").text, "1 open action item."));
    auto closed = w.command(chan, "U1", "close");
    CHECK(contains(closed.text, " 1 message recorded — "));
    CHECK_FALSE(contains(closed.text, "messages recorded"));
}
