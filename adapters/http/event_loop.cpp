#include "adapters/http/event_loop.hpp"

#include "adapters/http/event_loop_impl.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>
#include <thread>
#include <vector>

namespace hindsight::http {

namespace asio = boost::asio;

// One repeating timer. Its strand serialises the timer (not thread-safe) between
// the handler that re-arms it and cancel() called from any thread.
struct EventLoop::Impl::Repeater : std::enable_shared_from_this<Repeater> {
    Repeater(asio::io_context& ioc, std::chrono::milliseconds every, std::function<void()> f)
        : strand(asio::make_strand(ioc)), timer(strand), interval(every), fn(std::move(f)) {}

    void arm() {
        timer.expires_after(interval);
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->cancelled) return;
            try {
                self->fn();
            } catch (const std::exception& e) {
                spdlog::error("scheduled task: {}", e.what());
            } catch (...) {
                spdlog::error("scheduled task: unknown exception");
            }
            if (!self->cancelled) self->arm();
        });
    }

    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    std::chrono::milliseconds interval;
    std::function<void()> fn;
    std::atomic<bool> cancelled{false};
};

EventLoop::Impl::Impl(int thread_count)
    : threads(thread_count > 0 ? thread_count : static_cast<int>(std::thread::hardware_concurrency())),
      ioc(threads > 0 ? threads : 1),
      work(asio::make_work_guard(ioc)) {
    if (threads <= 0) threads = 1;  // hardware_concurrency() may not know
}

EventLoop::EventLoop(int threads) : impl_(std::make_unique<Impl>(threads)) {}

EventLoop::~EventLoop() {
    stop();
    std::lock_guard lock(impl_->mutex);
    impl_->signals.reset();
    impl_->repeaters.clear();
    impl_->reload_signals.reset();
}

EventLoop::Impl& EventLoop::impl() { return *impl_; }

int EventLoop::threads() const { return impl_->threads; }

void EventLoop::run() {
    auto run_thread = [this] {
        // A handler that throws must not take a pool thread (and with it the
        // service) down: log it at the edge and keep running.
        for (;;) {
            try {
                impl_->ioc.run();
                return;
            } catch (const std::exception& e) {
                spdlog::error("event loop: uncaught exception: {}", e.what());
            } catch (...) {
                spdlog::error("event loop: uncaught exception");
            }
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(impl_->threads - 1));
    for (int i = 1; i < impl_->threads; ++i) pool.emplace_back(run_thread);
    run_thread();
    for (auto& t : pool) t.join();
}

void EventLoop::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        for (auto& [id, repeater] : impl_->repeaters) repeater->cancelled = true;
        impl_->work.reset();
    }
    impl_->ioc.stop();
}

void EventLoop::post(std::function<void()> fn) { asio::post(impl_->ioc, std::move(fn)); }

std::uint64_t EventLoop::every(std::chrono::milliseconds interval, std::function<void()> fn) {
    auto repeater = std::make_shared<Impl::Repeater>(impl_->ioc, interval, std::move(fn));
    std::uint64_t id;
    {
        std::lock_guard lock(impl_->mutex);
        id = impl_->next_id++;
        impl_->repeaters.emplace(id, repeater);
    }
    asio::post(repeater->strand, [repeater] { repeater->arm(); });
    return id;
}

void EventLoop::cancel(std::uint64_t id) {
    std::shared_ptr<Impl::Repeater> repeater;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->repeaters.find(id);
        if (it == impl_->repeaters.end()) return;
        repeater = std::move(it->second);
        impl_->repeaters.erase(it);
    }
    repeater->cancelled = true;
    asio::post(repeater->strand, [repeater] { repeater->timer.cancel(); });
}

void EventLoop::on_shutdown_signal(std::function<void(int signo)> fn) {
    std::lock_guard lock(impl_->mutex);
    impl_->signal_handlers.push_back(std::move(fn));
    if (impl_->signals) return;
    // One wait for all handlers: a signal completes only one pending wait.
    impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
    impl_->signals->async_wait([impl = impl_.get()](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        std::vector<std::function<void(int)>> handlers;
        {
            std::lock_guard lock(impl->mutex);
            handlers.swap(impl->signal_handlers);
        }
        for (auto& handler : handlers) handler(signo);
    });
}

void EventLoop::on_reload_signal(std::function<void()> fn) {
    std::lock_guard lock(impl_->mutex);
    impl_->reload_handler = std::move(fn);
    if (impl_->reload_signals) return;
    impl_->reload_signals.emplace(impl_->ioc, SIGHUP);
    impl_->wait_for_reload();
}

// Called with `mutex` held.
void EventLoop::Impl::wait_for_reload() {
    reload_signals->async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) return;
        std::function<void()> handler;
        {
            std::lock_guard lock(mutex);
            handler = reload_handler;
            if (reload_signals) wait_for_reload();
        }
        try {
            if (handler) handler();
        } catch (const std::exception& e) {
            spdlog::error("SIGHUP: {}", e.what());
        }
    });
}

}  // namespace hindsight::http
