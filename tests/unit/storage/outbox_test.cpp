#include "backends.hpp"
#include "fixtures.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <vector>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;
using hindsight::test::TempDir;

namespace {

OutboundMessage reminder_dm() {
    OutboundMessage m;
    m.platform = Platform::mattermost;
    m.team = "T1";
    m.to_user = "U3";
    m.text = "A-12 is 2 days overdue";
    m.buttons = {{"Done", "done", "A-12"}, {"Snooze 1 day", "snooze", "A-12"}};
    return m;
}

OutboundMessage channel_post(const std::string& text) {
    OutboundMessage m;
    m.platform = Platform::slack;
    m.team = "T1";
    m.channel = "C1";
    m.thread = "1700.000100";
    m.text = text;
    m.response_url = "https://hooks.slack.com/commands/T1/1/abc";
    m.ephemeral = true;
    return m;
}

}  // namespace

TEST_CASE("outbox: enqueued messages come back due, in id order, with every field and their buttons") {
    for_each_backend([&](Database& db, const std::string& backend) {
    auto& outbox = db.outbox();

    const auto first = outbox.enqueue(channel_post("opened"), kT0);
    const auto second = outbox.enqueue(reminder_dm(), kT0 + 1s);
    const auto later = outbox.enqueue(channel_post("later"), kT0 + 1h);
    CHECK(second > first);
    CHECK(outbox.pending_count() == 3);

    const auto due = outbox.due_messages(kT0 + 1s, 10);
    REQUIRE(due.size() == 2);
    CHECK(due[0].id == first);
    CHECK(due[0].attempts == 0);
    CHECK(due[0].next_attempt_at == kT0);
    const auto& post = due[0].message;
    CHECK(post.platform == Platform::slack);
    CHECK(post.team == "T1");
    CHECK(post.channel == "C1");
    CHECK(post.thread == "1700.000100");
    CHECK(post.text == "opened");
    CHECK(post.response_url == "https://hooks.slack.com/commands/T1/1/abc");
    CHECK(post.ephemeral);
    CHECK(post.buttons.empty());

    CHECK(due[1].id == second);
    const auto& dm = due[1].message;
    CHECK(dm.platform == Platform::mattermost);
    CHECK(dm.to_user == "U3");
    CHECK(dm.channel.empty());
    CHECK_FALSE(dm.ephemeral);
    REQUIRE(dm.buttons.size() == 2);
    CHECK(dm.buttons[0].label == "Done");
    CHECK(dm.buttons[0].action == "done");
    CHECK(dm.buttons[0].value == "A-12");
    CHECK(dm.buttons[1].label == "Snooze 1 day");
    CHECK(dm.buttons[1].action == "snooze");

    CHECK(outbox.due_messages(kT0 + 1h, 1).size() == 1);
    if (backend == "sqlite") {
        CHECK(outbox.due_messages(kT0 + 1h, 10).back().id == later);
    } else {
        // Shared by replicas: only the oldest pending message of each
        // conversation is claimed ("later" waits behind "opened" in C1).
        CHECK(outbox.due_messages(kT0 + 1h, 10).back().id == second);
        outbox.mark_delivered(first, kT0 + 1h);
        CHECK(outbox.due_messages(kT0 + 1h, 10).front().id == second);
        CHECK(outbox.due_messages(kT0 + 1h, 10).back().id == later);
    }
    });
}

TEST_CASE("outbox: delivered leaves the queue, retry counts attempts and waits, dead is kept and counted") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& outbox = db.outbox();
    const auto delivered = outbox.enqueue(channel_post("a"), kT0);
    const auto retried = outbox.enqueue(channel_post("b"), kT0);
    const auto dead = outbox.enqueue(reminder_dm(), kT0);

    outbox.mark_delivered(delivered, kT0 + 1s);
    outbox.mark_retry(retried, kT0 + 30s, "HTTP 503");
    outbox.mark_retry(dead, kT0 + 1s, "HTTP 500");
    outbox.mark_dead(dead, "channel_not_found");

    CHECK(outbox.pending_count() == 1);
    CHECK(outbox.dead_count() == 1);
    CHECK(outbox.due_messages(kT0 + 29s, 10).empty());
    auto due = outbox.due_messages(kT0 + 30s, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id == retried);
    CHECK(due[0].attempts == 1);
    CHECK(due[0].next_attempt_at == kT0 + 30s);

    outbox.mark_retry(retried, kT0 + 90s, "HTTP 429");
    due = outbox.due_messages(kT0 + 90s, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].attempts == 2);

    // A late mark never revives a message that already left the queue.
    outbox.mark_retry(delivered, kT0, "late");
    outbox.mark_retry(dead, kT0, "late");
    CHECK(outbox.pending_count() == 1);
    CHECK(outbox.dead_count() == 1);
    CHECK(outbox.due_messages(kT0 + 1h, 10).size() == 1);
    });
}

TEST_CASE("outbox: pending messages survive a restart") {
    for_each_store([&](const Store& store) {
        std::int64_t id = 0;
        {
            auto db = store.open();
            id = db->outbox().enqueue(reminder_dm(), kT0);
            db->outbox().mark_retry(id, kT0 + 1min, "connection refused");
        }
        auto db = store.open();
        const auto due = db->outbox().due_messages(kT0 + 1min, 10);
        REQUIRE(due.size() == 1);
        CHECK(due[0].id == id);
        CHECK(due[0].attempts == 1);
        CHECK(due[0].message.buttons.size() == 2);
    });
}

TEST_CASE("outbox: enqueue inside a failing write is rolled back with it") {
    for_each_backend([&](Database& db, const std::string&) {
    CHECK_THROWS_AS(db.writes().run([&] {
        db.outbox().enqueue(channel_post("announce"), kT0);
        throw std::runtime_error("the change that caused it failed");
    }),
                    std::runtime_error);
    CHECK(db.outbox().pending_count() == 0);
    });
}

TEST_CASE("outbox: buttons with quotes, backslashes, control characters and UTF-8 come back exactly") {
    for_each_backend([&](Database& db, const std::string&) {
    auto& outbox = db.outbox();
    auto m = reminder_dm();
    m.buttons = {{"Say \"done\"", "done", "A-1\\2"},
                 {"Später ⏰", "snooze", "line\nbreak\ttab\x01"},
                 {"", "", ""}};
    outbox.enqueue(m, kT0);

    const auto due = outbox.due_messages(kT0, 10);
    REQUIRE(due.size() == 1);
    const auto& back = due[0].message.buttons;
    REQUIRE(back.size() == 3);
    for (std::size_t i = 0; i < back.size(); ++i) {
        CHECK(back[i].label == m.buttons[i].label);
        CHECK(back[i].action == m.buttons[i].action);
        CHECK(back[i].value == m.buttons[i].value);
    }
    });
}

TEST_CASE("outbox: forgetting deletes delivered rows from before the cut-off, oldest first, never pending or dead ones") {
    for_each_store([&](const Store& store) {
    auto db_owner = store.open();
    auto& db = *db_owner;
    auto& outbox = db.outbox();
    const auto row_ids = [&] { return store.column("SELECT id FROM outbox ORDER BY id"); };
    const auto old1 = outbox.enqueue(channel_post("old 1"), kT0);
    const auto old2 = outbox.enqueue(channel_post("old 2"), kT0);
    const auto recent = outbox.enqueue(channel_post("recent"), kT0);
    const auto pending = outbox.enqueue(channel_post("still pending"), kT0);
    const auto dead = outbox.enqueue(reminder_dm(), kT0);
    outbox.mark_delivered(old1, kT0 + 1s);
    outbox.mark_delivered(old2, kT0 + 2s);
    outbox.mark_delivered(recent, kT0 + 10s);
    outbox.mark_dead(dead, "channel_not_found");

    CHECK(outbox.forget_delivered(kT0 + 10s, 1) == 1);
    CHECK(row_ids() == std::vector<std::int64_t>{old2, recent, pending, dead});
    // Delivered exactly at the cut-off is not before it.
    CHECK(outbox.forget_delivered(kT0 + 10s, 10) == 1);
    CHECK(row_ids() == std::vector<std::int64_t>{recent, pending, dead});
    CHECK(outbox.forget_delivered(kT0 + 24h, 10) == 1);
    CHECK(row_ids() == std::vector<std::int64_t>{pending, dead});
    CHECK(outbox.forget_delivered(kT0 + 24h, 10) == 0);
    CHECK(outbox.pending_count() == 1);
    CHECK(outbox.dead_count() == 1);
    });
}

TEST_CASE("outbox: a delivered row keeps the platform's id of its post, and later rows refer to it by row id") {
    for_each_backend([&](Database& db, const std::string&) {
        std::int64_t draft = 0, update = 0;
        db.writes().run([&] {
            auto& outbox = db.outbox();
            draft = outbox.enqueue(channel_post("draft"), kT0);
            auto edit = channel_post("draft v2");
            edit.edit_of = draft;
            edit.reply_to = draft;
            update = outbox.enqueue(edit, kT0);
            CHECK(outbox.posted_id(draft) == std::nullopt);  // still pending
            CHECK(outbox.posted_id(update + 1000) == std::optional<std::string>(""));  // no such row
        });
        db.writes().run([&] {
            auto& outbox = db.outbox();
            auto due = outbox.due_messages(kT0, 10);
            REQUIRE_FALSE(due.empty());
            CHECK(due[0].message.edit_of == 0);
            outbox.mark_delivered(draft, kT0 + 1s, "1700100000.000001");
            CHECK(outbox.posted_id(draft) == std::optional<std::string>("1700100000.000001"));
        });
        db.writes().run([&] {
            auto& outbox = db.outbox();
            auto due = outbox.due_messages(kT0 + 1min, 10);
            REQUIRE(due.size() == 1);
            CHECK(due[0].id == update);
            CHECK(due[0].message.edit_of == draft);
            CHECK(due[0].message.reply_to == draft);
            outbox.mark_dead(update, "gone");
            CHECK(outbox.posted_id(update) == std::optional<std::string>(""));
        });
    });
}
