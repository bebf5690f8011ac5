// Drafting the incident timeline (docs/rules.md): recorded messages, key events
// and curations in; numbered, classified, de-noised, merged and capped entries
// out. Pure: everything comes in through DraftInput.
#pragma once

#include "bot/core/incident.hpp"
#include "bot/core/settings.hpp"
#include "bot/core/time.hpp"
#include "bot/core/timeline_rules.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hindsight {

struct TimelineEntry {
    std::string key;        // stable: "m:<message_id>", "k:<key_event_id>", "a:<curation_id>"
    Timestamp at{};
    std::string author;     // display name
    std::string text;       // concise, Markdown-escaped, one line
    EntryKind kind = EntryKind::message;
    std::string permalink;  // may be empty
    bool hidden = false;    // curated away (kept so `timeline show <n>` can bring it back)
    int number = 0;         // 1-based, as shown by `/incident timeline`; stable within one draft
};

struct Durations {
    std::optional<Duration> to_detection, to_mitigation, to_close;
    Timestamp start{};  // incident.started_at, else opened_at
};

// Why one recorded message is, or is not, in the draft (`--explain`,
// `/incident timeline why`).
struct MessageExplanation {
    std::string message_id;
    Timestamp at{};
    std::string author;      // display name
    std::string text;        // one line, shortened
    EntryKind kind = EntryKind::message;
    double score = 0;        // salience
    // "kept" (entry `entry`), "merged" (into entry `entry`), "noise",
    // "low salience", "over budget", "capped", "hidden".
    std::string outcome;
    int entry = 0;
    std::vector<std::string> evidence;       // word classes that fired: "act:killed"
    std::vector<std::string> contributions;  // "reactions +1.08", largest first
    std::vector<std::pair<std::string, double>> features;  // every feature's value
};

struct Timeline {
    std::vector<TimelineEntry> entries;  // chronological, numbered 1..N
    Durations durations;
    bool spans_days = false;   // entries (or open/close) fall on more than one day
    std::size_t dropped_noise = 0, merged = 0, capped = 0;
    std::size_t dropped_low = 0;  // below the salience threshold, or over the density budget
    std::vector<MessageExplanation> explanations;  // filled when DraftInput::explain
};

// Everything the drafting needs, gathered by the caller from the store.
struct DraftInput {
    Incident incident;
    std::vector<RecordedMessage> messages;  // chronological; tombstones included (skipped)
    std::vector<KeyEvent> key_events;
    std::vector<TimelineCuration> curations;
    std::vector<WhyStep> whys;
    std::vector<std::string> factors;
    std::vector<ActionItem> actions;
    // Resolves user ids / usernames to display names; may return the id.
    // Called at most once per distinct id by each draft_timeline /
    // render_postmortem call (results are cached), so it may be a store lookup.
    std::function<std::string(const std::string& user_id)> display_name;
    BotSettings settings;  // timezone, postmortem.max_timeline_entries, public_url
    Timestamp now{};
    bool explain = false;  // fill Timeline::explanations
};

// The timeline holds at most this many lines per message of the channel (its
// entries and the one "_Draft: … left out_" line under them; key events and
// curated entries aside), the highest-scoring first, however many score above
// the threshold: a timeline is a summary, and 0.35 is the density the draft is
// measured against (docs/drafteval.md). Never fewer than `min_budget` entries.
inline constexpr double density_budget = 0.35;
inline constexpr std::size_t min_budget = 20;
// How many entries a channel of `messages` messages may have: the density
// budget less the note line.
std::size_t entry_budget(std::size_t messages);
// A channel of at most this many messages is its own summary: every message
// but noise is kept, whatever its score.
inline constexpr std::size_t small_channel = 30;

// Bursts by one author closer than this are merged into one entry.
inline constexpr Duration burst_window = std::chrono::seconds{60};
// In a channel longer than `small_channel`, a kept message from the same
// author in the same thread at most this long after the previous kept one
// (whatever was left out between, whatever the kinds) is a follow-up, merged into its entry; the
// density budget counts entries, so follow-ups cost none of it.
inline constexpr Duration follow_up_window = std::chrono::seconds{300};
// Once the budget is full, a follow-up still joins its entry when it scores at
// most this much below the first message that did not fit (scripts/fit_salience.py
// scale; 0.5 is about two word classes).
inline constexpr double follow_up_margin = 0.5;
// Longest entry text, in characters, before it is shortened with "…".
inline constexpr std::size_t max_entry_chars = 280;

// Throws std::invalid_argument when settings.timezone is unknown.
Timeline draft_timeline(const DraftInput& input);

// `/incident timeline`: numbered entries, hidden ones marked, Markdown, short
// enough for chat, with a line on how to curate.
std::string render_timeline(const Timeline& timeline, const DraftInput& input);

// `--explain`: one line per recorded message — kept or dropped and why, its
// kind, salience score, the word classes that fired and the features that
// weighed most. `as_json`: one JSON object per line instead, with every
// feature's value (what scripts/fit_salience.py reads).
std::string render_explanation(const Timeline& timeline, const DraftInput& input, bool as_json);

// `/incident timeline why <n>`: the same for the messages of entry n; n = 0
// lists the highest-scoring messages the draft left out.
std::string render_entry_explanation(const Timeline& timeline, const DraftInput& input, int n);

// What the draft left out and merged, one phrase each ("12 noise messages
// dropped", "1 message merged into a burst", …); empty when nothing was.
std::vector<std::string> draft_notes(const Timeline& timeline, int cap);

// The entry's time as shown: date included when the timeline spans days.
std::string entry_time(const TimelineEntry& entry, const Timeline& timeline, const DraftInput& input);

}  // namespace hindsight
