#include "adapters/outbound/worker.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace hindsight::outbound {

struct Worker::Impl {
    std::string name;
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
    std::thread thread;

    void loop() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [&] { return stopping || !jobs.empty(); });
                if (jobs.empty()) return;  // stopping, and everything posted has run
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            try {
                job();
            } catch (const std::exception& e) {
                spdlog::error("worker {}: job failed: {}", name, e.what());
            } catch (...) {
                spdlog::error("worker {}: job failed with a non-standard exception", name);
            }
        }
    }
};

Worker::Worker(std::string name) : impl_(std::make_unique<Impl>()) {
    impl_->name = std::move(name);
    impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

Worker::~Worker() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    impl_->thread.join();
}

void Worker::post(std::function<void()> job) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->jobs.push_back(std::move(job));
    }
    impl_->wake.notify_one();
}

}  // namespace hindsight::outbound
