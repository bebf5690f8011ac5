#include "bot/core/commands.hpp"

#include "bot/core/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace hindsight {

namespace {

struct Usage {
    std::string_view name;
    std::string_view syntax;
    std::string_view what;
};

// One row per sub-command: the help text and every usage error come from here.
constexpr std::array usages{
    Usage{"open", "/incident open <title> [sev:1-4]", "declare an incident in this channel and start recording (alias: start)"},
    Usage{"note", "/incident note <text>", "add a key event to the timeline"},
    Usage{"status", "/incident status", "title, severity, commander, age, what was recorded"},
    Usage{"timeline",
          "/incident timeline [add <when> <text> | hide <n> | show <n> | edit <n> <text> | time <n> <when> | why [<n>]]",
          "show or curate the draft timeline; `why` explains an entry, or lists what was left out"},
    Usage{"started", "/incident started <when>", "record when impact actually began"},
    Usage{"close", "/incident close [summary]", "close the incident and draft the postmortem"},
    Usage{"reopen", "/incident reopen", "reopen a closed incident; recording resumes"},
    Usage{"impact", "/incident impact <text>", "record the impact assessment"},
    Usage{"why", "/incident why [answer] | why edit <n> <text>", "five whys: answer the current question, or show the chain"},
    Usage{"rootcause", "/incident rootcause <text>", "record the root cause and end the five whys"},
    Usage{"factor", "/incident factor <tag>", "tag a contributing factor, e.g. insufficient-test-coverage"},
    Usage{"action", "/incident action @owner <text> [due:<when>]", "add an action item (due: 2026-12-01, +3d, tomorrow, friday)"},
    Usage{"action link", "/incident action link <A-id> <url> | action unlink <A-id> | action file <A-id>",
          "track an item by an existing ticket, stop tracking it, or file a held item as written"},
    Usage{"tracker", "/incident tracker [[<tracker>] <project>]", "where this incident's action items are filed"},
    Usage{"actions", "/incident actions [open|mine|overdue|all]", "list action items"},
    Usage{"done", "/incident done <A-id>", "complete an action item"},
    Usage{"snooze", "/incident snooze <A-id> <duration>", "push the next reminder back, e.g. 2d"},
    Usage{"facilitator", "/incident facilitator [@user]", "suggest or assign a review facilitator"},
    Usage{"meeting", "/incident meeting <when>", "record when the review meeting happens"},
    Usage{"postmortem", "/incident postmortem", "show the postmortem document"},
    Usage{"patterns", "/incident patterns", "contributing factors that recur across postmortems"},
    Usage{"stats", "/incident stats", "incidents, time to close, action-item completion"},
    Usage{"help", "/incident help", "this help"},
};

std::string usage_of(std::string_view name) {
    for (const auto& u : usages)
        if (u.name == name) return "Usage: `" + std::string(u.syntax) + "`";
    return "Try `/incident help`.";
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Splits off the first whitespace-separated word.
// The first word and the rest. A mention token is one word even when its
// name has spaces ("@{U1|Bob Smith}").
std::pair<std::string_view, std::string_view> first_word(std::string_view s) {
    s = trim(s);
    std::size_t from = 0;
    if (s.starts_with("@{")) {
        auto close = s.find('}');
        if (close != std::string_view::npos && s.substr(0, close).find('\n') == std::string_view::npos) from = close;
    }
    auto end = std::find_if(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(),
                            [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    auto word = s.substr(0, static_cast<std::size_t>(end - s.begin()));
    return {word, trim(s.substr(word.size()))};
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::optional<int> parse_positive(std::string_view s) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || ptr != s.data() + s.size() || value <= 0) return std::nullopt;
    return value;
}

ParsedCommand fail(std::string_view name, std::string_view problem) {
    ParsedCommand out;
    out.error = std::string(problem) + "\n" + usage_of(name);
    return out;
}

ParsedCommand ok(Command c) {
    ParsedCommand out;
    out.command = std::move(c);
    return out;
}

ParsedCommand with_text(Command::Kind kind, std::string_view name, std::string_view rest,
                        std::string_view missing) {
    if (rest.empty()) return fail(name, missing);
    Command c;
    c.kind = kind;
    c.text = std::string(rest);
    return ok(std::move(c));
}

ParsedCommand no_args(Command::Kind kind, std::string_view name, std::string_view rest) {
    if (!rest.empty()) {
        // Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&&.
        std::string problem = "`";
        problem.append(name).append("` takes no arguments.");
        return fail(name, problem);
    }
    Command c;
    c.kind = kind;
    return ok(std::move(c));
}

ParsedCommand parse_open(std::string_view rest) {
    Command c;
    c.kind = Command::Kind::open;
    // `sev:N` may appear anywhere as its own word; the rest is the title.
    std::string title;
    while (!rest.empty()) {
        auto [word, tail] = first_word(rest);
        rest = tail;
        auto lw = lower(word);
        if (lw.rfind("sev:", 0) == 0 || lw.rfind("severity:", 0) == 0) {
            auto value = std::string_view(lw).substr(lw.find(':') + 1);
            auto sev = parse_positive(value);
            if (!sev || *sev > 4) return fail("open", "Severity must be `sev:1` (worst) to `sev:4`.");
            c.severity = *sev;
            continue;
        }
        if (!title.empty()) title += ' ';
        title += word;
    }
    if (title.empty()) return fail("open", "Give the incident a title.");
    c.text = std::move(title);
    return ok(std::move(c));
}

ParsedCommand parse_timeline(std::string_view rest) {
    Command c;
    if (rest.empty()) {
        c.kind = Command::Kind::timeline;
        return ok(std::move(c));
    }
    auto [verb, tail] = first_word(rest);
    auto v = lower(verb);
    if (v == "add") {
        // The time expression is one word ("14:05", "2026-11-24T14:05", "-30m"),
        // or two for "yesterday 23:10" / "2026-11-24 14:05".
        auto [when, text] = first_word(tail);
        if (when.empty() || text.empty()) return fail("timeline", "`timeline add` needs a time and a text.");
        auto [maybe_clock, after] = first_word(text);
        std::string when_text(when);
        if (!maybe_clock.empty() && maybe_clock.find(':') != std::string_view::npos &&
            when.find(':') == std::string_view::npos && !after.empty()) {
            when_text += ' ';
            when_text += maybe_clock;
            text = after;
        }
        c.kind = Command::Kind::timeline_add;
        c.when = std::move(when_text);
        c.text = std::string(text);
        return ok(std::move(c));
    }
    if (v == "why") {
        // `why` alone: what the draft left out; `why <n>`: why entry n is in it.
        c.kind = Command::Kind::timeline_why;
        auto [num, arg] = first_word(tail);
        if (num.empty()) return ok(std::move(c));
        auto n = parse_positive(num);
        if (!n || !arg.empty()) return fail("timeline", "`timeline why` takes an entry number, or nothing.");
        c.number = *n;
        return ok(std::move(c));
    }
    if (v == "hide" || v == "show" || v == "edit" || v == "time") {
        auto [num, arg] = first_word(tail);
        auto n = parse_positive(num);
        if (!n) return fail("timeline", "Give the entry number shown by `/incident timeline`.");
        c.number = *n;
        if (v == "hide" || v == "show") {
            if (!arg.empty()) return fail("timeline", "`timeline " + v + "` takes only an entry number.");
            c.kind = v == "hide" ? Command::Kind::timeline_hide : Command::Kind::timeline_show;
        } else if (v == "edit") {
            if (arg.empty()) return fail("timeline", "`timeline edit` needs the new text.");
            c.kind = Command::Kind::timeline_edit;
            c.text = std::string(arg);
        } else {
            if (arg.empty()) return fail("timeline", "`timeline time` needs the new time.");
            c.kind = Command::Kind::timeline_time;
            c.when = std::string(arg);
        }
        return ok(std::move(c));
    }
    return fail("timeline", "Unknown timeline action `" + std::string(verb) + "`.");
}

ParsedCommand parse_why(std::string_view rest) {
    Command c;
    auto [verb, tail] = first_word(rest);
    if (lower(verb) == "edit") {
        auto [num, text] = first_word(tail);
        auto n = parse_positive(num);
        if (!n || *n > 5 || text.empty()) return fail("why", "`why edit` needs a step number (1-5) and the new answer.");
        c.kind = Command::Kind::why_edit;
        c.number = *n;
        c.text = std::string(text);
        return ok(std::move(c));
    }
    c.kind = Command::Kind::why;
    c.text = std::string(rest);
    return ok(std::move(c));
}

ParsedCommand parse_action_ticket(std::string_view verb, std::string_view rest) {
    auto [id_text, url] = first_word(rest);
    auto id = parse_action_id(id_text);
    if (!id) return fail("action link", "Give the action item id, e.g. `A-12`.");
    Command c;
    c.action_id = *id;
    if (verb == "link") {
        // A link with a label arrives as Markdown: "[label](url)".
        if (auto target = url.find("]("); url.starts_with('[') && url.ends_with(')') && target != url.npos)
            url = url.substr(target + 2, url.size() - target - 3);
        if (url.empty() || url.find(' ') != std::string_view::npos)
            return fail("action link", "Give the ticket's web address after the id.");
        c.kind = Command::Kind::action_link;
        c.text = std::string(url);
        return ok(std::move(c));
    }
    if (!url.empty()) return fail("action link", "`action " + std::string(verb) + "` takes only the id.");
    c.kind = verb == "unlink" ? Command::Kind::action_unlink : Command::Kind::action_file;
    return ok(std::move(c));
}

ParsedCommand parse_action(std::string_view rest) {
    auto [owner, tail] = first_word(rest);
    if (auto verb = lower(owner); verb == "link" || verb == "unlink" || verb == "file")
        return parse_action_ticket(verb, tail);
    if (owner.empty() || !parse_mention(owner))
        return fail("action", "Start with the owner, e.g. `/incident action @alice add an alert on replica lag`.");
    Command c;
    c.kind = Command::Kind::action;
    c.owner = std::string(owner);
    // `due:<when>` may sit anywhere; "due: friday" with a space works too.
    std::string text;
    while (!tail.empty()) {
        auto [word, after] = first_word(tail);
        tail = after;
        auto lw = lower(word);
        if (lw.rfind("due:", 0) == 0) {
            std::string when(word.substr(4));
            if (when.empty()) {
                auto [next, after2] = first_word(tail);
                when = std::string(next);
                tail = after2;
            }
            // Allow "due:2026-12-01 17:00".
            auto [maybe_clock, after3] = first_word(tail);
            if (!maybe_clock.empty() && maybe_clock.find(':') != std::string_view::npos &&
                when.find(':') == std::string::npos && maybe_clock.size() <= 5) {
                when += ' ';
                when += maybe_clock;
                tail = after3;
            }
            if (when.empty()) return fail("action", "`due:` needs a date, e.g. `due:+3d` or `due:friday`.");
            c.when = std::move(when);
            continue;
        }
        if (!text.empty()) text += ' ';
        text += word;
    }
    if (text.empty()) return fail("action", "Describe what should change.");
    c.text = std::move(text);
    return ok(std::move(c));
}

}  // namespace

std::optional<std::int64_t> parse_action_id(std::string_view text) {
    text = trim(text);
    if (text.size() > 2 && (text[0] == 'A' || text[0] == 'a') && text[1] == '-') text.remove_prefix(2);
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

std::optional<std::pair<std::string, std::string>> parse_mention(std::string_view text) {
    text = trim(text);
    if (text.starts_with("@{") && text.ends_with('}')) {
        if (mention_token_at(text, 0) != text.size()) return std::nullopt;
        auto bar = text.find('|');
        auto id = text.substr(2, bar - 2);
        if (id.empty()) return std::nullopt;
        return std::pair{std::string(id), std::string(text.substr(bar + 1, text.size() - bar - 2))};
    }
    if (text.size() > 1 && text[0] == '@') {
        auto name = text.substr(1);
        bool valid = std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        });
        if (!valid) return std::nullopt;
        return std::pair{std::string(name), std::string(name)};
    }
    return std::nullopt;
}

std::string normalise_factor(std::string_view tag) {
    std::string out;
    bool pending_dash = false;
    for (unsigned char c : tag) {
        if (std::isalnum(c)) {
            if (pending_dash && !out.empty()) out += '-';
            pending_dash = false;
            out += static_cast<char>(std::tolower(c));
        } else {
            pending_dash = true;
        }
    }
    return out;
}

ParsedCommand parse_command(std::string_view text) {
    // Plain variables, not a structured binding: lambdas below capture
    // `rest`, which clang before 16 refuses for bindings.
    const auto words = first_word(text);
    const std::string_view verb = words.first, rest = words.second;
    auto v = lower(verb);
    using K = Command::Kind;
    if (v.empty() || v == "help") return no_args(K::help, "help", {});
    if (v == "open" || v == "start") return parse_open(rest);
    if (v == "note") return with_text(K::note, "note", rest, "What happened? Add the text of the note.");
    if (v == "status") return no_args(K::status, "status", rest);
    if (v == "timeline") return parse_timeline(rest);
    if (v == "started") return with_text(K::started, "started", rest, "When did impact begin?");
    if (v == "close" || v == "resolve") {
        Command c;
        c.kind = K::close;
        c.text = std::string(rest);
        return ok(std::move(c));
    }
    if (v == "reopen") return no_args(K::reopen, "reopen", rest);
    if (v == "impact") return with_text(K::impact, "impact", rest, "Describe the impact: who was affected, how, for how long.");
    if (v == "why") return parse_why(rest);
    if (v == "rootcause" || v == "root-cause") return with_text(K::rootcause, "rootcause", rest, "State the root cause.");
    if (v == "factor") {
        auto tag = normalise_factor(rest);
        if (tag.empty()) return fail("factor", "Give a tag, e.g. `insufficient-test-coverage`.");
        Command c;
        c.kind = K::factor;
        c.text = tag;
        return ok(std::move(c));
    }
    if (v == "action") return parse_action(rest);
    if (v == "actions") {
        auto f = lower(rest);
        if (f.empty()) f = "open";
        if (f != "open" && f != "mine" && f != "overdue" && f != "all")
            return fail("actions", "Filter must be open, mine, overdue or all.");
        Command c;
        c.kind = K::actions;
        c.filter = f;
        return ok(std::move(c));
    }
    if (v == "done") {
        auto id = parse_action_id(rest);
        if (!id) return fail("done", "Give the action item id, e.g. `A-12`.");
        Command c;
        c.kind = K::done;
        c.action_id = *id;
        return ok(std::move(c));
    }
    if (v == "snooze") {
        auto [id_text, duration] = first_word(rest);
        auto id = parse_action_id(id_text);
        if (!id || duration.empty()) return fail("snooze", "Give the action item id and a duration, e.g. `A-12 2d`.");
        Command c;
        c.kind = K::snooze;
        c.action_id = *id;
        c.duration = std::string(duration);
        return ok(std::move(c));
    }
    if (v == "facilitator") {
        Command c;
        c.kind = K::facilitator;
        if (!rest.empty()) {
            if (!parse_mention(rest)) return fail("facilitator", "Mention the facilitator, e.g. `@alice`.");
            c.owner = std::string(rest);
        }
        return ok(std::move(c));
    }
    if (v == "meeting") return [&] {
        if (rest.empty()) return fail("meeting", "When is the review? e.g. `tomorrow 14:00`.");
        Command c;
        c.kind = K::meeting;
        c.when = std::string(rest);
        return ok(std::move(c));
    }();
    if (v == "postmortem") return no_args(K::postmortem, "postmortem", rest);
    if (v == "tracker") {
        Command c;
        c.kind = K::tracker;
        c.text = std::string(rest);
        return ok(std::move(c));
    }
    if (v == "patterns") return no_args(K::patterns, "patterns", rest);
    if (v == "stats") return no_args(K::stats, "stats", rest);
    ParsedCommand out;
    out.error = "Unknown command `" + std::string(verb) + "`.\n" + help_text();
    return out;
}

std::string help_text() {
    std::string out = "**Hindsight** — blameless postmortems in this channel.\n";
    for (const auto& u : usages) {
        out += "• `";
        out += u.syntax;
        out += "` — ";
        out += u.what;
        out += '\n';
    }
    out += "Start with `/incident open <title>`; everything said here is recorded until `/incident close`.";
    return out;
}

}  // namespace hindsight
