// The core speaks Markdown (CommonMark-ish: **bold**, _italic_, `code`,
// fences, [label](url), # headings, - lists, tables); Slack speaks mrkdwn
// (docs/platforms.md, "Slack: formatting"). This converts one to the other and splits long texts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::slack {

// Markdown → Slack mrkdwn. Literal &, <, > are escaped; Slack's own
// constructs the core may emit (<@U…>, <#C…>, <!here>, <https://…|label>)
// and code spans/blocks pass through untouched.
std::string to_mrkdwn(std::string_view markdown);

// Slack's escaping of the three control characters, and its inverse for
// text Slack sends us (so the core stores what people actually typed).
std::string escape(std::string_view text);
std::string unescape(std::string_view text);

// Text Slack sends (messages, edits, history, exports, slash-command text) →
// the core's neutral text (docs/architecture.md, "Text on the way in"):
//   <@U1> → @{U1|}   <@U1|bob> → @{U1|bob}   (the neutral mention token)
//   <#C1|general> → #general   <#C1> → #C1
//   <!here> → @here   <!subteam^S1|@ops> → @ops   <!date^…|Feb 1> → Feb 1
//   <https://x|label> → [label](https://x)   <https://x> → https://x
//   &amp; &lt; &gt; → & < >  (everywhere, labels and URLs included)
// A construct inside a code span is translated too: Slack itself only sends
// one there when the client made it a real mention or link.
std::string to_neutral(std::string_view text);

// Splits mrkdwn into chunks of at most `limit` bytes, on line boundaries when
// possible (never inside a UTF-8 sequence); a code block cut in two is closed
// and reopened so both halves render as code.
std::vector<std::string> split(std::string_view text, std::size_t limit);

}  // namespace hindsight::slack
