// Items that arrive while the database writer is busy, written together.
//
// The first item of a batch is the caller's cue to submit one write-queue
// item for the batch: add() returns the batch then. The items added after it
// join that batch until its write starts (take()), the batch is full, or
// seal() is called because something else was submitted that later items
// must not overtake. The write then stores the whole batch at once: under
// load, many events cost one statement, and when the writer is idle a batch
// is one event, written at once as before.
//
// Thread-safe; no Boost here.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace hindsight::chat {

template <class T>
class Gather {
public:
    using Batch = std::vector<T>;

    explicit Gather(std::size_t max_batch) : max_batch_(max_batch) {}

    // Adds `item`: returns its batch when `item` starts one (submit a write
    // for it), null when it joined a batch whose write is queued already.
    std::shared_ptr<Batch> add(T item) {
        std::lock_guard lock(mutex_);
        std::shared_ptr<Batch> started;
        if (!open_ || open_->size() >= max_batch_) {
            started = std::make_shared<Batch>();
            open_ = started;
        }
        open_->push_back(std::move(item));
        return started;
    }

    // Closes `batch` to newcomers and returns it: from then on only its
    // write and that write's completion touch it. Call it first thing in
    // both (the completion may run without the write, e.g. after the queue
    // stopped). Idempotent.
    Batch& take(const std::shared_ptr<Batch>& batch) {
        std::lock_guard lock(mutex_);
        if (open_ == batch) open_.reset();
        return *batch;
    }

    // Items added from now on start a new batch, written after whatever the
    // caller submits next.
    void seal() {
        std::lock_guard lock(mutex_);
        open_.reset();
    }

private:
    const std::size_t max_batch_;
    std::mutex mutex_;
    std::shared_ptr<Batch> open_;  // the batch newcomers join, or null
};

}  // namespace hindsight::chat
