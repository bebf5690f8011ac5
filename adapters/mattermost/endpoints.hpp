// The Mattermost HTTP endpoints (docs/platforms.md, "Mattermost"): slash
// commands, outgoing webhooks and interactive message actions. They check
// the token and translate the payload; everything after that is the shared
// flow (adapters/chat/flow.hpp). No Boost in this header.
#pragma once

#include "adapters/chat/flow.hpp"
#include "adapters/http/message.hpp"

#include <memory>
#include <string>
#include <vector>

namespace hindsight::mattermost {

class Api;

struct Settings {
    std::vector<std::string> tokens;  // slash command and outgoing webhook tokens
    std::string action_secret;        // key of button tokens; the Sender must use the same
    std::string bot_user_id;          // the bot's own user id when known; else asked from the Api
    std::string site_url;             // Mattermost site URL, for permalinks; may be empty
};

using EndpointDeps = chat::EndpointDeps;

class Endpoints {
public:
    // `api` (may be null) is used on the background worker for the close
    // backfill, display names and the bot's user id. The worker must be
    // stopped before the Endpoints are destroyed.
    Endpoints(Settings settings, EndpointDeps deps, Api* api = nullptr);
    ~Endpoints();
    Endpoints(const Endpoints&) = delete;
    Endpoints& operator=(const Endpoints&) = delete;

    // POST (form) or GET (query) /mattermost/commands → JSON command response.
    void commands(const http::Request& request, http::Responder respond);
    // POST /mattermost/events: outgoing webhook, JSON or form. Always an EMPTY
    // body: Mattermost posts any `text` it finds back into the channel.
    void events(const http::Request& request, http::Responder respond);
    // POST /mattermost/actions: interactive button clicks.
    void interactions(const http::Request& request, http::Responder respond);
    // An event from the WebSocket stream (any thread): recorded like a
    // webhook post, counted, and its author's display name resolved.
    void live_event(const ChatEvent& event);

    chat::Flow& flow();

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace hindsight::mattermost
