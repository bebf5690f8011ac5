// The three Slack request URLs (platform_contract.md): verify the signature
// over the raw body, parse, translate, and hand the neutral event or command
// to the Bot inside one write-queue item; answer after COMMIT ("acked means
// stored"). No Boost here.
#pragma once

#include "adapters/http/message.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/ports.hpp"
#include "config/config.hpp"

#include <functional>
#include <memory>

namespace hindsight::outbound {
class Worker;
}

namespace hindsight::slack {

class Api;

struct EndpointDeps {
    WriteQueue& writes;      // run all Bot calls inside writes.submit(work, done)
    Bot& bot;                // only inside a write-queue item
    IncidentStore& store;    // writer-connection store; only inside items
    const Clock& clock;
    outbound::Worker* background = nullptr;  // slow work after the ack; may be null
    std::function<void(EventOutcome)> on_event;  // metrics hook, may be empty
    std::function<void()> on_outbox;             // after commits that may have enqueued, may be empty
};

class Endpoints {
public:
    // `api` serves history backfill and users.info on the background worker
    // (and only there); with no api or no worker those are skipped.
    Endpoints(config::SlackConfig settings, EndpointDeps deps, Api* api = nullptr);
    ~Endpoints();
    Endpoints(const Endpoints&) = delete;
    Endpoints& operator=(const Endpoints&) = delete;

    void commands(const http::Request& request, http::Responder respond);      // POST /slack/commands
    void events(const http::Request& request, http::Responder respond);        // POST /slack/events
    void interactions(const http::Request& request, http::Responder respond);  // POST /slack/interactions

    // The same three, for requests whose origin is already trusted (Socket
    // Mode envelopes carry no signature): everything after the signature
    // check. A non-empty `delivery_key` is remembered in the transaction that
    // runs the command or click, so a redelivery runs it once (answered 200
    // with an empty body); events de-duplicate on their event_id as always.
    void trusted_command(const http::Request& request, http::Responder respond, std::string delivery_key = {});
    void trusted_event(const http::Request& request, http::Responder respond);
    void trusted_interaction(const http::Request& request, http::Responder respond, std::string delivery_key = {});

    // The ephemeral answer to `/incident close` while the backfill runs.
    static constexpr const char* closing_text = "Closing — collecting the channel history and drafting…";

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace hindsight::slack
