// The tracker side of the outbox and of the sync back (docs/trackers.md):
//   Sender   delivers Platform::tracker outbox rows (TrackerJob) through the
//            tracker's client; the delivery worker retries what it says to.
//   Poller   asks each tracker what changed since the last poll.
//   Webhooks POST /trackers/{name}/webhook: verified before parsing.
// Every change to the database goes through the write queue and the Bot.
#pragma once

#include "adapters/http/message.hpp"
#include "adapters/trackers/client.hpp"
#include "bot/core/ports.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace hindsight {
class Bot;
}

namespace hindsight::trackers {

// Owners matched to tracker users by e-mail (docs/trackers.md, "Owners"):
// the chat platform's e-mail of a chat user, and the tracker user with it.
// A match found is the Sender's to store (tracker_user_matches), where a
// filing finds it for a day, after a restart too; this keeps in memory, on
// the injected clock, the e-mails (a day) and the searches that found
// nobody (an hour: an account made meanwhile is found then). Thread-safe.
class EmailDirectory {
public:
    EmailDirectory(EmailOf email_of, const Clock& clock);
    // The tracker user of a chat user, searched for now: `user` set, or ""
    // with `why` saying why nobody (no e-mail visible, no tracker user with
    // it, the search refused).
    CallResult tracker_user(const std::string& tracker, TrackerClient& client, const ItemOwner& owner,
                            std::string& user, std::string& why);

    static constexpr Duration found_for = std::chrono::hours(24);
    static constexpr Duration nobody_for = std::chrono::hours(1);

private:
    struct Cached {
        std::string value;
        Timestamp until;
    };
    std::optional<std::string> cached(const std::map<std::string, Cached>& cache, const std::string& key) const;

    EmailOf email_of_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Cached> emails_;   // platform/team/user -> e-mail
    std::map<std::string, Cached> nobody_;   // tracker \n e-mail -> why nobody has it
};

struct SyncDeps {
    WriteQueue& writes;
    Bot& bot;
    const Clock& clock;
    std::function<void()> outbox_changed;  // kick the delivery worker
    EmailDirectory* people = nullptr;      // none: owners are mapped by `users` only
};

class Sender final : public ChatSender {
public:
    explicit Sender(SyncDeps deps);
    void add(const std::string& tracker, std::unique_ptr<TrackerClient> client);  // before use
    SendResult send(const OutboundMessage& message) override;
    // The job is a dead letter: the item's channel is told which item and why.
    void dead_lettered(const OutboundMessage& message, const std::string& why, bool gave_up) override;

private:
    // An owner not in `users`: the tracker user with their e-mail becomes
    // the assignee, or the body says why the ticket is unassigned. A match
    // stored less than a day ago is used as it is; else the search's answer
    // replaces it.
    CallResult assign_by_email(TrackerJob& job, TrackerClient& client);

    SyncDeps deps_;
    std::map<std::string, std::unique_ptr<TrackerClient>> clients_;
};

class Poller {
public:
    explicit Poller(SyncDeps deps);
    // `every`: how often; zero never polls this tracker.
    void add(const std::string& tracker, std::unique_ptr<TrackerClient> client, Duration every);
    // Polls each tracker that is due (clock) for the projects that hold
    // tickets; returns how many tickets changed an item. One caller at a time.
    std::size_t poll_due();
    bool any() const { return !trackers_.empty(); }

    // The first poll after start looks this far back: changes made while
    // Hindsight was down are caught.
    static constexpr Duration first_lookback = std::chrono::hours(24 * 7);
    // Each poll overlaps the previous one by this much (clock skew).
    static constexpr Duration overlap = std::chrono::minutes(2);

private:
    struct Tracker {
        std::unique_ptr<TrackerClient> client;
        Duration every{0};
        Timestamp next{};
        std::optional<Timestamp> last_success;
    };
    SyncDeps deps_;
    std::map<std::string, Tracker> trackers_;
};

// The webhook routes' handler for one tracker.
class Webhooks {
public:
    Webhooks(SyncDeps deps, std::string tracker, const TrackerClient& client);
    void handle(const http::Request& request, http::Responder respond);

private:
    SyncDeps deps_;
    std::string tracker_;
    const TrackerClient& client_;
};

}  // namespace hindsight::trackers
