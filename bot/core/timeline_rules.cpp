#include "bot/core/timeline_rules.hpp"

#include "bot/core/text.hpp"

#include <algorithm>
#include <array>
#include <optional>
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
    KindRule{K::detection, "exhausted"},
    // escalation: more people or teams brought in
    KindRule{K::escalation, "escalat*"},
    KindRule{K::escalation, "paging"},
    KindRule{K::escalation, "looping in"},
    KindRule{K::escalation, "pulling in"},
    KindRule{K::escalation, "cc @"},
    KindRule{K::escalation, "waking up"},
    KindRule{K::escalation, "bringing in"},
    KindRule{K::escalation, "roping in"},
    KindRule{K::escalation, "incident command*"},
    KindRule{K::escalation, "taking ic"},
    KindRule{K::escalation, "ic here"},
    KindRule{K::escalation, "declaring"},
    KindRule{K::escalation, "declared"},
    KindRule{K::escalation, "upgrading to sev*"},
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
    KindRule{K::hypothesis, "unlikely"},
    KindRule{K::hypothesis, "rule it out"},
    KindRule{K::hypothesis, "would explain"},
    // a cause someone found: still to be confirmed by the review, but no guess
    KindRule{K::hypothesis, "found it", false},
    KindRule{K::hypothesis, "root cause", false},
    KindRule{K::hypothesis, "culprit", false},
    KindRule{K::hypothesis, "there it is", false},
    // a cause ruled out: the check is done, what it showed is no guess
    KindRule{K::hypothesis, "so it's not", false},
    KindRule{K::hypothesis, "ruled out", false},
    KindRule{K::hypothesis, "no change", false},
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
    KindRule{K::mitigation, "error rate normal"},
    KindRule{K::mitigation, "everything looks normal"},
    KindRule{K::mitigation, "ticket volume dropping"},
    KindRule{K::mitigation, "tickets slowing down"},
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
    KindRule{K::message, "error rate still"},
    KindRule{K::message, "we'll see"},
    KindRule{K::message, "the alert was"},
    KindRule{K::message, "alerts go to"},
};

// Markers read the message as a whole (see Marker in timeline_rules.hpp).
constexpr std::array markers{
    MarkerRule{Marker::recap, "recap"},
    MarkerRule{Marker::recap, "for the doc"},
    MarkerRule{Marker::recap, "for the timeline"},
    MarkerRule{Marker::recap, "for the review"},
    MarkerRule{Marker::recap, "action items"},
    MarkerRule{Marker::recap, "follow ups"},
    MarkerRule{Marker::recap, "follow - ups"},
    MarkerRule{Marker::recap, "noting"},
    MarkerRule{Marker::plan, "i'll"},
    MarkerRule{Marker::plan, "i will"},
    MarkerRule{Marker::plan, "would've"},
    MarkerRule{Marker::plan, "would have"},
    MarkerRule{Marker::plan, "could catch"},
    MarkerRule{Marker::plan, "i added"},
    MarkerRule{Marker::plan, "needs"},
    MarkerRule{Marker::plan, "wondering"},
};

// A negated act is a choice when the negation opens a clause ("don't
// restart", "no rollback") or follows "we" ("we're not deploying", "let's
// not roll back"); "the pods didn't restart" reports a fact.
constexpr std::array clause_negations{std::string_view{"don't"}};
constexpr std::array choosing_negations{std::string_view{"not"}, std::string_view{"won't"}};
constexpr std::array choosing_subjects{std::string_view{"we"}, std::string_view{"we're"}, std::string_view{"we'll"},
                                       std::string_view{"let's"}, std::string_view{"do"}};

// "Greg fix the token", "@sam roll back the api": a name, an order verb, an
// object. The object keeps "Pods restart every 5 min" a report.
constexpr std::array order_verbs{
    std::string_view{"fix"},     std::string_view{"restart"}, std::string_view{"revert"}, std::string_view{"roll"},
    std::string_view{"deploy"},  std::string_view{"lock"},    std::string_view{"disable"}, std::string_view{"enable"},
    std::string_view{"drain"},   std::string_view{"scale"},   std::string_view{"rotate"}, std::string_view{"renew"},
    std::string_view{"flip"},    std::string_view{"pause"},   std::string_view{"stop"},   std::string_view{"ship"},
    std::string_view{"take"},    std::string_view{"prepare"}, std::string_view{"fail"},   std::string_view{"upload"}};
constexpr std::array order_particles{std::string_view{"back"}, std::string_view{"over"}, std::string_view{"up"},
                                     std::string_view{"out"}, std::string_view{"off"}};
constexpr std::array order_objects{std::string_view{"the"}, std::string_view{"a"},    std::string_view{"an"},
                                   std::string_view{"it"},  std::string_view{"that"}, std::string_view{"this"},
                                   std::string_view{"our"}, std::string_view{"them"}, std::string_view{"both"}};
// Capitalised first words that are not names.
constexpr std::array not_names{
    std::string_view{"also"},  std::string_view{"then"},   std::string_view{"just"},  std::string_view{"maybe"},
    std::string_view{"please"}, std::string_view{"pls"},   std::string_view{"now"},   std::string_view{"first"},
    std::string_view{"next"},  std::string_view{"so"},     std::string_view{"and"},   std::string_view{"but"},
    std::string_view{"or"},    std::string_view{"we"},     std::string_view{"i"},     std::string_view{"you"},
    std::string_view{"they"},  std::string_view{"someone"}, std::string_view{"anyone"}, std::string_view{"everyone"},
    std::string_view{"can"},   std::string_view{"could"},  std::string_view{"should"}, std::string_view{"would"},
    std::string_view{"will"},  std::string_view{"do"},     std::string_view{"ok"},    std::string_view{"okay"},
    std::string_view{"yes"},   std::string_view{"no"},     std::string_view{"quick"}, std::string_view{"let"},
    std::string_view{"pods"},  std::string_view{"nodes"},  std::string_view{"workers"}, std::string_view{"jobs"}};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& table, std::string_view word) {
    return std::find(table.begin(), table.end(), word) != table.end();
}

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
    std::string_view{"go"}, std::string_view{"yeah"}, std::string_view{"yup"}, std::string_view{"good one"},
    std::string_view{"good point"}, std::string_view{"nice one"}, std::string_view{"great work"},
    std::string_view{"great work everyone"}, std::string_view{"nice work"}, std::string_view{"good work"},
    std::string_view{"well done"}, std::string_view{"good job"}, std::string_view{"great job"},
};

// Thanks and praise, to anyone, in any combination ("thanks to everyone",
// "nice work team 🎉", "kudos to @dana", "awesome, thanks Dana!"): a message
// of these words, names and emoji is noise. One core word is needed.
constexpr std::array gratitude_core{
    std::string_view{"thanks"}, std::string_view{"thank"},   std::string_view{"thx"},     std::string_view{"ty"},
    std::string_view{"tysm"},   std::string_view{"kudos"},   std::string_view{"props"},   std::string_view{"cheers"},
    std::string_view{"appreciate"}, std::string_view{"appreciated"}, std::string_view{"shoutout"},
    std::string_view{"bravo"},  std::string_view{"congrats"}, std::string_view{"work"},   std::string_view{"job"}};
constexpr std::array gratitude_filler{
    std::string_view{"you"},   std::string_view{"so"},      std::string_view{"much"},   std::string_view{"to"},
    std::string_view{"all"},   std::string_view{"everyone"}, std::string_view{"everybody"}, std::string_view{"folks"},
    std::string_view{"team"},  std::string_view{"both"},    std::string_view{"y'all"},  std::string_view{"yall"},
    std::string_view{"guys"},  std::string_view{"people"},  std::string_view{"and"},    std::string_view{"great"},
    std::string_view{"nice"},  std::string_view{"good"},    std::string_view{"awesome"}, std::string_view{"amazing"},
    std::string_view{"excellent"}, std::string_view{"well"}, std::string_view{"for"},   std::string_view{"the"},
    std::string_view{"help"},  std::string_view{"it"},      std::string_view{"again"},  std::string_view{"really"},
    std::string_view{"huge"},  std::string_view{"big"},     std::string_view{"a"},      std::string_view{"lot"},
    std::string_view{"many"},  std::string_view{"ok"},      std::string_view{"okay"},   std::string_view{"ack"},
    std::string_view{"u"},       std::string_view{"super"},  std::string_view{"very"},
    std::string_view{"out"},   std::string_view{"of"},     std::string_view{"on"},     std::string_view{"this"},
    std::string_view{"that"},  std::string_view{"one"},     std::string_view{"hero"},   std::string_view{"heroes"},
    std::string_view{"legend"}, std::string_view{"legends"}, std::string_view{"crew"},  std::string_view{"everyone's"},
    std::string_view{"your"},  std::string_view{"our"},     std::string_view{"quick"},  std::string_view{"fast"},
    std::string_view{"done"}};

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
    struct Bucket {
        std::vector<std::size_t> rules;    // into `compiled`
        std::vector<std::size_t> markers;  // into `marker_phrases`
    };
    std::vector<CompiledRule> compiled;
    std::vector<CompiledRule> marker_phrases;  // kind unused; `marker_of` says which
    std::vector<Marker> marker_of;
    // One look-up per token finds both: keys are views into the rows' words.
    std::unordered_map<std::string_view, Bucket> by_first_word;
    // One-word prefix rows ("restart*"), by their first byte: a token is tried
    // only against the rows it can start with, in the table's order.
    std::array<std::vector<std::size_t>, 256> single_prefix;

    RuleIndex() {
        for (const auto& row : markers) {
            CompiledRule rule{K::message, 0, split_words(row.phrase), false, false};
            marker_phrases.push_back(std::move(rule));
            marker_of.push_back(row.marker);
        }
        for (std::size_t i = 0; i < marker_phrases.size(); ++i)
            by_first_word[marker_phrases[i].words.front()].markers.push_back(i);
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
                if (rule.prefix && rule.words.size() == 1 && !neutral)
                    single_prefix[static_cast<unsigned char>(rule.words.front().front())].push_back(i);
                else by_first_word[rule.words.front()].rules.push_back(i);
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

// The position of the negation one or two words before `at`, if any.
std::optional<std::size_t> negation_before(const LowerTokens& tokens, std::size_t at) {
    for (std::size_t back = 1; back <= 2 && back <= at; ++back) {
        auto t = tokens[at - back];
        if (std::find(negations.begin(), negations.end(), t) != negations.end()) return at - back;
    }
    return std::nullopt;
}

bool negated(const LowerTokens& tokens, std::size_t at) { return negation_before(tokens, at).has_value(); }

bool is_punctuation_token(std::string_view t) {
    return t.size() == 1 && !((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= '0' && t[0] <= '9'));
}

bool chooses_not_to(const LowerTokens& tokens, std::size_t negation) {
    auto word = tokens[negation];
    bool clause_start = negation == 0 || is_punctuation_token(tokens[negation - 1]);
    // "no" opens a choice only at the start: "ingress pods healthy, no restarts" reports.
    if (word == "no") return negation == 0;
    if (in(clause_negations, word)) return clause_start;
    return in(choosing_negations, word) && negation > 0 &&
           (in(choosing_subjects, tokens[negation - 1]) ||
            (tokens[negation - 1] == "are" && negation > 1 && tokens[negation - 2] == "we"));
}

bool is_plain_word(std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// "Greg fix the token. Raj prepare a fallback": see `order_verbs`.
bool is_order(std::string_view text, const LowerTokens& tokens) {
    auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return false;
    std::size_t verb = 0;
    if (tokens.size() >= 2 && tokens[0] == "@" && tokens[1] == "user") verb = 2;
    else if (text[start] >= 'A' && text[start] <= 'Z' && !tokens.empty() && is_plain_word(tokens[0]) &&
             !in(not_names, tokens[0]))
        verb = 1;
    else return false;
    if (verb < tokens.size() && (tokens[verb] == "please" || tokens[verb] == "pls")) ++verb;
    if (verb >= tokens.size() || !in(order_verbs, tokens[verb])) return false;
    auto object = verb + 1;
    if (object < tokens.size() && in(order_particles, tokens[object])) ++object;
    return object < tokens.size() && in(order_objects, tokens[object]);
}

bool ends_with_question(std::string_view text) {
    auto end = text.find_last_not_of(" \t\r\n");
    return end != std::string_view::npos && text[end] == '?';
}

// Markup only matters when the text has some; most messages have none.
// Mentions (tokens, @names) and Markdown links: what neutralise_markup() rewrites.
bool has_markup(std::string_view text) { return text.find_first_of("@[") != std::string_view::npos; }

std::string_view trim_left(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t')) text.remove_prefix(1);
    return text;
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// From token `i` on, only a name and punctuation: a mention, or one word
// that is capitalised in the text and is no keyword ("thanks Tom", not
// "thanks, rollback").
bool addressed_to_name(std::string_view text, const LowerTokens& tokens, std::size_t i) {
    std::size_t end = i;
    // The '@' of a mention was skipped as punctuation.
    if (end > 0 && tokens[end - 1] == "@" && tokens[end] == "user") {
        end += 1;
    } else {
        if (!is_plain_word(tokens[end])) return false;
        auto last = text.size();
        while (last > 0 && !is_ascii_letter(text[last - 1])) --last;
        auto first = last;
        while (first > 0 && is_ascii_letter(text[first - 1])) --first;
        if (first == last || !(text[first] >= 'A' && text[first] <= 'Z')) return false;
        if (classify_text(tokens[end]) != K::message) return false;
        ++end;
    }
    for (; end < tokens.size(); ++end)
        if (!is_punctuation_token(tokens[end]) || tokens[end] == "+") return false;
    return true;
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
std::span<const MarkerRule> marker_rules() { return markers; }
std::span<const EntryKind> kind_precedence() { return precedence; }
std::span<const std::string_view> acknowledgement_phrases() { return acknowledgements; }

EntryKind classify_text(std::string_view text) { return classify(text).kind; }

Classification classify(std::string_view text) {
    const auto& index = rule_index();
    std::string neutral = has_markup(text) ? neutralise_markup(text) : std::string{};
    LowerTokens tokens(neutral.empty() ? text : std::string_view(neutral));
    EntryKind best = K::message;
    int best_rank = precedence_rank(best);
    bool hedged = false;  // a hypothesis phrase anywhere in the message
    bool recap = false, plan = false, chose_not_to = false;
    auto consider = [&](std::size_t at, const CompiledRule& rule) {
        if (rule.kind == K::hypothesis && rule.guess && !hedged && matches_at(tokens, at, rule) && !negated(tokens, at))
            hedged = true;
        if (rule.rank >= best_rank && !(rule.kind == K::action && !chose_not_to)) return;
        if (!matches_at(tokens, at, rule)) return;
        if (auto negation = negation_before(tokens, at)) {
            if (rule.kind == K::action && chooses_not_to(tokens, *negation)) chose_not_to = true;
            return;
        }
        if (rule.rank < best_rank) {
            best = rule.kind;
            best_rank = rule.rank;
        }
    };
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (auto it = index.by_first_word.find(tokens[i]); it != index.by_first_word.end()) {
            for (auto m : it->second.markers)
                if (matches_at(tokens, i, index.marker_phrases[m]))
                    (index.marker_of[m] == Marker::recap ? recap : plan) = true;
            std::size_t neutral = 0;
            for (auto r : it->second.rules) {
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
        if (best_rank > 0 && !tokens[i].empty())
            for (auto r : index.single_prefix[static_cast<unsigned char>(tokens[i].front())]) consider(i, index.compiled[r]);
    }
    // A summary after the fact repeats entries the timeline already has.
    if (recap) return {K::message, true, plan};
    // A choice not to act, or an order to a person, is a decision.
    if (best_rank > precedence_rank(K::decision) &&
        (chose_not_to || is_order(neutral.empty() ? text : std::string_view(neutral), tokens))) {
        best = K::decision;
        best_rank = precedence_rank(K::decision);
    }
    // Planning what to add later names alerts and symptoms; nothing was noticed.
    if (plan && best == K::detection) best = K::message;
    // A guess about an action or a symptom ("I think it might be the deploy")
    // is a hypothesis: the deploy is what was suspected, not what was done.
    if (hedged && (best == K::action || best == K::detection)) return {K::hypothesis, false, plan};
    // A question about an act or an outcome ("restart pgbouncer?", "can I
    // close them as resolved?") proposes or asks; nothing was done yet.
    if ((best == K::action || best == K::mitigation || best == K::resolution) && ends_with_question(text))
        return {K::message, false, plan};
    return {best, false, plan};
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
        if (!matched) {
            // "thanks Tom", "ok @{U1|}": an acknowledgement addressed to someone.
            if (!had_content || !addressed_to_name(stripped, tokens, i)) return false;
            break;
        }
    }
    // Only punctuation ("!!!", "?") says no more than an emoji.
    return had_content || (!text.empty() && (only_emoji(text) || !tokens.empty()));
}

bool is_emoji_only(std::string_view text) { return only_emoji(text); }

bool is_join_leave_notice(std::string_view text) {
    auto start = trim_left(text);
    if (text.size() > 400 || start.empty() || start.front() != '@') return false;
    auto lowered = to_lower_ascii(collapse_whitespace(neutralise_markup(text)));
    // A notice is one short line about a member: "@{U1|bob} has joined the
    // channel", "@bob added to the channel by @alice."
    if (lowered.size() > 160 || !lowered.starts_with("@user")) return false;
    for (auto phrase : membership_notices)
        if (lowered.find(phrase) != std::string::npos) return true;
    return false;
}

bool is_gratitude(std::string_view text) {
    if (text.size() > max_acknowledgement_bytes) return false;
    auto stripped = strip_emoji(text);
    // Mentions become "@user"; the original text tells which words are capitalised.
    std::string neutral = has_markup(stripped) ? neutralise_markup(stripped) : stripped;
    LowerTokens tokens(neutral);
    std::vector<std::string_view> cased;  // the same words, case kept
    {
        std::size_t i = 0;
        while (i < neutral.size()) {
            while (i < neutral.size() && !std::isalnum(static_cast<unsigned char>(neutral[i])) && neutral[i] != '\'') ++i;
            std::size_t j = i;
            while (j < neutral.size() && (std::isalnum(static_cast<unsigned char>(neutral[j])) || neutral[j] == '\'')) ++j;
            if (j > i) cased.push_back(std::string_view(neutral).substr(i, j - i));
            i = j;
        }
    }
    bool core = false;
    std::size_t word = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        auto t = tokens[i];
        if (is_punctuation_token(t)) {
            if (t == "+" || t == "?") return false;
            continue;
        }
        bool capitalised = word < cased.size() && !cased[word].empty() && cased[word][0] >= 'A' && cased[word][0] <= 'Z';
        ++word;
        if (in(gratitude_core, t)) {
            core = true;
            continue;
        }
        if (in(gratitude_filler, t)) continue;
        if (t == "user" && i > 0 && tokens[i - 1] == "@") continue;  // a mention
        // A name: capitalised, and no word the kind table reads ("thanks, Rollback").
        if (capitalised && i > 0 && classify_text(t) == K::message) continue;
        return false;
    }
    return core;
}

bool is_noise(std::string_view text) {
    return is_emoji_only(text) || is_acknowledgement(text) || is_gratitude(text) || is_join_leave_notice(text);
}

}  // namespace hindsight
