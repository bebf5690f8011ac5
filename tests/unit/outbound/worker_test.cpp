#include "adapters/outbound/worker.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using hindsight::outbound::Worker;

TEST_CASE("Worker runs jobs in order on its own thread, and its destructor drains the queue") {
    std::mutex mutex;
    std::vector<int> order;
    std::vector<std::thread::id> threads;
    {
        Worker worker("test");
        for (int i = 0; i < 200; ++i) {
            worker.post([&, i] {
                std::lock_guard lock(mutex);
                order.push_back(i);
                threads.push_back(std::this_thread::get_id());
            });
        }
    }  // every posted job has run when the destructor returns
    REQUIRE(order.size() == 200);
    for (int i = 0; i < 200; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
    for (const auto& id : threads) {
        CHECK(id != std::this_thread::get_id());
        CHECK(id == threads.front());
    }
}

TEST_CASE("Worker: a job that throws does not stop the ones after it") {
    std::vector<int> ran;
    {
        Worker worker("test");
        worker.post([&] { ran.push_back(1); });
        worker.post([] { throw std::runtime_error("boom"); });
        worker.post([] { throw 42; });
        worker.post([&] { ran.push_back(2); });
    }
    CHECK(ran == std::vector<int>{1, 2});
}
