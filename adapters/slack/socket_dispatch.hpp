// The seam between Socket Mode and the Slack flow: each envelope becomes the
// request the matching HTTP endpoint would have received, runs through the
// same code after its signature check (Endpoints::trusted_*), and the
// endpoint's answer becomes the ack — sent only once the endpoint answered,
// which it does after COMMIT. A command's reply rides in the ack's payload.
// This is the one file to re-point when the endpoints' flow moves.
#pragma once

#include "adapters/slack/socket_mode.hpp"

namespace hindsight::slack {

class Endpoints;

class SocketDispatch {
public:
    explicit SocketDispatch(Endpoints& endpoints) : endpoints_(&endpoints) {}
    // A SocketModeClient's EnvelopeHandler.
    void operator()(Envelope envelope, Ack ack) const;

private:
    Endpoints* endpoints_;
};

}  // namespace hindsight::slack
