// The service's one io_context and its thread pool, plus the timers and
// signal handling built on it. No Boost here: adapters that need the
// io_context include event_loop_impl.hpp in their .cpp files.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace hindsight::http {

class EventLoop {
public:
    explicit EventLoop(int threads);  // 0: std::thread::hardware_concurrency()
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Runs the pool on the calling thread plus threads-1 others; returns once
    // stop() was called and every pool thread has finished. If stop() came
    // first, returns at once.
    void run();
    // Thread-safe; pending handlers are not run after it.
    void stop();
    // Runs fn on a pool thread. Thread-safe.
    void post(std::function<void()> fn);

    // Calls fn every `interval` (measured from the end of the previous call)
    // until cancel(id) or stop(). Thread-safe.
    std::uint64_t every(std::chrono::milliseconds interval, std::function<void()> fn);
    // After cancel returns, fn is not started again (a call already running finishes).
    void cancel(std::uint64_t id);

    // Calls fn once, on the loop, at the first SIGINT or SIGTERM (every fn
    // registered so far, in order).
    void on_shutdown_signal(std::function<void(int signo)> fn);
    // Calls fn on the loop at every SIGHUP from now on (the last fn
    // registered); SIGHUP no longer terminates the process.
    void on_reload_signal(std::function<void()> fn);

    int threads() const;

    struct Impl;
    Impl& impl();

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::http
