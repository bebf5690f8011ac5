#include "adapters/slack/socket_dispatch.hpp"

#include "adapters/http/form.hpp"
#include "adapters/slack/endpoints.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace hindsight::slack {

namespace {

using nlohmann::json;

constexpr const char* source = "slack socket mode";

http::Request request(const char* path, const char* content_type, std::string body) {
    http::Request r;
    r.method = "POST";
    r.target = path;
    r.headers.emplace_back("Content-Type", content_type);
    r.body = std::move(body);
    r.remote = source;
    return r;
}

// A slash command's payload is the form an HTTP command POST carries, as a
// JSON object: back to that form.
std::string form_of(const json& fields) {
    std::string body;
    for (const auto& [key, value] : fields.items()) {
        if (!body.empty()) body += '&';
        body += http::url_encode(key) + '=' +
                http::url_encode(value.is_string() ? value.get<std::string>() : value.dump());
    }
    return body;
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
    const std::string key = "slack-envelope:" + envelope.envelope_id;
    if (envelope.type == "events_api") {
        endpoints_->trusted_event(request("/slack/events", "application/json", std::move(envelope.payload)),
                                  std::move(respond));
        return;
    }
    if (envelope.type == "slash_commands" || envelope.type == "interactive") {
        auto payload = json::parse(envelope.payload, nullptr, false);
        if (!payload.is_object()) {
            spdlog::warn("{}: {} envelope {} without a payload object", source, envelope.type, envelope.envelope_id);
            respond(http::Response::empty(400));
            return;
        }
        if (envelope.type == "slash_commands") {
            endpoints_->trusted_command(
                request("/slack/commands", "application/x-www-form-urlencoded", form_of(payload)), std::move(respond),
                key);
        } else {
            endpoints_->trusted_interaction(request("/slack/interactions", "application/x-www-form-urlencoded",
                                                    "payload=" + http::url_encode(envelope.payload)),
                                            std::move(respond), key);
        }
        return;
    }
    spdlog::debug("{}: ignored envelope type '{}'", source, envelope.type);
    respond(http::Response::empty(200));
}

}  // namespace hindsight::slack
