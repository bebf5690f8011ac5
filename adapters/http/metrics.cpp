#include "adapters/http/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hindsight::http {

namespace {
// Latency buckets (seconds): sub-millisecond acks up to the 3-second limit
// Slack gives a slash command, and a little beyond.
constexpr std::array<double, 13> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1.0,   2.5,  5.0};

bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

// Label values and HELP text escape backslash and newline; label values also the quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quote && c == '"') out += "\\\"";
        else out += c;
    }
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, help, false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void append_value(std::string& out, double value) { fmt::format_to(std::back_inserter(out), " {}\n", value); }
}  // namespace

struct Metrics::Routes {
    struct Stats {
        std::vector<std::pair<int, std::uint64_t>> statuses;  // few per route: a linear scan beats a map
        std::array<std::uint64_t, kBuckets.size()> buckets{};  // per bucket, made cumulative when rendered
        double sum = 0;
        std::uint64_t count = 0;
    };
    mutable std::mutex mutex;
    std::map<std::string, Stats, std::less<>> by_route;
};

struct Metrics::Histogram {
    std::string help;
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    double sum = 0;
    std::uint64_t count = 0;
};

Metrics::Metrics() : routes_(std::make_unique<Routes>()) {}
Metrics::~Metrics() = default;

void Metrics::count_request(std::string_view route, int status, double seconds) {
    std::size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;

    std::lock_guard lock(routes_->mutex);
    auto it = routes_->by_route.find(route);
    if (it == routes_->by_route.end()) it = routes_->by_route.emplace(std::string(route), Routes::Stats{}).first;
    auto& stats = it->second;
    auto s = stats.statuses.begin();
    while (s != stats.statuses.end() && s->first != status) ++s;
    if (s == stats.statuses.end()) stats.statuses.emplace_back(status, 1);
    else ++s->second;
    if (bucket < kBuckets.size()) ++stats.buckets[bucket];  // beyond the last bucket: only +Inf (the count)
    stats.sum += seconds;
    ++stats.count;
}

void Metrics::add(const std::string& name, const std::string& help, double value, const std::string& labels) {
    if (!valid_metric_name(name)) throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
    std::lock_guard lock(mutex_);
    auto& counter = counters_[name];
    if (counter.help.empty()) counter.help = help;
    counter.values[labels] += value;
}

void Metrics::observe(const std::string& name, const std::string& help, double seconds) {
    if (!valid_metric_name(name)) throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
    std::size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
    std::lock_guard lock(mutex_);
    auto& h = histograms_[name];
    if (!h) h = std::make_shared<Histogram>(Histogram{help, {}, 0, 0});
    if (bucket < kBuckets.size()) ++h->buckets[bucket];
    h->sum += seconds;
    ++h->count;
}

void Metrics::gauge(const std::string& name, const std::string& help, std::function<double()> read) {
    if (!valid_metric_name(name)) throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
    std::lock_guard lock(mutex_);
    gauges_[name] = Gauge{help, std::move(read)};
}

std::string Metrics::render() const {
    std::string out;
    out.reserve(4096);
    {
        std::lock_guard lock(routes_->mutex);
        append_header(out, "hindsight_http_requests_total", "HTTP requests answered, by route and status.",
                      "counter");
        for (const auto& [route, stats] : routes_->by_route) {
            for (const auto& [status, count] : stats.statuses) {
                out += "hindsight_http_requests_total{route=\"";
                append_escaped(out, route, true);
                fmt::format_to(std::back_inserter(out), "\",status=\"{}\"}} {}\n", status, count);
            }
        }
        append_header(out, "hindsight_http_request_duration_seconds",
                      "Time from request header received to response written.", "histogram");
        for (const auto& [route, stats] : routes_->by_route) {
            std::string label;
            append_escaped(label, route, true);
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < kBuckets.size(); ++i) {
                cumulative += stats.buckets[i];
                fmt::format_to(std::back_inserter(out),
                               "hindsight_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", label,
                               kBuckets[i], cumulative);
            }
            fmt::format_to(std::back_inserter(out),
                           "hindsight_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n"
                           "hindsight_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n"
                           "hindsight_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                           label, stats.count, label, stats.sum, label, stats.count);
        }
    }

    // Gauge readers run outside the lock: they may take their own locks (the
    // outbox depth queries the database) and must not block count_request.
    std::vector<std::pair<std::string, Gauge>> gauges;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, counter] : counters_) {
            append_header(out, name, counter.help, "counter");
            for (const auto& [labels, value] : counter.values) {
                out += name;
                if (!labels.empty()) {
                    out += '{';
                    out += labels;
                    out += '}';
                }
                append_value(out, value);
            }
        }
        for (const auto& [name, h] : histograms_) {
            append_header(out, name, h->help, "histogram");
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < kBuckets.size(); ++i) {
                cumulative += h->buckets[i];
                fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name, kBuckets[i], cumulative);
            }
            fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name,
                           h->count, name, h->sum, name, h->count);
        }
        gauges.assign(gauges_.begin(), gauges_.end());
    }
    for (const auto& [name, g] : gauges) {
        append_header(out, name, g.help, "gauge");
        double value = 0;
        try {
            value = g.read();
        } catch (...) {
            continue;  // a failing reader leaves its sample out rather than failing the scrape
        }
        out += name;
        append_value(out, value);
    }
    return out;
}

}  // namespace hindsight::http
