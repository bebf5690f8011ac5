// Two delivery workers, each on its own replica's Database, one PostgreSQL
// outbox: every message goes out exactly once, each channel's in order.
#include "adapters/outbound/delivery.hpp"
#include "storage/database.hpp"
#include "tests/support/postgres_server.hpp"

#include <doctest/doctest.h>

#include <future>
#include <map>
#include <mutex>

using namespace hindsight;
using namespace std::chrono_literals;

namespace {

// Records every send, across both replicas, in one sequence.
struct Wire {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> sent;  // (channel, text)
};

class WireSender final : public ChatSender {
public:
    explicit WireSender(Wire& wire) : wire_(wire) {}
    SendResult send(const OutboundMessage& m) override {
        std::lock_guard lock(wire_.mutex);
        wire_.sent.emplace_back(m.channel, m.text);
        return {};
    }

private:
    Wire& wire_;
};

}  // namespace

TEST_CASE("postgres delivery: two replicas racing on one outbox deliver each message once, in channel order") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(from_micros(1'772'366'400'000'000LL));
    auto open = [&](const std::string& name) {
        storage::Database::PostgresOptions o;
        o.url = *url;
        o.replica = name;
        return std::make_unique<storage::Database>(o, clock);
    };
    auto a = open("a");
    auto b = open("b");
    constexpr int kChannels = 4, kPerChannel = 15;
    a->writes().run([&] {
        for (int i = 0; i < kPerChannel; ++i)
            for (int c = 0; c < kChannels; ++c) {
                OutboundMessage m;
                m.platform = Platform::slack;
                m.team = "T1";
                m.channel = "C" + std::to_string(c);
                m.text = std::to_string(i);
                a->outbox().enqueue(m, clock.now());
            }
    });

    Wire wire;
    WireSender sender_a(wire), sender_b(wire);
    outbound::Delivery::Options options;
    options.batch = 3;  // small passes: the replicas interleave
    outbound::Delivery delivery_a(a->writes(), a->outbox(), clock, options);
    outbound::Delivery delivery_b(b->writes(), b->outbox(), clock, options);
    delivery_a.add_sender(Platform::slack, sender_a);
    delivery_b.add_sender(Platform::slack, sender_b);

    auto drain = [](outbound::Delivery& d, storage::Database& db) {
        std::size_t total = 0;
        for (int pass = 0; pass < 500; ++pass) {
            total += d.deliver_due();
            std::int64_t pending = 0;
            db.writes().run([&] { pending = db.outbox().pending_count(); });
            if (pending == 0) break;
        }
        return total;
    };
    auto from_a = std::async(std::launch::async, drain, std::ref(delivery_a), std::ref(*a));
    auto from_b = std::async(std::launch::async, drain, std::ref(delivery_b), std::ref(*b));
    REQUIRE(from_a.wait_for(60s) == std::future_status::ready);
    REQUIRE(from_b.wait_for(60s) == std::future_status::ready);
    const auto total = from_a.get() + from_b.get();

    CHECK(total == kChannels * kPerChannel);
    REQUIRE(wire.sent.size() == static_cast<std::size_t>(kChannels * kPerChannel));
    std::map<std::string, int> next;
    for (const auto& [channel, text] : wire.sent) {
        CAPTURE(channel);
        CHECK(text == std::to_string(next[channel]));
        ++next[channel];
    }
    CHECK(a->pool_stats().outbox_claims + b->pool_stats().outbox_claims == kChannels * kPerChannel);
}

namespace {

// Each send takes `takes` of the (manual) clock's time, and is recorded.
class SlowSender final : public ChatSender {
public:
    SlowSender(ManualClock& clock, Duration takes) : clock_(clock), takes_(takes) {}
    SendResult send(const OutboundMessage& m) override {
        clock_.advance(takes_);
        sent.push_back(m.channel);
        return {};
    }
    std::vector<std::string> sent;

private:
    ManualClock& clock_;
    Duration takes_;
};

}  // namespace

TEST_CASE("postgres delivery: a send is started only while its lease covers send_deadline, the row is claimed again later") {
    auto url = test::postgres_database();
    if (!url) return;
    ManualClock clock(from_micros(1'772'366'400'000'000LL));
    storage::Database::PostgresOptions o;
    o.url = *url;
    o.replica = "a";
    o.lease = 30s;
    storage::Database db(o, clock);
    db.writes().run([&] {
        for (const char* channel : {"C1", "C2", "C3"}) {
            OutboundMessage m;
            m.platform = Platform::slack;
            m.channel = channel;
            m.text = "status";
            db.outbox().enqueue(m, clock.now());
        }
    });
    // Each send takes 8 s of a 30 s lease and may take up to 20 s: after
    // the first send 22 s are left (enough), after the second 14 s (not).
    SlowSender sender(clock, 8s);
    outbound::Delivery::Options options;
    options.send_deadline = 20s;
    outbound::Delivery delivery(db.writes(), db.outbox(), clock, options);
    delivery.add_sender(Platform::slack, sender);

    CHECK(delivery.deliver_due() == 2);
    CHECK(sender.sent == std::vector<std::string>{"C1", "C2"});
    CHECK(db.pool_stats().outbox_claims == 3);
    // The next pass claims C3 again with a fresh lease and sends it.
    CHECK(delivery.deliver_due() == 1);
    CHECK(sender.sent == std::vector<std::string>{"C1", "C2", "C3"});
    CHECK(db.pool_stats().outbox_claims == 4);
    CHECK(db.pool_stats().outbox_claims_lost == 0);
}
