// One issue tracker's REST API, as the tracker sender and the poller use it
// (docs/trackers.md). Implementations: GitHub (github.cpp), GitLab
// (gitlab.cpp), Jira (jira.cpp). Blocking calls, one thread at a time; no
// Beast in this header. Errors never carry a credential.
#pragma once

#include "bot/core/time.hpp"
#include "bot/core/tracker.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hindsight::outbound {
struct ClientOptions;
}
namespace hindsight::config {
struct TrackerConfig;
}

namespace hindsight::trackers {

// How one call went: ok, worth retrying (transport error, 5xx, 429, a rate
// limit; retry_after when the tracker said), or refused for good.
struct CallResult {
    enum class Status { ok, retry, failed };
    Status status = Status::ok;
    std::string error;        // "HTTP 500", "connect: Connection refused", ...
    Duration retry_after{0};  // zero: the outbox's own backoff
    bool ok() const { return status == Status::ok; }
};

// A webhook request as the endpoint received it, already read whole.
struct WebhookRequest {
    std::string signature;  // the kind's signature or token header ("" when absent)
    std::string event;      // the kind's event header (GitHub X-GitHub-Event), "" when none
    std::string body;
};

// A chat user's e-mail as their platform tells it (Slack users.info
// profile.email, Mattermost GET /users/{id}): found, none visible (email ""),
// or worth asking again later (retry, with why).
struct EmailLookup {
    bool retry = false;
    std::string email;
    std::string error;
};
using EmailOf = std::function<EmailLookup(const ChannelRef& where, const std::string& user_id)>;

enum class WebhookVerdict { ok, unauthenticated, malformed, ignored };

class TrackerClient {
public:
    virtual ~TrackerClient() = default;

    // file: the ticket whose body carries job.marker, if one was filed
    // before (a filing cut short by a crash); else nullopt.
    virtual CallResult find_filed(const TrackerJob& job, std::optional<TicketUpdate>& found) = 0;
    virtual CallResult create(const TrackerJob& job, TicketUpdate& created) = 0;
    virtual CallResult set_state(const std::string& key, TicketState state) = 0;
    virtual CallResult comment(const std::string& key, const std::string& body) = 0;
    virtual CallResult get(const std::string& key, TicketUpdate& ticket) = 0;
    // The tracker user whose e-mail is `email` (as assigned: GitHub login,
    // GitLab numeric id, Jira account id or user name); "" when none is found.
    virtual CallResult find_user(const std::string& email, std::string& user) = 0;
    // Tickets of `project` updated at or after `since` (conditional where the
    // tracker supports it: an unchanged answer costs nothing).
    virtual CallResult updated_since(const std::string& project, Timestamp since, std::vector<TicketUpdate>& out) = 0;

    // The webhook's header names: signature (or token), event.
    virtual std::string signature_header() const = 0;
    virtual std::string event_header() const { return {}; }
    // Checks the request's signature or token before anything is parsed;
    // then reads what it says about a ticket (ignored: not an issue event).
    virtual WebhookVerdict parse_webhook(const WebhookRequest& request, TicketUpdate& update) const = 0;
};

// The client for a configured tracker (by its kind).
std::unique_ptr<TrackerClient> make_client(const config::TrackerConfig& config,
                                           const outbound::ClientOptions& options, const Clock& clock);

}  // namespace hindsight::trackers
