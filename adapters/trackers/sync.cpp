#include "adapters/trackers/sync.hpp"

#include "bot/core/bot.hpp"

#include <spdlog/spdlog.h>

namespace hindsight::trackers {

namespace {

std::string key_or_stored(const TrackerJob& job, const std::optional<TicketLink>& link) {
    if (!job.key.empty()) return job.key;
    return link ? link->key : std::string{};
}

}  // namespace

// ---- EmailDirectory

EmailDirectory::EmailDirectory(EmailOf email_of, const Clock& clock) : email_of_(std::move(email_of)), clock_(clock) {}

std::optional<std::string> EmailDirectory::cached(const std::map<std::string, Cached>& cache,
                                                  const std::string& key) const {
    auto it = cache.find(key);
    if (it == cache.end() || it->second.until <= clock_.now()) return std::nullopt;
    return it->second.value;
}

CallResult EmailDirectory::tracker_user(const std::string& tracker, TrackerClient& client, const ItemOwner& owner,
                                        std::string& user, std::string& why) {
    user.clear();
    const std::string person =
        std::string(to_string(owner.where.platform)) + "/" + owner.where.team + "/" + owner.user_id;
    std::optional<std::string> email;
    {
        std::lock_guard lock(mutex_);
        email = cached(emails_, person);
    }
    if (!email) {
        auto found = email_of_ ? email_of_(owner.where, owner.user_id) : EmailLookup{};
        if (found.retry) return {CallResult::Status::retry, "the owner's e-mail: " + found.error, {}};
        std::lock_guard lock(mutex_);
        const Timestamp until = clock_.now() + (found.email.empty() ? nobody_for : found_for);
        emails_[person] = {found.email, until};
        email = found.email;
    }
    if (email->empty()) {
        why = "the owner's e-mail is not visible to Hindsight";
        return {};
    }
    const std::string key = tracker + "\n" + *email;
    {
        std::lock_guard lock(mutex_);
        if (auto nobody = cached(nobody_, key)) {
            why = *nobody;
            return {};
        }
    }
    auto r = client.find_user(*email, user);
    if (!r.ok()) user.clear();
    if (r.status == CallResult::Status::retry) return r;
    if (!r.ok()) {
        // A credential that may not search users: the ticket is still worth
        // filing, unassigned.
        why = tracker + " refused the user search (" + r.error + ")";
    } else if (user.empty()) {
        why = "no " + tracker + " user has the owner's e-mail";
    }
    if (!user.empty()) return {};
    std::lock_guard lock(mutex_);
    nobody_[key] = {why, clock_.now() + nobody_for};
    return {};
}

// ---- Sender

Sender::Sender(SyncDeps deps) : deps_(std::move(deps)) {}

void Sender::add(const std::string& tracker, std::unique_ptr<TrackerClient> client) {
    clients_[tracker] = std::move(client);
}

SendResult Sender::send(const OutboundMessage& message) {
    auto job = parse_tracker_job(message.text);
    if (!job) return {SendResult::Status::failed, "not a tracker job this version understands", {}, {}};
    auto found = clients_.find(job->tracker);
    if (found == clients_.end())
        return {SendResult::Status::failed, "no tracker named '" + job->tracker + "' is configured", {}, {}};
    auto& client = *found->second;
    const std::string ref = "A-" + std::to_string(job->action_id);

    std::optional<TicketLink> link;
    deps_.writes.run([&] { link = deps_.bot.ticket_of(job->action_id); });

    // What went wrong, told to the delivery worker. A retry is told to the
    // channel here (a filing's first only); a refusal when the worker
    // dead-letters the job (dead_lettered), in the same transaction.
    auto trouble = [&](const CallResult& r) {
        const bool permanent = r.status == CallResult::Status::failed;
        spdlog::warn("trackers.{}: {} for {} {}: {}", job->tracker, to_string(job->op), ref,
                     permanent ? "refused" : "failed, will retry", r.error);
        if (permanent) return SendResult{SendResult::Status::failed, r.error, {}, {}};
        deps_.writes.run([&] { deps_.bot.ticket_trouble(*job, r.error, TicketTrouble::retrying); });
        deps_.outbox_changed();
        return SendResult{SendResult::Status::retry, r.error, r.retry_after, {}};
    };

    CallResult r;
    switch (job->op) {
        case TrackerJob::Op::file: {
            // Unlinked, linked by hand or gone while the job waited: nothing to file.
            if (!link || (link->status != TicketStatus::filing && link->status != TicketStatus::delayed))
                return {};
            // A filing cut short after the tracker made the ticket (a crash
            // before it was recorded) left the marker there: no second ticket.
            std::optional<TicketUpdate> ticket;
            r = client.find_filed(*job, ticket);
            if (!r.ok()) return trouble(r);
            if (ticket) {
                spdlog::info("trackers.{}: {} was already filed as {}; adopting it", job->tracker, ref, ticket->key);
            } else {
                r = assign_by_email(*job, client);
                if (!r.ok()) return trouble(r);
                TicketUpdate created;
                r = client.create(*job, created);
                if (!r.ok()) return trouble(r);
                ticket = std::move(created);
                spdlog::info("trackers.{}: filed {} as {}", job->tracker, ref, ticket->key);
            }
            ticket->tracker = job->tracker;
            deps_.writes.run([&] { deps_.bot.record_ticket(job->action_id, *ticket); });
            deps_.outbox_changed();
            return {};
        }
        case TrackerJob::Op::close:
        case TrackerJob::Op::reopen:
        case TrackerJob::Op::comment:
        case TrackerJob::Op::fetch: {
            auto key = key_or_stored(*job, link);
            if (key.empty()) {
                spdlog::info("trackers.{}: {} for {} dropped: the item has no ticket", job->tracker,
                             to_string(job->op), ref);
                return {};
            }
            if (job->op == TrackerJob::Op::comment) {
                r = client.comment(key, job->body);
            } else if (job->op == TrackerJob::Op::fetch) {
                TicketUpdate ticket;
                r = client.get(key, ticket);
                if (r.ok()) {
                    ticket.tracker = job->tracker;
                    ticket.key = key;  // as linked
                    deps_.writes.run([&] { deps_.bot.handle_ticket_update(ticket); });
                    deps_.outbox_changed();
                }
            } else {
                r = client.set_state(key, job->op == TrackerJob::Op::close ? TicketState::closed : TicketState::open);
            }
            if (!r.ok()) return trouble(r);
            return {};
        }
    }
    return {};
}

CallResult Sender::assign_by_email(TrackerJob& job, TrackerClient& client) {
    if (!job.assignee.empty() || !deps_.people) return {};
    std::optional<ItemOwner> owner;
    std::optional<TrackerUserMatch> stored;
    deps_.writes.run([&] {
        owner = deps_.bot.unmapped_owner(job.action_id, job.tracker);
        if (owner) stored = deps_.bot.tracker_match(job.tracker, *owner);
    });
    if (!owner) return {};
    // Found within the day, by this process or before a restart: no search.
    if (stored && deps_.clock.now() < stored->found_at + EmailDirectory::found_for) {
        job.assignee = stored->tracker_user;
        return {};
    }
    std::string why;
    auto r = deps_.people->tracker_user(job.tracker, client, *owner, job.assignee, why);
    if (!r.ok()) return r;
    // The answer is stored: a match found (again, or another one) from now;
    // nobody any more, no match.
    if (!job.assignee.empty() || stored)
        deps_.writes.run([&] { deps_.bot.record_tracker_match(job.tracker, *owner, job.assignee); });
    if (job.assignee.empty()) {
        spdlog::info("trackers.{}: A-{} filed unassigned: {}", job.tracker, job.action_id, why);
        job.body += "\n\nNot assigned: " + why + ".";
    }
    return {};
}

void Sender::dead_lettered(const OutboundMessage& message, const std::string& why, bool gave_up) {
    auto job = parse_tracker_job(message.text);
    if (!job) return;  // nothing to tell: the worker's log says it
    // Inside the worker's write: the Bot is called directly.
    deps_.bot.ticket_trouble(*job, why, gave_up ? TicketTrouble::gave_up : TicketTrouble::refused);
    deps_.outbox_changed();
}

// ---- Poller

Poller::Poller(SyncDeps deps) : deps_(std::move(deps)) {}

void Poller::add(const std::string& tracker, std::unique_ptr<TrackerClient> client, Duration every) {
    if (every <= Duration::zero()) return;
    trackers_[tracker] = Tracker{std::move(client), every, {}, std::nullopt};
}

std::size_t Poller::poll_due() {
    if (trackers_.empty()) return 0;
    const Timestamp now = deps_.clock.now();
    std::map<std::string, std::set<std::string>> projects;
    deps_.writes.run([&] { projects = deps_.bot.ticket_projects(); });
    std::size_t changed = 0;
    for (auto& [name, t] : trackers_) {
        if (t.next > now) continue;
        t.next = now + t.every;
        const Timestamp since = t.last_success ? *t.last_success - overlap : now - first_lookback;
        bool all_ok = true;
        for (const auto& project : projects[name]) {
            std::vector<TicketUpdate> updates;
            auto r = t.client->updated_since(project, since, updates);
            if (!r.ok()) {
                spdlog::warn("trackers.{}: polling {} failed, trying again in {}: {}", name, project,
                             format_duration(t.every), r.error);
                all_ok = false;
                continue;
            }
            for (auto& u : updates) {
                u.tracker = name;
                TicketOutcome outcome = TicketOutcome::unknown;
                deps_.writes.run([&] { outcome = deps_.bot.handle_ticket_update(u); });
                if (outcome == TicketOutcome::updated) ++changed;
            }
        }
        if (all_ok) t.last_success = now;
    }
    if (changed > 0) deps_.outbox_changed();
    return changed;
}

// ---- Webhooks

Webhooks::Webhooks(SyncDeps deps, std::string tracker, const TrackerClient& client)
    : deps_(std::move(deps)), tracker_(std::move(tracker)), client_(client) {}

void Webhooks::handle(const http::Request& request, http::Responder respond) {
    WebhookRequest w;
    w.signature = std::string(request.header(client_.signature_header()).value_or(""));
    if (auto name = client_.event_header(); !name.empty()) w.event = std::string(request.header(name).value_or(""));
    w.body = request.body;
    TicketUpdate update;
    switch (client_.parse_webhook(w, update)) {
        case WebhookVerdict::unauthenticated:
            spdlog::warn("trackers.{}: webhook from {} refused: {} missing or wrong", tracker_, request.remote,
                         client_.signature_header());
            return respond(http::Response::text(401, "unauthenticated\n"));
        case WebhookVerdict::malformed:
            spdlog::warn("trackers.{}: webhook from {} is not a readable issue event", tracker_, request.remote);
            return respond(http::Response::text(400, "malformed issue event\n"));
        case WebhookVerdict::ignored: return respond(http::Response::text(200, "ignored\n"));
        case WebhookVerdict::ok: break;
    }
    update.tracker = tracker_;
    auto outcome = std::make_shared<TicketOutcome>(TicketOutcome::unknown);
    deps_.writes.submit([this, update, outcome] { *outcome = deps_.bot.handle_ticket_update(update); },
                        [this, update, outcome, respond](std::exception_ptr error) {
                            if (error) {
                                try {
                                    std::rethrow_exception(error);
                                } catch (const std::exception& e) {
                                    spdlog::error("trackers.{}: webhook for {} not stored: {}", tracker_, update.key,
                                                  e.what());
                                }
                                return respond(http::Response::text(500, "not stored\n"));
                            }
                            if (*outcome == TicketOutcome::unknown)
                                spdlog::info("trackers.{}: webhook for {}: no action item has this ticket; ignored",
                                             tracker_, update.key);
                            else
                                deps_.outbox_changed();
                            respond(http::Response::text(200, std::string(to_string(*outcome)) + "\n"));
                        });
}

}  // namespace hindsight::trackers
