// The postmortem document: one Markdown page from the incident,
// its drafted timeline, five whys, factors and action items.
#pragma once

#include "bot/core/timeline.hpp"

#include <string>

namespace hindsight {

// The whole document, Markdown. Headings, in order: Summary, Impact,
// Timeline, Root cause (five whys), Contributing factors, Action items,
// Lessons learned, Blameless check. Empty sections carry an italic prompt
// naming the command that fills them.
std::string render_postmortem(const DraftInput& input, const Timeline& timeline);

// The subject of the first why: the summary (what the team said happened
// when closing), else the title.
std::string why_subject(const Incident& incident);

// open / done / overdue (open and due before now).
std::string_view action_status(const ActionItem& item, Timestamp now);

}  // namespace hindsight
