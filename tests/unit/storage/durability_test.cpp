#include "backends.hpp"
#include "fixtures.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;
using hindsight::test::TempDir;

TEST_CASE("reopening keeps everything written before close") {
    for_each_store([&](const Store& store) {
        std::int64_t id = 0;
        {
            auto db = store.open();
            db->writes().run([&] {
                id = db->store().create_incident(incident());
                db->store().insert_message(message(id, "1", kT0 + 1s));
                db->store().add_key_event({0, id, kT0 + 2s, "U1", "alice", "paged"});
                db->store().set_why({id, 1, "no alert", "U1", kT0 + 3s});
                db->store().add_factor(id, "missing-alert");
                db->store().add_action(action(id, kT0 + 24h));
                db->store().remember_user(channel(), "U1", "alice");
                db->store().remember_delivery("Ev1", kT0);
            });
        }
        auto db = store.open();
        auto reader = db->open_reader();
        REQUIRE(reader->latest_incident(channel()));
        CHECK(reader->latest_incident(channel())->id == id);
        CHECK(reader->messages(id).size() == 1);
        CHECK(reader->key_events(id).size() == 1);
        CHECK(reader->whys(id).size() == 1);
        CHECK(reader->factors(id) == std::vector<std::string>{"missing-alert"});
        CHECK(reader->actions(id).size() == 1);
        CHECK(reader->user_name(channel(), "U1") == "alice");
        CHECK_FALSE(db->store().remember_delivery("Ev1", kT0 + 1s));
    });
}

// "Acknowledged means stored": a child process writes through the queue, and
// as soon as its write is acknowledged it is killed with SIGKILL — no
// destructors, no checkpoint, no clean close. The parent finds the data.
TEST_CASE("an acknowledged write survives kill -9 of the process") {
    for_each_store([&](const Store& store) {
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            try {
                auto db = store.open();
                db->writes().run([&] {
                    const auto id = db->store().create_incident(incident());
                    for (int i = 0; i < 100; ++i)
                        db->store().insert_message(message(id, std::to_string(i), kT0 + std::chrono::seconds(i)));
                });
                // Acked: die at once, without any cleanup.
                ::kill(::getpid(), SIGKILL);
            } catch (...) {
            }
            ::_exit(3);
        }

        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGKILL);

        auto db = store.open();
        auto reader = db->open_reader();
        const auto found = reader->latest_incident(channel());
        REQUIRE(found);
        CHECK(found->title == "API down");
        CHECK(reader->count_messages(found->id) == 100);
    });
}
