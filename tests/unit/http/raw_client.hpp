// A deliberately dumb HTTP/1.1 client on POSIX sockets for the server tests:
// it sends exactly the bytes it is given (half headers, garbage) and every
// read is bounded by poll(), so a misbehaving server fails a test instead of
// hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace hindsight::http::test {

using namespace std::chrono_literals;

struct RawResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [k, v] : headers) {
            if (k.size() != name.size()) continue;
            bool same = std::equal(k.begin(), k.end(), name.begin(),
                                   [](char a, char b) { return std::tolower(a) == std::tolower(b); });
            if (same) return v;
        }
        return std::nullopt;
    }
};

// Takes one complete response (status line, headers, Content-Length body)
// off the front of `buffer`. `complete` stays false while more bytes are
// needed; a complete but unparsable head gives nullopt.
inline std::optional<RawResponse> take_response(std::string& buffer, bool& complete) {
    complete = false;
    auto header_end = buffer.find("\r\n\r\n");
    if (header_end == std::string::npos) return std::nullopt;
    RawResponse r;
    std::string_view head(buffer.data(), header_end);
    auto line_end = head.find("\r\n");
    auto status_line = head.substr(0, line_end);
    auto space = status_line.find(' ');
    if (space == std::string_view::npos) {
        complete = true;
        return std::nullopt;
    }
    r.status = std::stoi(std::string(status_line.substr(space + 1, 3)));
    while (line_end != std::string_view::npos) {
        head.remove_prefix(line_end + 2);
        line_end = head.find("\r\n");
        auto line = head.substr(0, line_end);
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    std::size_t length = 0;
    if (auto cl = r.header("Content-Length")) length = std::stoul(*cl);
    std::size_t total = header_end + 4 + length;
    if (buffer.size() < total) return std::nullopt;
    r.body = buffer.substr(header_end + 4, length);
    buffer.erase(0, total);
    complete = true;
    return r;
}

class RawClient {
public:
    explicit RawClient(std::uint16_t port) {
        fd_ = connect_to(port);
        if (fd_ < 0) throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    // True when a TCP connection to 127.0.0.1:port can be established.
    static bool can_connect(std::uint16_t port) {
        int fd = connect_to(port);
        if (fd < 0) return false;
        ::close(fd);
        return true;
    }

    void send(std::string_view bytes) {
        while (!bytes.empty()) {
            auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(std::string("send: ") + std::strerror(errno));
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // One response (status line, headers, Content-Length body). nullopt when
    // the connection closes or nothing complete arrives within `timeout`.
    std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            bool complete = false;
            auto r = take_response(buffer_, complete);
            if (complete) return r;
            if (!fill(deadline)) return std::nullopt;
        }
    }

    // True when the server closes the connection within `timeout` (bytes
    // still arriving before the close are read and dropped).
    bool wait_closed(std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0ms) return false;
            pollfd p{fd_, POLLIN, 0};
            int ready = ::poll(&p, 1, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count()) + 1);
            if (ready == 0) return false;
            if (ready < 0) continue;
            char chunk[4096];
            auto n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return true;
        }
    }

    std::string_view unread() const { return buffer_; }

private:
    static int connect_to(std::uint16_t port) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return -1;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            int saved = errno;
            ::close(fd);
            errno = saved;
            return -1;
        }
        return fd;
    }

    bool fill(std::chrono::steady_clock::time_point deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) return false;
        char chunk[4096];
        auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffer_;
};

// Waits (bounded) for a condition another thread makes true.
class Signal {
public:
    void notify(std::function<void()> change = {}) {
        {
            std::lock_guard lock(mutex_);
            if (change) change();
            ++count_;
        }
        cv_.notify_all();
    }
    // True when at least `n` notifications arrived within `timeout`.
    bool wait_for_count(int n, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
    }
    int count() {
        std::lock_guard lock(mutex_);
        return count_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int count_ = 0;
};

// Polls a condition owned by another thread until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(1ms);  // a polling interval, not a guess at timing
    }
    return true;
}

inline std::string get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

inline std::string post(std::string_view target, std::string_view body, std::string_view extra_headers = "") {
    return "POST " + std::string(target) + " HTTP/1.1\r\nHost: test\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

}  // namespace hindsight::http::test
