#include "adapters/mattermost/websocket.hpp"

#include "adapters/mattermost/api.hpp"
#include "adapters/mattermost/history.hpp"
#include "adapters/outbound/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace hindsight::mattermost {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using net::use_awaitable;

struct LiveStream::Impl {
    StreamOptions options;
    ParseContext context;
    Api* api;
    std::function<void(const ChatEvent&)> on_event;

    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    bool started = false;
    std::thread thread;
    std::atomic<std::uint64_t> sessions{0};
    std::atomic<std::uint64_t> gap_fills{0};

    // Stream state, touched only by the stream's thread.
    struct Channel {
        std::string team;
        std::int64_t last_ms = 0;  // newest post change seen
    };
    std::map<std::string, Channel> channels;
    std::int64_t last_seq = -1;
    bool saw_hello = false;
    bool had_session = false;

    net::io_context ioc;  // last: destroyed first, with any suspended coroutine frames

    Impl(StreamOptions o, ParseContext c, Api* a, std::function<void(const ChatEvent&)> e)
        : options(std::move(o)), context(std::move(c)), api(a), on_event(std::move(e)) {}

    bool is_stopping() {
        std::lock_guard lock(mutex);
        return stopping;
    }

    void run() {
        std::mt19937 random{std::random_device{}()};
        auto backoff = options.initial_backoff;
        while (true) {
            std::string error = session();
            if (is_stopping()) break;
            if (saw_hello) backoff = options.initial_backoff;  // it worked for a while: start over
            // Full jitter in [backoff/2, backoff] so many bots don't reconnect in step.
            auto half = backoff.count() / 2;
            std::chrono::milliseconds wait{half + std::uniform_int_distribution<long long>(0, half)(random)};
            spdlog::warn("mattermost: websocket: {}; reconnecting in {} ms", error, wait.count());
            backoff = std::min(backoff * 2, options.max_backoff);
            std::unique_lock lock(mutex);
            if (wake.wait_for(lock, wait, [this] { return stopping; })) break;
        }
    }

    // One connection, from connect to its end; returns why it ended.
    std::string session() {
        {
            // Under the lock so that stop() either sees this run or prevents it.
            std::lock_guard lock(mutex);
            if (stopping) return "stopped";
            ioc.restart();
        }
        saw_hello = false;
        std::string error = "connection closed";
        net::co_spawn(ioc, connect(), [&error](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const boost::system::system_error& x) {
                error = x.code() == websocket::error::closed ? "closed by the server" : x.code().message();
            } catch (const std::exception& x) {
                error = x.what();
            }
        });
        ioc.run();
        return error;
    }

    net::awaitable<void> connect() {
        auto url = outbound::Url::parse(options.site_url);
        if (!url) throw std::runtime_error("mattermost.url is not an http(s) URL");
        std::string target = url->target;
        while (!target.empty() && target.back() == '/') target.pop_back();
        target += "/api/v4/websocket";
        const bool default_port = (url->scheme == "https" && url->port == "443") ||
                                  (url->scheme == "http" && url->port == "80");
        const std::string host = default_port ? url->host : url->host + ":" + url->port;

        auto executor = co_await net::this_coro::executor;
        tcp::resolver resolver(executor);
        auto endpoints = co_await resolver.async_resolve(url->host, url->port, use_awaitable);

        if (url->scheme == "https") {
            ssl::context tls{ssl::context::tls_client};
            tls.set_default_verify_paths();
            if (!options.ca_file.empty()) tls.load_verify_file(options.ca_file);
            tls.set_verify_mode(ssl::verify_peer);
            websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(executor, tls);
            beast::get_lowest_layer(ws).expires_after(options.connect_timeout);
            co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
            if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), url->host.c_str()))
                throw std::runtime_error("tls: cannot set SNI host name");
            ws.next_layer().set_verify_callback(ssl::host_name_verification(url->host));
            co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_awaitable);
            co_await converse(ws, host, target);
        } else {
            websocket::stream<beast::tcp_stream> ws(executor);
            beast::get_lowest_layer(ws).expires_after(options.connect_timeout);
            co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
            co_await converse(ws, host, target);
        }
    }

    template <class Ws>
    net::awaitable<void> converse(Ws& ws, const std::string& host, const std::string& target) {
        beast::get_lowest_layer(ws).expires_never();  // the websocket timeouts take over
        websocket::stream_base::timeout timeouts;
        timeouts.handshake_timeout = options.connect_timeout;
        timeouts.idle_timeout = options.idle_timeout;
        timeouts.keep_alive_pings = true;  // ping at idle/2, give up at idle
        ws.set_option(timeouts);
        ws.set_option(websocket::stream_base::decorator([token = options.bot_token](websocket::request_type& request) {
            request.set(beast::http::field::authorization, "Bearer " + token);
            request.set(beast::http::field::user_agent, "hindsight");
        }));
        co_await ws.async_handshake(host, target, use_awaitable);

        // No `hello` in time: this attempt failed (e.g. the token was refused).
        net::steady_timer hello_timer(co_await net::this_coro::executor);
        hello_timer.expires_after(options.connect_timeout);
        hello_timer.async_wait([this, &ws](boost::system::error_code ec) {
            if (ec || saw_hello) return;
            beast::error_code ignored;
            beast::get_lowest_layer(ws).socket().close(ignored);
        });

        beast::flat_buffer buffer;
        while (true) {
            buffer.clear();
            co_await ws.async_read(buffer, use_awaitable);
            handle(beast::buffers_to_string(buffer.data()));
            if (saw_hello) hello_timer.cancel();
        }
    }

    void handle(const std::string& frame) {
        SocketEvent ev;
        try {
            ev = parse_socket_event(frame, context);
        } catch (const ParseError& e) {
            spdlog::debug("mattermost: websocket: dropped a frame: {}", e.what());
            return;
        }
        if (ev.event.empty()) return;  // a reply to a request of ours
        if (!saw_hello) {
            if (ev.event != "hello") throw std::runtime_error("the first event was not hello");
            saw_hello = true;
            last_seq = ev.seq;
            ++sessions;
            spdlog::info("mattermost: websocket connected");
            // Whatever happened while we were away.
            if (had_session) fill_gaps();
            had_session = true;
            return;
        }
        if (ev.seq >= 0) {
            const bool gap = last_seq >= 0 && ev.seq > last_seq + 1;
            last_seq = ev.seq;
            if (gap) {
                spdlog::info("mattermost: websocket: events were lost (seq jumped); filling from the REST API");
                fill_gaps();
            }
        }
        if (!ev.chat || ev.channel_id.empty()) return;
        auto& channel = channels[ev.channel_id];
        if (channel.team.empty()) channel.team = !ev.team_id.empty() ? ev.team_id : resolve_team(ev.channel_id);
        channel.last_ms = std::max(channel.last_ms, ev.changed_at);
        set_team(*ev.chat, channel.team);
        on_event(*ev.chat);
    }

    std::string resolve_team(const std::string& channel_id) {
        if (!api) return {};
        return api->channel_team(channel_id).value_or(std::string{});
    }

    // Posts changed in the channels we follow since the last change we saw.
    // `since=` is exclusive and has milliseconds: ask from the millisecond
    // before, or a post changed in the same millisecond as the last one seen
    // is lost. What is seen twice is recorded once (by post id).
    void fill_gaps() {
        if (!api) return;
        ++gap_fills;
        for (auto& [id, channel] : channels) {
            if (channel.last_ms == 0) continue;
            ChannelRef where{Platform::mattermost, channel.team, id};
            auto history = fetch_changes(*api, where, channel.last_ms - 1, context);
            if (!history.complete) spdlog::warn("mattermost: websocket gap fill: {}", history.error);
            for (const auto& event : history.events) on_event(event);
        }
    }
};

LiveStream::LiveStream(StreamOptions options, ParseContext context, Api* api,
                       std::function<void(const ChatEvent&)> on_event)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(context), api, std::move(on_event))) {}

LiveStream::~LiveStream() { stop(); }

void LiveStream::start() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->started || impl_->stopping) return;
    impl_->started = true;
    impl_->thread = std::thread([this] { impl_->run(); });
}

void LiveStream::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        impl_->ioc.stop();
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint64_t LiveStream::sessions() const { return impl_->sessions; }
std::uint64_t LiveStream::gap_fills() const { return impl_->gap_fills; }

}  // namespace hindsight::mattermost
