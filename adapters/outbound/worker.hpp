// A background thread that runs jobs one at a time, in the order they were
// posted — for slow work after an ack (history backfill, name look-ups),
// where a job may block on HTTP.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace hindsight::outbound {

class Worker {
public:
    explicit Worker(std::string name);
    // Finishes every job already posted, then joins the thread.
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // A job that throws is logged (with the worker's name) and skipped.
    void post(std::function<void()> job);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::outbound
