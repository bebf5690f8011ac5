// The data that decides what a chat message means for the timeline: the kind
// of an entry (from keywords and phrases), its value when the draft must be
// cut down, and which messages are noise. Rules are tables (timeline_rules.cpp),
// one row per keyword or phrase, each with a test.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight {

enum class EntryKind { key_event, detection, escalation, action, decision, hypothesis, mitigation, resolution, message };

// "key event", "detection", ... (as shown in the document).
std::string_view to_string(EntryKind kind);

// One classification row. `phrase` is lower-case words separated by single
// spaces, matched on word boundaries, case-insensitively; a trailing '*' makes
// the last word a prefix ("escalat*" matches "escalated", "escalation").
struct KindRule {
    EntryKind kind;
    std::string_view phrase;
    // A hypothesis row that is a guess ("maybe") turns an action or detection
    // in the same message into a hypothesis; a found cause ("found it") does not.
    bool guess = true;
};
std::span<const KindRule> kind_rules();

// Words that change what the kind rows mean for the whole message.
enum class Marker {
    // A summary or review note written after the fact ("recap", "for the
    // doc"): it repeats what the timeline already has, so it is a message.
    recap,
    // Talk about what to build or fix later ("I'll", "would've caught it",
    // "needs"): the symptoms and alerts it names are not a detection.
    plan,
};
struct MarkerRule {
    Marker marker;
    std::string_view phrase;  // same syntax as KindRule::phrase
};
std::span<const MarkerRule> marker_rules();

// Kinds from most to least specific: when a text matches rows of several
// kinds, the earliest kind in this list wins.
std::span<const EntryKind> kind_precedence();

// The kind a message's text suggests (never key_event): `message` when no row
// matches. A match right after a negation ("not resolved yet") does not
// count; a negated act that is a choice ("we're not deploying", "don't
// restart") is a decision, and so is an order to a person ("Greg fix the token").
EntryKind classify_text(std::string_view text);

// classify_text() and whether a recap marker was found: a burst with a recap
// in it is a summary as a whole ("quick recap for the doc:" then the lines).
struct Classification {
    EntryKind kind = EntryKind::message;
    bool recap = false;
    bool plan = false;  // a plan marker was found (talk about later, not what happened)
};
Classification classify(std::string_view text);

// How much an entry is worth keeping when the draft is capped (higher = kept
// first). Key events are always kept regardless of this value.
int kind_value(EntryKind kind);

// Noise: a whole-message acknowledgement ("ok", "+1", "thanks!", "on it 👍"),
// an emoji-only message (":tada:", "🙏🙏"), or a join/leave notice.
bool is_acknowledgement(std::string_view text);
bool is_emoji_only(std::string_view text);
bool is_join_leave_notice(std::string_view text);
// Thanks and praise only, to anyone: "thanks to everyone", "kudos to @dana",
// "nice work team 🎉", "awesome, thanks Dana!".
bool is_gratitude(std::string_view text);
bool is_noise(std::string_view text);

// The acknowledgement phrases (lower-case, words separated by single spaces).
std::span<const std::string_view> acknowledgement_phrases();

}  // namespace hindsight
