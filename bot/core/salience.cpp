#include "bot/core/salience.hpp"

#include "bot/core/text.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace hindsight {

namespace {

using F = Feature;

constexpr std::array<std::string_view, feature_count> names{
    "length",   "short",    "mid_length", "act",         "problem",  "recover",        "escalate",
    "decide",   "resolve",  "hedge",      "cause",       "chatter",  "past",           "progressive",
    "act_past", "act_progressive", "state_reached", "cause_found", "number", "metric",   "problem_metric", "recover_metric", "question",
    "asks",     "label",    "negation",   "first_person", "scope",   "anchor",         "we_act",         "rule_kind",
    "rule_hypothesis", "code", "link", "addressed", "reactions", "pinned", "drew_acks", "novelty", "reply",
    "drew_replies", "commander", "opening", "first_of_kind", "echoed"};

// The word classes. Base forms of general incident-response vocabulary; a
// token matches a row when its Snowball stem (or the token itself) equals the
// row's. Add a row here and a sentence for it in tests/unit/core/salience_test.cpp.
constexpr std::string_view act_words[] = {
    // what operators do to a system
    "restart", "reboot", "bounce", "recycle", "deploy", "redeploy", "rollback", "revert", "failover", "drain",
    "disable", "enable", "kill", "suspend", "freeze", "unfreeze", "pause", "resume", "block", "unblock", "purge",
    "flush", "delete", "remove", "revoke", "rotate", "swap", "replace", "patch", "hotfix", "push", "apply", "ship",
    "release", "migrate", "reroute", "isolate", "cordon", "evacuate", "promote", "demote", "throttle", "shed",
    "bump", "raise", "increase", "lower", "reduce", "cap", "flip", "toggle", "switch", "shut", "stop", "start",
    "kick", "trigger", "rerun", "redrive", "replay", "backfill", "restore", "rebuild", "reindex", "resize",
    "provision", "override", "upgrade", "downgrade", "publish", "post", "announce", "mute", "silence", "wipe",
    "reset", "reissue", "renew", "invalidate", "lock", "unlock", "quarantine", "submit", "merge", "pull", "add",
    "withdraw", "deactivate", "activate", "detach", "attach", "rollout", "ramp", "scale", "roll", "cut", "update",
    "clear", "spin", "install", "uninstall"};
constexpr std::string_view problem_words[] = {
    // symptoms: something is wrong
    "error", "fail", "failure", "down", "outage", "broken", "dead", "timeout", "latency", "slow", "5xx", "500s",
    "502", "503", "504", "spike", "saturate", "loss", "lost", "degrade", "unavailable", "unreachable", "crash",
    "oom", "hang", "stuck", "alert", "alarm", "page", "pager", "fire", "critical", "exhaust", "leak", "overload",
    "refuse", "reject", "retransmit", "flap", "drop", "erroring", "wall", "corrupt", "unhealthy", "breach",
    "elevated", "impact", "affected", "red", "missing", "dark", "panic", "bsod", "notready", "crashloop",
    // a metric moving sharply, either way: what someone watching a graph reports
    "surge", "fall", "cliff", "climb", "plunge", "tank", "jump", "soar", "skyrocket", "crater", "dip", "flatline",
    "nosedive",
    // security incidents
    "compromise", "unauthorized", "attacker", "attack", "exfiltrate", "stolen", "malicious",
    "suspicious", "phish", "intrusion", "exposed", "clone", "hit"};
constexpr std::string_view recover_words[] = {
    // things getting better
    "recover", "back", "baseline", "normal", "green", "healthy", "stable", "clean", "restore", "mitigate", "fix",
    "work", "clear", "catch", "caught", "flat", "zero", "operational", "serving", "land", "calm", "settle",
    "improve", "sane"};
constexpr std::string_view escalate_words[] = {
    // more people, more severity
    "sev", "sev0", "sev1", "sev2", "sev3", "p0", "p1", "p2", "severity", "declare", "incident", "commander", "ic",
    "escalate", "page", "paging", "loop", "bring", "exec", "vendor", "case", "bridge", "war", "major", "mim",
    "upgrade", "oncall", "on-call", "engage", "ceo", "cfo", "cto", "vp", "leadership", "executive"};
constexpr std::string_view decide_words[] = {
    // a course chosen
    "decision", "decide", "call", "plan", "agree", "stay", "nobody", "until", "freeze", "hold", "rule", "go",
    "let's", "we'll"};
constexpr std::string_view resolve_words[] = {
    // the end of impact or of the incident
    "resolve", "resolution", "close", "done", "complete", "standing", "finish", "over"};
constexpr std::string_view hedge_words[] = {
    // a guess, not a fact
    "maybe", "might", "could", "think", "suspect", "guess", "probably", "wonder", "possibly", "perhaps", "seem"};
constexpr std::string_view cause_words[] = {
    // a cause found
    "found", "cause", "culprit", "turns", "because", "reason", "root"};
// "found it:", "root cause is…", "turns out…", "culprit:": a message that opens
// by announcing the cause (the timeline keeps it: timeline.cpp, milestones).
constexpr std::string_view cause_openers[] = {"found", "culprit", "root", "turns", "turned"};
constexpr std::string_view interjections[] = {"ok", "okay", "ah", "aha", "so", "yes", "yep"};
constexpr std::string_view chatter_words[] = {
    // side talk
    "lol", "haha", "ofc", "brb", "lunch", "omg", "wtf", "lmao", "heh", "ugh", "hah", "coffee"};

// Irregular past forms and the verb they are a form of: "rebuilt" is an act
// done as much as "restarted" is (the stemmer leaves them alone).
struct Irregular {
    std::string_view form, base;
};
constexpr Irregular irregular_past[] = {
    {"built", "build"}, {"rebuilt", "rebuild"}, {"spun", "spin"},   {"ran", "run"},         {"reran", "rerun"},
    {"sent", "send"},   {"resent", "send"},     {"shut", "shut"},   {"cut", "cut"},         {"put", "put"},
    {"reset", "reset"}, {"froze", "freeze"},    {"frozen", "freeze"}, {"unfrozen", "unfreeze"}, {"took", "take"},
    {"taken", "take"},  {"withdrew", "withdraw"}, {"withdrawn", "withdraw"}, {"undid", "revert"}, {"undone", "revert"},
    {"began", "start"}, {"begun", "start"},     {"brought", "bring"}, {"held", "hold"},     {"split", "split"},
    {"fell", "fall"}};
// Prefixes that turn an act into another act: un-install, re-enable, de-register.
constexpr std::string_view act_prefixes[] = {"un", "re", "de", "dis"};
// "errors under 5%", "p99 below 300ms": a number on the good side of a line.
constexpr std::string_view improving_comparators[] = {"under", "below"};
// A check mark ends "status page posted ✅": the thing is done.
constexpr std::string_view check_marks[] = {"\u2705", "\u2714", ":white_check_mark:", ":heavy_check_mark:"};

// Past participles and particles that report a state reached.
constexpr std::string_view done_words[] = {"done", "gone", "out", "off", "live", "up", "shut", "set", "put", "cut",
                                           "frozen", "taken", "sent", "begun", "built", "spun", "held", "ran"};
constexpr std::string_view particles[] = {"off", "out", "over", "back", "down", "up"};
// What may follow a state reached without a verb: "writeup live on the blog",
// "FRA done", "status page live" (and the end of the text).
constexpr std::string_view after_state[] = {"on", "in", "at", "for", "across", "everywhere", "to", "since", "as",
                                            "and", "now", "already"};
// "the banner is live", "uploads are back on", "the fix went out": a copula (or
// went/got) and, at most two words on, a done word, a particle or "on".
constexpr std::string_view copulas[] = {"is", "are", "was", "were", "been", "be", "went", "got", "it's", "that's"};
constexpr std::string_view negation_words[] = {"no", "not", "don't", "dont", "nobody", "never", "won't", "nothing"};
constexpr std::string_view first_person_words[] = {"we", "we're", "we'll", "i'm", "i've", "we've"};
constexpr std::string_view scope_words[] = {"all", "every", "everywhere", "everyone", "global", "globally", "whole",
                                            "entire", "fleetwide", "fleet-wide", "100%", "half", "most", "any"};
// First words of a question or a musing, also without '?'.
constexpr std::string_view ask_words[] = {"so", "wait", "hm", "hmm", "any", "anyone", "what", "how", "why",
                                          "can", "could", "should", "do", "does", "did", "is", "are", "was",
                                          "where", "who", "when", "which", "ok", "also"};
constexpr std::string_view anchor_words[] = {"since", "now", "again"};
// "we re-enable with…", "let's drain", "we'll ramp": the team states its course.
constexpr std::string_view we_words[] = {"we", "we'll", "let's", "lets", "we're", "we've"};
constexpr std::string_view units[] = {"%", "ms", "s", "m", "h", "k", "x", "gb", "mb", "rps", "qps"};

// Weights fitted by scripts/fit_salience.py (logistic regression over the
// features of every message of the development channels, leave-one-out
// checked); the bias and threshold come from the same fit.
struct Weight {
    std::string_view feature;  // as in feature_name()
    double weight;
};
constexpr Weight weights[] = {
    {"act", 0.29},
    {"act_past", 0.29},
    {"act_progressive", 0.04},
    {"cause_found", 0.0},  // acts through the milestones (timeline.cpp), not the score
    {"state_reached", 0.23},
    {"addressed", -0.02},
    {"anchor", 0.22},
    {"asks", -0.07},
    {"cause", 0.03},
    {"chatter", -0.02},
    {"code", -0.01},
    {"commander", 0.08},
    {"decide", 0.18},
    {"drew_acks", 0.23},
    {"drew_replies", -0.01},
    {"echoed", 0.11},
    {"escalate", 0.23},
    {"first_of_kind", 0.20},
    {"first_person", 0.00},
    {"hedge", -0.04},
    {"label", 0.12},
    {"length", 0.14},
    {"link", 0.00},
    {"metric", 0.11},
    {"mid_length", 0.47},
    {"negation", -0.06},
    {"novelty", 0.19},
    {"number", 0.27},
    {"opening", 0.17},
    {"past", 0.29},
    {"pinned", 0.25},
    {"problem", 0.13},
    {"problem_metric", 0.11},
    {"progressive", 0.10},
    {"question", -0.16},
    {"reactions", 0.17},
    {"recover", 0.22},
    {"recover_metric", 0.16},
    {"reply", -0.22},
    {"resolve", 0.15},
    {"rule_hypothesis", 0.08},
    {"rule_kind", 0.30},
    {"scope", 0.42},
    {"short", -0.20},
    {"we_act", 0.02},
};
constexpr double bias = -0.78;
constexpr double threshold = 0.0;

template <std::size_t N>
bool in(const std::string_view (&table)[N], std::string_view word) {
    return std::find(std::begin(table), std::end(table), word) != std::end(table);
}

// One Snowball English stemmer per thread (a stemmer is not thread-safe).
struct Stemmer {
    sb_stemmer* handle;
    Stemmer() : handle(sb_stemmer_new("english", "UTF_8")) {
        if (!handle) throw std::runtime_error("libstemmer: no English stemmer");
    }
    ~Stemmer() { sb_stemmer_delete(handle); }
    Stemmer(const Stemmer&) = delete;
    Stemmer& operator=(const Stemmer&) = delete;

    std::string stem(std::string_view word) {
        auto* out = sb_stemmer_stem(handle, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
        return out ? std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(handle)))
                   : std::string(word);
    }
};

Stemmer& stemmer() {
    thread_local Stemmer s;
    return s;
}

// Hash look-ups by string_view without building a std::string.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

using ClassBits = std::uint32_t;
ClassBits bit(F f) { return ClassBits{1} << static_cast<unsigned>(f); }

// Each word class as stems and raw words → the classes they belong to.
struct Lexicon {
    StringMap<ClassBits> classes;
    Lexicon() {
        for (const auto& row : lexicon_rows())
            for (const auto& key : {std::string(row.word), stemmer().stem(row.word)}) classes[key] |= bit(row.feature);
    }
    ClassBits of(std::string_view key) const {
        auto it = classes.find(key);
        return it == classes.end() ? 0 : it->second;
    }
};

const Lexicon& lexicon() {
    static const Lexicon l;
    return l;
}

bool token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'' || c == '_' || c == '.' || c == '%' ||
           c == '/' || c == '-';
}
bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Lower-cased words: runs of letters, digits and ' _ . % / -, trimmed to start
// with a letter or digit and end with one or '%'. Views into `buffer`.
void split_words(std::string_view text, std::string& buffer, std::vector<std::string_view>& out) {
    out.clear();
    if (text.find_first_of("@[") != std::string_view::npos) buffer = neutralise_markup(text);
    else buffer.assign(text);
    if (buffer.find('\xC3') != std::string::npos) buffer = fold_accents(buffer);  // "décision" is "decision"
    for (auto& c : buffer) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        else if (static_cast<unsigned char>(c) == 0xE2) c = ' ';  // ’ … — start bytes: word breaks
    }
    std::string_view b = buffer;
    std::size_t i = 0;
    while (i < b.size()) {
        while (i < b.size() && !token_char(b[i])) ++i;
        std::size_t j = i;
        while (j < b.size() && token_char(b[j])) ++j;
        std::size_t x = i, y = j;
        while (x < y && !alnum(b[x])) ++x;
        while (y > x && !(alnum(b[y - 1]) || b[y - 1] == '%')) --y;
        if (y > x) out.push_back(b.substr(x, y - x));
        i = j;
    }
}

bool has_digit(std::string_view w) { return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; }); }

bool is_metric(std::string_view w) {
    if (w.empty() || !(w[0] >= '0' && w[0] <= '9')) return false;
    std::size_t k = 0;
    while (k < w.size() && ((w[k] >= '0' && w[k] <= '9') || w[k] == '.' || w[k] == ',')) ++k;
    auto unit = w.substr(k);
    return !unit.empty() && in(units, unit);
}

bool is_past(std::string_view w) { return (w.size() > 4 && w.ends_with("ed")) || in(done_words, w); }
bool is_progressive(std::string_view w) { return w.size() > 5 && w.ends_with("ing"); }

// "hh:mm" anywhere in the text.
bool has_clock(std::string_view text) {
    for (std::size_t i = 1; i + 2 < text.size(); ++i)
        if (text[i] == ':' && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 1])) && std::isdigit(static_cast<unsigned char>(text[i + 2])))
            return true;
    return false;
}

// "decision: …", "update: …": a short label of words and a colon open the message.
bool has_label(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 21) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        char c = text[i];
        if (!(std::isalpha(static_cast<unsigned char>(c)) || c == ' ' || c == '_')) return false;
    }
    return std::isalpha(static_cast<unsigned char>(text[0]));
}

bool ends_with_question(std::string_view text) {
    auto end = text.find_last_not_of(" \t\r\n");
    return end != std::string_view::npos && text[end] == '?';
}

// Everything about one distinct word, worked out once per analyzer.
struct WordInfo {
    ClassBits classes = 0;
    std::uint32_t stem = 0;   // id of its stem
    bool content = false;     // 4+ characters, no digit: counts for novelty and echoes
    bool we = false;
    bool past = false, progressive = false, digit = false, metric = false, negation = false, first_person = false,
         scope = false, anchor = false, particle = false, ask = false, copula = false, reached = false;
    bool done = false, after_state = false, comparator = false;
};

void set(FeatureVector& v, F f, double x) { v[static_cast<std::size_t>(f)] = static_cast<float>(x); }
float get(const FeatureVector& v, F f) { return v[static_cast<std::size_t>(f)]; }

}  // namespace

std::string_view feature_name(Feature f) { return names[static_cast<std::size_t>(f)]; }

std::string stem_word(std::string_view word) { return stemmer().stem(word); }

std::vector<LexiconRow> lexicon_rows() {
    std::vector<LexiconRow> rows;
    auto add = [&](F f, const auto& table) {
        for (auto w : table) rows.push_back({f, w});
    };
    add(F::act, act_words);
    add(F::problem, problem_words);
    add(F::recover, recover_words);
    add(F::escalate, escalate_words);
    add(F::decide, decide_words);
    add(F::resolve, resolve_words);
    add(F::hedge, hedge_words);
    add(F::cause, cause_words);
    add(F::chatter, chatter_words);
    return rows;
}

struct TextAnalyzer::Impl {
    StringMap<std::uint32_t> word_ids;
    std::vector<WordInfo> words;
    StringMap<std::uint32_t> stem_ids;
    std::string buffer;
    std::vector<std::string_view> tokens;

    const WordInfo& info(std::string_view w) {
        if (auto it = word_ids.find(w); it != word_ids.end()) return words[it->second];
        WordInfo x;
        const auto& lex = lexicon();
        auto stem = stemmer().stem(w);
        x.classes = lex.of(w) | lex.of(stem);
        if (w.find_first_of("-/") != std::string_view::npos) {
            std::size_t a = 0;
            while (a < w.size()) {
                auto b = w.find_first_of("-/", a);
                if (b == std::string_view::npos) b = w.size();
                if (b > a) {
                    auto part = w.substr(a, b - a);
                    x.classes |= lex.of(part) | lex.of(stemmer().stem(part));
                }
                a = b + 1;
            }
        }
        bool irregular = false;
        for (const auto& r : irregular_past)
            if (r.form == w) {
                x.classes |= lex.of(r.base) | lex.of(stemmer().stem(r.base));
                irregular = true;
            }
        if (!(x.classes & bit(F::act)))
            for (auto prefix : act_prefixes)
                if (w.size() >= prefix.size() + 4 && w.starts_with(prefix)) {
                    auto rest = w.substr(prefix.size());
                    if ((lex.of(rest) | lex.of(stemmer().stem(rest))) & bit(F::act)) x.classes |= bit(F::act);
                }
        auto [sid, fresh] = stem_ids.try_emplace(stem, static_cast<std::uint32_t>(stem_ids.size()));
        (void)fresh;
        x.stem = sid->second;
        x.digit = has_digit(w);
        x.content = w.size() >= 4 && !x.digit;
        x.past = irregular || is_past(w);
        x.progressive = is_progressive(w);
        x.metric = is_metric(w);
        x.negation = in(negation_words, w);
        x.first_person = in(first_person_words, w);
        x.scope = in(scope_words, w);
        x.anchor = in(anchor_words, w);
        x.particle = in(particles, w);
        x.copula = in(copulas, w);
        x.done = in(done_words, w);
        x.reached = x.particle || w == "on" || x.done;
        x.after_state = in(after_state, w);
        x.comparator = in(improving_comparators, w);
        x.ask = in(ask_words, w);
        x.we = in(we_words, w);
        word_ids.emplace(std::string(w), static_cast<std::uint32_t>(words.size()));
        words.push_back(x);
        return words.back();
    }
};

TextAnalyzer::TextAnalyzer() : impl_(std::make_unique<Impl>()) {}
TextAnalyzer::~TextAnalyzer() = default;

std::vector<std::uint32_t> TextAnalyzer::adopt_stems(const TextAnalyzer& other) {
    std::vector<std::uint32_t> ids(other.impl_->stem_ids.size());
    for (const auto& [stem, id] : other.impl_->stem_ids)
        ids[id] = impl_->stem_ids.try_emplace(stem, static_cast<std::uint32_t>(impl_->stem_ids.size())).first->second;
    return ids;
}

TextAnalyzer::Result TextAnalyzer::analyze(std::string_view text, EntryKind rule_kind, bool with_evidence) {
    Result out;
    auto& v = out.values;
    auto& im = *impl_;
    split_words(text, im.buffer, im.tokens);
    const auto& tokens = im.tokens;
    auto n = tokens.size();
    set(v, F::length, static_cast<double>(std::min<std::size_t>(n, 30)) / 30.0);
    set(v, F::short_text, n <= 4);
    set(v, F::mid_length, n >= 8 && n <= 30);
    int past = 0;
    bool progressive = false, number = false, metric = false, negation = false, first_person = false, scope = false,
         anchor = false;
    std::size_t we_at = n;      // where the last "we" was
    std::size_t copula_at = n;  // where the last "is", "are", "went"… was
    std::size_t comparator_at = n;  // where the last "under" / "below" was
    bool improving = false;
    const bool asked = ends_with_question(text);
    auto note = [&](F f, std::string_view word) {
        if (get(v, f) > 0) return;
        set(v, f, 1);
        if (with_evidence) out.evidence.push_back(std::string(feature_name(f)) + ":" + std::string(word));
    };
    for (std::size_t i = 0; i < n; ++i) {
        auto w = tokens[i];
        // Copy: info() may grow the table and move what a reference points to.
        WordInfo x = im.info(w);
        if (x.classes)
            for (auto f : {F::act, F::problem, F::recover, F::escalate, F::decide, F::resolve, F::hedge, F::cause, F::chatter})
                if (x.classes & bit(f)) note(f, w);
        past += x.past;
        progressive = progressive || x.progressive;
        if (x.classes & bit(F::act)) {
            if (x.past) note(F::act_past, w);
            if (x.progressive) note(F::act_progressive, w);
        }
        if (x.we) we_at = i;
        if (x.reached && copula_at < i && i - copula_at <= 2) note(F::state_reached, w);
        // Without a copula: a done word after the thing it reports, ending the
        // text or followed by where/when ("FRA done", "writeup live on the blog").
        if (!asked && i > 0 && !x.particle && x.done && (i + 1 == n || im.info(tokens[i + 1]).after_state))
            note(F::state_reached, w);
        if (x.comparator) comparator_at = i;
        if (x.digit && comparator_at < i && i - comparator_at <= 2) improving = true;
        if (x.copula) copula_at = i;
        if (in(cause_openers, w) && (i == 0 || (i == 1 && in(interjections, tokens[0])))) note(F::cause_found, w);
        // An act or a decision word one to three words after "we" / "let's".
        if ((x.classes & (bit(F::act) | bit(F::decide))) && we_at < i && i - we_at <= 3 && !x.past) note(F::we_act, w);
        number = number || x.digit;
        metric = metric || x.metric;
        negation = negation || x.negation;
        first_person = first_person || x.first_person;
        scope = scope || x.scope;
        anchor = anchor || x.anchor || (w == "as" && i + 1 < n && tokens[i + 1] == "of");
        if (x.content) out.content.push_back(x.stem);
    }
    std::sort(out.content.begin(), out.content.end());
    out.content.erase(std::unique(out.content.begin(), out.content.end()), out.content.end());
    set(v, F::past, std::min(past, 3) / 3.0);
    set(v, F::progressive, progressive);
    set(v, F::number, number);
    set(v, F::metric, metric);
    set(v, F::problem_metric, get(v, F::problem) * number);
    set(v, F::recover_metric, improving ? 1.0 : get(v, F::recover) * number);
    if (!asked)
        for (auto mark : check_marks)
            if (text.find(mark) != std::string_view::npos) note(F::state_reached, mark);
    set(v, F::question, ends_with_question(text));
    set(v, F::asks, n > 0 && im.info(tokens[0]).ask);
    set(v, F::label, has_label(text));
    set(v, F::negation, negation);
    set(v, F::first_person, first_person);
    set(v, F::scope, scope);
    set(v, F::anchor, anchor || has_clock(text));
    // The kind table (timeline_rules.cpp): a named kind is a strong signal.
    set(v, F::rule_kind, rule_kind != EntryKind::message && rule_kind != EntryKind::hypothesis);
    set(v, F::rule_hypothesis, rule_kind == EntryKind::hypothesis);
    set(v, F::code, text.find('`') != std::string_view::npos);
    set(v, F::link, text.find("http://") != std::string_view::npos || text.find("https://") != std::string_view::npos);
    // split_words() left the text with mentions neutralised ("@user") in im.buffer.
    auto first = im.buffer.find_first_not_of(" \t\n");
    set(v, F::addressed, first != std::string::npos && im.buffer[first] == '@');
    return out;
}

TextFeatures text_features(std::string_view text) {
    TextAnalyzer analyzer;
    auto r = analyzer.analyze(text, classify_text(text), true);
    return {r.values, std::move(r.evidence)};
}

void add_context(FeatureVector& values, const MessageContext& context) {
    set(values, F::reactions, std::min(context.reactions, 4) / 4.0);
    set(values, F::pinned, context.pinned);
    set(values, F::drew_acks, std::min(context.drew_acks, 3) / 3.0);
    set(values, F::novelty, std::min(context.new_words, 6) / 6.0);
    set(values, F::reply, context.reply);
    set(values, F::drew_replies, std::min(context.replies, 3) / 3.0);
    set(values, F::commander, context.commander);
    set(values, F::opening, context.opening);
    set(values, F::first_of_kind, context.first_of_kind);
    set(values, F::echoed, std::min(context.echoed, 3) / 3.0);
}

namespace {

// The weight table as a vector in feature order; a name no feature has is a
// programming error caught by the first draft (and salience_test).
const FeatureVector& weight_vector() {
    static const FeatureVector v = [] {
        FeatureVector out{};
        for (const auto& w : weights) {
            auto it = std::find(names.begin(), names.end(), w.feature);
            if (it == names.end()) throw std::logic_error("salience weight for unknown feature " + std::string(w.feature));
            out[static_cast<std::size_t>(it - names.begin())] = static_cast<float>(w.weight);
        }
        return out;
    }();
    return v;
}

}  // namespace

double salience(const FeatureVector& values) {
    const auto& w = weight_vector();
    double s = bias;
    for (std::size_t i = 0; i < feature_count; ++i) s += static_cast<double>(w[i]) * values[i];
    return s;
}

double salience_threshold() { return threshold; }

std::vector<std::string> contributions(const FeatureVector& values) {
    std::vector<std::pair<double, F>> parts;
    const auto& w = weight_vector();
    for (std::size_t i = 0; i < feature_count; ++i) {
        double c = static_cast<double>(w[i]) * values[i];
        if (std::abs(c) >= 0.005) parts.emplace_back(c, static_cast<F>(i));
    }
    std::stable_sort(parts.begin(), parts.end(), [](auto& a, auto& b) { return std::abs(a.first) > std::abs(b.first); });
    std::vector<std::string> out;
    for (auto [c, f] : parts) {
        char buf[32];
        std::snprintf(buf, sizeof buf, " %+.2f", c);
        out.push_back(std::string(feature_name(f)) + buf);
    }
    return out;
}


}  // namespace hindsight
