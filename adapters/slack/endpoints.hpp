// The three Slack request URLs (docs/platforms.md, "Slack"): verify the
// signature over the raw body, check the media type, parse and translate;
// everything after that is the shared flow (adapters/chat/flow.hpp): one
// write-queue item, answered after COMMIT. No Boost here.
#pragma once

#include "adapters/chat/flow.hpp"
#include "adapters/http/message.hpp"
#include "config/config.hpp"

#include <memory>

namespace hindsight::slack {

class Api;
using EndpointDeps = chat::EndpointDeps;

class Endpoints {
public:
    // `api` serves history backfill, users.info and interaction replies on
    // the background worker (and only there); with no api or no worker those
    // are skipped.
    Endpoints(config::SlackConfig settings, EndpointDeps deps, Api* api = nullptr);
    ~Endpoints();
    Endpoints(const Endpoints&) = delete;
    Endpoints& operator=(const Endpoints&) = delete;

    void commands(const http::Request& request, http::Responder respond);      // POST /slack/commands
    void events(const http::Request& request, http::Responder respond);        // POST /slack/events
    void interactions(const http::Request& request, http::Responder respond);  // POST /slack/interactions

    // The flow these endpoints feed; another Slack transport (Socket Mode)
    // hands its parsed commands, events and interactions to the same one.
    chat::Flow& flow();
    // team id → workspace domain ("acme"), as learned from slash commands:
    // what parse_events needs to give messages permalinks. "" when unknown.
    std::string team_domain(const std::string& team) const;

    // The same three, for requests whose origin is already trusted (Socket
    // Mode envelopes carry no signature): everything after the signature
    // check. A non-empty `delivery_key` is remembered in the transaction that
    // runs the command or click, so a redelivery runs it once (answered 200
    // with an empty body); events de-duplicate on their event_id as always.
    void trusted_command(const http::Request& request, http::Responder respond, std::string delivery_key = {});
    void trusted_event(const http::Request& request, http::Responder respond);
    void trusted_interaction(const http::Request& request, http::Responder respond, std::string delivery_key = {});

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace hindsight::slack
