// A throw-away PostgreSQL server for the tests and the benchmarks: one
// cluster in a temporary directory, listening only on a unix socket there (no
// TCP port, so parallel test processes never collide), stopped and removed
// when its owner ends. As root, the server runs as the `postgres` user (via
// runuser): PostgreSQL refuses to run as root. No doctest here: the
// benchmarks use it too (tests/support/postgres_server.hpp adds the test side).
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace hindsight::test {

// What a cluster is for. The tests' one trades durability for speed (fsync
// off); a benchmark of durable writes keeps PostgreSQL's defaults (fsync and
// synchronous_commit on: a COMMIT returns once the WAL is on disk).
struct PostgresSettings {
    bool durable = false;
    int max_connections = 60;
    std::string shared_buffers = "16MB";
};

class PostgresServer {
public:
    // The test process's server, started on first use; nullptr when there is
    // none (the reason is in reason()).
    static PostgresServer* instance() {
        static std::once_flag once;
        static std::unique_ptr<PostgresServer> server;
        std::call_once(once, [] {
            try {
                server.reset(new PostgresServer());
            } catch (const std::exception& e) {
                reason() = e.what();
            }
        });
        return server.get();
    }
    static std::string& reason() {
        static std::string text;
        return text;
    }

    using Settings = PostgresSettings;

    explicit PostgresServer(const Settings& settings = Settings{}) {
        bin_ = find_bin();
        std::string pattern = "/tmp/hindsight-pg-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        root_ = ::geteuid() == 0;
        if (root_ && run("chown postgres: " + dir_) != 0) throw std::runtime_error("cannot chown to postgres");
        if (run(as_owner(bin_ + "/initdb -D " + dir_ + "/data -U postgres --auth=trust --no-sync -E UTF8 --locale=C") +
                " >" + dir_ + "/initdb.log 2>&1") != 0)
            throw std::runtime_error("initdb failed: " + read(dir_ + "/initdb.log"));
        std::ofstream conf(dir_ + "/data/postgresql.conf", std::ios::app);
        conf << "listen_addresses = ''\nunix_socket_directories = '" << dir_ << "'\n"
             << "max_connections = " << settings.max_connections << "\nshared_buffers = " << settings.shared_buffers
             << "\n";
        if (!settings.durable) conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
        conf.close();
        // Should this process die without running its destructors (a crash,
        // a ctest timeout's SIGKILL), a watchdog stops the server and removes
        // the directory once the process is gone.
        const std::string cleanup = as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop") +
                                    " >/dev/null 2>&1; rm -rf " + dir_;
        run("setsid -f sh -c 'while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " +
            cleanup + "' >/dev/null 2>&1 </dev/null");
        start();
    }

    ~PostgresServer() {
        run(as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop") + " >/dev/null 2>&1");
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    // A connection URI for a new, empty database of its own.
    std::string fresh_database() {
        const std::string name = "hs_test_" + std::to_string(++databases_);
        if (run(as_owner(bin_ + "/createdb -h " + dir_ + " -p " + kPort + " -U postgres " + name) + " >>" + dir_ +
                "/createdb.log 2>&1") != 0)
            throw std::runtime_error("createdb failed: " + read(dir_ + "/createdb.log"));
        return url(name);
    }

    std::string url(const std::string& database) const {
        return "postgresql:///" + database + "?host=" + dir_ + "&port=" + kPort + "&user=postgres";
    }

    // Stops / starts the server (same data), for the tests of losing the database.
    void stop() {
        if (run(as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w stop") + " >>" + dir_ + "/ctl.log 2>&1") != 0)
            throw std::runtime_error("pg_ctl stop failed: " + read(dir_ + "/ctl.log"));
    }
    void start() {
        if (run(as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 start") + " >>" +
                dir_ + "/ctl.log 2>&1") != 0)
            throw std::runtime_error("pg_ctl start failed: " + read(dir_ + "/ctl.log") + read(dir_ + "/server.log"));
    }

private:
    static constexpr const char* kPort = "5432";

    static std::string find_bin() {
        if (const char* env = std::getenv("HINDSIGHT_PG_BIN")) return env;
        std::string best;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
            const auto bin = entry.path() / "bin";
            if (std::filesystem::exists(bin / "initdb") && bin.string() > best) best = bin.string();
        }
        if (best.empty())
            throw std::runtime_error("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin "
                                     "(apt-get install postgresql)");
        return best;
    }

    std::string as_owner(const std::string& command) const {
        return root_ ? "runuser -u postgres -- " + command : command;
    }
    static int run(const std::string& command) { return std::system(command.c_str()); }
    static std::string read(const std::string& path) {
        std::ifstream in(path);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::string bin_;
    std::string dir_;
    bool root_ = false;
    std::atomic<int> databases_{0};
};

}  // namespace hindsight::test
