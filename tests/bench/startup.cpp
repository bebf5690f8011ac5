// Startup and idle benchmark (docs/performance.md): time from fork/exec of
// `hindsight serve` to the first /readyz 200, repeated, with a new empty
// database each time and with the database of the previous run; and the
// server's resident memory once it is up and idle.
//
//   bench_startup [--binary PATH] [--repeat 20] [--settle-ms 500]
#include "tests/bench/bench_support.hpp"
#include "tests/bench/sync_http.hpp"

#include <iostream>

namespace {

using namespace hindsight::bench;
using Clock = std::chrono::steady_clock;

struct Start {
    double ready_ms = 0;
    double rss_mib = 0;
};

Start start_once(const std::string& binary, const std::string& config, int settle_ms) {
    Server server(binary, config);
    auto port = server.wait_for_port();
    // /readyz proves the writer can take the write lock; poll it until 200.
    auto deadline = Clock::now() + std::chrono::seconds{10};
    int status = 0;
    while (Clock::now() < deadline && (status = sync_request(port, "GET", "/readyz").status) != 200) {
    }
    if (status != 200) throw std::runtime_error("/readyz never answered 200");
    Start s;
    s.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - server.started()).count();
    // Idle: let start-up work (first reminder tick, delivery poll) settle.
    std::this_thread::sleep_for(std::chrono::milliseconds{settle_ms});
    s.rss_mib = proc_status_mib(server.pid(), "VmRSS");
    server.stop(false);
    return s;
}

int run(int argc, char** argv) {
    Flags flags(argc, argv, {{"binary", HINDSIGHT_BINARY}, {"repeat", "20"}, {"settle-ms", "500"}});
    const auto binary = flags.str("binary");
    const int repeat = static_cast<int>(flags.integer("repeat"));
    const int settle = static_cast<int>(flags.integer("settle-ms"));
    std::vector<double> fresh, existing, rss;
    for (int r = 0; r < repeat; ++r) {
        ScratchDir dir;
        auto config = write_config(dir);
        auto first = start_once(binary, config, settle);
        fresh.push_back(first.ready_ms);
        rss.push_back(first.rss_mib);
        existing.push_back(start_once(binary, config, 0).ready_ms);
    }
    std::cerr << "startup: exec to /readyz 200 over " << repeat << " runs, median ms: new database "
              << percentile(fresh, 0.5) << " (max " << fresh.back() << "), existing database "
              << percentile(existing, 0.5) << " (max " << existing.back() << ")\n";
    std::cerr << "startup: idle RSS MiB median " << percentile(rss, 0.5) << " (max " << rss.back() << ")\n";
    result("startup.ready_ms", std::max(percentile(fresh, 0.5), percentile(existing, 0.5)), "ms");
    result("startup.ready_new_db_ms", percentile(fresh, 0.5), "ms");
    result("startup.ready_existing_db_ms", percentile(existing, 0.5), "ms");
    result("startup.idle_rss_mib", percentile(rss, 0.5), "MiB");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "bench_startup: " << e.what() << "\n";
        return 2;
    }
}
