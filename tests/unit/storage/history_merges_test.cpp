// The history merges a close owes (adapters/chat/flow.hpp), on both backends:
// recorded, claimed with a lease, retried, finished once; a restart of a
// SQLite store takes over what the previous run had claimed.
#include "backends.hpp"
#include "fixtures.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::storage_test;
using hindsight::storage::Database;

namespace {

constexpr Duration kLease = std::chrono::minutes{5};

std::vector<std::int64_t> ids(const std::vector<HistoryMerge>& merges) {
    std::vector<std::int64_t> out;
    for (const auto& m : merges) out.push_back(m.incident_id);
    return out;
}

}  // namespace

TEST_CASE("history merges: recorded claimed, free once the lease ran out, by platform, oldest due first") {
    for_each_backend([&](Database& db, const std::string&) {
        auto& store = db.store();
        const auto slack = store.create_incident(incident(channel("C1")));
        const auto older = store.create_incident(incident(channel("C2")));
        const auto mattermost = store.create_incident(incident(channel("C3", "T1", Platform::mattermost)));
        // The close's own merge: claimed by this process for the lease.
        store.add_history_merge({slack, 41, 0, kT0, ""}, kT0 + kLease);
        store.add_history_merge({older, 42, 0, kT0 - 1min, ""}, kT0 - 1s);  // its lease is over
        store.add_history_merge({mattermost, 43, 0, kT0, ""}, kT0 - 1s);

        const auto all = store.history_merges();
        REQUIRE(all.size() == 3);
        CHECK(all[0].incident_id == slack);
        CHECK(all[0].draft_row == 41);
        CHECK(all[0].attempts == 0);
        CHECK(all[0].next_attempt_at == kT0);

        // Only the Slack merge whose lease is over; the claimed one is not due to anyone else.
        auto claimed = store.claim_history_merges(Platform::slack, kT0, kLease, 10);
        CHECK(ids(claimed) == std::vector<std::int64_t>{older});
        CHECK(claimed.at(0).draft_row == 42);
        // Claimed now: a second scan gets nothing.
        CHECK(store.claim_history_merges(Platform::slack, kT0 + 1s, kLease, 10).empty());
        CHECK(ids(store.claim_history_merges(Platform::mattermost, kT0, kLease, 10)) ==
              std::vector<std::int64_t>{mattermost});
        // Once the leases have run out, both are free again, oldest due first, limited.
        auto later = store.claim_history_merges(Platform::slack, kT0 + kLease + 1s, kLease, 1);
        CHECK(ids(later) == std::vector<std::int64_t>{older});
        later = store.claim_history_merges(Platform::slack, kT0 + kLease + 1s, kLease, 10);
        CHECK(ids(later) == std::vector<std::int64_t>{slack});
    });
}

TEST_CASE("history merges: a failed read counts, releases the claim and waits, and finishing is once") {
    for_each_backend([&](Database& db, const std::string&) {
        auto& store = db.store();
        const auto id = store.create_incident(incident());
        store.add_history_merge({id, 7, 0, kT0, ""}, kT0 + kLease);

        store.retry_history_merge(id, kT0 + 30s, "conversations.history: HTTP 503");
        auto all = store.history_merges();
        REQUIRE(all.size() == 1);
        CHECK(all[0].attempts == 1);
        CHECK(all[0].next_attempt_at == kT0 + 30s);
        CHECK(all[0].last_error == "conversations.history: HTTP 503");
        // Not before its time, then at once (the claim was released).
        CHECK(store.claim_history_merges(Platform::slack, kT0 + 29s, kLease, 10).empty());
        auto due = store.claim_history_merges(Platform::slack, kT0 + 30s, kLease, 10);
        REQUIRE(due.size() == 1);
        CHECK(due[0].attempts == 1);
        CHECK(due[0].last_error == "conversations.history: HTTP 503");

        CHECK(store.finish_history_merge(id));
        CHECK_FALSE(store.finish_history_merge(id));  // a second finisher merges nothing
        CHECK(store.history_merges().empty());
        // A new close of the same incident owes a new merge (replacing any left).
        store.add_history_merge({id, 8, 0, kT0, ""}, kT0);
        store.add_history_merge({id, 9, 0, kT0, ""}, kT0);
        all = store.history_merges();
        REQUIRE(all.size() == 1);
        CHECK(all[0].draft_row == 9);
    });
}

TEST_CASE("history merges: what a closed transaction owed survives a reopen: a restarted SQLite store takes over "
          "its predecessor's claims, a PostgreSQL replica waits for the lease") {
    for_each_store([&](const Store& where) {
        std::int64_t id = 0;
        {
            auto db = where.open();
            db->writes().run([&] {
                id = db->store().create_incident(incident());
                db->store().add_history_merge({id, 5, 0, kT0, ""}, kT0 + kLease);
            });
        }  // the process "stops" with the merge claimed and not done
        auto db = where.open();
        std::vector<HistoryMerge> claimed;
        db->writes().run([&] { claimed = db->store().claim_history_merges(Platform::slack, kT0 + 1s, kLease, 10); });
        if (where.backend == "sqlite") {
            // One process serves a SQLite database: the claim was a previous run's.
            REQUIRE(claimed.size() == 1);
            CHECK(claimed[0].incident_id == id);
            CHECK(claimed[0].draft_row == 5);
        } else {
            // Another replica's claim, as far as this one can tell: free once its lease is over.
            CHECK(claimed.empty());
            db->writes().run(
                [&] { claimed = db->store().claim_history_merges(Platform::slack, kT0 + kLease, kLease, 10); });
            CHECK(ids(claimed) == std::vector<std::int64_t>{id});
        }
        CHECK(where.scalar("SELECT count(*) FROM history_merges") == 1);
    });
}

TEST_CASE("history merges: a reader cannot claim or finish one") {
    for_each_backend([&](Database& db, const std::string&) {
        const auto id = db.store().create_incident(incident());
        db.store().add_history_merge({id, 5, 0, kT0, ""}, kT0);
        auto reader = db.open_reader();
        CHECK(reader->history_merges().size() == 1);
        CHECK_THROWS(reader->finish_history_merge(id));
        CHECK_THROWS(reader->claim_history_merges(Platform::slack, kT0, kLease, 10));
    });
}
