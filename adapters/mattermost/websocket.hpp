// Live capture from Mattermost's WebSocket event stream (docs/platforms.md, "Mattermost: WebSocket"):
// posts, edits, deletions and pushpin reactions in every channel the bot can
// see, private ones included. Runs on its own thread and io_context; no Boost
// in this header.
#pragma once

#include "adapters/mattermost/inbound.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace hindsight::mattermost {

class Api;

struct StreamOptions {
    std::string site_url;   // http(s)://host[:port] → ws(s)://host[:port]/api/v4/websocket
    std::string bot_token;  // Authorization: Bearer on the upgrade request
    std::string ca_file;    // extra CA bundle (wss with a private CA); empty: system store
    std::chrono::milliseconds connect_timeout{10000};  // connect + TLS + upgrade + hello
    std::chrono::milliseconds idle_timeout{60000};     // pings after half of it; closed without an answer
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{60000};
};

class LiveStream {
public:
    // `on_event` runs on the stream's thread for every translated event, the
    // bot's own posts included (the Bot ignores them). Channels without an
    // open incident are the Bot's to ignore, too. `api` (may be null) resolves
    // channel teams and fills gaps (seq jumps, reconnects) with
    // `since=<last seen ms>`; `context.bot_user_id` marks the bot's own posts.
    LiveStream(StreamOptions options, ParseContext context, Api* api,
               std::function<void(const ChatEvent&)> on_event);
    ~LiveStream();  // stop()
    LiveStream(const LiveStream&) = delete;
    LiveStream& operator=(const LiveStream&) = delete;

    void start();
    // Closes the connection and joins the thread; idempotent.
    void stop();

    // Connections that reached `hello`, and gap fills run (for metrics and tests).
    std::uint64_t sessions() const;
    std::uint64_t gap_fills() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hindsight::mattermost
