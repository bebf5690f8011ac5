// The bot: turns neutral chat events and commands into recorded facts,
// replies and outbox messages. Pure domain: synchronous, no I/O of its own.
// Every call runs inside a WriteQueue work item, so all it stores (and
// enqueues) commits together or not at all.
#pragma once

#include "bot/core/chat_event.hpp"
#include "bot/core/ports.hpp"
#include "bot/core/settings.hpp"
#include "bot/core/timeline.hpp"

#include <string_view>

namespace hindsight {

enum class EventOutcome {
    stored,     // a new message, edit, deletion or mark was recorded
    duplicate,  // already seen (same delivery key or message id)
    ignored,    // not for us: no open incident, a bot, a join notice, ...
};

class Bot {
public:
    Bot(IncidentStore& store, Outbox& outbox, const Clock& clock, BotSettings settings);

    // Records what happened in an incident channel. `delivery_key` (e.g.
    // "slack:Ev123") de-duplicates platform retries in the same transaction.
    EventOutcome handle_event(const ChatEvent& event, std::string_view delivery_key = {});

    // Runs one `/incident ...` command and returns the immediate reply.
    // Announcements and slow results go to the outbox.
    CommandReply handle_command(const SlashCommand& command);

    // True for commands that should see the platform's channel history first
    // (`close`): the adapter acks at once, backfills, then runs the command.
    static bool wants_history(const SlashCommand& command);

    // Interactive button clicks (reminder Done / Snooze).
    CommandReply handle_action(const ButtonAction& action);

    // Puts a message in the outbox, in the caller's transaction: a reply the
    // adapter could not give at once (the reply to `close` after the history).
    void send(const OutboundMessage& message);

    // Sends what is due now: overdue action-item nudges and review-meeting
    // reminders. Returns how many messages were enqueued.
    std::size_t run_reminders();

    const BotSettings& settings() const { return settings_; }

    // Links the bot posts (on close, `/incident postmortem`, `/incident
    // stats`) go to the web pages, signed by `signer` (which must outlive the
    // bot). Without one they point at the Markdown document, for the API token.
    void set_link_signer(const LinkSigner* signer) { link_signer_ = signer; }

private:
    IncidentStore& store_;
    Outbox& outbox_;
    const Clock& clock_;
    BotSettings settings_;
    const LinkSigner* link_signer_ = nullptr;
};

// The postmortem document (Markdown) of an incident, drafted from what is
// stored now: `GET /incidents/{id}/postmortem.md` and `hindsight export`.
std::string draft_postmortem_document(IncidentStore& store, const BotSettings& settings,
                                      const Incident& incident, Timestamp now);
// The same with what it was drafted from, for the web page.
struct PostmortemDraft {
    DraftInput input;
    Timeline timeline;
    std::string markdown;
};
PostmortemDraft draft_postmortem(IncidentStore& store, const BotSettings& settings, const Incident& incident,
                                 Timestamp now);
// The same draft explained message by message (`hindsight draft --explain`).
std::string explain_draft(IncidentStore& store, const BotSettings& settings, const Incident& incident, Timestamp now,
                          bool as_json);

}  // namespace hindsight
