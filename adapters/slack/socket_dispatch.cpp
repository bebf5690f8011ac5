#include "adapters/slack/socket_dispatch.hpp"

#include "adapters/slack/endpoints.hpp"

#include <spdlog/spdlog.h>

namespace hindsight::slack {

namespace {

constexpr const char* source = "slack socket mode";

// The request the HTTP endpoint at `path` would have received.
http::Request request(const char* path, EndpointRequest& converted) {
    http::Request r;
    r.method = "POST";
    r.target = path;
    r.headers.emplace_back("Content-Type", std::move(converted.content_type));
    r.body = std::move(converted.body);
    r.remote = source;
    return r;
}

// The endpoint's answer as the ack. 5xx means "not stored": no ack, so Slack
// delivers the envelope again. Anything else is final (a malformed payload
// would fail the same way again), and a JSON body is the reply to carry.
http::Responder acknowledging(Ack ack, std::string envelope_id) {
    return [ack = std::move(ack), envelope_id = std::move(envelope_id)](http::Response response) {
        if (response.status >= 500) {
            spdlog::warn("{}: envelope {} not stored; not acknowledged, Slack delivers it again", source, envelope_id);
            return;
        }
        const bool reply = !response.body.empty() && response.content_type.starts_with("application/json");
        ack(reply ? std::move(response.body) : std::string{});
    };
}

}  // namespace

void SocketDispatch::operator()(Envelope envelope, Ack ack) const {
    auto respond = acknowledging(std::move(ack), envelope.envelope_id);
    if (envelope.retry_attempt > 0)
        spdlog::debug("{}: envelope {} redelivered (attempt {}, {})", source, envelope.envelope_id,
                      envelope.retry_attempt, envelope.retry_reason);
    auto converted = endpoint_request(envelope);
    if (!converted.problem.empty()) {
        spdlog::warn("{}: envelope {}: {}", source, envelope.envelope_id, converted.problem);
        respond(http::Response::empty(400));
        return;
    }
    const std::string key = "slack-envelope:" + envelope.envelope_id;
    switch (converted.route) {
    case EndpointRequest::Route::events:
        endpoints_->trusted_event(request("/slack/events", converted), std::move(respond));
        return;
    case EndpointRequest::Route::commands:
        endpoints_->trusted_command(request("/slack/commands", converted), std::move(respond), key);
        return;
    case EndpointRequest::Route::interactions:
        endpoints_->trusted_interaction(request("/slack/interactions", converted), std::move(respond), key);
        return;
    case EndpointRequest::Route::none: break;
    }
    spdlog::debug("{}: ignored envelope type '{}'", source, envelope.type);
    respond(http::Response::empty(200));
}

}  // namespace hindsight::slack
