#include "bot/core/blameless.hpp"

#include "bot/core/text.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace hindsight {

namespace {

using sv = std::string_view;

enum ContextMask : unsigned {
    note = 1u << static_cast<unsigned>(BlameContext::timeline_note),
    why = 1u << static_cast<unsigned>(BlameContext::why_answer),
    impact = 1u << static_cast<unsigned>(BlameContext::impact),
    action = 1u << static_cast<unsigned>(BlameContext::action_item),
    everywhere = note | why | impact | action,
};

// A failure verb after a person: "Alice forgot", "@{U1|} broke", "@bob didn't".
constexpr std::array failure_verbs{
    sv{"broke"},   sv{"forgot"},   sv{"missed"},    sv{"deleted"},  sv{"caused"},    sv{"messed up"},
    sv{"didn't"},  sv{"did not"},  sv{"failed to"}, sv{"screwed up"}, sv{"ignored"}, sv{"overlooked"},
    sv{"skipped"}, sv{"neglected"}, sv{"botched"},  sv{"dropped the ball"}};
// Words allowed between the person and the verb ("Alice accidentally deleted").
constexpr std::array person_adverbs{sv{"accidentally"}, sv{"mistakenly"}, sv{"just"},  sv{"also"},
                                    sv{"then"},         sv{"again"},      sv{"apparently"}, sv{"clearly"},
                                    sv{"obviously"},    sv{"simply"},     sv{"totally"}};
// Capitalised words that are not people (sentence starts, systems).
constexpr std::array not_people{
    sv{"the"},     sv{"this"},    sv{"that"},    sv{"these"},   sv{"those"},   sv{"it"},      sv{"we"},
    sv{"they"},    sv{"our"},     sv{"their"},   sv{"a"},       sv{"an"},      sv{"and"},     sv{"but"},
    sv{"then"},    sv{"so"},      sv{"who"},     sv{"which"},   sv{"what"},    sv{"there"},   sv{"nothing"},
    sv{"something"}, sv{"someone"}, sv{"somebody"}, sv{"nobody"}, sv{"everyone"}, sv{"everybody"}, sv{"also"},
    sv{"deploy"},  sv{"deployment"}, sv{"config"}, sv{"migration"}, sv{"release"}, sv{"build"}, sv{"job"},
    sv{"script"},  sv{"service"}, sv{"system"},  sv{"cron"},    sv{"test"},    sv{"tests"},   sv{"alert"},
    sv{"alerts"},  sv{"monitoring"}, sv{"prod"}, sv{"production"}, sv{"staging"}, sv{"cache"}, sv{"database"},
    sv{"pipeline"}, sv{"automation"}, sv{"terraform"}, sv{"kubernetes"}, sv{"redis"}, sv{"postgres"},
    sv{"kafka"},   sv{"nginx"},   sv{"yesterday"}, sv{"today"}, sv{"when"},   sv{"if"},      sv{"because"}};

// Phrase rows: lower-case words separated by spaces ('-' is a word of its
// own: "double - check"); '*' ends a prefix.
struct PhraseRule {
    sv id;
    std::span<const sv> phrases;
    std::span<const sv> not_followed_by;  // prefixes of the next word that cancel a match
    unsigned contexts;
    sv suggestion;
    std::span<const sv> not_after = {};  // the word right before that cancels a match (whole words)
};

constexpr std::array fault_phrases{sv{"fault"}, sv{"faults"}, sv{"at fault"}};
constexpr std::array fault_exceptions{sv{"toleran"}, sv{"inject"}, sv{"domain"}, sv{"line"}, sv{"detect"},
                                      sv{"isolat"}};
constexpr std::array judgement_phrases{sv{"careless*"}, sv{"negligen*"}, sv{"sloppy"},      sv{"lazy"},
                                       sv{"stupid*"},   sv{"incompeten*"}, sv{"idiot*"},    sv{"dumb"},
                                       sv{"reckless*"}};
constexpr std::array human_error_phrases{sv{"human error"}, sv{"human errors"}, sv{"operator error"},
                                         sv{"user error"}};
constexpr std::array should_have_phrases{sv{"should have"}, sv{"should've"}, sv{"shouldn't have"},
                                         sv{"should not have"}, sv{"ought to have"}};
// "should have an owner" prescribes; "should have checked" judges in hindsight.
constexpr std::array should_have_exceptions{sv{"a"},   sv{"an"},  sv{"the"},  sv{"some"},  sv{"any"},
                                            sv{"more"}, sv{"no"}, sv{"its"},  sv{"their"}, sv{"our"},
                                            sv{"enough"}, sv{"one"}, sv{"two"}, sv{"at"},  sv{"clear"}};
// "The alert should have fired" states what the system was expected to do —
// exactly the gap a postmortem records — so "should have" after one of these
// subjects is not flagged. After a person or a pronoun ("Bob should have
// checked", "we should have") it is hindsight about people and still is.
constexpr std::array system_subjects{
    sv{"alert"},    sv{"alerts"},     sv{"alarm"},     sv{"alarms"},     sv{"alerting"},   sv{"monitor"},
    sv{"monitors"}, sv{"monitoring"}, sv{"check"},     sv{"checks"},     sv{"healthcheck"}, sv{"probe"},
    sv{"probes"},   sv{"test"},       sv{"tests"},     sv{"ci"},         sv{"pipeline"},   sv{"linter"},
    sv{"validation"}, sv{"canary"},   sv{"rollout"},   sv{"deploy"},     sv{"deployment"}, sv{"failover"},
    sv{"automation"}, sv{"script"},   sv{"job"},       sv{"cron"},       sv{"renewal"},    sv{"certbot"},
    sv{"dashboard"}, sv{"pager"},     sv{"runbook"},   sv{"guard"},      sv{"limit"},      sv{"timeout"},
    sv{"breaker"},  sv{"service"},    sv{"system"},    sv{"cache"},      sv{"replica"},    sv{"database"},
    sv{"db"},       sv{"config"},     sv{"tooling"},   sv{"review"},     sv{"process"}};
constexpr std::array blame_phrases{sv{"blame"}, sv{"blamed"}, sv{"blaming"}, sv{"blames"}};
constexpr std::array behaviour_phrases{
    sv{"be more careful"}, sv{"be careful"}, sv{"remember to"},     sv{"pay more attention"},
    sv{"pay attention"},   sv{"double - check*"}, sv{"double check*"}, sv{"don't forget"},
    sv{"do not forget"},   sv{"try harder"},  sv{"be more vigilant"}, sv{"be vigilant"}};
constexpr std::array<sv, 0> none{};

constexpr std::array phrase_rules{
    PhraseRule{"fault", fault_phrases, fault_exceptions, everywhere,
               "“Fault” points at a person. Describe the conditions instead: what made this step easy to get "
               "wrong, and what would have caught it?"},
    PhraseRule{"judgement", judgement_phrases, none, everywhere,
               "Judgement words describe a person, not the system. Say what happened and what the system "
               "allowed: which check, guard or safe default was missing?"},
    PhraseRule{"human-error", human_error_phrases, none, everywhere,
               "“Human error” is where the investigation starts, not where it ends: what made the mistake "
               "possible and hard to notice (tooling, defaults, review, alerts)?"},
    PhraseRule{"should-have", should_have_phrases, should_have_exceptions, everywhere,
               "“Should have” is hindsight. Describe what people knew at the time and why their actions made "
               "sense then.",
               system_subjects},
    PhraseRule{"blame", blame_phrases, none, everywhere,
               "Blame ends the learning. Ask what in the system let this happen and how to make it harder "
               "next time."},
    PhraseRule{"behaviour-action", behaviour_phrases, none, action,
               "This asks a person to behave differently. Change the system instead: automate the check, add "
               "a guard, an alert or a safer default, so nobody has to remember."},
};

constexpr sv person_rule_id = "person-as-subject";
constexpr sv person_suggestion =
    "This names a person as the cause. Describe what the system allowed instead: which check or guard was "
    "missing, e.g. “the deploy went out without a config check” rather than who did it.";

// Action-item quality.
constexpr std::array vague_phrases{sv{"look into"},  sv{"looking into"}, sv{"investigate"}, sv{"improve monitoring"},
                                   sv{"improve"},    sv{"think about"},  sv{"revisit"},     sv{"explore"},
                                   sv{"consider"},   sv{"check on"},     sv{"follow up"},   sv{"discuss"}};

bool word_match(const std::string& token, sv word) {
    if (!word.empty() && word.back() == '*') return token.starts_with(word.substr(0, word.size() - 1));
    return token == word;
}

std::vector<sv> split(sv phrase) {
    std::vector<sv> words;
    std::size_t i = 0;
    while (i < phrase.size()) {
        auto j = phrase.find(' ', i);
        if (j == sv::npos) j = phrase.size();
        if (j > i) words.push_back(phrase.substr(i, j - i));
        i = j + 1;
    }
    return words;
}

// Length of `phrase` matched at tokens[at], or 0.
std::size_t match_at(const std::vector<std::string>& tokens, std::size_t at, sv phrase) {
    auto words = split(phrase);
    if (words.empty() || at + words.size() > tokens.size()) return 0;
    for (std::size_t k = 0; k < words.size(); ++k)
        if (!word_match(tokens[at + k], words[k])) return 0;
    return words.size();
}

std::string join(const std::vector<std::string>& tokens, std::size_t from, std::size_t count) {
    std::string out;
    for (std::size_t k = 0; k < count; ++k) {
        const auto& t = tokens[from + k];
        bool glue = t == "-" || (k > 0 && tokens[from + k - 1] == "-");
        if (k > 0 && !glue) out += ' ';
        out += t;
    }
    return out;
}

void add_finding(std::vector<BlameFinding>& out, sv rule, std::string matched, sv suggestion) {
    for (const auto& f : out)
        if (f.rule == rule && f.matched == matched) return;
    out.push_back({std::string(rule), std::move(matched), std::string(suggestion)});
}

// Case-preserving words for the person rule; a mention (@{U1|bob}, @bob) is
// one token.
struct Word {
    std::string text;
    bool mention = false;
};

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::vector<Word> words_of(sv s) {
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (auto n = mention_token_at(s, i)) {
            words.push_back({std::string(s.substr(i, n)), true});
            i += n;
            continue;
        }
        if (c == '@' && (i == 0 || !alnum(s[i - 1])) && i + 1 < s.size() && alnum(s[i + 1])) {
            std::size_t j = i + 1;
            while (j < s.size() && (alnum(s[j]) || s[j] == '.' || s[j] == '_' || s[j] == '-')) ++j;
            while (s[j - 1] == '.' || s[j - 1] == '-') --j;
            words.push_back({std::string(s.substr(i, j - i)), true});
            i = j;
            continue;
        }
        if (alnum(c) || c == '\'') {
            std::size_t j = i;
            while (j < s.size() && (alnum(s[j]) || s[j] == '\'')) ++j;
            words.push_back({std::string(s.substr(i, j - i)), false});
            i = j;
            continue;
        }
        if (s.substr(i, 3) == "\xE2\x80\x99" && !words.empty()) {  // didn’t
            words.back().text += '\'';
            i += 3;
            while (i < s.size() && alnum(s[i])) words.back().text += s[i++];
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') words.push_back({std::string(1, c), false});
        ++i;
    }
    return words;
}

bool looks_like_person(const Word& w) {
    if (w.mention) return true;
    auto lowered = to_lower_ascii(w.text);
    if (lowered == "he" || lowered == "she") return true;
    if (w.text.size() < 2 || !(w.text[0] >= 'A' && w.text[0] <= 'Z')) return false;
    for (std::size_t k = 1; k < w.text.size(); ++k)
        if (!(w.text[k] >= 'a' && w.text[k] <= 'z')) return false;
    return std::find(not_people.begin(), not_people.end(), lowered) == not_people.end();
}

void check_person_subject(sv text, std::vector<BlameFinding>& out) {
    auto words = words_of(text);
    std::vector<std::string> lowered;
    lowered.reserve(words.size());
    for (const auto& w : words) lowered.push_back(to_lower_ascii(w.text));
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (!looks_like_person(words[i])) continue;
        std::size_t j = i + 1;
        for (int skipped = 0; skipped < 2 && j < words.size(); ++skipped) {
            if (std::find(person_adverbs.begin(), person_adverbs.end(), lowered[j]) == person_adverbs.end()) break;
            ++j;
        }
        for (auto verb : failure_verbs) {
            if (auto n = match_at(lowered, j, verb)) {
                std::string matched;
                for (std::size_t k = i; k < j + n; ++k) matched += (k > i ? " " : "") + words[k].text;
                add_finding(out, person_rule_id, std::move(matched), person_suggestion);
                break;
            }
        }
    }
}

bool next_word_cancels(const std::vector<std::string>& tokens, std::size_t after, std::span<const sv> prefixes) {
    if (prefixes.empty()) return false;
    if (after < tokens.size() && tokens[after] == "-") ++after;
    if (after >= tokens.size()) return false;
    for (auto p : prefixes) {
        bool whole_word = p.size() <= 3;  // short exceptions ("a", "an", "no") are whole words
        if (whole_word ? tokens[after] == p : tokens[after].starts_with(p)) return true;
    }
    return false;
}

unsigned bit(BlameContext context) { return 1u << static_cast<unsigned>(context); }

}  // namespace

std::vector<BlameFinding> check_blameless(std::string_view text, BlameContext context) {
    std::vector<BlameFinding> out;
    check_person_subject(text, out);
    auto tokens = tokenize_lower(neutralise_markup(text));
    for (const auto& rule : phrase_rules) {
        if ((rule.contexts & bit(context)) == 0) continue;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            for (auto phrase : rule.phrases) {
                auto n = match_at(tokens, i, phrase);
                if (n == 0 || next_word_cancels(tokens, i + n, rule.not_followed_by)) continue;
                if (i > 0 && std::find(rule.not_after.begin(), rule.not_after.end(), tokens[i - 1]) != rule.not_after.end())
                    continue;
                add_finding(out, rule.id, join(tokens, i, n), rule.suggestion);
            }
        }
    }
    return out;
}

std::vector<BlameFinding> check_action_quality(const ActionItem& item) {
    std::vector<BlameFinding> out;
    auto label = "A-" + std::to_string(item.id);
    if (item.owner_id.empty() && item.owner_name.empty())
        out.push_back({"action-owner", label,
                       "Give it one owner who will see it through: `/incident action @owner <text>`."});
    if (item.due_at == Timestamp{})
        out.push_back({"action-due", label, "Give it a due date so it gets done and reminded: `due:+7d`."});
    auto tokens = tokenize_lower(neutralise_markup(item.text));
    std::size_t words = 0;
    bool measurable = false;
    for (const auto& t : tokens) {
        if (t.size() > 1 || (t[0] >= 'a' && t[0] <= 'z') || (t[0] >= '0' && t[0] <= '9')) ++words;
        if (std::any_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }) || t == "%" || t == ">" ||
            t == "<")
            measurable = true;
    }
    for (std::size_t i = 0; i + 1 < tokens.size() && !measurable; ++i)
        if (tokens[i] == "so" && tokens[i + 1] == "that") measurable = true;
    std::string vague;
    for (std::size_t i = 0; i < tokens.size() && vague.empty(); ++i)
        for (auto phrase : vague_phrases)
            if (auto n = match_at(tokens, i, phrase)) {
                vague = join(tokens, i, n);
                break;
            }
    if (!vague.empty() && !measurable) {
        out.push_back({"action-vague", vague,
                       "“" + vague + "” has no verifiable outcome. Say what will exist when it is done, e.g. “add "
                       "an alert on replica lag > 30 s” rather than “look into monitoring”."});
    } else if (words < 3) {
        out.push_back({"action-vague", item.text,
                       "Too short to verify. Say what will change in the system and how you will know it is done."});
    }
    return out;
}

std::vector<std::string_view> blameless_rule_ids() {
    std::vector<std::string_view> ids{person_rule_id};
    for (const auto& rule : phrase_rules) ids.push_back(rule.id);
    return ids;
}

}  // namespace hindsight
