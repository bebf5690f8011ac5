#include "tests/fakes/fake_server.hpp"

#include "tests/support/test_certificate.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace hindsight::fakes {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

}  // namespace

// ---- RecordedRequest / FakeResponse

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

std::string RecordedRequest::path() const { return std::string(path_of(target)); }

FakeResponse FakeResponse::json(int status, std::string body) {
    FakeResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

FakeResponse FakeResponse::text(int status, std::string body) {
    FakeResponse r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = "text/plain; charset=utf-8";
    return r;
}

// ---- the server

namespace {

// What sessions share: the routes, the scripts and the record.
struct Core {
    mutable std::mutex mutex;
    mutable std::condition_variable arrived;
    std::vector<RecordedRequest> recorded;
    std::map<std::pair<std::string, std::string>, FakeServer::Handler> routes;
    FakeServer::Handler fallback;
    std::map<std::string, std::deque<FakeResponse>, std::less<>> scripted;
    std::atomic<std::size_t> accepted{0};

    std::set<std::string, std::less<>> held;                        // paths not answered for now
    std::map<std::string, std::vector<std::function<void()>>> parked;  // their requests, to answer on release

    void record(const RecordedRequest& request) {
        std::lock_guard lock(mutex);
        recorded.push_back(request);
        arrived.notify_all();
    }

    // True when `path` is held: `resume` runs once it is released.
    bool park(const std::string& path, std::function<void()> resume) {
        std::lock_guard lock(mutex);
        if (!held.count(path)) return false;
        parked[path].push_back(std::move(resume));
        return true;
    }

    // Picks the answer to a recorded request: scripted, routed, or 404.
    FakeResponse answer(const RecordedRequest& request) {
        FakeServer::Handler handler;
        std::string path = request.path();
        {
            std::lock_guard lock(mutex);
            if (auto it = scripted.find(path); it != scripted.end() && !it->second.empty()) {
                FakeResponse next = std::move(it->second.front());
                it->second.pop_front();
                return next;
            }
            if (auto it = routes.find({request.method, path}); it != routes.end())
                handler = it->second;
            else
                handler = fallback;
        }
        if (!handler) return FakeResponse::json(404, R"({"error":"not found"})");
        try {
            return handler(request);
        } catch (const std::exception& e) {
            return FakeResponse::text(500, std::string("fake route threw: ") + e.what());
        } catch (...) {
            return FakeResponse::text(500, "fake route threw");
        }
    }
};

}  // namespace

namespace {

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    Session(Core& server, tcp::socket socket)
        requires(!is_tls)
        : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()) {}
    Session(Core& server, tcp::socket socket, ssl::context& tls)
        requires(is_tls)
        : server_(server), stream_(std::move(socket), tls), timer_(stream_.get_executor()) {}

    void start() {
        if constexpr (is_tls) {
            stream_.async_handshake(ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (!ec) self->read();
                                    });
        } else {
            read();
        }
    }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(64 * 1024 * 1024);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        if (ec) return;  // the client went away (or spoke nonsense): the session ends
        const auto& req = parser_->get();
        RecordedRequest recorded;
        recorded.method = std::string(req.method_string());
        recorded.target = std::string(req.target());
        for (const auto& field : req)
            recorded.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
        recorded.body = req.body();
        recorded.received_at = std::chrono::steady_clock::now();
        keep_alive_ = req.keep_alive();
        version_ = req.version();
        server_.record(recorded);
        auto path = recorded.path();
        if (server_.park(path, [self = this->shared_from_this(), recorded] { self->respond(recorded); })) return;
        respond(recorded);
    }

    void respond(const RecordedRequest& recorded) {
        response_ = server_.answer(recorded);
        if (response_.delay.count() > 0) {
            timer_.expires_after(response_.delay);
            timer_.async_wait([self = this->shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec) self->send();
            });
        } else {
            send();
        }
    }

    void send() {
        message_ = {static_cast<http::status>(response_.status), version_};
        bool has_content_type = false;
        for (const auto& [k, v] : response_.headers) {
            message_.insert(k, v);
            has_content_type = has_content_type || iequals(k, "content-type");
        }
        if (!has_content_type && !response_.content_type.empty())
            message_.set(http::field::content_type, response_.content_type);
        message_.body() = response_.body;
        message_.keep_alive(keep_alive_ && !response_.reset_connection);
        message_.prepare_payload();

        if (response_.reset_connection) {
            if (response_.body.empty()) return reset();
            std::ostringstream head;
            head << message_.base();
            raw_ = head.str() + response_.body.substr(0, response_.body.size() / 2);
            net::async_write(stream_, net::buffer(raw_),
                             [self = this->shared_from_this()](beast::error_code, std::size_t) {
                                 self->reset();
                             });
            return;
        }
        http::async_write(stream_, message_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_write(ec);
                          });
    }

    void on_write(beast::error_code ec) {
        if (ec) return;
        if (response_.close_after || !keep_alive_) {
            beast::error_code ignored;
            beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
            beast::get_lowest_layer(stream_).socket().close(ignored);
            return;
        }
        read();
    }

    // An abortive close: linger 0 makes close() send RST instead of FIN.
    void reset() {
        beast::error_code ignored;
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.set_option(net::socket_base::linger(true, 0), ignored);
        socket.close(ignored);
    }

    Core& server_;
    Stream stream_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> message_;
    FakeResponse response_;
    std::string raw_;
    bool keep_alive_ = true;
    unsigned version_ = 11;
};

}  // namespace

struct FakeServer::Impl {
    Options options;
    std::optional<ssl::context> tls;  // outlives the io_context's sessions
    Core core;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    unsigned short port = 0;
    test::TestCertificate certificate;
    std::string ca_path;

    void accept();
};

void FakeServer::Impl::accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            ++core.accepted;
            if (tls) {
                std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                    core, std::move(socket), *tls)
                    ->start();
            } else {
                std::make_shared<Session<beast::tcp_stream>>(core, std::move(socket))->start();
            }
        }
        accept();
    });
}

FakeServer::FakeServer() : FakeServer(Options{}) {}

FakeServer::FakeServer(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    if (impl_->options.tls) {
        test::CertificateOptions cert;
        cert.dns_names = impl_->options.cert_dns_names;
        cert.loopback_ip = impl_->options.cert_loopback_ip;
        impl_->certificate = test::make_test_certificate(cert);
        impl_->tls.emplace(ssl::context::tls_server);
        impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                ssl::context::no_tlsv1_1);
        impl_->tls->use_certificate_chain(net::buffer(impl_->certificate.cert_pem));
        impl_->tls->use_private_key(net::buffer(impl_->certificate.key_pem),
                                    ssl::context::file_format::pem);

        std::random_device rd;
        auto file = std::filesystem::temp_directory_path() /
                    ("hindsight-fake-ca-" + std::to_string(rd()) + std::to_string(rd()) + ".pem");
        std::ofstream out(file, std::ios::binary);
        out << impl_->certificate.cert_pem;
        out.close();
        if (!out) throw std::runtime_error("fake server: cannot write " + file.string());
        impl_->ca_path = file.string();
    }

    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    impl_->thread = std::thread([impl = impl_.get()] {
        for (;;) {
            try {
                impl->ioc.run();
                return;
            } catch (...) {
                // A session failed in a way the handlers did not catch; keep serving.
            }
        }
    });
}

FakeServer::~FakeServer() {
    impl_->ioc.stop();
    impl_->thread.join();
    impl_->core.parked.clear();  // held sessions go before the io_context they use
    if (!impl_->ca_path.empty()) {
        std::error_code ignored;
        std::filesystem::remove(impl_->ca_path, ignored);
    }
}

std::string FakeServer::base_url() const { return url_for_host("127.0.0.1"); }

std::string FakeServer::url_for_host(std::string_view host) const {
    return std::string(impl_->tls ? "https://" : "http://") + std::string(host) + ":" +
           std::to_string(impl_->port);
}

unsigned short FakeServer::port() const { return impl_->port; }
std::string FakeServer::ca_file() const { return impl_->ca_path; }
std::string FakeServer::ca_pem() const { return impl_->certificate.cert_pem; }

void FakeServer::route(std::string method, std::string path, Handler handler) {
    std::lock_guard lock(impl_->core.mutex);
    impl_->core.routes[{std::move(method), std::move(path)}] = std::move(handler);
}

void FakeServer::fallback(Handler handler) {
    std::lock_guard lock(impl_->core.mutex);
    impl_->core.fallback = std::move(handler);
}

void FakeServer::hold(std::string path) {
    std::lock_guard lock(impl_->core.mutex);
    impl_->core.held.insert(std::move(path));
}

void FakeServer::release(const std::string& path) {
    std::vector<std::function<void()>> resume;
    {
        std::lock_guard lock(impl_->core.mutex);
        impl_->core.held.erase(path);
        if (auto it = impl_->core.parked.find(path); it != impl_->core.parked.end()) {
            resume = std::move(it->second);
            impl_->core.parked.erase(it);
        }
    }
    for (auto& r : resume) net::post(impl_->ioc, std::move(r));
}

void FakeServer::fail_next(std::string path, std::vector<FakeResponse> responses) {
    std::lock_guard lock(impl_->core.mutex);
    auto& queue = impl_->core.scripted[std::move(path)];
    for (auto& r : responses) queue.push_back(std::move(r));
}

std::vector<RecordedRequest> FakeServer::requests() const {
    std::lock_guard lock(impl_->core.mutex);
    return impl_->core.recorded;
}

std::vector<RecordedRequest> FakeServer::requests_to(std::string_view path) const {
    std::lock_guard lock(impl_->core.mutex);
    std::vector<RecordedRequest> out;
    for (const auto& r : impl_->core.recorded)
        if (path_of(r.target) == path) out.push_back(r);
    return out;
}

bool FakeServer::wait_for_requests(std::string_view path, std::size_t n,
                                   std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->core.mutex);
    return impl_->core.arrived.wait_for(lock, timeout, [&] {
        return static_cast<std::size_t>(std::count_if(
                   impl_->core.recorded.begin(), impl_->core.recorded.end(),
                   [&](const RecordedRequest& r) { return path_of(r.target) == path; })) >= n;
    });
}

std::size_t FakeServer::connections() const { return impl_->core.accepted.load(); }

}  // namespace hindsight::fakes
