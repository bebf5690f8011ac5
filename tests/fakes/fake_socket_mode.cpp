#include "tests/fakes/fake_socket_mode.hpp"

#include "tests/support/test_certificate.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace hindsight::fakes {

namespace {
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;
}  // namespace

// Handlers capture the raw Impl: it outlives the I/O thread (joined in the
// destructor). The shared_ptr is for the apps.connections.open route, which
// the FakeSlack may call while this fake goes away.
struct FakeSocketMode::Impl {
    struct Conn {
        int id = 0;
        websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
        beast::flat_buffer buffer;
        bhttp::request<bhttp::string_body> upgrade;
        std::deque<std::string> outbox;
        bool writing = false;
        bool silent = false;
        bool closed = false;
        Conn(net::io_context& ioc, ssl::context& tls) : ws(ioc, tls) {}
    };
    struct Record {
        Clock::time_point accepted;
        std::optional<Clock::time_point> greeted;
        std::optional<Clock::time_point> closed_by_client;
        bool open = true;
    };

    std::string app_token;
    test::TestCertificate certificate;
    std::string ca_path;
    ssl::context tls{ssl::context::tls_server};

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool greeting = true;
    std::deque<std::string> open_failures;
    std::set<std::string> tickets;  // issued, not yet used
    std::size_t urls = 0;
    std::size_t refusals = 0;
    int next_ticket = 1;
    int next_envelope = 1;
    std::map<int, Record> records;
    std::vector<FakeAck> acks;
    std::function<void(const FakeAck&)> ack_listener;

    // Only on the I/O thread.
    std::map<int, std::shared_ptr<Conn>> conns;
    int next_id = 1;

    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    unsigned short port = 0;
    std::thread thread;

    void accept() {
        acceptor.async_accept([self = this](beast::error_code ec, tcp::socket socket) {
            if (!self->acceptor.is_open()) return;
            if (!ec) self->start(std::move(socket));
            self->accept();
        });
    }

    void start(tcp::socket socket) {
        auto conn = std::make_shared<Conn>(ioc, tls);
        beast::get_lowest_layer(conn->ws).socket() = std::move(socket);
        beast::error_code ignored;  // frames go out whole, as fast as the test sends them
        beast::get_lowest_layer(conn->ws).socket().set_option(tcp::no_delay(true), ignored);
        conn->ws.next_layer().async_handshake(ssl::stream_base::server, [self = this, conn](
                                                                              beast::error_code ec) {
            if (ec) return;
            bhttp::async_read(conn->ws.next_layer(), conn->buffer, conn->upgrade,
                              [self, conn](beast::error_code ec, std::size_t) {
                                  if (!ec) self->upgrade(conn);
                              });
        });
    }

    void upgrade(const std::shared_ptr<Conn>& conn) {
        std::string target(conn->upgrade.target());
        std::string ticket;
        if (auto at = target.find("ticket="); at != std::string::npos) {
            ticket = target.substr(at + 7);
            ticket = ticket.substr(0, ticket.find('&'));
        }
        bool admitted = false;
        {
            std::lock_guard lock(mutex);
            admitted = target.starts_with("/link/") && websocket::is_upgrade(conn->upgrade) && tickets.erase(ticket) == 1;
            if (!admitted) ++refusals;
            changed.notify_all();
        }
        if (!admitted) {
            auto denied = std::make_shared<bhttp::response<bhttp::string_body>>(bhttp::status::unauthorized, 11);
            denied->body() = "invalid or used ticket";
            denied->prepare_payload();
            bhttp::async_write(conn->ws.next_layer(), *denied, [conn, denied](beast::error_code, std::size_t) {
                beast::error_code ignored;
                beast::get_lowest_layer(conn->ws).socket().close(ignored);
            });
            return;
        }
        conn->ws.async_accept(conn->upgrade, [self = this, conn](beast::error_code ec) {
            if (ec) return;
            conn->ws.text(true);
            conn->id = self->next_id++;
            self->conns[conn->id] = conn;
            bool greet = false;
            {
                std::lock_guard lock(self->mutex);
                self->records[conn->id] = Record{Clock::now(), std::nullopt, std::nullopt, true};
                greet = self->greeting;
                self->changed.notify_all();
            }
            if (greet) {
                json hello{{"type", "hello"},
                           {"num_connections", static_cast<int>(self->conns.size())},
                           {"debug_info", {{"host", "fake-socket-mode"}, {"approximate_connection_time", 360}}},
                           {"connection_info", {{"app_id", "A0FAKE"}}}};
                self->write(conn, hello.dump(), true);
            }
            self->read(conn);
        });
    }

    void read(const std::shared_ptr<Conn>& conn) {
        conn->buffer.clear();
        conn->ws.async_read(conn->buffer, [self = this, conn](beast::error_code ec, std::size_t) {
            if (ec) {
                if (!conn->silent) self->gone(conn, ec == websocket::error::closed && !conn->closed);
                return;
            }
            if (conn->silent) return;  // stop reading: pings go unanswered from now on
            auto frame = json::parse(beast::buffers_to_string(conn->buffer.data()), nullptr, false);
            if (frame.is_object() && frame.contains("envelope_id")) {
                FakeAck ack;
                ack.envelope_id = frame.value("envelope_id", std::string{});
                ack.payload = frame.contains("payload") ? frame["payload"] : json(nullptr);
                ack.connection = conn->id;
                ack.at = Clock::now();
                std::function<void(const FakeAck&)> listener;
                {
                    std::lock_guard lock(self->mutex);
                    self->acks.push_back(ack);
                    listener = self->ack_listener;
                    self->changed.notify_all();
                }
                if (listener) listener(ack);
            }
            self->read(conn);
        });
    }

    void gone(const std::shared_ptr<Conn>& conn, bool by_client) {
        conn->closed = true;
        conns.erase(conn->id);
        std::lock_guard lock(mutex);
        auto& r = records[conn->id];
        r.open = false;
        if (by_client) r.closed_by_client = Clock::now();
        changed.notify_all();
    }

    void write(const std::shared_ptr<Conn>& conn, std::string text, bool hello = false) {
        if (conn->closed || conn->silent) return;
        conn->outbox.push_back(std::move(text));
        if (hello) {
            // Greeted once the hello is on its way.
            std::lock_guard lock(mutex);
            records[conn->id].greeted = Clock::now();
            changed.notify_all();
        }
        if (!conn->writing) write_next(conn);
    }

    void write_next(const std::shared_ptr<Conn>& conn) {
        if (conn->outbox.empty() || conn->closed || conn->silent) {
            conn->writing = false;
            return;
        }
        conn->writing = true;
        auto text = std::make_shared<std::string>(std::move(conn->outbox.front()));
        conn->outbox.pop_front();
        conn->ws.async_write(net::buffer(*text), [self = this, conn, text](beast::error_code ec,
                                                                                         std::size_t) {
            if (ec) {
                conn->writing = false;
                return;
            }
            self->write_next(conn);
        });
    }

    // Runs fn(conn) on the I/O thread when connection `id` is open: at once
    // when called there (the benchmark sends from the ack listener), so a
    // frame costs no extra hop through the queue.
    template <class Fn>
    void with(int id, Fn fn) {
        auto run = [self = this, id, fn = std::move(fn)]() mutable {
            auto it = self->conns.find(id);
            if (it != self->conns.end()) fn(it->second);
        };
        if (ioc.get_executor().running_in_this_thread())
            run();
        else
            net::post(ioc, std::move(run));
    }
    // As with(), and returns once it has run (never call it on the I/O
    // thread): what the test does next sees the change.
    template <class Fn>
    void with_now(int id, Fn fn) {
        auto applied = std::make_shared<std::promise<void>>();
        auto done = applied->get_future();
        with(id, std::move(fn));
        net::post(ioc, [applied] { applied->set_value(); });  // after it: one I/O thread, posts in order
        done.wait_for(std::chrono::seconds{10});
    }
};

FakeSocketMode::FakeSocketMode(FakeSlack& slack, std::string app_token) : impl_(std::make_shared<Impl>()) {
    auto& i = *impl_;
    i.app_token = std::move(app_token);
    i.certificate = test::make_test_certificate({});
    i.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    i.tls.use_certificate_chain(net::buffer(i.certificate.cert_pem));
    i.tls.use_private_key(net::buffer(i.certificate.key_pem), ssl::context::file_format::pem);
    std::random_device rd;
    auto file = std::filesystem::temp_directory_path() /
                ("hindsight-fake-socket-ca-" + std::to_string(rd()) + std::to_string(rd()) + ".pem");
    std::ofstream(file, std::ios::binary) << i.certificate.cert_pem;
    i.ca_path = file.string();

    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    i.acceptor.open(endpoint.protocol());
    i.acceptor.set_option(net::socket_base::reuse_address(true));
    i.acceptor.bind(endpoint);
    i.acceptor.listen();
    i.port = i.acceptor.local_endpoint().port();
    i.accept();
    i.thread = std::thread([impl = impl_.get()] {
        for (;;) {
            try {
                impl->ioc.run();
                return;
            } catch (...) {
            }
        }
    });

    // Slack wants the app token in the Authorization header, never in the body.
    std::weak_ptr<Impl> weak = impl_;
    slack.server().route("POST", "/api/apps.connections.open", [weak](const RecordedRequest& r) {
        auto impl = weak.lock();
        if (!impl) return FakeResponse::json(200, R"({"ok":false,"error":"internal_error"})");
        std::lock_guard lock(impl->mutex);
        if (r.header("Authorization").value_or("") != "Bearer " + impl->app_token)
            return FakeResponse::json(200, R"({"ok":false,"error":"invalid_auth"})");
        if (!r.body.empty()) return FakeResponse::json(200, R"({"ok":false,"error":"invalid_arguments"})");
        if (!impl->open_failures.empty()) {
            auto error = impl->open_failures.front();
            impl->open_failures.pop_front();
            return FakeResponse::json(200, json{{"ok", false}, {"error", error}}.dump());
        }
        auto ticket = "t" + std::to_string(impl->next_ticket++);
        impl->tickets.insert(ticket);
        ++impl->urls;
        impl->changed.notify_all();
        return FakeResponse::json(
            200, json{{"ok", true},
                      {"url", "wss://127.0.0.1:" + std::to_string(impl->port) + "/link/?ticket=" + ticket + "&app_id=A0FAKE"}}
                     .dump());
    });
}

FakeSocketMode::~FakeSocketMode() {
    net::post(impl_->ioc, [impl = impl_.get()] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
        for (auto& [id, c] : impl->conns) beast::get_lowest_layer(c->ws).socket().close(ignored);
        impl->conns.clear();
    });
    // Let those closes run, then stop: whatever is still pending goes with the io_context.
    net::post(impl_->ioc, [impl = impl_.get()] { impl->ioc.stop(); });
    impl_->thread.join();
    std::error_code ignored;
    std::filesystem::remove(impl_->ca_path, ignored);
}

const std::string& FakeSocketMode::app_token() const { return impl_->app_token; }
std::string FakeSocketMode::ca_file() const { return impl_->ca_path; }

void FakeSocketMode::fail_open_next(const std::string& error) {
    std::lock_guard lock(impl_->mutex);
    impl_->open_failures.push_back(error);
}

void FakeSocketMode::set_greeting(bool hello) {
    std::lock_guard lock(impl_->mutex);
    impl_->greeting = hello;
}

std::size_t FakeSocketMode::url_requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->urls;
}

std::size_t FakeSocketMode::refused() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->refusals;
}

int FakeSocketMode::connections() const {
    std::lock_guard lock(impl_->mutex);
    return static_cast<int>(impl_->records.size());
}

std::vector<int> FakeSocketMode::open() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<int> ids;
    for (const auto& [id, r] : impl_->records)
        if (r.open) ids.push_back(id);
    return ids;
}

bool FakeSocketMode::wait_for_connections(int n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return static_cast<int>(impl_->records.size()) >= n; });
}

bool FakeSocketMode::wait_for_greeted(int id, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] {
        auto it = impl_->records.find(id);
        return it != impl_->records.end() && it->second.greeted.has_value();
    });
}

bool FakeSocketMode::wait_for_closed(int id, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] {
        auto it = impl_->records.find(id);
        return it != impl_->records.end() && !it->second.open;
    });
}

std::optional<FakeSocketMode::Clock::time_point> FakeSocketMode::accepted_at(int id) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->records.find(id);
    if (it == impl_->records.end()) return std::nullopt;
    return it->second.accepted;
}

std::optional<FakeSocketMode::Clock::time_point> FakeSocketMode::greeted_at(int id) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->records.find(id);
    if (it == impl_->records.end()) return std::nullopt;
    return it->second.greeted;
}

std::optional<FakeSocketMode::Clock::time_point> FakeSocketMode::closed_by_client_at(int id) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->records.find(id);
    if (it == impl_->records.end()) return std::nullopt;
    return it->second.closed_by_client;
}

void FakeSocketMode::send(int id, std::string frame) {
    impl_->with(id, [impl = impl_.get(), frame = std::move(frame)](const std::shared_ptr<Impl::Conn>& c) mutable {
        impl->write(c, std::move(frame));
    });
}

std::string FakeSocketMode::envelope(int id, const std::string& type, nlohmann::json payload, int retry_attempt,
                                     std::string envelope_id, bool accepts_response_payload) {
    if (envelope_id.empty()) {
        std::lock_guard lock(impl_->mutex);
        envelope_id = "env-" + std::to_string(impl_->next_envelope++);
    }
    json frame{{"envelope_id", envelope_id},
               {"type", type},
               {"payload", std::move(payload)},
               {"accepts_response_payload", accepts_response_payload},
               {"retry_attempt", retry_attempt},
               {"retry_reason", retry_attempt > 0 ? "timeout" : ""}};
    send(id, frame.dump());
    return envelope_id;
}

void FakeSocketMode::disconnect(int id, const std::string& reason) {
    send(id, json{{"type", "disconnect"}, {"reason", reason}, {"debug_info", {{"host", "fake-socket-mode"}}}}.dump());
}

void FakeSocketMode::close(int id) {
    impl_->with(id, [](const std::shared_ptr<Impl::Conn>& c) {
        c->closed = true;  // ours, not the client's
        c->ws.async_close(websocket::close_code::normal, [c](beast::error_code) {});
    });
}

void FakeSocketMode::go_silent(int id) {
    // No read pending from now on: the client's pings go unanswered. Applied
    // before this returns, so a close the test sends next is never read.
    impl_->with_now(id, [](const std::shared_ptr<Impl::Conn>& c) {
        c->silent = true;
        beast::error_code ignored;
        beast::get_lowest_layer(c->ws).socket().cancel(ignored);
    });
}

std::vector<FakeAck> FakeSocketMode::acks() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->acks;
}

void FakeSocketMode::on_ack(std::function<void(const FakeAck&)> listener) {
    std::lock_guard lock(impl_->mutex);
    impl_->ack_listener = std::move(listener);
}

std::optional<FakeAck> FakeSocketMode::wait_for_ack(const std::string& envelope_id,
                                                    std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    std::optional<FakeAck> found;
    impl_->changed.wait_for(lock, timeout, [&] {
        for (const auto& a : impl_->acks)
            if (a.envelope_id == envelope_id) {
                found = a;
                return true;
            }
        return false;
    });
    return found;
}

}  // namespace hindsight::fakes
