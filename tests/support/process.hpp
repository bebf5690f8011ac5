// Runs the real `hindsight` binary as a child process for end-to-end tests:
// output captured to files, bounded waits on conditions, signals.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hindsight::test {

// Polls `ready` until it holds or `timeout` passes. Polling a condition with
// a bound is not a sleep for synchronisation: it returns as soon as it holds.
inline bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) return true;
        std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return ready();
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class ChildProcess {
public:
    ChildProcess(const std::string& binary, const std::vector<std::string>& args, const std::filesystem::path& dir,
                 const std::vector<std::string>& env = {}, const std::string& stdin_text = {})
        : out_(dir / "stdout.txt"), err_(dir / "stderr.txt") {
        auto in_path = dir / "stdin.txt";
        std::ofstream(in_path) << stdin_text;
        // Everything the child needs is built before fork: between fork and
        // exec the child may not allocate (another thread of this process may
        // have held the allocator's lock at the fork — under ASan it then
        // spins forever).
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(binary.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        // This process's environment with `env` ("NAME=value") put over it.
        std::vector<std::string> environment;
        for (char** e = environ; *e; ++e) {
            std::string entry = *e;
            auto name = entry.substr(0, entry.find('=') + 1);
            bool replaced = false;
            for (const auto& mine : env) replaced = replaced || mine.rfind(name, 0) == 0;
            if (!replaced) environment.push_back(std::move(entry));
        }
        for (const auto& mine : env) environment.push_back(mine);
        std::vector<char*> envp;
        for (auto& entry : environment) envp.push_back(entry.data());
        envp.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            int in = ::open(in_path.c_str(), O_RDONLY);
            int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            ::chdir(dir.c_str());
            ::execve(binary.c_str(), argv.data(), envp.data());
            ::_exit(127);
        }
    }
    ~ChildProcess() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            int ignored = 0;
            ::waitpid(pid_, &ignored, 0);
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void signal(int signo) { ::kill(pid_, signo); }

    // The exit code once the process ended within `timeout`; -signal when killed.
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        wait_until([&] { return poll(); }, timeout);
        return status_;
    }

    std::string out() const { return read_file(out_); }
    std::string err() const { return read_file(err_); }
    pid_t pid() const { return pid_; }

private:
    bool poll() {
        if (status_) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            return true;
        }
        return false;
    }

    std::filesystem::path out_, err_;
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// Waits for `hindsight serve`'s own "hindsight … listening on [http(s)://]127.0.0.1:PORT"
// line and returns the port (the tests configure port 0: an ephemeral one). That
// line comes last in startup, after the signal handlers are installed; the http
// layer's earlier "listening" line would be too soon for tests that signal.
inline std::optional<int> listening_port(const ChildProcess& serve,
                                         std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    static const std::regex re("hindsight .* listening on (?:https?://)?127\\.0\\.0\\.1:([0-9]+)");
    std::optional<int> port;
    wait_until(
        [&] {
            std::smatch m;
            auto err = serve.err();
            if (std::regex_search(err, m, re)) port = std::stoi(m[1]);
            return port.has_value();
        },
        timeout);
    return port;
}

}  // namespace hindsight::test
