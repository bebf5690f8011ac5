// The one inbound flow (adapters/chat/flow.hpp) with the real SQLite database
// and Bot: live messages that arrive while the writer is busy are written in
// one store call, a batch that fails is written again message by message, and
// what arrives later is not written before them.
#include "adapters/chat/flow.hpp"
#include "adapters/chat/gather.hpp"
#include "storage/database.hpp"
#include "storage/forwarding_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <future>
#include <mutex>

using namespace hindsight;
using namespace hindsight::chat;
using namespace std::chrono_literals;

namespace {

const ChannelRef kChannel{Platform::slack, "T1", "C1"};
const Timestamp kT0{std::chrono::seconds{1700000000}};

// The database's write queue, with a gate: while held, what is submitted
// waits here (the writer is "busy"); release() passes it on in order and
// waits until all of it has committed and been answered.
class HeldQueue final : public WriteQueue {
public:
    explicit HeldQueue(WriteQueue& inner) : inner_(inner) {}

    void submit(std::function<void()> work, std::function<void(std::exception_ptr)> done) override {
        hold(Held{std::move(work), std::move(done), false});
    }
    void submit_repeatable(std::function<void()> work, std::function<void(std::exception_ptr)> done) override {
        hold(Held{std::move(work), std::move(done), true});
    }

    std::size_t held() {
        std::lock_guard lock(mutex_);
        return held_.size();
    }
    void release() {
        std::vector<Held> items;
        {
            std::lock_guard lock(mutex_);
            items.swap(held_);
        }
        for (auto& i : items) {
            if (i.repeatable)
                inner_.submit_repeatable(std::move(i.work), std::move(i.done));
            else
                inner_.submit(std::move(i.work), std::move(i.done));
        }
        inner_.run([] {});  // after every item above, done callbacks included
    }

private:
    struct Held {
        std::function<void()> work;
        std::function<void(std::exception_ptr)> done;
        bool repeatable;
    };
    void hold(Held h) {
        std::lock_guard lock(mutex_);
        held_.push_back(std::move(h));
    }
    WriteQueue& inner_;
    std::mutex mutex_;
    std::vector<Held> held_;
};

// The writer's store, counting the batch calls; a batch holding the message
// "poison" fails as a whole (as a statement that cannot store one row does).
class CountingStore final : public storage::ForwardingStore {
public:
    explicit CountingStore(IncidentStore& inner) : ForwardingStore(inner) {}
    std::vector<std::size_t> batches;
    std::vector<EventOutcome> record_messages(Timestamp at, const std::vector<LiveMessage>& batch) override {
        batches.push_back(batch.size());
        for (const auto& m : batch)
            if (m.message.message_id == "poison") throw std::runtime_error("cannot store this one");
        return ForwardingStore::record_messages(at, batch);
    }
};

struct Rig {
    hindsight::test::TempDir dir;
    storage::Database db{dir.file("hindsight.db")};
    ManualClock clock{kT0};
    CountingStore store{db.store()};
    Bot bot{store, db.outbox(), clock, BotSettings{}};
    HeldQueue queue{db.writes()};
    std::mutex mutex;
    std::vector<EventOutcome> outcomes;
    std::vector<std::pair<std::string, int>> answers;  // message id, HTTP status
    Flow flow{EndpointDeps{queue, bot, store, clock, nullptr,
                           [this](EventOutcome o) {
                               std::lock_guard lock(mutex);
                               outcomes.push_back(o);
                           },
                           {}},
              hooks()};
    std::int64_t incident_id = 0;

    Rig() {
        Incident i;
        i.where = kChannel;
        i.title = "API down";
        i.state = IncidentState::open;
        i.opened_at = kT0;
        db.writes().run([&] { incident_id = db.store().create_incident(i); });
    }

    static PlatformHooks hooks() {
        PlatformHooks h;
        h.name = "test";
        h.platform = Platform::slack;
        h.event_answer = [](bool ok) { return http::Response::empty(ok ? 200 : 500); };
        h.command_answer = [](const CommandReply&) { return http::Response::empty(200); };
        h.command_failed = [] { return http::Response::empty(500); };
        h.action_answer = [](const ButtonAction&, const CommandReply&) { return http::Response::empty(200); };
        h.action_failed = [] { return http::Response::empty(500); };
        return h;
    }

    void message(const std::string& id, const std::string& text) {
        ChatMessage m;
        m.where = kChannel;
        m.message_id = id;
        m.user_id = "U1";
        m.user_name = "alice";
        m.text = text;
        m.at = kT0 + 1s;
        m.origin = Origin::human;
        flow.event(m, "Ev-" + id, [this, id](http::Response r) {
            std::lock_guard lock(mutex);
            answers.emplace_back(id, r.status);
        });
    }

    std::vector<std::string> stored_ids() {
        std::vector<std::string> ids;
        for (const auto& m : db.open_reader()->messages(incident_id)) ids.push_back(m.message_id);
        return ids;
    }
    int status_of(const std::string& id) {
        std::lock_guard lock(mutex);
        for (const auto& [m, status] : answers)
            if (m == id) return status;
        return 0;
    }
};

}  // namespace

TEST_CASE("flow: live messages that arrive while the writer is busy are stored in one store call, each answered") {
    Rig rig;
    rig.message("1.1", "rolling back");
    rig.message("1.2", "error rate falling");
    rig.message("1.3", "looks good");
    // One write queued for the three: the later ones joined the first one's batch.
    CHECK(rig.queue.held() == 1);
    rig.queue.release();
    CHECK(rig.store.batches == std::vector<std::size_t>{3});
    CHECK(rig.stored_ids() == std::vector<std::string>{"1.1", "1.2", "1.3"});
    CHECK(rig.outcomes == std::vector<EventOutcome>(3, EventOutcome::stored));
    CHECK(rig.status_of("1.1") == 200);
    CHECK(rig.status_of("1.3") == 200);

    // Once that write has started, a newcomer starts a batch of its own.
    rig.message("1.4", "all clear");
    CHECK(rig.queue.held() == 1);
    rig.queue.release();
    CHECK(rig.store.batches == std::vector<std::size_t>{3, 1});
    CHECK(rig.stored_ids().size() == 4);
}

TEST_CASE("flow: a batch that fails is stored again message by message, and only the bad message fails") {
    Rig rig;
    rig.message("1.1", "rolling back");
    rig.message("poison", "this one cannot be stored");
    rig.message("1.3", "looks good");
    rig.queue.release();  // the batch of three fails, and three writes of one are queued
    CHECK(rig.store.batches == std::vector<std::size_t>{3});
    CHECK(rig.queue.held() == 3);
    rig.queue.release();
    CHECK(rig.store.batches == std::vector<std::size_t>{3, 1, 1, 1});
    CHECK(rig.stored_ids() == std::vector<std::string>{"1.1", "1.3"});
    CHECK(rig.status_of("1.1") == 200);
    CHECK(rig.status_of("poison") == 500);  // not stored: the platform retries it
    CHECK(rig.status_of("1.3") == 200);
    CHECK(rig.outcomes == std::vector<EventOutcome>(2, EventOutcome::stored));
}

TEST_CASE("flow: what the flow submits after a message is written after it, and later messages after that") {
    Rig rig;
    rig.message("1.1", "rolling back");
    MessageEdited edit;
    edit.where = kChannel;
    edit.message_id = "1.1";
    edit.new_text = "rolled back";
    edit.at = kT0 + 2s;
    std::promise<int> edited;
    rig.flow.event(edit, "Ev-edit", [&](http::Response r) { edited.set_value(r.status); });
    // Not joined to the first batch: written after the edit, which needs the message stored first.
    rig.message("1.2", "error rate falling");
    CHECK(rig.queue.held() == 3);
    rig.queue.release();
    CHECK(edited.get_future().get() == 200);
    CHECK(rig.store.batches == std::vector<std::size_t>{1, 1});
    const auto messages = rig.db.open_reader()->messages(rig.incident_id);
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].text == "rolled back");
    CHECK(rig.outcomes == std::vector<EventOutcome>(3, EventOutcome::stored));
}

TEST_CASE("gather: a batch is joined until its write takes it, is full, or is sealed") {
    Gather<int> gather(3);
    auto first = gather.add(1);
    REQUIRE(first);
    CHECK_FALSE(gather.add(2));
    CHECK_FALSE(gather.add(3));
    auto second = gather.add(4);  // full: a new batch
    REQUIRE(second);
    CHECK(gather.take(first) == std::vector<int>{1, 2, 3});
    CHECK_FALSE(gather.add(5));  // joins the second, still open
    CHECK(gather.take(second) == std::vector<int>{4, 5});
    CHECK(gather.take(second) == std::vector<int>{4, 5});  // idempotent
    auto third = gather.add(6);  // the second was taken
    REQUIRE(third);
    gather.seal();
    auto fourth = gather.add(7);
    REQUIRE(fourth);
    CHECK(gather.take(third) == std::vector<int>{6});
    CHECK(gather.take(fourth) == std::vector<int>{7});
}
