#include "bot/core/timeline_rules.hpp"

#include "bot/core/text.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

namespace hindsight {

namespace {

using K = EntryKind;

// Keywords and phrases per kind. Matching is on lower-cased words at word
// boundaries; '*' ends a prefix. Extend by adding rows (and a test row).
// Rows of kind `message` are neutral (see the end of the table).
constexpr std::array rules{
    // detection: the moment someone (or something) noticed
    KindRule{K::detection, "alert*"},
    KindRule{K::detection, "paged"},
    KindRule{K::detection, "page"},
    KindRule{K::detection, "noticed"},
    KindRule{K::detection, "error rate"},
    KindRule{K::detection, "firing"},
    KindRule{K::detection, "spike*"},
    KindRule{K::detection, "5xx"},
    KindRule{K::detection, "seeing errors"},
    KindRule{K::detection, "customers report*"},
    KindRule{K::detection, "500s"},
    KindRule{K::detection, "502*"},
    KindRule{K::detection, "503*"},
    KindRule{K::detection, "504*"},
    KindRule{K::detection, "expired"},
    KindRule{K::detection, "can't log in"},
    KindRule{K::detection, "cannot log in"},
    KindRule{K::detection, "can't connect"},
    KindRule{K::detection, "cannot connect"},
    // escalation: more people or teams brought in
    KindRule{K::escalation, "escalat*"},
    KindRule{K::escalation, "paging"},
    KindRule{K::escalation, "looping in"},
    KindRule{K::escalation, "pulling in"},
    KindRule{K::escalation, "cc @"},
    KindRule{K::escalation, "waking up"},
    // action: something was changed in the system
    KindRule{K::action, "deploy*"},
    KindRule{K::action, "rolled back"},
    KindRule{K::action, "rolling back"},
    KindRule{K::action, "roll back"},
    KindRule{K::action, "rollback*"},
    KindRule{K::action, "revert*"},
    KindRule{K::action, "restart*"},
    KindRule{K::action, "failover"},
    KindRule{K::action, "failed over"},
    KindRule{K::action, "scaled"},
    KindRule{K::action, "scale up"},
    KindRule{K::action, "scaling up"},
    KindRule{K::action, "feature flag*"},
    KindRule{K::action, "toggled"},
    KindRule{K::action, "disabled the"},
    KindRule{K::action, "drained"},
    KindRule{K::action, "switchover"},
    KindRule{K::action, "reconnect*"},
    KindRule{K::action, "uploaded"},
    // decision: the team chose a course
    KindRule{K::decision, "decided"},
    KindRule{K::decision, "let's"},
    KindRule{K::decision, "we will"},
    KindRule{K::decision, "going to"},
    KindRule{K::decision, "plan is"},
    KindRule{K::decision, "we'll"},
    KindRule{K::decision, "decision"},
    // hypothesis: a guess about the cause
    KindRule{K::hypothesis, "maybe"},
    KindRule{K::hypothesis, "might be"},
    KindRule{K::hypothesis, "i think"},
    KindRule{K::hypothesis, "suspect*"},
    KindRule{K::hypothesis, "could be"},
    KindRule{K::hypothesis, "looks like"},
    KindRule{K::hypothesis, "could it be"},
    // a cause someone found: still to be confirmed by the review, but no guess
    KindRule{K::hypothesis, "found it", false},
    KindRule{K::hypothesis, "root cause", false},
    KindRule{K::hypothesis, "culprit", false},
    KindRule{K::hypothesis, "there it is", false},
    // mitigation: impact reduced, not yet over
    KindRule{K::mitigation, "mitigated"},
    KindRule{K::mitigation, "recovering"},
    KindRule{K::mitigation, "recovered"},
    KindRule{K::mitigation, "error rate dropping"},
    KindRule{K::mitigation, "stabilised"},
    KindRule{K::mitigation, "stabilized"},
    KindRule{K::mitigation, "working"},
    KindRule{K::mitigation, "works again"},
    KindRule{K::mitigation, "rate going down"},
    KindRule{K::mitigation, "ratio going down"},
    KindRule{K::mitigation, "climbing back"},
    KindRule{K::mitigation, "at baseline"},
    KindRule{K::mitigation, "about baseline"},
    KindRule{K::mitigation, "back to baseline"},
    // resolution: impact over
    KindRule{K::resolution, "resolved"},
    KindRule{K::resolution, "fully recovered"},
    KindRule{K::resolution, "all clear"},
    KindRule{K::resolution, "back to normal"},
    // neutral: words that look like a row above but mean something else here;
    // they are consumed, so no other row matches them ("status page" is not a
    // page, "working on it" is not a recovery).
    KindRule{K::message, "status page"},
    KindRule{K::message, "cart page"},
    KindRule{K::message, "login page"},
    KindRule{K::message, "landing page"},
    KindRule{K::message, "home page"},
    KindRule{K::message, "web page"},
    KindRule{K::message, "working on"},
    KindRule{K::message, "working with"},
    KindRule{K::message, "working to"},
    KindRule{K::message, "stopped working"},
    KindRule{K::message, "going to bed"},
};

// When a text matches several kinds, the first here wins: the outcome of a
// message ("rolled back, error rate dropping") says more than the steps, an
// explicit choice ("let's restart") more than the act it names, and a guess
// is the weakest signal.
constexpr std::array precedence{K::resolution, K::mitigation, K::decision,  K::action,
                                K::detection,  K::escalation, K::hypothesis, K::message};

// Words that cancel a match one or two words later ("not resolved yet",
// "don't deploy", "hasn't recovered").
constexpr std::array negations{std::string_view{"not"},    std::string_view{"no"},     std::string_view{"never"},
                               std::string_view{"isn't"},  std::string_view{"aren't"}, std::string_view{"wasn't"},
                               std::string_view{"hasn't"}, std::string_view{"haven't"}, std::string_view{"don't"},
                               std::string_view{"didn't"}, std::string_view{"won't"},  std::string_view{"nothing"}};

// Whole-message acknowledgements: a message made only of these (plus
// punctuation and emoji such as 👍, which are stripped first) is noise.
constexpr std::array acknowledgements{
    std::string_view{"ok"},   std::string_view{"okay"}, std::string_view{"ack"},       std::string_view{"acked"},
    std::string_view{"+ 1"},  std::string_view{"thanks"}, std::string_view{"thank you"}, std::string_view{"ty"},
    std::string_view{"thx"},  std::string_view{"on it"}, std::string_view{"lgtm"},
    std::string_view{"k"},    std::string_view{"kk"},   std::string_view{"same"},      std::string_view{"yep"},
    std::string_view{"np"},   std::string_view{"got it"}, std::string_view{"noted"},   std::string_view{"roger"},
    std::string_view{"thanks all"}, std::string_view{"ty all"}, std::string_view{"thank you all"},
    std::string_view{"thanks everyone"}, std::string_view{"joining"}, std::string_view{"here"},
    std::string_view{"sounds good"}, std::string_view{"agreed"}, std::string_view{"do it"},
    std::string_view{"go ahead"}, std::string_view{"ugh"}, std::string_view{"nice"},
    std::string_view{"cool"},
    std::string_view{"fair"}, std::string_view{"ha"}, std::string_view{"lol"}, std::string_view{"o"},
    std::string_view{"yes"}, std::string_view{"yes please"}, std::string_view{"sure"}, std::string_view{"will do"},
    std::string_view{"correct"}, std::string_view{"great"}, std::string_view{"perfect"}, std::string_view{"love it"},
    std::string_view{"fine by me"}, std::string_view{"night"}, std::string_view{"night all"}, std::string_view{"sent"},
};

// Notices Slack and Mattermost post when membership changes.
constexpr std::array membership_notices{
    std::string_view{"has joined the channel"}, std::string_view{"has left the channel"},
    std::string_view{"joined the channel"},     std::string_view{"left the channel"},
    std::string_view{"added to the channel by"}, std::string_view{"removed from the channel"},
    std::string_view{"has joined the group"},   std::string_view{"has left the group"},
};

int precedence_rank(EntryKind kind) {
    auto it = std::find(precedence.begin(), precedence.end(), kind);
    return static_cast<int>(it - precedence.begin());
}

struct CompiledRule {
    EntryKind kind;
    int rank = 0;  // position in `precedence`
    std::vector<std::string> words;
    bool prefix = false;  // the last word is a prefix
    bool guess = true;
};

std::vector<std::string> split_words(std::string_view phrase) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < phrase.size()) {
        auto j = phrase.find(' ', i);
        if (j == std::string_view::npos) j = phrase.size();
        if (j > i) words.emplace_back(phrase.substr(i, j - i));
        i = j + 1;
    }
    return words;
}

// Rules indexed by their first word; prefix rules of one word are checked
// against every token. Built once.
struct RuleIndex {
    std::vector<CompiledRule> compiled;
    std::unordered_map<std::string_view, std::vector<std::size_t>> by_first_word;  // views into `compiled`
    std::vector<std::size_t> single_prefix;

    RuleIndex() {
        for (const auto& row : rules) {
            CompiledRule rule{row.kind, precedence_rank(row.kind), {}, false, row.guess};
            std::string_view phrase = row.phrase;
            if (!phrase.empty() && phrase.back() == '*') {
                rule.prefix = true;
                phrase.remove_suffix(1);
            }
            rule.words = split_words(phrase);
            compiled.push_back(std::move(rule));
        }
        // Neutral rows first under their word: a match there skips the rest.
        for (int neutral = 1; neutral >= 0; --neutral)
            for (std::size_t i = 0; i < compiled.size(); ++i) {
                const auto& rule = compiled[i];
                if ((rule.kind == K::message) != (neutral == 1)) continue;
                if (rule.prefix && rule.words.size() == 1 && !neutral) single_prefix.push_back(i);
                else by_first_word[rule.words.front()].push_back(i);
            }
    }
};

const RuleIndex& rule_index() {
    static const RuleIndex index;
    return index;
}

bool word_matches(std::string_view token, std::string_view word, bool prefix) {
    return prefix ? token.starts_with(word) : token == word;
}

bool matches_at(const LowerTokens& tokens, std::size_t at, const CompiledRule& rule) {
    auto end = at + rule.words.size();
    if (end > tokens.size()) return false;
    for (std::size_t k = 0; k < rule.words.size(); ++k) {
        bool last = k + 1 == rule.words.size();
        if (!word_matches(tokens[at + k], rule.words[k], last && rule.prefix)) return false;
    }
    // Part of an identifier ("restart_lsn", "alert_rules"): a name, not a word.
    if ((at > 0 && tokens[at - 1] == "_") || (end < tokens.size() && tokens[end] == "_")) return false;
    return true;
}

bool negated(const LowerTokens& tokens, std::size_t at) {
    for (std::size_t back = 1; back <= 2 && back <= at; ++back) {
        auto t = tokens[at - back];
        if (std::find(negations.begin(), negations.end(), t) != negations.end()) return true;
    }
    return false;
}

bool is_punctuation_token(std::string_view t) {
    return t.size() == 1 && !((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= '0' && t[0] <= '9'));
}

bool ends_with_question(std::string_view text) {
    auto end = text.find_last_not_of(" \t\r\n");
    return end != std::string_view::npos && text[end] == '?';
}

// Markup only matters when the text has some; most messages have none.
bool has_markup(std::string_view text) { return text.find_first_of("<&@") != std::string_view::npos; }

std::string_view trim_left(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t')) text.remove_prefix(1);
    return text;
}

// The longest acknowledgement, with room for punctuation and emoji.
constexpr std::size_t max_acknowledgement_bytes = 80;

struct AckIndex {
    std::vector<std::vector<std::string>> phrases;  // longest first
    AckIndex() {
        for (auto p : acknowledgements) phrases.push_back(split_words(p));
        std::stable_sort(phrases.begin(), phrases.end(),
                         [](const auto& a, const auto& b) { return a.size() > b.size(); });
    }
};

}  // namespace

std::string_view to_string(EntryKind kind) {
    switch (kind) {
        case K::key_event: return "key event";
        case K::detection: return "detection";
        case K::escalation: return "escalation";
        case K::action: return "action";
        case K::decision: return "decision";
        case K::hypothesis: return "hypothesis";
        case K::mitigation: return "mitigation";
        case K::resolution: return "resolution";
        case K::message: return "message";
    }
    return "message";
}

std::span<const KindRule> kind_rules() { return rules; }
std::span<const EntryKind> kind_precedence() { return precedence; }
std::span<const std::string_view> acknowledgement_phrases() { return acknowledgements; }

EntryKind classify_text(std::string_view text) {
    const auto& index = rule_index();
    std::string neutral = has_markup(text) ? neutralise_markup(text) : std::string{};
    LowerTokens tokens(neutral.empty() ? text : std::string_view(neutral));
    EntryKind best = K::message;
    int best_rank = precedence_rank(best);
    bool hedged = false;  // a hypothesis phrase anywhere in the message
    auto consider = [&](std::size_t at, const CompiledRule& rule) {
        if (rule.kind == K::hypothesis && rule.guess && !hedged && matches_at(tokens, at, rule) && !negated(tokens, at))
            hedged = true;
        if (rule.rank < best_rank && matches_at(tokens, at, rule) && !negated(tokens, at)) {
            best = rule.kind;
            best_rank = rule.rank;
        }
    };
    for (std::size_t i = 0; i < tokens.size() && best_rank > 0; ++i) {
        if (auto it = index.by_first_word.find(tokens[i]); it != index.by_first_word.end()) {
            std::size_t neutral = 0;
            for (auto r : it->second) {
                const auto& rule = index.compiled[r];
                if (rule.kind != K::message) {
                    consider(i, rule);
                } else if (matches_at(tokens, i, rule)) {
                    neutral = rule.words.size();
                    break;
                }
            }
            if (neutral > 0) {
                i += neutral - 1;
                continue;
            }
        }
        for (auto r : index.single_prefix) consider(i, index.compiled[r]);
    }
    // A guess about an action or a symptom ("I think it might be the deploy")
    // is a hypothesis: the deploy is what was suspected, not what was done.
    if (hedged && (best == K::action || best == K::detection)) return K::hypothesis;
    // A question about an act or an outcome ("restart pgbouncer?", "can I
    // close them as resolved?") proposes or asks; nothing was done yet.
    if ((best == K::action || best == K::mitigation || best == K::resolution) && ends_with_question(text))
        return K::message;
    return best;
}

int kind_value(EntryKind kind) {
    switch (kind) {
        case K::key_event: return 100;
        case K::resolution: return 90;
        case K::mitigation: return 85;
        case K::detection: return 80;
        case K::decision: return 70;
        case K::action: return 65;
        case K::escalation: return 60;
        case K::hypothesis: return 40;
        case K::message: return 10;
    }
    return 0;
}

bool is_acknowledgement(std::string_view text) {
    static const AckIndex index;
    if (text.size() > max_acknowledgement_bytes) return only_emoji(text);
    auto stripped = strip_emoji(text);
    LowerTokens tokens(has_markup(stripped) ? neutralise_markup(stripped) : stripped);
    bool had_content = false;
    std::size_t i = 0;
    while (i < tokens.size()) {
        if (is_punctuation_token(tokens[i]) && tokens[i] != "+") {
            ++i;
            continue;
        }
        bool matched = false;
        for (const auto& phrase : index.phrases) {
            if (i + phrase.size() > tokens.size()) continue;
            if (std::equal(phrase.begin(), phrase.end(), tokens.begin() + static_cast<std::ptrdiff_t>(i))) {
                i += phrase.size();
                matched = true;
                had_content = true;
                break;
            }
        }
        if (!matched) return false;
    }
    // Only punctuation ("!!!", "?") says no more than an emoji.
    return had_content || (!text.empty() && (only_emoji(text) || !tokens.empty()));
}

bool is_emoji_only(std::string_view text) { return only_emoji(text); }

bool is_join_leave_notice(std::string_view text) {
    auto start = trim_left(text);
    if (text.size() > 400 || start.empty() || (start.front() != '<' && start.front() != '@')) return false;
    auto lowered = to_lower_ascii(collapse_whitespace(neutralise_markup(text)));
    // A notice is one short line about a member: "<@U1|bob> has joined the
    // channel", "@bob added to the channel by @alice."
    if (lowered.size() > 160 || !lowered.starts_with("@user")) return false;
    for (auto phrase : membership_notices)
        if (lowered.find(phrase) != std::string::npos) return true;
    return false;
}

bool is_noise(std::string_view text) {
    return is_emoji_only(text) || is_acknowledgement(text) || is_join_leave_notice(text);
}

}  // namespace hindsight
