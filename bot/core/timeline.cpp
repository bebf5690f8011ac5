#include "bot/core/timeline.hpp"

#include "bot/core/text.hpp"
#include "bot/core/zone.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>
#include <unordered_map>

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
};

int rank(EntryKind kind) {
    auto order = kind_precedence();
    auto it = std::find(order.begin(), order.end(), kind);
    return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

EntryKind stronger(EntryKind a, EntryKind b) { return rank(a) <= rank(b) ? a : b; }

bool mergeable(const Draft& burst, const RecordedMessage& m, EntryKind kind) {
    if (!burst.from_message || burst.keep || m.key_event) return false;
    if (burst.user_id != m.user_id || burst.thread != m.thread_parent) return false;
    if (m.at - burst.last_at > burst_window || m.at < burst.last_at) return false;
    return kind == burst.kind || kind == EntryKind::message || burst.kind == EntryKind::message;
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
        auto text = collapse_whitespace(render_chat_markup(part, resolve));
        if (text.empty()) continue;
        if (!joined.empty()) joined += " / ";
        joined += text;
    }
    return escape_markdown_inline(shorten(joined, max_entry_chars));
}

// Keeps at most `cap` visible entries: first, last, key events and curated
// entries always; then whole value classes from the highest down; the class
// that does not fit is sampled evenly so the draft still covers the incident.
std::size_t apply_cap(std::vector<Draft>& drafts, int cap) {
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

    std::unordered_map<int, std::vector<std::size_t>> by_value;
    for (auto i : visible)
        if (!kept[i]) by_value[kind_value(drafts[i].kind)].push_back(i);
    std::vector<int> values;
    for (const auto& [value, _] : by_value) values.push_back(value);
    std::sort(values.rbegin(), values.rend());

    auto room = [&] { return used >= static_cast<std::size_t>(cap) ? 0 : static_cast<std::size_t>(cap) - used; };
    for (int value : values) {
        auto& members = by_value[value];
        auto free = room();
        if (free == 0) break;
        if (members.size() <= free) {
            for (auto i : members) kept[i] = 1;
            used += members.size();
            continue;
        }
        for (std::size_t k = 0; k < free; ++k) kept[members[k * members.size() / free]] = 1;
        used += free;
    }

    std::size_t removed = 0;
    std::vector<Draft> out;
    out.reserve(used + 8);
    for (std::size_t i = 0; i < drafts.size(); ++i) {
        if (kept[i]) out.push_back(std::move(drafts[i]));
        else ++removed;
    }
    drafts = std::move(out);
    return removed;
}

}  // namespace

Timeline draft_timeline(const DraftInput& input) {
    ZoneFormatter zone(input.settings.timezone);
    NameCache names(input.display_name);
    Timeline timeline;

    std::vector<Draft> drafts;
    drafts.reserve(input.messages.size() / 2 + input.key_events.size() + input.curations.size());
    std::size_t last_message_draft = static_cast<std::size_t>(-1);

    for (const auto& m : input.messages) {
        if (m.deleted) continue;
        bool blank = std::all_of(m.text.begin(), m.text.end(), [](unsigned char c) { return std::isspace(c); });
        if (!m.key_event && (blank || is_noise(m.text))) {
            ++timeline.dropped_noise;
            continue;
        }
        auto classified = classify(m.text);
        EntryKind said = classified.kind;
        EntryKind kind = m.key_event ? EntryKind::key_event : said;
        if (last_message_draft != static_cast<std::size_t>(-1) &&
            mergeable(drafts[last_message_draft], m, classified.recap ? EntryKind::message : kind)) {
            auto& burst = drafts[last_message_draft];
            burst.parts.push_back(m.text);
            burst.recap = burst.recap || classified.recap;
            // One author's summary, sent line by line ("quick recap for the
            // doc:" then the times), repeats entries the draft already has.
            burst.kind = burst.recap ? EntryKind::message : stronger(burst.kind, kind);
            burst.signal = burst.kind;
            burst.last_at = m.at;
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

    timeline.capped = apply_cap(drafts, input.settings.postmortem.max_timeline_entries);

    Timestamp first = input.incident.opened_at, last = input.incident.closed_at.value_or(first);
    if (input.incident.started_at) first = std::min(first, *input.incident.started_at);
    if (last < first) last = first;
    timeline.entries.reserve(drafts.size());
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
        if (!e.hidden) {
            first = std::min(first, e.at);
            last = std::max(last, e.at);
        }
        timeline.entries.push_back(std::move(e));
    }
    timeline.spans_days = !zone.same_day(first, last);
    return timeline;
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
    std::vector<std::string> notes;
    if (timeline.dropped_noise > 0) notes.push_back(std::to_string(timeline.dropped_noise) +
                        (timeline.dropped_noise == 1 ? " noise message dropped" : " noise messages dropped"));
    if (timeline.merged > 0) notes.push_back(std::to_string(timeline.merged) + " messages merged into bursts");
    if (timeline.capped > 0)
        notes.push_back(std::to_string(timeline.capped) + " lower-value entries left out (limit " +
                        std::to_string(input.settings.postmortem.max_timeline_entries) + ")");
    if (!notes.empty()) {
        out += "_";
        for (std::size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : "") + notes[i];
        out += "._\n";
    }
    out += "Curate: `/incident timeline hide <n>` · `show <n>` · `edit <n> <text>` · `time <n> <when>` · "
           "`add <when> <text>`";
    return out;
}

}  // namespace hindsight
