// The Mattermost HTTP endpoints (docs/platform contract): slash commands,
// outgoing webhooks and interactive message actions, verified, parsed and
// handed to the Bot on the database writer. No Boost in this header.
#pragma once

#include "adapters/http/message.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/ports.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hindsight::outbound {
class Worker;
}

namespace hindsight::mattermost {

class Api;

struct Settings {
    std::vector<std::string> tokens;  // slash command and outgoing webhook tokens
    std::string action_secret;        // key of button tokens; the Sender must use the same
    std::string bot_user_id;          // the bot's own user id when known; else asked from the Api
    std::string site_url;             // Mattermost site URL, for permalinks; may be empty
};

struct EndpointDeps {
    WriteQueue& writes;     // all Bot and store calls run inside writes.submit
    Bot& bot;
    IncidentStore& store;   // the writer's store; only inside work items
    const Clock& clock;
    outbound::Worker* background = nullptr;  // slow work after the ack; may be null
    std::function<void(EventOutcome)> on_event;  // metrics hook, may be empty
    std::function<void()> on_outbox;             // after commits that may have enqueued, may be empty
};

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

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace hindsight::mattermost
