// Shared pieces of the benchmarks (docs/performance.md): flag parsing, percentiles,
// memory figures from /proc, Slack request signing, and the real `hindsight
// serve` run as a child process with a temporary config and database.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hindsight::bench {

// --name value / --name=value flags; anything else is an error.
class Flags {
public:
    Flags(int argc, char** argv, std::map<std::string, std::string> defaults) : values_(std::move(defaults)) {
        for (int i = 1; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument: " + arg);
            arg = arg.substr(2);
            std::string value;
            if (auto eq = arg.find('='); eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                throw std::invalid_argument("--" + arg + " needs a value");
            }
            if (!values_.count(arg)) throw std::invalid_argument("unknown flag --" + arg);
            values_[arg] = value;
        }
    }
    const std::string& str(const std::string& name) const { return values_.at(name); }
    double num(const std::string& name) const { return std::stod(values_.at(name)); }
    long long integer(const std::string& name) const { return std::stoll(values_.at(name)); }

private:
    std::map<std::string, std::string> values_;
};

// The q-quantile (0..1) of `values` by nearest rank; sorts in place.
template <class T>
T percentile(std::vector<T>& values, double q) {
    if (values.empty()) return T{};
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size()));
    return values[std::min(rank, values.size() - 1)];
}

// A "VmRSS:" style field of /proc/<pid>/status in MiB (pid 0: this process).
inline double proc_status_mib(pid_t pid, const std::string& field) {
    std::ifstream in(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream fields(line.substr(field.size() + 1));
            double kib = 0;
            fields >> kib;
            return kib / 1024.0;
        }
    }
    return -1;
}

// Seconds of CPU (user + system) a process has used, from /proc/<pid>/stat.
inline double proc_cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline double self_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
    return secs(usage.ru_utime) + secs(usage.ru_stime);
}

// Slack's request signature (docs/platforms.md, "Slack: request signing"): "v0=" + hex HMAC-SHA256 of
// "v0:{timestamp}:{body}" keyed with the signing secret.
inline std::string slack_signature(const std::string& secret, const std::string& timestamp, std::string_view body) {
    std::string base;
    base.reserve(body.size() + timestamp.size() + 4);
    base.append("v0:").append(timestamp).append(":").append(body);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(base.data()), base.size(), digest, &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "v0=";
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

inline long long unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A unique directory under /tmp, removed with everything in it at the end.
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = "/tmp/hindsight-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline constexpr const char* bench_signing_secret = "8f742231b10e8888abcd99yyyzzz85a5";
inline constexpr const char* bench_api_token = "bench-api-token-0123456789";

// Writes a config for `hindsight serve`: ephemeral port, the database in
// `dir` (or `storage`, a JSON object, when given: a PostgreSQL database shared
// by several servers), Slack enabled without a bot token (records, never
// calls out): HTTP mode with the bench signing secret, or `slack` (a JSON
// object, e.g. socket mode) when given.
// `listen_threads` 0 leaves listen.threads at its default (one per hardware thread).
inline std::string write_config(const ScratchDir& dir, const std::string& log_level = "info",
                                const std::string& storage = "", const std::string& slack = "",
                                int listen_threads = 0) {
    auto path = dir.file("config.json");
    std::ofstream(path) << R"({"listen":{"port":0)"
                        << (listen_threads > 0 ? R"(,"threads":)" + std::to_string(listen_threads) : std::string())
                        << R"(},"storage":)"
                        << (storage.empty() ? R"({"path":")" + dir.file("hindsight.db") + R"("})" : storage)
                        << R"(,"log":{"level":")" << log_level << R"("},"slack":)"
                        << (slack.empty() ? std::string(R"({"signing_secret":")") + bench_signing_secret + R"("})"
                                          : slack)
                        << R"(,"api":{"token":")" << bench_api_token << R"("}})";
    return path;
}

// `hindsight serve --config F` as a child process. The port comes from its
// "listening on 127.0.0.1:PORT" log line (read from a pipe on its output).
class Server {
public:
    using clock = std::chrono::steady_clock;

    Server(const std::string& binary, const std::string& config_path) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        started_ = clock::now();
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            ::dup2(fds[1], 2);
            ::close(fds[0]);
            ::close(fds[1]);
            ::execl(binary.c_str(), binary.c_str(), "serve", "--config", config_path.c_str(), nullptr);
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = fds[0];
    }
    ~Server() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        if (drain_.joinable()) drain_.join();  // the pipe ends with the child
        if (out_ >= 0) ::close(out_);
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Reads the child's output until the listening line; throws with what
    // it said when it exits or stays silent for `timeout`.
    std::uint16_t wait_for_port(std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        static const std::regex listening(R"(listening on (?:https?://)?[0-9.]+:([0-9]+))");
        auto deadline = clock::now() + timeout;
        while (clock::now() < deadline) {
            pollfd p{out_, POLLIN, 0};
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) continue;
            char buf[4096];
            auto n = ::read(out_, buf, sizeof buf);
            if (n <= 0) break;
            output_.append(buf, static_cast<std::size_t>(n));
            std::smatch m;
            if (std::regex_search(output_, m, listening)) {
                // Keep draining the pipe so a chatty server never blocks on it.
                drain_ = std::thread([fd = out_] {
                    char sink[4096];
                    while (::read(fd, sink, sizeof sink) > 0) {
                    }
                });
                return static_cast<std::uint16_t>(std::stoi(m[1]));
            }
        }
        throw std::runtime_error("hindsight serve did not report its port; output:\n" + output_);
    }

    // Stops the server: SIGTERM (graceful) or SIGKILL; returns the exit status text.
    std::string stop(bool kill) {
        ::kill(pid_, kill ? SIGKILL : SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        exited_ = true;
        if (drain_.joinable()) drain_.join();
        if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
        return std::string("signal ") + ::strsignal(WTERMSIG(status));
    }

    pid_t pid() const { return pid_; }
    clock::time_point started() const { return started_; }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    bool exited_ = false;
    clock::time_point started_;
    std::string output_;
    std::thread drain_;
};

// One line per figure for scripts/bench.sh: "RESULT name value unit".
inline void result(const std::string& name, double value, const std::string& unit) {
    std::printf("RESULT %s %.3f %s\n", name.c_str(), value, unit.c_str());
    std::fflush(stdout);
}

}  // namespace hindsight::bench
