// Prometheus text exposition (format 0.0.4) for the service: HTTP requests by
// route and status with a latency histogram, plus named counters and gauges
// other modules register. Thread-safe; no Boost.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace hindsight::http {

class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // One served request: counter by route and status, latency histogram by route.
    // Hot path: one map lookup under a mutex, no formatting.
    void count_request(std::string_view route, int status, double seconds);

    // Adds `value` to the counter `name` (a Prometheus metric name, e.g.
    // hindsight_events_recorded_total) with `labels` written as they appear
    // between the braces, e.g. `platform="slack"`. Throws std::invalid_argument
    // for an invalid metric name (a programming error).
    void add(const std::string& name, const std::string& help, double value = 1, const std::string& labels = "");

    // One observation (seconds) of the histogram `name`, on the same buckets
    // as the request latency (0.5 ms … 5 s).
    void observe(const std::string& name, const std::string& help, double seconds);

    // A gauge read at render time (e.g. outbox depth). Registering a name again
    // replaces the reader.
    void gauge(const std::string& name, const std::string& help, std::function<double()> read);

    // The exposition text; serve it as "text/plain; version=0.0.4".
    std::string render() const;

    static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
    struct Routes;
    struct Counter {
        std::string help;
        std::map<std::string, double> values;  // by label string
    };
    struct Gauge {
        std::string help;
        std::function<double()> read;
    };

    std::unique_ptr<Routes> routes_;
    mutable std::mutex mutex_;  // counters_ and gauges_
    std::map<std::string, Counter, std::less<>> counters_;
    std::map<std::string, Gauge, std::less<>> gauges_;
    struct Histogram;
    std::map<std::string, std::shared_ptr<Histogram>, std::less<>> histograms_;
};

}  // namespace hindsight::http
