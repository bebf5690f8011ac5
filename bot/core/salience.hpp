// How much a chat message matters to the postmortem timeline, from features
// rather than phrases: what its words do to a system (stemmed with Snowball,
// so block/blocked/blocking are one word), tense, metrics and numbers,
// questions and hedges, and what the channel did around it (reactions, pins,
// acknowledgements it drew, how much of it is new to the channel).
//
// The score is a weighted sum of the features (weights in salience.cpp,
// fitted by scripts/fit_salience.py; docs/rules.md explains each feature). A
// message scoring at or above `salience_threshold` is kept in the draft.
#pragma once

#include "bot/core/timeline_rules.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight {

// Every feature, in the order of `feature_names()`.
enum class Feature : std::size_t {
    length, short_text, mid_length,
    act, problem, recover, escalate, decide, resolve, hedge, cause, chatter,
    past, progressive, act_past, act_progressive, state_reached, cause_found,
    number, metric, problem_metric, recover_metric,
    question, asks, label, negation, first_person, scope, anchor, we_act,
    rule_kind, rule_hypothesis, code, link, addressed,
    reactions, pinned, drew_acks, novelty, reply, drew_replies, commander, opening,
    first_of_kind, echoed,
    count_  // not a feature
};
inline constexpr std::size_t feature_count = static_cast<std::size_t>(Feature::count_);

std::string_view feature_name(Feature f);

using FeatureVector = std::array<float, feature_count>;

// The word classes (lexicons) a text's words fall into, with the word that
// put it there: "act:killed", "problem:errors".
struct TextFeatures {
    FeatureVector values{};
    std::vector<std::string> evidence;
};

// Features of the text alone (the context features stay 0).
TextFeatures text_features(std::string_view text);

// The same for many texts, each distinct word worked out once (stem, word
// classes, tense…): one per draft. Not thread-safe.
class TextAnalyzer {
public:
    TextAnalyzer();
    ~TextAnalyzer();
    TextAnalyzer(const TextAnalyzer&) = delete;
    TextAnalyzer& operator=(const TextAnalyzer&) = delete;

    struct Result {
        FeatureVector values{};
        std::vector<std::uint32_t> content;  // ids of its content-word stems (4+ letters, no digit), sorted, unique
        std::vector<std::string> evidence;   // only when asked for
    };
    // `rule_kind`: what classify_text() says of the text.
    Result analyze(std::string_view text, EntryKind rule_kind, bool with_evidence);

    // Stem ids are this analyzer's own. When two analyzers worked on parts of
    // one channel (in parallel), this gives, for each of `other`'s stem ids,
    // the id of the same stem here (added when new).
    std::vector<std::uint32_t> adopt_stems(const TextAnalyzer& other);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What the channel around a message says about it.
struct MessageContext {
    int reactions = 0;   // people who reacted to it
    bool pinned = false;
    int drew_acks = 0;   // short replies by others right after it
    int new_words = 0;   // words (stems) no earlier message used
    bool reply = false;  // a reply in a thread
    int replies = 0;     // thread replies it drew
    bool commander = false;  // by the person who declared or escalated first
    bool opening = false;    // the channel's first message that is not noise
    bool first_of_kind = false;  // the channel's first message of its kind (kind table)
    int echoed = 0;  // of the next five messages, those by others that take up one of its words
};
void add_context(FeatureVector& values, const MessageContext& context);

// Σ weight × feature + bias.
double salience(const FeatureVector& values);
// A message at or above this is kept.
double salience_threshold();

// Per-feature contributions, largest first, for `--explain`:
// "act +0.59", "question -1.00".
std::vector<std::string> contributions(const FeatureVector& values);

// The Snowball English stem of a lower-case ASCII word.
std::string stem_word(std::string_view word);

// A word class row: the base form of a word; the lexicon matches its stem.
struct LexiconRow {
    Feature feature;
    std::string_view word;
};
std::vector<LexiconRow> lexicon_rows();

}  // namespace hindsight
