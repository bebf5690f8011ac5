// Internal: what other adapters' .cpp files need from the EventLoop (the
// io_context). Includes Asio; never include it from a public header.
#pragma once

#include "adapters/http/event_loop.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace hindsight::http {

struct EventLoop::Impl {
    explicit Impl(int thread_count);

    boost::asio::io_context& io_context() { return ioc; }

    int threads;
    boost::asio::io_context ioc;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;

    struct Repeater;
    std::mutex mutex;  // repeaters, next_id, signals, signal_handlers
    std::map<std::uint64_t, std::shared_ptr<Repeater>> repeaters;
    std::uint64_t next_id = 1;
    std::optional<boost::asio::signal_set> signals;
    std::vector<std::function<void(int)>> signal_handlers;  // called once, at the first signal
    std::optional<boost::asio::signal_set> reload_signals;   // SIGHUP, waited for again after each
    std::function<void()> reload_handler;
    void wait_for_reload();
};

}  // namespace hindsight::http
