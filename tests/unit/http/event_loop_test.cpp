#include "adapters/http/event_loop.hpp"

#include "tests/unit/http/raw_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <csignal>
#include <thread>

using namespace hindsight::http;
using namespace std::chrono_literals;
using hindsight::http::test::Signal;

namespace {
// Runs a loop on a background thread for the duration of a test.
struct Running {
    explicit Running(int threads) : loop(threads), thread([this] { loop.run(); }) {}
    ~Running() {
        loop.stop();
        thread.join();
    }
    EventLoop loop;
    std::thread thread;
};
}  // namespace

TEST_CASE("event loop: post runs the function on a pool thread, not the caller's") {
    Running running(2);
    Signal ran;
    std::atomic<bool> other_thread{false};
    auto caller = std::this_thread::get_id();
    running.loop.post([&] { ran.notify([&] { other_thread = std::this_thread::get_id() != caller; }); });
    REQUIRE(ran.wait_for_count(1));
    CHECK(other_thread);
}

TEST_CASE("event loop: 0 threads means the hardware's") {
    EventLoop loop(0);
    CHECK(loop.threads() >= 1);
    EventLoop three(3);
    CHECK(three.threads() == 3);
}

TEST_CASE("event loop: run() uses every thread of the pool") {
    Running running(3);
    // Three tasks that each wait for all three to be running at once can only
    // finish if three threads run them.
    std::mutex mutex;
    std::condition_variable cv;
    int inside = 0;
    Signal finished;
    for (int i = 0; i < 3; ++i)
        running.loop.post([&] {
            std::unique_lock lock(mutex);
            ++inside;
            cv.notify_all();
            bool all = cv.wait_for(lock, 5s, [&] { return inside == 3; });
            lock.unlock();
            if (all) finished.notify();
        });
    CHECK(finished.wait_for_count(3));
}

TEST_CASE("event loop: every() fires repeatedly and cancel() stops it") {
    Running running(2);
    Signal fired;
    auto id = running.loop.every(10ms, [&] { fired.notify(); });
    REQUIRE(fired.wait_for_count(3));
    running.loop.cancel(id);
    int at_cancel = fired.count();

    // A second repeater at the same interval proves time went on; the
    // cancelled one may at most finish a call that was already running.
    Signal witness;
    auto other = running.loop.every(10ms, [&] { witness.notify(); });
    REQUIRE(witness.wait_for_count(5));
    running.loop.cancel(other);
    CHECK(fired.count() <= at_cancel + 1);
}

TEST_CASE("event loop: a throwing scheduled task keeps being scheduled") {
    Running running(1);
    Signal fired;
    auto id = running.loop.every(5ms, [&] {
        fired.notify();
        throw std::runtime_error("task failed");
    });
    CHECK(fired.wait_for_count(3));
    running.loop.cancel(id);
}

TEST_CASE("event loop: stop() before run() makes run() return at once") {
    EventLoop loop(2);
    loop.stop();
    Signal returned;
    std::thread runner([&] {
        loop.run();
        returned.notify();
    });
    CHECK(returned.wait_for_count(1, 2s));
    loop.stop();  // lets a broken run() return so the test fails instead of hanging
    runner.join();
}

TEST_CASE("event loop: run() returns after stop() from a handler") {
    EventLoop loop(2);
    std::atomic<bool> ran{false};
    loop.post([&] {
        ran = true;
        loop.stop();
    });
    loop.run();
    CHECK(ran);
}

TEST_CASE("event loop: SIGTERM calls the shutdown handlers on the loop with the signal number") {
    Running running(1);
    Signal got;
    std::atomic<int> signo{0};
    std::atomic<bool> on_loop{false};
    auto caller = std::this_thread::get_id();
    running.loop.on_shutdown_signal([&](int s) {
        got.notify([&] {
            signo = s;
            on_loop = std::this_thread::get_id() != caller;
        });
    });
    Signal second;
    running.loop.on_shutdown_signal([&](int) { second.notify(); });
    // The handler is installed when on_shutdown_signal returns; raising now
    // cannot kill the test process.
    std::raise(SIGTERM);
    REQUIRE(got.wait_for_count(1));
    CHECK(signo == SIGTERM);
    CHECK(on_loop);
    CHECK(second.wait_for_count(1));  // every registered handler hears the one signal
}

TEST_CASE("event loop: every SIGHUP calls the reload handler on the loop, and the process lives on") {
    Running running(1);
    Signal got;
    std::atomic<bool> on_loop{false};
    auto caller = std::this_thread::get_id();
    running.loop.on_reload_signal([&] { got.notify([&] { on_loop = std::this_thread::get_id() != caller; }); });
    std::raise(SIGHUP);  // the default action would end the test process
    REQUIRE(got.wait_for_count(1));
    CHECK(on_loop);
    std::raise(SIGHUP);
    CHECK(got.wait_for_count(2));  // waited for again after each signal

    Signal replaced;
    running.loop.on_reload_signal([&] { replaced.notify(); });
    std::raise(SIGHUP);
    CHECK(replaced.wait_for_count(1));
    CHECK(got.count() == 2);
}

TEST_CASE("event loop: a throwing reload handler is logged and SIGHUP keeps working") {
    Running running(1);
    Signal got;
    running.loop.on_reload_signal([&] {
        got.notify();
        throw std::runtime_error("reload broke");
    });
    std::raise(SIGHUP);
    REQUIRE(got.wait_for_count(1));
    std::raise(SIGHUP);
    CHECK(got.wait_for_count(2));
}
