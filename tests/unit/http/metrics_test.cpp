#include "adapters/http/metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace hindsight::http;

namespace {
// Parses the exposition text the way a scraper does: every line is a comment
// (# HELP / # TYPE) or `name{labels} value`; every sample's family has a TYPE
// line first. Returns samples keyed by "name{labels}".
std::map<std::string, double> parse_exposition(const std::string& text) {
    static const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^{}]*\})? (\S+)$)");
    static const std::regex comment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)( .*)?$)");
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, comment)) {
            if (m[1] == "TYPE") types[m[2]] = m[3].str().substr(1);
            continue;
        }
        REQUIRE_MESSAGE(std::regex_match(line, m, sample), "unparseable line: " << line);
        std::string name = m[1];
        std::string family = name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            std::string s = suffix;
            if (family.size() > s.size() && family.compare(family.size() - s.size(), s.size(), s) == 0 &&
                types.count(family.substr(0, family.size() - s.size())))
                family = family.substr(0, family.size() - s.size());
        }
        CHECK_MESSAGE(types.count(family), "no TYPE line before " << name);
        std::string value = m[3];
        double v = value == "+Inf" ? INFINITY : std::stod(value);
        samples[name + m[2].str()] = v;
    }
    CHECK_MESSAGE((text.empty() || text.back() == '\n'), "exposition must end with a newline");
    return samples;
}

double sample(const std::map<std::string, double>& samples, const std::string& key) {
    auto it = samples.find(key);
    REQUIRE_MESSAGE(it != samples.end(), "missing sample " << key);
    return it->second;
}

const std::vector<std::string> kLe = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                                      "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",    "+Inf"};
}  // namespace

TEST_CASE("metrics: request counters by route and status increase") {
    Metrics metrics;
    metrics.count_request("/slack/events", 200, 0.002);
    metrics.count_request("/slack/events", 200, 0.003);
    metrics.count_request("/slack/events", 401, 0.001);
    metrics.count_request("unmatched", 404, 0.0001);
    auto s = parse_exposition(metrics.render());
    CHECK(sample(s, R"(hindsight_http_requests_total{route="/slack/events",status="200"})") == 2);
    CHECK(sample(s, R"(hindsight_http_requests_total{route="/slack/events",status="401"})") == 1);
    CHECK(sample(s, R"(hindsight_http_requests_total{route="unmatched",status="404"})") == 1);

    metrics.count_request("/slack/events", 200, 0.002);
    auto later = parse_exposition(metrics.render());
    CHECK(sample(later, R"(hindsight_http_requests_total{route="/slack/events",status="200"})") == 3);
}

TEST_CASE("metrics: the latency histogram is cumulative, +Inf equals count, sum adds up") {
    Metrics metrics;
    // One observation on a bucket bound (le is inclusive), others inside and beyond every bucket.
    for (double seconds : {0.0004, 0.001, 0.003, 0.2, 7.0}) metrics.count_request("/x", 200, seconds);
    auto s = parse_exposition(metrics.render());
    std::vector<double> counts;
    for (const auto& le : kLe)
        counts.push_back(sample(s, R"(hindsight_http_request_duration_seconds_bucket{route="/x",le=")" + le + "\"}"));
    for (std::size_t i = 1; i < counts.size(); ++i) CHECK(counts[i] >= counts[i - 1]);
    CHECK(counts[0] == 1);   // ≤ 0.0005: 0.0004
    CHECK(counts[1] == 2);   // ≤ 0.001: + 0.001 itself
    CHECK(counts[3] == 3);   // ≤ 0.005: + 0.003
    CHECK(counts[8] == 4);   // ≤ 0.25: + 0.2
    CHECK(counts[12] == 4);  // ≤ 5: 7 s is beyond
    CHECK(counts[13] == 5);  // +Inf
    CHECK(sample(s, R"(hindsight_http_request_duration_seconds_count{route="/x"})") == 5);
    CHECK(sample(s, R"(hindsight_http_request_duration_seconds_sum{route="/x"})") == doctest::Approx(7.2044));
}

TEST_CASE("metrics: named counters accumulate per label set — gauges are read at render time") {
    Metrics metrics;
    metrics.add("hindsight_events_recorded_total", "Chat events stored.", 1, R"(platform="slack")");
    metrics.add("hindsight_events_recorded_total", "Chat events stored.", 2, R"(platform="slack")");
    metrics.add("hindsight_events_recorded_total", "Chat events stored.", 1, R"(platform="mattermost")");
    metrics.add("hindsight_reminders_sent_total", "Reminder DMs sent.");
    double depth = 3;
    metrics.gauge("hindsight_outbox_depth", "Outbox rows waiting.", [&] { return depth; });

    auto s = parse_exposition(metrics.render());
    CHECK(sample(s, R"(hindsight_events_recorded_total{platform="slack"})") == 3);
    CHECK(sample(s, R"(hindsight_events_recorded_total{platform="mattermost"})") == 1);
    CHECK(sample(s, "hindsight_reminders_sent_total") == 1);
    CHECK(sample(s, "hindsight_outbox_depth") == 3);

    depth = 7;
    CHECK(sample(parse_exposition(metrics.render()), "hindsight_outbox_depth") == 7);
    auto text = metrics.render();
    CHECK(text.find("# TYPE hindsight_outbox_depth gauge\n") != std::string::npos);
    CHECK(text.find("# TYPE hindsight_events_recorded_total counter\n") != std::string::npos);
    CHECK(text.find("# TYPE hindsight_http_request_duration_seconds histogram\n") != std::string::npos);
}

TEST_CASE("metrics: a failing gauge reader leaves its sample out, the rest still renders") {
    Metrics metrics;
    metrics.gauge("hindsight_broken", "Throws.", []() -> double { throw std::runtime_error("db gone"); });
    metrics.add("hindsight_ok_total", "Fine.");
    auto s = parse_exposition(metrics.render());
    CHECK(s.count("hindsight_broken") == 0);
    CHECK(sample(s, "hindsight_ok_total") == 1);
}

TEST_CASE("metrics: invalid metric names are refused") {
    Metrics metrics;
    CHECK_THROWS_AS(metrics.add("bad name", "x"), std::invalid_argument);
    CHECK_THROWS_AS(metrics.add("1starts_with_digit", "x"), std::invalid_argument);
    CHECK_THROWS_AS(metrics.gauge("", "x", [] { return 0.0; }), std::invalid_argument);
}

TEST_CASE("metrics: label values and help text are escaped") {
    Metrics metrics;
    metrics.count_request("/we\"ird\\route\n", 200, 0.001);
    metrics.add("hindsight_x_total", "line one\nline two");
    auto text = metrics.render();
    CHECK(text.find(R"(route="/we\"ird\\route\n")") != std::string::npos);
    CHECK(text.find("# HELP hindsight_x_total line one\\nline two\n") != std::string::npos);
    parse_exposition(text);
}

TEST_CASE("metrics: concurrent counting loses nothing") {
    Metrics metrics;
    constexpr int kThreads = 4, kEach = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kEach; ++i) metrics.count_request("/r", 200, 0.001);
        });
    for (auto& t : threads) t.join();
    auto s = parse_exposition(metrics.render());
    CHECK(sample(s, R"(hindsight_http_requests_total{route="/r",status="200"})") == kThreads * kEach);
}

TEST_CASE("metrics: a named histogram is typed, cumulative, and its +Inf equals its count") {
    Metrics metrics;
    for (double seconds : {0.0002, 0.004, 0.004, 9.0}) metrics.observe("hindsight_test_seconds", "Test latency", seconds);
    auto text = metrics.render();
    CHECK(text.find("# TYPE hindsight_test_seconds histogram\n") != std::string::npos);
    auto s = parse_exposition(text);
    CHECK(sample(s, R"(hindsight_test_seconds_bucket{le="0.0005"})") == 1);
    CHECK(sample(s, R"(hindsight_test_seconds_bucket{le="0.005"})") == 3);
    CHECK(sample(s, R"(hindsight_test_seconds_bucket{le="5"})") == 3);
    CHECK(sample(s, R"(hindsight_test_seconds_bucket{le="+Inf"})") == 4);
    CHECK(sample(s, "hindsight_test_seconds_count") == 4);
    CHECK(sample(s, "hindsight_test_seconds_sum") == doctest::Approx(9.0082));
    CHECK_THROWS_AS(metrics.observe("bad name", "x", 1), std::invalid_argument);
}
