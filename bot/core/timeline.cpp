#include "bot/core/timeline.hpp"

#include "bot/core/salience.hpp"
#include "bot/core/text.hpp"
#include "bot/core/zone.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <future>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace hindsight {

namespace {

// One entry while drafting. Texts stay views into the input until the few
// surviving entries are rendered, so a 100,000-message draft copies little.
struct Draft {
    // The key is built only for entries that survive: 'm' + message id, or
    // 'k' / 'a' + a number.
    char prefix = 'm';
    std::string_view message_id;
    std::int64_t number_id = 0;
    Timestamp at{};
    Timestamp last_at{};             // of the newest message merged in
    std::string_view user_id;        // for merging and the author name
    std::string_view user_name;      // what the record carried
    std::string_view thread;
    std::vector<std::string_view> parts;
    EntryKind kind = EntryKind::message;
    EntryKind signal = EntryKind::message;  // what the text says; a key event's too (durations)
    std::string_view permalink;
    bool hidden = false;
    bool keep = false;  // key event or curated: survives the cap
    bool from_message = false;
    bool recap = false;  // a message of it is a summary after the fact
    bool milestone = false;  // holds a milestone message (see Scored::milestone)
    double score = 0;    // salience: the highest of its messages
    std::vector<std::size_t> sources;  // indexes into input.messages
};

int rank(EntryKind kind) {
    auto order = kind_precedence();
    auto it = std::find(order.begin(), order.end(), kind);
    return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

EntryKind stronger(EntryKind a, EntryKind b) { return rank(a) <= rank(b) ? a : b; }

// Two kinds one entry can hold: the same, or one of them a plain message.
bool kinds_agree(EntryKind a, EntryKind b) { return a == b || a == EntryKind::message || b == EntryKind::message; }

bool mergeable(const Draft& burst, const RecordedMessage& m, EntryKind kind) {
    if (!burst.from_message || burst.keep || m.key_event) return false;
    if (burst.user_id != m.user_id || burst.thread != m.thread_parent) return false;
    if (m.at - burst.last_at > burst_window || m.at < burst.last_at) return false;
    return kinds_agree(burst.kind, kind);
}

// A follow-up: `b` comes from the same author in the same thread as `a`, at
// most follow_up_window after it. Among the messages the draft keeps
// (chatter in between is gone), it reads as one entry, whatever the two
// kinds: one person's update over a few minutes is one step even when it
// starts with a symptom and ends with an action (bursts, within a minute,
// still need kinds that agree). A milestone never joins an earlier entry
// (its own time is the point of it) and takes only follow-ups of its own
// kind (its kind is the point of it too), and a recap joins nothing.
bool follows(const Draft& a, const Draft& b) {
    auto alone = [](const Draft& d) { return !d.from_message || d.keep || d.hidden || d.recap; };
    if (alone(a) || alone(b) || b.milestone) return false;
    if (a.user_id != b.user_id || a.thread != b.thread) return false;
    // A milestone keeps its kind: "found it: …" then "restarting the pods" stay two steps.
    if (a.milestone && !kinds_agree(a.kind, b.kind)) return false;
    return b.at >= a.last_at && b.at - a.last_at <= follow_up_window;
}

// Merges the follow-up `b` into `a`; the entry takes the stronger kind, as a burst does.
void fold_into(Draft& a, const Draft& b) {
    a.parts.insert(a.parts.end(), b.parts.begin(), b.parts.end());
    a.sources.insert(a.sources.end(), b.sources.begin(), b.sources.end());
    a.kind = stronger(a.kind, b.kind);
    a.signal = stronger(a.signal, b.signal);
    a.last_at = b.last_at;
    a.score = std::max(a.score, b.score);
}

// Display names, asked once per id.
class NameCache {
public:
    explicit NameCache(const std::function<std::string(const std::string&)>& resolve) : resolve_(resolve) {}

    std::string operator()(const std::string& id) {
        if (!resolve_ || id.empty()) return id;
        auto [it, inserted] = cache_.try_emplace(id);
        if (inserted) it->second = resolve_(id);
        return it->second;
    }

    std::string author(std::string_view user_id, std::string_view fallback) {
        std::string id(user_id);
        auto name = (*this)(id);
        if (!name.empty() && name != id) return name;
        if (!fallback.empty()) return std::string(fallback);
        return id.empty() ? std::string("unknown") : id;
    }

private:
    const std::function<std::string(const std::string&)>& resolve_;
    std::unordered_map<std::string, std::string> cache_;
};

std::string render_parts(const std::vector<std::string_view>& parts, NameCache& names) {
    NameResolver resolve = [&](const std::string& id) { return names(id); };
    std::string joined;
    for (auto part : parts) {
        // Each message is shortened on its own, so a follow-up is not cut
        // off by a long first message.
        auto text = shorten(collapse_whitespace(render_chat_markup(part, resolve)), max_entry_chars);
        if (text.empty()) continue;
        if (!joined.empty()) joined += " / ";
        joined += text;
    }
    return escape_markdown_inline(joined);
}

// Keeps at most `cap` visible entries: first, last, key events and curated
// entries always; then the highest salience scores. Returns how many it removed.
template <typename OnRemoved>
std::size_t apply_cap(std::vector<Draft>& drafts, int cap, OnRemoved on_removed) {
    std::vector<std::size_t> visible;
    for (std::size_t i = 0; i < drafts.size(); ++i)
        if (!drafts[i].hidden) visible.push_back(i);
    if (cap <= 0 || visible.size() <= static_cast<std::size_t>(cap)) return 0;

    std::vector<char> kept(drafts.size(), 0);
    for (std::size_t i = 0; i < drafts.size(); ++i)
        if (drafts[i].hidden || drafts[i].keep) kept[i] = 1;
    kept[visible.front()] = kept[visible.back()] = 1;
    std::size_t used = 0;
    for (auto i : visible) used += kept[i];

    std::vector<std::size_t> rest;
    for (auto i : visible)
        if (!kept[i]) rest.push_back(i);
    std::stable_sort(rest.begin(), rest.end(), [&](auto a, auto b) { return drafts[a].score > drafts[b].score; });
    for (auto i : rest) {
        if (used >= static_cast<std::size_t>(cap)) break;
        kept[i] = 1;
        ++used;
    }

    std::size_t removed = 0;
    std::vector<Draft> out;
    out.reserve(used + 8);
    for (std::size_t i = 0; i < drafts.size(); ++i) {
        if (kept[i]) {
            out.push_back(std::move(drafts[i]));
        } else {
            on_removed(drafts[i]);
            ++removed;
        }
    }
    drafts = std::move(out);
    return removed;
}

// Fallback kinds for a message no kind row names: what its features say.
EntryKind kind_from_features(const FeatureVector& v) {
    auto has = [&](Feature f) { return v[static_cast<std::size_t>(f)] > 0; };
    if (has(Feature::hedge) || has(Feature::question)) return EntryKind::message;  // a guess or a question reports nothing
    if (has(Feature::act_past)) return EntryKind::action;
    if (has(Feature::recover_metric)) return EntryKind::mitigation;
    if (has(Feature::problem_metric)) return EntryKind::detection;
    return EntryKind::message;
}

// Salience inputs per recorded message (index-aligned with input.messages).
struct Scored {
    double score = 0;
    Classification classified;  // the kind table's reading
    EntryKind feature_kind = EntryKind::message;  // what the features say (kind_from_features)
    bool noise = false;
    // The first detection and mitigation (the durations in the document are
    // measured to them), the first escalation (when help was called) and the
    // first hypothesis (when the investigation took a direction), every
    // message that announces the cause, and every resolution the kind table
    // reads (where the impact ended): the timeline always shows them.
    bool milestone = false;
    bool cause_announced = false;  // "found it: …", "root cause is …": not asked, not guessed
    // Only when explaining: every feature's value and the words that fired.
    std::unique_ptr<FeatureVector> features;
    std::vector<std::string> evidence;
};

// A channel this long has its texts read by two threads (each message's text
// alone; the context pass after it runs in order).
constexpr std::size_t parallel_from = 4096;

std::vector<Scored> score_messages(const DraftInput& input, bool keep_evidence) {
    const auto& ms = input.messages;
    std::vector<Scored> out(ms.size());
    std::vector<char> shortish(ms.size(), 0);
    std::vector<std::vector<std::uint32_t>> stems(ms.size());
    // What the text alone says, for messages [first, last).
    auto read_texts = [&](TextAnalyzer& analyzer, std::size_t first, std::size_t last) {
        for (std::size_t i = first; i < last; ++i) {
            const auto& m = ms[i];
            if (m.deleted) continue;
            const auto text = reading_of(m.text);
            bool blank = std::all_of(m.text.begin(), m.text.end(), [](unsigned char c) { return std::isspace(c); });
            // A cut text is never noise: a long message is not a "thanks".
            out[i].noise = !m.key_event && (blank || (text.size() == m.text.size() && is_noise(text)));
            out[i].classified = classify(text);
            auto f = analyzer.analyze(text, out[i].classified.kind, keep_evidence);
            // The score is linear: the text's part now, the context's added below.
            out[i].score = salience(f.values);
            out[i].feature_kind = kind_from_features(f.values);
            auto value = [&](Feature x) { return f.values[static_cast<std::size_t>(x)]; };
            shortish[i] = out[i].noise || value(Feature::short_text) > 0;
            out[i].cause_announced = value(Feature::cause_found) > 0 && value(Feature::question) == 0 && value(Feature::hedge) == 0;
            stems[i] = std::move(f.content);
            if (keep_evidence) {
                out[i].features = std::make_unique<FeatureVector>(f.values);
                out[i].evidence = std::move(f.evidence);
            }
        }
    };
    TextAnalyzer analyzer;
    if (ms.size() < parallel_from || std::thread::hardware_concurrency() < 2) {
        read_texts(analyzer, 0, ms.size());
    } else {
        const std::size_t half = ms.size() / 2;
        TextAnalyzer second;
        auto later = std::async(std::launch::async, [&] { read_texts(second, half, ms.size()); });
        read_texts(analyzer, 0, half);
        later.get();
        // One id per stem across the channel: the second half's ids in the first's terms.
        const auto ids = analyzer.adopt_stems(second);
        for (std::size_t i = half; i < ms.size(); ++i) {
            for (auto& stem : stems[i]) stem = ids[stem];
            std::sort(stems[i].begin(), stems[i].end());
        }
    }
    // Thread replies each message drew, and the commander: whoever first
    // declared or escalated (the kind table says escalation).
    std::unordered_map<std::string_view, int> replies;
    std::string_view commander;
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const auto& m = ms[i];
        if (m.deleted) continue;
        if (!m.thread_parent.empty()) ++replies[m.thread_parent];
        if (commander.empty() && !out[i].noise && out[i].classified.kind == EntryKind::escalation) commander = m.user_id;
    }
    auto shares_word = [&](std::size_t a, std::size_t b) {
        for (auto w : stems[b])
            if (std::binary_search(stems[a].begin(), stems[a].end(), w)) return true;
        return false;
    };
    std::vector<char> seen;
    bool opened = false;
    bool first_seen[7] = {};
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const auto& m = ms[i];
        if (m.deleted) continue;
        MessageContext c;
        c.reply = !m.thread_parent.empty() && m.thread_parent != m.message_id;
        if (auto it = replies.find(m.message_id); it != replies.end()) c.replies = it->second;
        c.commander = !commander.empty() && m.user_id == commander;
        if (!out[i].noise) {
            // The first of each kind: the incident changes state (the durations
            // are measured to some of these), the first guess opens the investigation.
            auto kind = out[i].classified.kind;
            auto slot = kind == EntryKind::detection    ? 0
                        : kind == EntryKind::escalation ? 1
                        : kind == EntryKind::mitigation ? 2
                        : kind == EntryKind::resolution ? 3
                        : kind == EntryKind::hypothesis ? 4
                        : kind == EntryKind::decision   ? 5
                        : kind == EntryKind::action     ? 6
                                                        : -1;
            if (slot == 3) out[i].milestone = true;
            if (out[i].cause_announced) out[i].milestone = true;
            if (slot >= 0 && !first_seen[slot]) {
                c.first_of_kind = first_seen[slot] = true;
                out[i].milestone = slot == 0 || slot == 1 || slot == 2 || slot == 4;
            }
        }
        c.opening = !opened && !out[i].noise;
        opened = opened || c.opening;
        c.reactions = m.reactions;
        c.pinned = m.key_event;
        // Short answers by others among the next five messages: an announcement people acknowledge.
        int looked = 0;
        for (std::size_t j = i + 1; j < ms.size() && looked < 5; ++j) {
            if (ms[j].deleted) continue;
            ++looked;
            if (ms[j].user_id != m.user_id && shortish[j]) ++c.drew_acks;
            if (ms[j].user_id != m.user_id && shares_word(i, j)) ++c.echoed;
        }
        for (auto stem : stems[i]) {
            if (stem >= seen.size()) seen.resize(stem + 1024, 0);
            if (!seen[stem]) {
                seen[stem] = 1;
                ++c.new_words;
            }
        }
        FeatureVector context{};
        add_context(context, c);
        out[i].score += salience(context) - salience(FeatureVector{});
        if (out[i].features) add_context(*out[i].features, c);
    }
    return out;
}

}  // namespace

std::size_t entry_budget(std::size_t messages) {
    // Rounded down, so the lines never exceed the density; one is the note.
    const auto lines = static_cast<std::size_t>(density_budget * static_cast<double>(messages));
    return std::max(min_budget, lines > 0 ? lines - 1 : 0);
}

Timeline draft_timeline(const DraftInput& input) {
    ZoneFormatter zone(input.settings.timezone);
    NameCache names(input.display_name);
    Timeline timeline;

    std::vector<Draft> drafts;
    drafts.reserve(input.messages.size() / 2 + input.key_events.size() + input.curations.size());
    std::size_t last_message_draft = static_cast<std::size_t>(-1);

    auto scored = score_messages(input, input.explain);
    std::vector<std::string_view> outcome(input.explain ? input.messages.size() : 0);
    for (std::size_t i = 0; i < input.messages.size(); ++i) {
        const auto& m = input.messages[i];
        if (m.deleted) continue;
        if (scored[i].noise) {
            ++timeline.dropped_noise;
            if (input.explain) outcome[i] = "noise";
            continue;
        }
        const auto& classified = scored[i].classified;
        EntryKind said = classified.kind;  // the rule table's word: durations use it
        EntryKind kind = m.key_event ? EntryKind::key_event
                         : said == EntryKind::message && !classified.recap && !classified.plan ? scored[i].feature_kind
                                                                                                : said;
        if (last_message_draft != static_cast<std::size_t>(-1) &&
            mergeable(drafts[last_message_draft], m, classified.recap ? EntryKind::message : kind)) {
            auto& burst = drafts[last_message_draft];
            burst.parts.push_back(m.text);
            burst.recap = burst.recap || classified.recap;
            // One author's summary, sent line by line ("quick recap for the
            // doc:" then the times), repeats entries the draft already has.
            burst.kind = burst.recap ? EntryKind::message : stronger(burst.kind, kind);
            burst.signal = burst.recap ? EntryKind::message : stronger(burst.signal, said);
            burst.last_at = m.at;
            burst.score = std::max(burst.score, scored[i].score);
            burst.milestone = burst.milestone || scored[i].milestone;
            burst.sources.push_back(i);
            ++timeline.merged;
            continue;
        }
        Draft d;
        d.message_id = m.message_id;
        d.at = d.last_at = m.at;
        d.user_id = m.user_id;
        d.user_name = m.user_name;
        d.thread = m.thread_parent;
        d.parts.push_back(m.text);
        d.kind = kind;
        d.signal = said;
        d.permalink = m.permalink;
        d.keep = m.key_event;
        d.from_message = true;
        d.recap = classified.recap;
        d.score = scored[i].score;
        d.milestone = scored[i].milestone;
        d.sources.push_back(i);
        drafts.push_back(std::move(d));
        last_message_draft = drafts.size() - 1;
    }

    for (const auto& k : input.key_events) {
        Draft d;
        d.prefix = 'k';
        d.number_id = k.id;
        d.at = d.last_at = k.at;
        d.user_id = k.author_id;
        d.user_name = k.author_name;
        d.parts.push_back(k.text);
        d.kind = EntryKind::key_event;
        d.signal = classify_text(k.text);
        d.keep = true;
        drafts.push_back(std::move(d));
    }

    // Curations, oldest first; a key nobody knows (an entry merged away or
    // deleted since) is ignored.
    std::vector<const TimelineCuration*> curations;
    curations.reserve(input.curations.size());
    for (const auto& c : input.curations) curations.push_back(&c);
    std::stable_sort(curations.begin(), curations.end(), [](auto* a, auto* b) { return a->id < b->id; });
    std::unordered_map<std::string_view, std::size_t> by_message;
    std::unordered_map<std::int64_t, std::size_t> by_number[2];  // 0: key events, 1: added
    auto numbers = [&](char prefix) -> auto& { return by_number[prefix == 'a' ? 1 : 0]; };
    if (!curations.empty())
        for (std::size_t i = 0; i < drafts.size(); ++i) {
            if (drafts[i].prefix == 'm') by_message.try_emplace(drafts[i].message_id, i);
            else numbers(drafts[i].prefix).try_emplace(drafts[i].number_id, i);
        }
    auto find = [&](std::string_view key) -> std::optional<std::size_t> {
        if (key.size() < 3 || key[1] != ':') return std::nullopt;
        auto rest = key.substr(2);
        if (key[0] == 'm') {
            auto it = by_message.find(rest);
            return it == by_message.end() ? std::nullopt : std::optional(it->second);
        }
        if (key[0] != 'k' && key[0] != 'a') return std::nullopt;
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
        if (ec != std::errc{} || p != rest.data() + rest.size()) return std::nullopt;
        auto& map = numbers(key[0]);
        auto it = map.find(n);
        return it == map.end() ? std::nullopt : std::optional(it->second);
    };
    for (const auto* c : curations) {
        using CK = TimelineCuration::Kind;
        if (c->kind == CK::add) {
            Draft d;
            d.prefix = 'a';
            d.number_id = c->id;
            d.at = d.last_at = c->at.value_or(c->created_at);
            d.user_id = c->author_id;
            d.user_name = c->author_name;
            d.parts.push_back(c->text);
            d.kind = EntryKind::key_event;
            d.signal = classify_text(c->text);
            d.keep = true;
            numbers('a').try_emplace(c->id, drafts.size());
            drafts.push_back(std::move(d));
            continue;
        }
        auto found = find(c->entry_key);
        if (!found) continue;
        auto& d = drafts[*found];
        switch (c->kind) {
            case CK::hide: d.hidden = true; break;
            case CK::show: d.hidden = false; d.keep = true; break;
            case CK::edit:
                if (c->text.empty()) break;
                d.parts.assign(1, c->text);
                d.signal = classify_text(c->text);
                if (d.kind != EntryKind::key_event) d.kind = d.signal;
                d.keep = true;
                break;
            case CK::retime:
                if (!c->at) break;
                d.at = d.last_at = *c->at;
                d.keep = true;
                break;
            case CK::add: break;
        }
    }

    std::stable_sort(drafts.begin(), drafts.end(), [](const Draft& a, const Draft& b) { return a.at < b.at; });

    // Durations from every visible entry, before the cap can drop one.
    auto& dur = timeline.durations;
    dur.start = input.incident.started_at.value_or(input.incident.opened_at);
    auto since_start = [&](Timestamp t) { return std::max(Duration{0}, t - dur.start); };
    for (const auto& d : drafts) {
        if (d.hidden) continue;
        if (!dur.to_detection && d.signal == EntryKind::detection) dur.to_detection = since_start(d.at);
        if (!dur.to_mitigation && (d.signal == EntryKind::mitigation || d.signal == EntryKind::resolution))
            dur.to_mitigation = since_start(d.at);
    }
    dur.to_close = since_start(input.incident.closed_at.value_or(input.now));

    // Salience: messages below the threshold leave the draft; then at most
    // the density budget of what is left, the highest scores first. Key
    // events, curated and hidden entries are not touched.
    auto mark = [&](const Draft& d, std::string_view why) {
        if (input.explain)
            for (auto i : d.sources) outcome[i] = why;
    };
    {
        std::size_t messages = 0;
        for (const auto& m : input.messages) messages += !m.deleted;
        const bool selective = messages > small_channel;  // a short channel is its own summary
        const auto budget = entry_budget(messages);
        // Follow-ups (see follows()) read as one entry, and the budget counts
        // entries: drafts[] is in time order, `kept_at` holds the positions
        // kept so far and `entries` how many entries they make.
        std::set<std::size_t> kept_at;
        long entries = 0;
        auto cost = [&](std::size_t i) -> int {
            auto next = kept_at.lower_bound(i);
            bool has_next = next != kept_at.end(), has_prev = next != kept_at.begin();
            auto p = has_prev ? *std::prev(next) : 0, q = has_next ? *next : 0;
            int c = 1;
            if (has_prev && follows(drafts[p], drafts[i])) --c;
            if (has_next && follows(drafts[i], drafts[q])) --c;
            if (has_prev && has_next && follows(drafts[p], drafts[q])) ++c;
            return c;
        };
        auto keep = [&](std::size_t i) {
            entries += cost(i);
            kept_at.insert(i);
        };
        std::vector<std::size_t> candidates;
        std::vector<char> drop(drafts.size(), 0);
        for (std::size_t i = 0; i < drafts.size(); ++i) {
            const auto& d = drafts[i];
            if (d.hidden) continue;
            if (d.keep || !d.from_message || d.milestone) {
                keep(i);
            } else if (selective && d.score < salience_threshold()) {
                drop[i] = 1;
                mark(d, "low salience");
                ++timeline.dropped_low;
            } else {
                candidates.push_back(i);
            }
        }
        // The highest scores first while they fit. Once one does not, only
        // follow-ups of what is kept still come in (they cost nothing), and
        // only those scoring at most follow_up_margin below the one that did
        // not fit: a follow-up is kept for what it says, not for being free.
        std::stable_sort(candidates.begin(), candidates.end(),
                         [&](auto a, auto b) { return drafts[a].score > drafts[b].score; });
        std::optional<double> full_at;  // the score of the first that did not fit
        for (auto i : candidates) {
            int c = cost(i);
            if (selective && !full_at && entries + c > static_cast<long>(budget)) full_at = drafts[i].score;
            if (!full_at || (c <= 0 && drafts[i].score >= *full_at - follow_up_margin)) {
                keep(i);
            } else {
                drop[i] = 1;
                mark(drafts[i], "over budget");
                ++timeline.dropped_low;
            }
        }
        // Fold each follow-up into the entry before it (in a long channel),
        // judged as counted above: each draft against the one kept before it,
        // not against what that one has become.
        std::vector<char> joins(drafts.size(), 0);
        if (selective)
            for (auto it = kept_at.begin(); it != kept_at.end() && std::next(it) != kept_at.end(); ++it)
                joins[*std::next(it)] = follows(drafts[*it], drafts[*std::next(it)]);
        std::vector<Draft> kept;
        kept.reserve(drafts.size());
        std::optional<std::size_t> last;  // in kept[], the last entry that is not hidden
        for (std::size_t i = 0; i < drafts.size(); ++i) {
            if (drop[i]) continue;
            if (joins[i]) {
                fold_into(kept[*last], drafts[i]);
                timeline.merged += drafts[i].sources.size();
                continue;
            }
            if (!drafts[i].hidden) last = kept.size();
            kept.push_back(std::move(drafts[i]));
        }
        drafts = std::move(kept);
    }

    timeline.capped = apply_cap(drafts, input.settings.postmortem.max_timeline_entries,
                                [&](const Draft& d) { mark(d, "capped"); });

    Timestamp first = input.incident.opened_at, last = input.incident.closed_at.value_or(first);
    if (input.incident.started_at) first = std::min(first, *input.incident.started_at);
    if (last < first) last = first;
    timeline.entries.reserve(drafts.size());
    std::vector<int> entry_of(input.explain ? input.messages.size() : 0, 0);
    int number = 0;
    for (auto& d : drafts) {
        TimelineEntry e;
        e.key = d.prefix == 'm' ? "m:" + std::string(d.message_id)
                                : std::string(1, d.prefix) + ":" + std::to_string(d.number_id);
        e.at = d.at;
        e.author = names.author(d.user_id, d.user_name);
        e.text = render_parts(d.parts, names);
        e.kind = d.kind;
        e.permalink = std::string(d.permalink);
        e.hidden = d.hidden;
        e.number = ++number;
        if (input.explain)
            for (std::size_t k = 0; k < d.sources.size(); ++k) {
                outcome[d.sources[k]] = d.hidden ? "hidden" : k == 0 ? "kept" : "merged";
                entry_of[d.sources[k]] = e.number;
            }
        if (!e.hidden) {
            first = std::min(first, e.at);
            last = std::max(last, e.at);
        }
        timeline.entries.push_back(std::move(e));
    }
    timeline.spans_days = !zone.same_day(first, last);
    if (input.explain) {
        NameResolver resolve = [&](const std::string& id) { return names(id); };
        for (std::size_t i = 0; i < input.messages.size(); ++i) {
            const auto& m = input.messages[i];
            if (m.deleted) continue;
            MessageExplanation x;
            x.message_id = m.message_id;
            x.at = m.at;
            x.author = names.author(m.user_id, m.user_name);
            x.text = shorten(collapse_whitespace(render_chat_markup(m.text, resolve)), 120);
            const auto& classified = scored[i].classified;
            x.kind = m.key_event ? EntryKind::key_event
                     : classified.kind == EntryKind::message && !classified.recap && !classified.plan
                         ? scored[i].feature_kind
                         : classified.kind;
            x.score = scored[i].score;
            x.outcome = outcome[i].empty() ? "kept" : std::string(outcome[i]);
            x.entry = entry_of[i];
            x.evidence = std::move(scored[i].evidence);
            x.contributions = contributions(*scored[i].features);
            for (std::size_t f = 0; f < feature_count; ++f)
                x.features.emplace_back(std::string(feature_name(static_cast<Feature>(f))), (*scored[i].features)[f]);
            timeline.explanations.push_back(std::move(x));
        }
    }
    return timeline;
}

std::vector<std::string> draft_notes(const Timeline& timeline, int cap) {
    auto count = [](std::size_t n, const char* one, const char* many) { return std::to_string(n) + (n == 1 ? one : many); };
    std::vector<std::string> notes;
    if (timeline.dropped_noise > 0)
        notes.push_back(count(timeline.dropped_noise, " noise message dropped", " noise messages dropped"));
    if (timeline.merged > 0)
        notes.push_back(count(timeline.merged, " message merged into a burst", " messages merged into bursts"));
    if (timeline.dropped_low > 0)
        notes.push_back(count(timeline.dropped_low, " less salient message left out", " less salient messages left out"));
    if (timeline.capped > 0)
        notes.push_back(count(timeline.capped, " lower-value entry", " lower-value entries") + " left out (limit " +
                        std::to_string(cap) + ")");
    return notes;
}

std::string entry_time(const TimelineEntry& entry, const Timeline& timeline, const DraftInput& input) {
    return ZoneFormatter(input.settings.timezone).time(entry.at, timeline.spans_days);
}

std::string render_timeline(const Timeline& timeline, const DraftInput& input) {
    ZoneFormatter zone(input.settings.timezone);
    std::string out = "**Timeline — " + escape_markdown_inline(input.incident.title) + "**";
    std::size_t hidden = 0;
    for (const auto& e : timeline.entries) hidden += e.hidden;
    auto visible = timeline.entries.size() - hidden;
    out += " (" + std::to_string(visible) + (visible == 1 ? " entry" : " entries");
    if (hidden > 0) out += ", " + std::to_string(hidden) + " hidden";
    out += "; times in " + zone.legend() + ")\n";
    if (timeline.entries.empty()) {
        out += "_No timeline entries yet — messages in this channel and `/incident note <text>` build it._\n";
        return out;
    }
    constexpr std::size_t chat_chars = 140;  // one line per entry in a chat window
    for (const auto& e : timeline.entries) {
        out += std::to_string(e.number) + ". ";
        if (e.hidden) out += "_(hidden)_ ";
        out += zone.time(e.at, timeline.spans_days);
        out += " · ";
        out += to_string(e.kind);
        out += " · ";
        out += escape_markdown_inline(e.author);
        out += " — ";
        out += shorten(e.text, chat_chars);
        out += '\n';
    }
    auto notes = draft_notes(timeline, input.settings.postmortem.max_timeline_entries);
    if (!notes.empty()) {
        out += "_";
        for (std::size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : "") + notes[i];
        out += "._\n";
    }
    out += "Curate: `/incident timeline hide <n>` · `show <n>` · `edit <n> <text>` · `time <n> <when>` · "
           "`add <when> <text>` · `why [<n>]` (why an entry is there, or what was left out)";
    return out;
}

}  // namespace hindsight

namespace hindsight {

namespace {

std::string fixed2(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.2f", v);
    return buf;
}

std::string explain_line(const MessageExplanation& x, const ZoneFormatter& zone, bool spans_days) {
    std::string out = zone.time(x.at, spans_days) + " · " + x.author + " · ";
    if (x.outcome == "kept") out += "KEPT as entry " + std::to_string(x.entry);
    else if (x.outcome == "merged") out += "merged into entry " + std::to_string(x.entry);
    else if (x.outcome == "hidden") out += "hidden (entry " + std::to_string(x.entry) + ")";
    else out += "dropped: " + x.outcome;
    out += " · " + std::string(to_string(x.kind)) + " · score " + fixed2(x.score) + "\n    “" + x.text + "”\n";
    if (!x.evidence.empty()) {
        out += "    words:";
        for (const auto& e : x.evidence) out += " " + e;
        out += "\n";
    }
    if (!x.contributions.empty()) {
        out += "    weighed:";
        for (std::size_t i = 0; i < x.contributions.size() && i < 6; ++i) out += (i ? ", " : " ") + x.contributions[i];
        out += "\n";
    }
    return out;
}

}  // namespace

std::string render_explanation(const Timeline& timeline, const DraftInput& input, bool as_json) {
    std::string out;
    if (as_json) {
        for (const auto& x : timeline.explanations) {
            nlohmann::json j{{"message_id", x.message_id},
                             {"at_us", std::chrono::duration_cast<std::chrono::microseconds>(x.at.time_since_epoch()).count()},
                             {"author", x.author},
                             {"text", x.text},
                             {"kind", std::string(to_string(x.kind))},
                             {"score", x.score},
                             {"outcome", x.outcome},
                             {"entry", x.entry},
                             {"evidence", x.evidence}};
            auto& f = j["features"] = nlohmann::json::object();
            for (const auto& [name, value] : x.features) f[name] = value;
            out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        }
        return out;
    }
    ZoneFormatter zone(input.settings.timezone);
    std::size_t kept = 0;
    for (const auto& x : timeline.explanations) kept += x.outcome == "kept" || x.outcome == "merged";
    out += "Why each message is or is not in the draft of " + input.incident.title + " (threshold " +
           fixed2(salience_threshold()) + "; " + std::to_string(kept) + " of " +
           std::to_string(timeline.explanations.size()) + " messages in " +
           std::to_string(timeline.entries.size()) + " entries; times in " + zone.legend() + ")\n\n";
    for (const auto& x : timeline.explanations) out += explain_line(x, zone, timeline.spans_days);
    return out;
}

std::string render_entry_explanation(const Timeline& timeline, const DraftInput& input, int n) {
    ZoneFormatter zone(input.settings.timezone);
    std::string out;
    if (n == 0) {
        std::vector<const MessageExplanation*> left;
        for (const auto& x : timeline.explanations)
            if (x.outcome == "low salience" || x.outcome == "over budget" || x.outcome == "capped") left.push_back(&x);
        std::stable_sort(left.begin(), left.end(), [](auto* a, auto* b) { return a->score > b->score; });
        if (left.empty()) return "Every message that is not noise is in the draft.";
        out = "**Left out of the draft** (highest scores first; threshold " + fixed2(salience_threshold()) +
              "). Bring one back with `/incident timeline add <when> <text>`.\n```\n";
        for (std::size_t i = 0; i < left.size() && i < 10; ++i) out += explain_line(*left[i], zone, timeline.spans_days);
        return out + "```";
    }
    for (const auto& x : timeline.explanations)
        if (x.entry == n && (x.outcome == "kept" || x.outcome == "merged" || x.outcome == "hidden"))
            out += explain_line(x, zone, timeline.spans_days);
    if (out.empty()) return "Entry " + std::to_string(n) + " comes from no chat message (a note or an added entry), or there is no such entry.";
    return "**Why entry " + std::to_string(n) + "**\n```\n" + out + "```";
}

}  // namespace hindsight
