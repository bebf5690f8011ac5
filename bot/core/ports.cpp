#include "bot/core/ports.hpp"

#include <future>

namespace hindsight {

void WriteQueue::run(std::function<void()> work) {
    std::promise<void> finished;
    auto result = finished.get_future();
    submit(std::move(work), [&finished](std::exception_ptr error) {
        if (error)
            finished.set_exception(error);
        else
            finished.set_value();
    });
    result.get();
}

}  // namespace hindsight
