// The channel history at `/incident close`, the same way on every platform:
// the adapter supplies one function that reads one page; here the pages are
// read until the last one (rate limits waited out), put in order, and merged
// in ONE transaction — new messages recorded, edits applied, and a recorded
// message that the complete history no longer holds marked deleted (it was
// deleted while the bot was not listening).
#pragma once

#include "bot/core/bot.hpp"
#include "bot/core/chat_event.hpp"
#include "bot/core/ports.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hindsight::chat {

// One page of history, translated. Events in any order; an edited message
// comes with a MessageEdited carrying its current text.
struct HistoryPage {
    std::vector<ChatEvent> events;
    std::string next_cursor;  // empty on the last page
};

// How reading one page went: outcome.status delivered with a page, retry
// (429, 5xx, transport; retry_after when the platform said) or failed.
struct PageResult {
    SendResult outcome;
    std::optional<HistoryPage> page;
    bool ok() const { return outcome.status == SendResult::Status::delivered && page.has_value(); }
};

// Reads the page after `cursor` (empty: the newest) of the channel's history
// reaching back to `since`. Runs on the background worker; may block.
using FetchPage = std::function<PageResult(const ChannelRef& where, Timestamp since, const std::string& cursor)>;

struct HistoryOptions {
    // A rate-limited page is read again after the platform's Retry-After (at
    // least 1 s) up to `max_attempts` times in a row, when the wait is at most
    // `max_wait`; otherwise the history counts as failed.
    Duration max_wait = std::chrono::seconds{30};
    int max_attempts = 4;
    // Whether the history lists thread replies (Mattermost) or only top-level
    // messages (Slack): replies absent from a history that never lists them
    // are not deletions.
    bool lists_thread_replies = false;
    // How to wait; the default sleeps (only ever on the background worker).
    std::function<void(Duration)> wait;
};

// Every page, oldest message first, edits and deletions after the messages
// (stable by time). nullopt when a page could not be read; then `error`, when
// given, says why.
std::optional<std::vector<ChatEvent>> read_history(const FetchPage& fetch, const ChannelRef& where, Timestamp since,
                                                   const HistoryOptions& options, std::string_view log_label,
                                                   std::string* error = nullptr);

// How a history merge owed after a close (HistoryMerge, kept by the store)
// is run, and retried when the history cannot be read (the platform down, a
// 5xx, a 403 while a scope or a channel membership is being fixed).
struct MergePolicy {
    // A merge claimed by this process is its own for this long; after that
    // another process (a replica, or this one after a restart) may take it.
    // Longer than reading a long history takes (a minute or two against
    // Slack's rate limits); a merge run twice still merges once.
    Duration lease = std::chrono::minutes{5};
    // After the n-th failed read: first_retry * 2^(n-1), at most max_retry.
    Duration first_retry = std::chrono::seconds{30};
    Duration max_retry = std::chrono::hours{1};
    // Failed reads before the merge is given up (logged as an error; the draft
    // stands as recorded live). With the defaults: 10 reads over about 3 h.
    int max_reads = 10;
    std::size_t scan_limit = 16;  // merges claimed per scan
    Duration retry_after(int failed_reads) const;
};

struct Reconciled {
    std::size_t stored = 0;             // events the bot recorded (new messages, edits, ...)
    std::size_t deleted = 0;            // recorded messages found missing from the history
    HistoryChanges changes;             // what of it changes the incident's record
    std::vector<std::string> authors;   // user ids of the human messages seen, once each
};

// Call inside ONE write-queue item. The events are recorded into `incident`
// whatever its state (Bot::merge_history_event). `fetched_at`: when reading
// began; a recorded message at or after it, and newer than every message the
// history holds, may be newer than the read and is left alone.
Reconciled reconcile_history(Bot& bot, IncidentStore& store, const Incident& incident,
                             const std::vector<ChatEvent>& history, Timestamp fetched_at, Timestamp now,
                             bool lists_thread_replies);

}  // namespace hindsight::chat
