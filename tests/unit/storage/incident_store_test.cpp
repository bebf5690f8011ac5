#include "backends.hpp"
#include "fixtures.hpp"
#include "storage/database.hpp"
#include "storage/sqlite_incident_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;
using hindsight::storage::SqliteIncidentStore;
using hindsight::test::TempDir;

// The writer's store may be used directly while no work is queued; these
// tests do that, and read back through a fresh read-only connection where the
// point is what is on disk. Every test but the SQLite file's own runs on both
// backends (for_each_backend).

TEST_CASE("incidents: create, find, update every field, list newest first") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();

    auto first = incident();
    first.id = store.create_incident(first);
    auto second = incident(channel("C2"), "Queue backlog");
    second.id = store.create_incident(second);
    CHECK(second.id > first.id);

    auto found = store.find_incident(first.id);
    REQUIRE(found);
    CHECK(found->where == channel());
    CHECK(found->title == "API down");
    CHECK(found->severity == 2);
    CHECK(found->commander_name == "alice");
    CHECK(found->state == IncidentState::open);
    CHECK(found->opened_at == kT0);
    CHECK_FALSE(found->closed_at);
    CHECK_FALSE(found->started_at);
    CHECK_FALSE(found->meeting_at);
    CHECK_FALSE(found->meeting_reminded_at);
    CHECK_FALSE(store.find_incident(second.id + 100));

    auto changed = *found;
    changed.title = "API down (EU)";
    changed.severity = 1;
    changed.commander_id = "U9";
    changed.commander_name = "dave";
    changed.state = IncidentState::closed;
    changed.closed_at = kT0 + 2h;
    changed.started_at = kT0 - 15min;
    changed.meeting_at = kT0 + 26h;
    changed.meeting_reminded_at = kT0 + 24h;
    changed.summary = "bad deploy";
    changed.impact = "EU checkout failed";
    changed.root_cause = "no canary";
    changed.facilitator_id = "U7";
    changed.postmortem_md = "# API down\n## Summary\n…";
    store.update_incident(changed);

    auto reader = db.open_reader();
    auto back = reader->find_incident(first.id);
    REQUIRE(back);
    CHECK(back->title == changed.title);
    CHECK(back->severity == 1);
    CHECK(back->commander_id == "U9");
    CHECK(back->commander_name == "dave");
    CHECK(back->state == IncidentState::closed);
    CHECK(back->closed_at == changed.closed_at);
    CHECK(back->started_at == changed.started_at);
    CHECK(back->meeting_at == changed.meeting_at);
    CHECK(back->meeting_reminded_at == changed.meeting_reminded_at);
    CHECK(back->summary == changed.summary);
    CHECK(back->impact == changed.impact);
    CHECK(back->root_cause == changed.root_cause);
    CHECK(back->facilitator_id == "U7");
    CHECK(back->postmortem_md == changed.postmortem_md);

    const auto all = reader->list_incidents();
    REQUIRE(all.size() == 2);
    CHECK(all[0].id == second.id);
    CHECK(all[1].id == first.id);
    });
}

TEST_CASE("updating an incident that does not exist is an error") {
    for_each_backend([&](Database& db, const std::string&) {
    auto missing = incident();
    missing.id = 42;
    CHECK_THROWS_AS(db.store().update_incident(missing), std::runtime_error);
    });
}

TEST_CASE("latest_incident is scoped by platform, team and channel, and returns the newest") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();

    auto old_one = incident(channel("C1", "T1"), "old");
    old_one.state = IncidentState::closed;
    store.create_incident(old_one);
    const auto newest = store.create_incident(incident(channel("C1", "T1"), "new"));
    const auto other_team = store.create_incident(incident(channel("C9", "T2"), "other team"));
    store.create_incident(incident(channel("C1", "T1", Platform::mattermost), "mattermost"));

    auto found = store.latest_incident(channel("C1", "T1"));
    REQUIRE(found);
    CHECK(found->id == newest);
    CHECK(found->title == "new");

    // The same channel id in another workspace, or on another platform, is not ours.
    CHECK_FALSE(store.latest_incident(channel("C9", "T1")));
    CHECK_FALSE(store.latest_incident(channel("C1", "T2")));
    CHECK(store.latest_incident(channel("C9", "T2"))->id == other_team);
    CHECK(store.latest_incident(channel("C1", "T1", Platform::mattermost))->title == "mattermost");
    CHECK_FALSE(store.latest_incident(channel("C1", "T1", Platform::console)));
    });
}

TEST_CASE("messages: duplicates are refused, edits keep the original, deletes leave a tombstone") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto id = store.create_incident(incident());

    auto m1 = message(id, "1700.000100", kT0 + 1s, "deploying v2");
    m1.thread_parent = "1699.000001";
    CHECK(store.insert_message(m1));
    CHECK_FALSE(store.insert_message(m1));
    auto retry = m1;
    retry.text = "a retried delivery must not overwrite";
    CHECK_FALSE(store.insert_message(retry));
    CHECK(store.insert_message(message(id, "1700.000200", kT0 + 2s, "rolling back")));
    CHECK(store.count_messages(id) == 2);

    CHECK(store.edit_message(id, "1700.000100", "deploying v2.1", kT0 + 5s));
    CHECK(store.edit_message(id, "1700.000100", "deploying v2.1.1", kT0 + 6s));
    CHECK_FALSE(store.edit_message(id, "nope", "x", kT0));
    CHECK(store.delete_message(id, "1700.000200", kT0 + 7s));
    CHECK_FALSE(store.delete_message(id, "nope", kT0));
    CHECK(store.mark_key_message(id, "1700.000100", true));
    CHECK_FALSE(store.mark_key_message(id, "nope", true));

    auto reader = db.open_reader();
    const auto all = reader->messages(id);
    REQUIRE(all.size() == 2);
    CHECK(all[0].message_id == "1700.000100");
    CHECK(all[0].text == "deploying v2.1.1");
    CHECK(all[0].original_text == "deploying v2");
    CHECK(all[0].edited_at == kT0 + 6s);
    CHECK(all[0].key_event);
    CHECK(all[0].thread_parent == "1699.000001");
    CHECK(all[0].user_id == "U2");
    CHECK(all[0].user_name == "bob");
    CHECK(all[0].permalink == m1.permalink);
    CHECK(all[0].at == kT0 + 1s);
    CHECK_FALSE(all[0].deleted);
    CHECK(all[1].deleted);
    CHECK(all[1].deleted_at == kT0 + 7s);
    CHECK(all[1].text == "rolling back");
    CHECK(reader->count_messages(id) == 1);

    CHECK(store.mark_key_message(id, "1700.000100", false));
    CHECK_FALSE(db.open_reader()->messages(id)[0].key_event);
    });
}

TEST_CASE("messages: the number of people who reacted is kept with the message") {
    for_each_backend([&](Database& db, const std::string&) {
        auto& store = db.store();
        const auto id = store.create_incident(incident());
        auto m = message(id, "1700.000100", kT0 + 1s, "uploads killed, banner live");
        m.reactions = 4;
        CHECK(store.insert_message(m));
        CHECK(store.insert_message(message(id, "1700.000200", kT0 + 2s, "ty")));
        auto all = db.open_reader()->messages(id);
        REQUIRE(all.size() == 2);
        CHECK(all[0].reactions == 4);
        CHECK(all[1].reactions == 0);
    });
}

TEST_CASE("messages: the same message id in two incidents is two messages, ordered by time then arrival") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto a = store.create_incident(incident(channel("C1")));
    const auto b = store.create_incident(incident(channel("C2")));

    CHECK(store.insert_message(message(a, "same", kT0 + 1s)));
    CHECK(store.insert_message(message(b, "same", kT0 + 1s)));
    CHECK(store.insert_message(message(a, "late-arrival-early-time", kT0 + 500ms)));
    CHECK(store.insert_message(message(a, "tie-first", kT0 + 3s)));
    CHECK(store.insert_message(message(a, "tie-second", kT0 + 3s)));
    // Backfill: a message that already carries its edit history.
    auto edited = message(a, "backfilled", kT0 + 4s, "final text");
    edited.original_text = "first text";
    CHECK(store.insert_message(edited));

    const auto all = store.messages(a);
    REQUIRE(all.size() == 5);
    CHECK(all[0].message_id == "late-arrival-early-time");
    CHECK(all[1].message_id == "same");
    CHECK(all[2].message_id == "tie-first");
    CHECK(all[3].message_id == "tie-second");
    CHECK(all[4].original_text == "first text");
    CHECK(all[4].text == "final text");
    CHECK(all[1].original_text == all[1].text);
    CHECK(store.messages(b).size() == 1);
    CHECK_FALSE(store.edit_message(b, "tie-first", "x", kT0));
    });
}

TEST_CASE("a message for an incident that does not exist is refused (foreign keys are on)") {
    for_each_backend([&](Database& db, const std::string&) {
    CHECK_THROWS(db.store().insert_message(message(999, "m", kT0)));
    });
}

TEST_CASE("key events and timeline curations come back in order with every field") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto id = store.create_incident(incident());

    KeyEvent late{0, id, kT0 + 10min, "U1", "alice", "rolled back"};
    KeyEvent early{0, id, kT0 + 1min, "U2", "bob", "paged"};
    const auto late_id = store.add_key_event(late);
    const auto early_id = store.add_key_event(early);
    const auto events = store.key_events(id);
    REQUIRE(events.size() == 2);
    CHECK(events[0].id == early_id);
    CHECK(events[0].text == "paged");
    CHECK(events[0].author_name == "bob");
    CHECK(events[0].at == kT0 + 1min);
    CHECK(events[1].id == late_id);

    TimelineCuration add;
    add.incident_id = id;
    add.kind = TimelineCuration::Kind::add;
    add.text = "customer reports began";
    add.at = kT0 - 5min;
    add.author_id = "U1";
    add.author_name = "alice";
    add.created_at = kT0 + 3h;
    TimelineCuration hide;
    hide.incident_id = id;
    hide.kind = TimelineCuration::Kind::hide;
    hide.entry_key = "m:1700.000100";
    hide.created_at = kT0 + 4h;
    TimelineCuration retime = hide;
    retime.kind = TimelineCuration::Kind::retime;
    retime.at = kT0 + 1min;
    const auto add_id = store.add_curation(add);
    store.add_curation(hide);
    store.add_curation(retime);
    for (auto kind : {TimelineCuration::Kind::show, TimelineCuration::Kind::edit}) {
        auto c = hide;
        c.kind = kind;
        store.add_curation(c);
    }

    const auto all = db.open_reader()->curations(id);
    REQUIRE(all.size() == 5);
    CHECK(all[0].id == add_id);
    CHECK(all[0].kind == TimelineCuration::Kind::add);
    CHECK(all[0].text == "customer reports began");
    CHECK(all[0].at == kT0 - 5min);
    CHECK(all[0].entry_key.empty());
    CHECK(all[0].author_name == "alice");
    CHECK(all[0].created_at == kT0 + 3h);
    CHECK(all[1].kind == TimelineCuration::Kind::hide);
    CHECK(all[1].entry_key == "m:1700.000100");
    CHECK_FALSE(all[1].at);
    CHECK(all[2].kind == TimelineCuration::Kind::retime);
    CHECK(all[2].at == kT0 + 1min);
    CHECK(all[3].kind == TimelineCuration::Kind::show);
    CHECK(all[4].kind == TimelineCuration::Kind::edit);
    });
}

TEST_CASE("five whys: set_why replaces a step, steps come back by n") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto id = store.create_incident(incident());
    const auto other = store.create_incident(incident(channel("C2")));

    store.set_why({id, 2, "no canary", "U2", kT0 + 2h});
    store.set_why({id, 1, "bad config shipped", "U1", kT0 + 1h});
    store.set_why({other, 1, "unrelated", "U1", kT0});
    store.set_why({id, 2, "canary skipped for config changes", "U3", kT0 + 3h});

    const auto chain = store.whys(id);
    REQUIRE(chain.size() == 2);
    CHECK(chain[0].n == 1);
    CHECK(chain[0].answer == "bad config shipped");
    CHECK(chain[1].n == 2);
    CHECK(chain[1].answer == "canary skipped for config changes");
    CHECK(chain[1].author_id == "U3");
    CHECK(chain[1].at == kT0 + 3h);
    CHECK(chain[1].incident_id == id);
    });
}

TEST_CASE("contributing factors: adding twice is a no-op, insertion order kept, per incident") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto id = store.create_incident(incident());
    const auto other = store.create_incident(incident(channel("C2")));

    store.add_factor(id, "missing-alert");
    store.add_factor(id, "insufficient-test-coverage");
    store.add_factor(id, "missing-alert");
    store.add_factor(other, "unsafe-default");

    CHECK(store.factors(id) == std::vector<std::string>{"missing-alert", "insufficient-test-coverage"});
    CHECK(store.factors(other) == std::vector<std::string>{"unsafe-default"});
    });
}

TEST_CASE("action items: add, find, update every field, list per incident and overall") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto a = store.create_incident(incident());
    const auto b = store.create_incident(incident(channel("C2")));

    auto item = action(a, kT0 + 72h);
    item.id = store.add_action(item);
    const auto second = store.add_action(action(b, kT0 + 24h, "document failover"));
    const auto third = store.add_action(action(a, kT0 + 48h, "add canary"));
    CHECK(second > item.id);
    CHECK(third > second);

    auto found = store.find_action(item.id);
    REQUIRE(found);
    CHECK(found->incident_id == a);
    CHECK(found->owner_id == "U3");
    CHECK(found->owner_name == "carol");
    CHECK(found->text == "add a lag alert");
    CHECK(found->due_at == kT0 + 72h);
    CHECK(found->created_at == kT0);
    CHECK(found->created_by == "U1");
    CHECK(found->state == ActionState::open);
    CHECK_FALSE(found->done_at);
    CHECK_FALSE(found->snoozed_until);
    CHECK_FALSE(found->last_nudged_at);
    CHECK(found->nudges == 0);
    CHECK_FALSE(store.find_action(third + 1));

    auto changed = *found;
    changed.owner_id = "U4";
    changed.owner_name = "erin";
    changed.text = "alert on replica lag > 30 s";
    changed.due_at = kT0 + 96h;
    changed.state = ActionState::done;
    changed.done_by = "U4";
    changed.done_at = kT0 + 90h;
    changed.snoozed_until = kT0 + 80h;
    changed.nudges = 3;
    changed.last_nudged_at = kT0 + 85h;
    store.update_action(changed);
    auto back = db.open_reader()->find_action(item.id);
    REQUIRE(back);
    CHECK(back->owner_id == "U4");
    CHECK(back->owner_name == "erin");
    CHECK(back->text == changed.text);
    CHECK(back->due_at == changed.due_at);
    CHECK(back->state == ActionState::done);
    CHECK(back->done_by == "U4");
    CHECK(back->done_at == changed.done_at);
    CHECK(back->snoozed_until == changed.snoozed_until);
    CHECK(back->nudges == 3);
    CHECK(back->last_nudged_at == changed.last_nudged_at);

    auto missing = changed;
    missing.id = third + 50;
    CHECK_THROWS_AS(store.update_action(missing), std::runtime_error);

    const auto of_a = store.actions(a);
    REQUIRE(of_a.size() == 2);
    CHECK(of_a[0].id == item.id);
    CHECK(of_a[1].id == third);
    const auto all = store.all_actions();
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == item.id);
    CHECK(all[1].id == second);
    CHECK(all[2].id == third);
    });
}

TEST_CASE("action items: the ticket round-trips, is found by (tracker, key), and an incident keeps its tracker") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto a = store.create_incident(incident());
    const auto b = store.create_incident(incident(channel("C2")));

    auto item = action(a, kT0 + 72h);
    item.ticket = {TicketStatus::filing, "gh", "", ""};
    item.id = store.add_action(item);
    auto other = action(b, kT0 + 24h, "document failover");
    other.id = store.add_action(other);
    CHECK(store.find_action(item.id)->ticket.status == TicketStatus::filing);
    CHECK(store.find_action(other.id)->ticket.status == TicketStatus::none);
    CHECK_FALSE(store.find_action_by_ticket("gh", ""));  // no key yet: not findable

    item.ticket = {TicketStatus::open, "gh", "acme/ops#12", "https://github.com/acme/ops/issues/12"};
    store.update_action(item);
    auto back = db.open_reader()->find_action(item.id);
    REQUIRE(back);
    CHECK(back->ticket.status == TicketStatus::open);
    CHECK(back->ticket.tracker == "gh");
    CHECK(back->ticket.key == "acme/ops#12");
    CHECK(back->ticket.url == "https://github.com/acme/ops/issues/12");

    auto found = store.find_action_by_ticket("gh", "acme/ops#12");
    REQUIRE(found);
    CHECK(found->id == item.id);
    CHECK(db.open_reader()->find_action_by_ticket("gh", "acme/ops#12")->id == item.id);
    CHECK_FALSE(store.find_action_by_ticket("gl", "acme/ops#12"));  // another tracker's ticket
    CHECK_FALSE(store.find_action_by_ticket("gh", "acme/ops#13"));

    item.ticket.status = TicketStatus::closed;
    store.update_action(item);
    CHECK(store.find_action(item.id)->ticket.status == TicketStatus::closed);

    CHECK_FALSE(store.incident_tracker(a));
    store.set_incident_tracker(a, {"jira", "OPS"});
    store.set_incident_tracker(a, {"gh", "acme/infra"});  // replaces
    auto chosen = db.open_reader()->incident_tracker(a);
    REQUIRE(chosen);
    CHECK(chosen->tracker == "gh");
    CHECK(chosen->project == "acme/infra");
    CHECK_FALSE(store.incident_tracker(b));
    });
}

TEST_CASE("actions_due_for_nudge: due, not snoozed, not nudged recently, open, by due time, limited") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto id = store.create_incident(incident());
    const auto now = kT0 + 240h;
    const Duration every = 24h;

    auto add = [&](const std::string& text, Timestamp due, auto&& adjust) {
        auto a = action(id, due, text);
        adjust(a);
        return store.add_action(a);
    };
    auto as_is = [](ActionItem&) {};

    const auto due_exactly_now = add("due exactly now", now, as_is);
    const auto overdue = add("overdue", now - 48h, as_is);
    add("not due yet", now + 1us, as_is);
    add("done", now - 72h, [](ActionItem& a) {
        a.state = ActionState::done;
        a.done_at = kT0;
    });
    add("snoozed past now", now - 72h, [&](ActionItem& a) { a.snoozed_until = now + 1us; });
    const auto snooze_over = add("snooze ended now", now - 30h, [&](ActionItem& a) { a.snoozed_until = now; });
    add("nudged recently", now - 96h, [&](ActionItem& a) {
        a.nudges = 1;
        a.last_nudged_at = now - every + 1us;
    });
    const auto nudged_long_ago = add("nudged exactly one period ago", now - 60h, [&](ActionItem& a) {
        a.nudges = 2;
        a.last_nudged_at = now - every;
    });

    const auto due = db.open_reader()->actions_due_for_nudge(now, every, 100);
    std::vector<std::int64_t> ids;
    for (const auto& a : due) ids.push_back(a.id);
    CHECK(ids == std::vector<std::int64_t>{nudged_long_ago, overdue, snooze_over, due_exactly_now});

    const auto first_two = store.actions_due_for_nudge(now, every, 2);
    REQUIRE(first_two.size() == 2);
    CHECK(first_two[0].id == nudged_long_ago);
    CHECK(first_two[1].id == overdue);
    CHECK(first_two[0].nudges == 2);

    // Recording the nudge takes an item out of the next scan.
    auto nudged = first_two[1];
    nudged.nudges += 1;
    nudged.last_nudged_at = now;
    store.update_action(nudged);
    CHECK(store.actions_due_for_nudge(now, every, 100).size() == 3);
    CHECK(store.actions_due_for_nudge(now + every, every, 100).size() == 7);  // every open item
    });
}

TEST_CASE("action ids keep increasing across reopen (AUTOINCREMENT, a sequence)") {
    for_each_store([&](const Store& store) {
        std::int64_t last = 0;
        {
            auto db = store.open();
            const auto id = db->store().create_incident(incident());
            db->store().add_action(action(id, kT0));
            last = db->store().add_action(action(id, kT0));
        }
        {
            auto db = store.open();
            const auto next = db->store().add_action(action(1, kT0));
            CHECK(next == last + 1);
        }
    });
}

TEST_CASE("display names are cached per platform, team and user, and can change") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    store.remember_user(channel("C1", "T1"), "U1", "alice");
    store.remember_user(channel("C1", "T2"), "U1", "someone else");

    CHECK(store.user_name(channel("C9", "T1"), "U1") == "alice");  // any channel of the team
    CHECK(store.user_name(channel("C1", "T2"), "U1") == "someone else");
    CHECK_FALSE(store.user_name(channel("C1", "T1", Platform::mattermost), "U1"));
    CHECK_FALSE(store.user_name(channel("C1", "T1"), "U2"));

    store.remember_user(channel("C1", "T1"), "U1", "Alice Liddell");
    CHECK(db.open_reader()->user_name(channel("C1", "T1"), "U1") == "Alice Liddell");
    });
}

TEST_CASE("tracker user matches: found both ways per tracker and workspace, replaced, the newer wins a tracker user") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto t1 = channel("C1", "T1");
    store.save_tracker_match({"gh", t1, "U1", "alice-gh", kT0});
    store.save_tracker_match({"gh", t1, "U2", "bob-gh", kT0 + 1h});
    store.save_tracker_match({"jira", t1, "U1", "acc-alice", kT0});
    store.save_tracker_match({"gh", channel("C1", "T2"), "U1", "someone-gh", kT0});

    auto alice = db.open_reader()->tracker_match_of_chat_user("gh", channel("C9", "T1"), "U1");  // any channel
    REQUIRE(alice);
    CHECK(alice->tracker == "gh");
    CHECK(alice->where.platform == Platform::slack);
    CHECK(alice->where.team == "T1");
    CHECK(alice->user_id == "U1");
    CHECK(alice->tracker_user == "alice-gh");
    CHECK(alice->found_at == kT0);
    CHECK(store.tracker_match_of_tracker_user("gh", t1, "bob-gh")->user_id == "U2");
    CHECK(store.tracker_match_of_tracker_user("jira", t1, "acc-alice")->user_id == "U1");
    CHECK(store.tracker_match_of_tracker_user("gh", channel("C1", "T2"), "someone-gh")->user_id == "U1");
    CHECK_FALSE(store.tracker_match_of_tracker_user("gh", t1, "someone-gh"));  // another workspace's
    CHECK_FALSE(store.tracker_match_of_tracker_user("gh", channel("C1", "T1", Platform::mattermost), "alice-gh"));
    CHECK_FALSE(store.tracker_match_of_chat_user("gl", t1, "U1"));  // another tracker

    // Searched again: alice's row is replaced, found now.
    store.save_tracker_match({"gh", t1, "U1", "alice-new-gh", kT0 + 30h});
    CHECK(store.tracker_match_of_chat_user("gh", t1, "U1")->tracker_user == "alice-new-gh");
    CHECK(store.tracker_match_of_chat_user("gh", t1, "U1")->found_at == kT0 + 30h);
    CHECK_FALSE(store.tracker_match_of_tracker_user("gh", t1, "alice-gh"));

    // A tracker user found for another chat user: the newer match wins, the older row goes.
    store.save_tracker_match({"gh", t1, "U3", "bob-gh", kT0 + 31h});
    CHECK(store.tracker_match_of_tracker_user("gh", t1, "bob-gh")->user_id == "U3");
    CHECK_FALSE(store.tracker_match_of_chat_user("gh", t1, "U2"));

    // Nobody found now: forgotten; other trackers' and workspaces' rows stay.
    store.forget_tracker_match("gh", t1, "U1");
    CHECK_FALSE(store.tracker_match_of_chat_user("gh", t1, "U1"));
    const auto all = db.open_reader()->tracker_matches();
    REQUIRE(all.size() == 3);
    CHECK(all[0].tracker_user == "bob-gh");
    CHECK(all[0].user_id == "U3");
    CHECK(all[1].tracker_user == "someone-gh");
    CHECK(all[2].tracker_user == "acc-alice");
    });
}

TEST_CASE("deliveries: a key is remembered once and keys older than the memory window are pruned") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();

    CHECK(store.remember_delivery("Ev1", kT0));
    CHECK_FALSE(store.remember_delivery("Ev1", kT0 + 1s));
    CHECK(store.remember_delivery("Ev2", kT0 + 1s));

    // Enough later deliveries to trigger a prune, all more than the window after Ev1.
    const auto later = kT0 + SqliteIncidentStore::kDeliveryMemory + 1min;
    db.writes().run([&] {
        for (std::uint64_t i = 0; i < SqliteIncidentStore::kPruneEvery; ++i)
            store.remember_delivery("later-" + std::to_string(i), later);
    });
    CHECK(store.remember_delivery("Ev1", later));
    // Recent keys survive the prune.
    CHECK_FALSE(store.remember_delivery("later-0", later));
    });
}

TEST_CASE("record_messages: a batch in one call, each message's outcome as if recorded one after another") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto open_channel = channel("C1");
    const auto closed_channel = channel("C2");
    const auto quiet_channel = channel("C3");  // no incident
    auto inc = incident(open_channel);
    inc.id = store.create_incident(inc);
    auto closed = incident(closed_channel, "closed one");
    closed.state = IncidentState::closed;
    closed.closed_at = kT0 + 10s;
    closed.id = store.create_incident(closed);
    CHECK(store.record_message("Old", kT0, open_channel, message(0, "0.9", kT0, "earlier")) == EventOutcome::stored);

    auto live = [](const std::string& key, const ChannelRef& where, const std::string& id, Timestamp at) {
        auto m = message(0, id, at, "checking the pool " + id);
        m.reactions = 2;
        m.thread_parent = "0.9";
        return LiveMessage{key, where, m};
    };
    std::vector<LiveMessage> batch{
        live("E1", open_channel, "1.1", kT0 + 1s),    // stored
        live("E1", open_channel, "1.9", kT0 + 1s),    // the key again in the batch: duplicate
        live("Old", open_channel, "1.8", kT0 + 1s),   // a key committed before: duplicate
        live("E2", open_channel, "1.1", kT0 + 2s),    // the message id again under a new key: duplicate
        live("E3", quiet_channel, "3.1", kT0 + 2s),   // no incident: ignored
        live("E4", closed_channel, "2.1", kT0 + 5s),  // incident closed: ignored
        live("", open_channel, "1.2", kT0 + 3s),      // no key: stored
        live("", open_channel, "1.2", kT0 + 3s),      // no key, same message: duplicate
        live("E5", open_channel, "0.9", kT0 + 4s),    // a message recorded before the batch: duplicate
        live("E6", open_channel, "1.3", kT0 + 4s),    // stored
    };
    // What an array element or a JSON string would need escaped comes back as sent.
    const std::string awkward = "it said \"NULL\", {a,b} and C:\\temp\\ — ok? 🚒";
    batch.back().message.text = awkward;
    batch.back().message.user_name = "NULL";
    const auto outcomes = store.record_messages(kT0 + 5s, batch);
    const std::vector<EventOutcome> expected{
        EventOutcome::stored,    EventOutcome::duplicate, EventOutcome::duplicate, EventOutcome::duplicate,
        EventOutcome::ignored,   EventOutcome::ignored,   EventOutcome::stored,    EventOutcome::duplicate,
        EventOutcome::duplicate, EventOutcome::stored};
    CHECK(outcomes == expected);

    auto reader = db.open_reader();
    auto stored = reader->messages(inc.id);
    REQUIRE(stored.size() == 4);
    CHECK(stored[0].message_id == "0.9");
    CHECK(stored[1].message_id == "1.1");
    CHECK(stored[1].at == kT0 + 1s);  // the first copy, not E2's
    CHECK(stored[1].text == "checking the pool 1.1");
    CHECK(stored[1].user_name == "bob");
    CHECK(stored[1].reactions == 2);
    CHECK(stored[1].thread_parent == "0.9");
    CHECK(stored[1].permalink == batch[0].message.permalink);
    CHECK_FALSE(stored[1].edited_at);
    CHECK_FALSE(stored[1].deleted);
    CHECK(stored[2].message_id == "1.2");
    CHECK(stored[3].message_id == "1.3");
    CHECK(stored[3].text == awkward);
    CHECK(stored[3].original_text == awkward);
    CHECK(stored[3].user_name == "NULL");
    CHECK(reader->count_messages(closed.id) == 0);
    // Every new key is remembered, the ignored ones' too.
    for (const char* key : {"E1", "E2", "E3", "E4", "E5", "E6"}) CHECK_FALSE(store.remember_delivery(key, kT0 + 6s));
    CHECK(store.record_messages(kT0 + 7s, {}).empty());
    });
}

TEST_CASE("record_messages: a NUL character in a message is kept by SQLite and dropped by PostgreSQL, not fatal") {
    for_each_backend([&](Database& db, const std::string& backend) {
    auto& store = db.store();
    const auto where = channel("C1");
    const auto id = store.create_incident(incident(where));
    const std::string text("rolled\0 back", 12);
    auto batch = std::vector<LiveMessage>{{"E1", where, message(0, "1.1", kT0 + 1s, text)}};
    CHECK(store.record_messages(kT0 + 1s, batch) == std::vector<EventOutcome>{EventOutcome::stored});
    CHECK(store.record_message("E2", kT0 + 2s, where, message(0, "1.2", kT0 + 2s, text)) == EventOutcome::stored);
    auto stored = db.open_reader()->messages(id);
    REQUIRE(stored.size() == 2);
    const std::string expected = backend == "postgres" ? std::string("rolled back") : text;
    CHECK(stored[0].text == expected);
    CHECK(stored[1].text == expected);
    });
}

TEST_CASE("record_message: key, incident look-up and insert in one call, with what became of the event") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& store = db.store();
    const auto where = channel("C1");
    auto live = [&](const std::string& id, Timestamp at) {
        auto m = message(0, id, at, "rolled back the deploy " + id);
        m.reactions = 3;
        return m;
    };

    // No incident in the channel: ignored, but the delivery key is remembered.
    CHECK(store.record_message("Ev0", kT0, where, live("1.0", kT0)) == EventOutcome::ignored);
    CHECK_FALSE(store.remember_delivery("Ev0", kT0));

    auto inc = incident(where);
    inc.id = store.create_incident(inc);
    const auto other = store.create_incident(incident(channel("C2")));
    CHECK(store.record_message("Ev1", kT0 + 1s, where, live("1.1", kT0 + 1s)) == EventOutcome::stored);
    // The same delivery again (a platform retry): duplicate, nothing looked up.
    CHECK(store.record_message("Ev1", kT0 + 2s, where, live("1.1", kT0 + 1s)) == EventOutcome::duplicate);
    // The same message under another key (Slack sends some twice): duplicate by message id.
    CHECK(store.record_message("Ev2", kT0 + 2s, where, live("1.1", kT0 + 1s)) == EventOutcome::duplicate);
    // No key (the console): recorded by message id alone.
    CHECK(store.record_message("", kT0 + 3s, where, live("1.2", kT0 + 3s)) == EventOutcome::stored);
    CHECK(store.record_message("", kT0 + 3s, where, live("1.2", kT0 + 3s)) == EventOutcome::duplicate);

    auto reader = db.open_reader();
    auto stored = reader->messages(inc.id);
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].incident_id == inc.id);
    CHECK(stored[0].message_id == "1.1");
    CHECK(stored[0].user_id == "U2");
    CHECK(stored[0].user_name == "bob");
    CHECK(stored[0].text == "rolled back the deploy 1.1");
    CHECK(stored[0].original_text == "rolled back the deploy 1.1");
    CHECK(stored[0].at == kT0 + 1s);
    CHECK(stored[0].permalink == live("1.1", kT0).permalink);
    CHECK(stored[0].reactions == 3);
    CHECK_FALSE(stored[0].deleted);
    CHECK_FALSE(stored[0].edited_at);
    CHECK(reader->count_messages(other) == 0);

    // Closed: ignored. Reopened, a message from before the old close is
    // recorded and one after it is not (records_live_message).
    inc.state = IncidentState::closed;
    inc.closed_at = kT0 + 10s;
    store.update_incident(inc);
    CHECK(store.record_message("Ev3", kT0 + 5s, where, live("1.3", kT0 + 5s)) == EventOutcome::ignored);
    inc.state = IncidentState::open;
    store.update_incident(inc);
    CHECK(store.record_message("Ev4", kT0 + 11s, where, live("1.4", kT0 + 5s)) == EventOutcome::stored);
    CHECK(store.record_message("Ev5", kT0 + 11s, where, live("1.5", kT0 + 11s)) == EventOutcome::ignored);
    // Only the channel's latest incident takes messages.
    store.create_incident(incident(where, "second"));
    CHECK(store.record_message("Ev6", kT0 + 12s, where, live("1.6", kT0 + 12s)) == EventOutcome::stored);
    CHECK(reader->count_messages(inc.id) == 3);
    CHECK_FALSE(store.remember_delivery("Ev3", kT0 + 20s));
    CHECK_FALSE(store.remember_delivery("Ev5", kT0 + 20s));
    });
}

TEST_CASE("a reader connection is read-only") {
    for_each_backend([&](Database& db, const std::string&) {
    auto reader = db.open_reader();
    CHECK_THROWS(reader->create_incident(incident()));
    CHECK(reader->list_incidents().empty());
    });
}

TEST_CASE("link secret: none at first, the first ensure wins, replace changes it for every reader") {
    for_each_backend([&](Database& db, const std::string&) {
        auto& store = db.store();
        CHECK(db.open_reader()->link_secret().empty());
        CHECK(store.ensure_link_secret("first") == "first");
        // A second replica starting later keeps the stored one.
        CHECK(store.ensure_link_secret("second") == "first");
        CHECK(db.open_reader()->link_secret() == "first");
        store.replace_link_secret("rotated");
        CHECK(db.open_reader()->link_secret() == "rotated");
        CHECK(store.ensure_link_secret("third") == "rotated");
        CHECK_THROWS(db.open_reader()->replace_link_secret("from a reader"));
    });
}
