#include "adapters/chat/history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

namespace hindsight::chat {

namespace {

Timestamp time_of(const ChatEvent& event) {
    return std::visit([](const auto& e) { return e.at; }, event);
}

}  // namespace

std::optional<std::vector<ChatEvent>> read_history(const FetchPage& fetch, const ChannelRef& where, Timestamp since,
                                                   const HistoryOptions& options, std::string_view log_label,
                                                   std::string* error) {
    std::vector<ChatEvent> events;
    std::string cursor;
    int attempts = 0;
    // Not a do/while: `continue` after a wait must read the same page again,
    // not test the cursor (empty before the first page).
    for (;;) {
        auto result = fetch(where, since, cursor);
        if (!result.ok()) {
            bool wait = result.outcome.status == SendResult::Status::retry &&
                        result.outcome.retry_after <= options.max_wait && ++attempts < options.max_attempts;
            spdlog::warn("{}: history of {}/{}: {}{}", log_label, where.team, where.channel,
                         result.outcome.error.empty() ? std::string("page not read") : result.outcome.error,
                         wait ? ", retrying" : "");
            if (!wait) {
                if (error) *error = result.outcome.error.empty() ? "page not read" : result.outcome.error;
                return std::nullopt;
            }
            auto pause = std::max(result.outcome.retry_after, Duration{std::chrono::seconds{1}});
            if (options.wait)
                options.wait(pause);
            else
                std::this_thread::sleep_for(pause);
            continue;
        }
        attempts = 0;
        for (auto& e : result.page->events) events.push_back(std::move(e));
        cursor = result.page->next_cursor;
        if (cursor.empty()) break;
    }
    // Messages first, oldest first; then edits, deletions and marks in time
    // order, so each applies to a message already recorded.
    std::stable_sort(events.begin(), events.end(), [](const ChatEvent& a, const ChatEvent& b) {
        bool am = std::holds_alternative<ChatMessage>(a), bm = std::holds_alternative<ChatMessage>(b);
        if (am != bm) return am;
        return time_of(a) < time_of(b);
    });
    return events;
}

Duration MergePolicy::retry_after(int failed_reads) const {
    Duration delay = first_retry;
    for (int i = 1; i < failed_reads && delay < max_retry; ++i) delay *= 2;
    return std::min(delay, max_retry);
}

Reconciled reconcile_history(Bot& bot, IncidentStore& store, const Incident& incident,
                             const std::vector<ChatEvent>& history, Timestamp fetched_at, Timestamp now,
                             bool lists_thread_replies) {
    Reconciled out;
    std::set<std::string> seen;
    std::set<std::string> authors;
    Timestamp newest{};
    // What was recorded before, to count only what the history changes (it
    // repeats edits and deletions the bot already saw live; an edit of a
    // message it adds counts as that message).
    std::map<std::string, const RecordedMessage*> before;
    const auto recorded_before = store.messages(incident.id);
    for (const auto& m : recorded_before) before[m.message_id] = &m;
    auto changes_record = [&](const ChatEvent& event) {
        if (const auto* e = std::get_if<MessageEdited>(&event)) {
            auto it = before.find(e->message_id);
            return it != before.end() && it->second->text != e->new_text;
        }
        if (const auto* d = std::get_if<MessageDeleted>(&event)) {
            auto it = before.find(d->message_id);
            return it != before.end() && !it->second->deleted;
        }
        return true;
    };
    for (const auto& event : history) {
        if (const auto* m = std::get_if<ChatMessage>(&event)) {
            seen.insert(m->message_id);
            newest = std::max(newest, m->at);
            if (m->origin == Origin::human && !m->user_id.empty() && authors.insert(m->user_id).second)
                out.authors.push_back(m->user_id);
        }
        const bool changes = changes_record(event);
        if (bot.merge_history_event(incident, event) != EventOutcome::stored) continue;
        ++out.stored;
        if (!changes) continue;
        if (std::holds_alternative<ChatMessage>(event)) ++out.changes.added;
        if (std::holds_alternative<MessageEdited>(event)) ++out.changes.edited;
        if (std::holds_alternative<MessageDeleted>(event)) ++out.changes.deleted;
    }
    // A message recorded live but absent from the complete history was
    // deleted while the bot was not listening. The history covers what was
    // posted before reading began, and anything older than its newest message
    // (the pages are read newest first); a message after both may simply be
    // newer than the read.
    for (const auto& recorded : store.messages(incident.id)) {
        if (recorded.deleted) continue;
        if (!lists_thread_replies && !recorded.thread_parent.empty()) continue;
        if (recorded.at < incident.opened_at) continue;
        if (recorded.at >= fetched_at && recorded.at > newest) continue;
        if (seen.count(recorded.message_id)) continue;
        if (bot.merge_history_event(incident, MessageDeleted{incident.where, recorded.message_id, now}) ==
            EventOutcome::stored) {
            ++out.deleted;
            ++out.changes.deleted;
        }
    }
    return out;
}

}  // namespace hindsight::chat
