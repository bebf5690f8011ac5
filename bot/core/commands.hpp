// `/incident <sub-command> ...`: the grammar `/incident help` lists, parsed into a
// plain Command. Unknown sub-commands and malformed arguments become a usage
// message; nothing here touches state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hindsight {

struct Command {
    enum class Kind {
        open, note, status, timeline, timeline_add, timeline_hide, timeline_show, timeline_edit,
        timeline_time, timeline_why, started, close, reopen, impact, why, why_edit, rootcause, factor, action,
        actions, done, snooze, facilitator, meeting, postmortem, patterns, stats, help,
        tracker, action_link, action_unlink, action_file
    };
    Kind kind = Kind::help;
    std::string text;          // action link: the URL; tracker: [<tracker>] <project>; title, note, summary, answer, impact, root cause, tag, action text
    int severity = 0;          // open: sev:1..4, 0 when absent
    int number = 0;            // timeline entry number, why step
    std::string when;          // unparsed time expression (timeline add/time, started, meeting, due:)
    std::string owner;         // action owner / facilitator as typed: "@{U123|bob}", "@{U123|}", "@bob"
    std::string filter;        // actions: open|mine|overdue|all
    std::int64_t action_id = 0;  // done / snooze / action link|unlink|file: A-12 → 12
    std::string duration;      // snooze
};

struct ParsedCommand {
    std::optional<Command> command;
    std::string error;  // when command is empty: what was wrong plus the relevant usage
};

ParsedCommand parse_command(std::string_view text);

// The full help text (Markdown), every sub-command with a one-line description.
std::string help_text();

// "A-12" / "a-12" / "12" → 12.
std::optional<std::int64_t> parse_action_id(std::string_view text);

// A mention as typed → (user id, display name if the mention carried one).
// "@{U123|bob}" → ("U123", "bob"); "@{U123|}" → ("U123", ""); "@bob" → ("bob", "bob").
std::optional<std::pair<std::string, std::string>> parse_mention(std::string_view text);

// "Insufficient Test Coverage" → "insufficient-test-coverage".
std::string normalise_factor(std::string_view tag);

}  // namespace hindsight
