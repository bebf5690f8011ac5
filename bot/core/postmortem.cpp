#include "bot/core/postmortem.hpp"

#include "bot/core/blameless.hpp"
#include "bot/core/text.hpp"
#include "bot/core/zone.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace hindsight {

namespace {

using namespace std::chrono_literals;

// Thresholds for the lessons-learned suggestions.
constexpr Duration slow_detection = 15min;
constexpr Duration quick_detection = 5min;
constexpr Duration slow_mitigation = 60min;
constexpr Duration quick_mitigation = 30min;
constexpr std::size_t many_hypotheses = 3;
constexpr std::size_t max_participants_listed = 25;

class Names {
public:
    explicit Names(const std::function<std::string(const std::string&)>& resolve) : resolve_(resolve) {}
    std::string operator()(const std::string& id, const std::string& fallback = {}) {
        if (id.empty()) return fallback;
        auto [it, inserted] = cache_.try_emplace(id);
        if (inserted) it->second = resolve_ ? resolve_(id) : id;
        if (!it->second.empty() && it->second != id) return it->second;
        return fallback.empty() ? id : fallback;
    }

private:
    const std::function<std::string(const std::string&)>& resolve_;
    std::unordered_map<std::string, std::string> cache_;
};

// Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + std::string&&.
std::string prompt(std::string_view text) {
    std::string out = "_";
    out.append(text).append("_\n");
    return out;
}

// One line of prose from free text: mentions as names, Markdown-safe.
std::string prose(std::string_view text, Names& names) {
    NameResolver resolve = [&](const std::string& id) { return names(id); };
    return escape_markdown_inline(collapse_whitespace(render_chat_markup(text, resolve)));
}

// A paragraph of its own: a leading '#' must not become a heading.
std::string paragraph(std::string_view text, Names& names) {
    NameResolver resolve = [&](const std::string& id) { return names(id); };
    return escape_markdown(collapse_whitespace(render_chat_markup(text, resolve)), true);
}

std::string quote_excerpt(std::string_view text, Names& names) {
    NameResolver resolve = [&](const std::string& id) { return names(id); };
    return escape_markdown_inline(shorten(collapse_whitespace(render_chat_markup(text, resolve)), 120));
}

void metadata(std::string& out, const DraftInput& in, const Timeline& timeline, const ZoneFormatter& zone,
              Names& names) {
    const auto& inc = in.incident;
    auto line = [&](std::string_view label, const std::string& value) {
        out += "- **";
        out += label;
        out += ":** ";
        out += value;
        out += '\n';
    };
    line("Severity", inc.severity > 0 ? "SEV" + std::to_string(inc.severity) : "not set");
    line("Commander", inc.commander_id.empty() && inc.commander_name.empty()
                          ? "not set"
                          : escape_markdown_inline(names(inc.commander_id, inc.commander_name)));

    // Distinct authors, in order of first appearance.
    std::vector<std::string> participants;
    std::unordered_set<std::string> seen;
    auto add = [&](const std::string& id, const std::string& name) {
        auto key = id.empty() ? name : id;
        if (key.empty() || !seen.insert(key).second) return;
        participants.push_back(names(id, name));
    };
    for (const auto& m : in.messages)
        if (!m.deleted) add(m.user_id, m.user_name);
    for (const auto& k : in.key_events) add(k.author_id, k.author_name);
    std::string people;
    for (std::size_t i = 0; i < participants.size() && i < max_participants_listed; ++i)
        people += (i ? ", " : "") + escape_markdown_inline(participants[i]);
    if (participants.size() > max_participants_listed)
        people += " and " + std::to_string(participants.size() - max_participants_listed) + " more";
    line("Participants", people.empty() ? "none recorded" : people);

    line("State", std::string(to_string(inc.state)));
    if (inc.started_at) line("Impact started", zone.date_time(*inc.started_at));
    line("Opened", zone.date_time(inc.opened_at));
    line("Closed", inc.closed_at ? zone.date_time(*inc.closed_at) : "still open");
    if (timeline.durations.to_close)
        line(inc.closed_at ? "Duration" : "Duration so far", format_duration(*timeline.durations.to_close));
    line("Facilitator", inc.facilitator_id.empty() ? "not assigned — `/incident facilitator`"
                                                   : escape_markdown_inline(names(inc.facilitator_id)));
    line("Review meeting", inc.meeting_at ? zone.date_time(*inc.meeting_at)
                                          : "not scheduled — `/incident meeting <when>`");
    if (!in.settings.public_url.empty() && inc.id > 0) {
        auto base = in.settings.public_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        auto url = base + "/incidents/" + std::to_string(inc.id) + "/postmortem.md";
        line("Document", "[" + escape_markdown_inline(url) + "](" + markdown_link_target(url) + ")");
    }
    line("Times", "shown in " + zone.legend());
}

void timeline_section(std::string& out, const DraftInput& in, const Timeline& timeline, const ZoneFormatter& zone) {
    out += "## Timeline\n\n";
    std::size_t shown = 0;
    for (const auto& e : timeline.entries) {
        if (e.hidden) continue;
        ++shown;
        out += "- **" + zone.time(e.at, timeline.spans_days) + "** · " + std::string(to_string(e.kind)) + " · " +
               escape_markdown_inline(e.author) + " — " + e.text;
        if (!e.permalink.empty()) out += " ([link](" + markdown_link_target(e.permalink) + "))";
        out += '\n';
        if (e.kind == EntryKind::decision) {
            out += "  - _What information was available at this point?_\n";
            out += "  - _What options existed?_\n";
        }
    }
    if (shown == 0)
        out += prompt("No timeline entries yet — `/incident note <text>` adds a key event, "
                      "`/incident timeline add <when> <text>` a moment nobody typed.");
    if (auto notes = draft_notes(timeline, in.settings.postmortem.max_timeline_entries); !notes.empty()) {
        out += "\n_Draft: ";
        for (std::size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : "") + notes[i];
        if (timeline.dropped_low > 0) out += " (`/incident timeline why` lists them)";
        out += "._\n";
    }
}

// How long it took, under Impact: from the start (or the open) to the first
// detection, the first mitigation and the close.
void durations_block(std::string& out, const DraftInput& in, const Timeline& timeline, const ZoneFormatter& zone) {
    const auto& d = timeline.durations;
    auto or_not = [](const std::optional<Duration>& v) { return v ? format_duration(*v) : std::string("not reached"); };
    out += "\n**Durations** (from " + std::string(in.incident.started_at ? "impact start" : "open") + ", " +
           zone.time(d.start, timeline.spans_days) + "):\n";
    out += "- Time to detection: " + or_not(d.to_detection) + "\n";
    out += "- Time to mitigation: " + or_not(d.to_mitigation) + "\n";
    out += std::string("- Time to ") + (in.incident.closed_at ? "close" : "now (still open)") + ": " +
           or_not(d.to_close) + "\n";
}

void whys_section(std::string& out, const DraftInput& in, Names& names) {
    out += "## Root cause (five whys)\n\n";
    std::vector<const WhyStep*> steps;
    for (const auto& w : in.whys) steps.push_back(&w);
    std::stable_sort(steps.begin(), steps.end(), [](auto* a, auto* b) { return a->n < b->n; });
    if (steps.empty()) {
        out += prompt("No whys answered yet — `/incident why <answer>` answers *Why did “" +
                      escape_markdown_inline(why_subject(in.incident)) + "” happen?*");
    }
    std::string subject = why_subject(in.incident);
    int number = 0;
    for (const auto* w : steps) {
        auto answer = collapse_whitespace(w->answer);
        out += std::to_string(++number) + ". Why did “" + prose(subject, names) + "” happen? — " +
               prose(answer, names) + "\n";
        subject = answer;
    }
    std::string root = in.incident.root_cause;
    if (root.empty() && steps.size() >= 5) root = steps.back()->answer;
    out += '\n';
    if (!root.empty()) out += "**Root cause:** " + prose(root, names) + "\n";
    else
        out += prompt("Root cause not determined yet — keep asking with `/incident why <answer>`, or set it with "
                      "`/incident rootcause <text>`.");
}

// The ticket beside the status: "open · [acme/ops#12](…) (closed)".
std::string ticket_cell(const ActionItem& a) {
    const auto& t = a.ticket;
    if (t.key.empty()) return {};
    auto label = escape_markdown_inline(t.key);
    return " · " + (t.url.empty() ? label : "[" + label + "](" + t.url + ")") + " (" +
           std::string(to_string(t.status)) + ")";
}

void actions_section(std::string& out, const DraftInput& in, const ZoneFormatter& zone, Names& names) {
    out += "## Action items\n\n";
    if (in.actions.empty()) {
        out += prompt("No action items yet — `/incident action @owner <text> due:<when>`; aim for changes to the "
                      "system, each with one owner and a due date.");
        return;
    }
    out += "| Id | Action | Owner | Due | Status |\n|---|---|---|---|---|\n";
    for (const auto& a : in.actions) {
        auto owner = a.owner_id.empty() && a.owner_name.empty() ? std::string("_none_")
                                                               : escape_markdown_inline(names(a.owner_id, a.owner_name));
        auto due = a.due_at == Timestamp{} ? std::string("_none_") : zone.date_time(a.due_at);
        out += "| A-" + std::to_string(a.id) + " | " + prose(a.text, names) + " | " + owner + " | " + due + " | " +
               std::string(action_status(a, in.now)) + ticket_cell(a) + " |\n";
    }
}

void lessons_section(std::string& out, const Timeline& timeline, const ZoneFormatter& zone) {
    out += "## Lessons learned\n\n";
    std::vector<std::string> well, wrong;
    const auto& d = timeline.durations;
    if (d.to_detection) {
        auto took = format_duration(*d.to_detection);
        if (*d.to_detection > slow_detection)
            wrong.push_back("Detection took " + took + ": which signal could have told us sooner, and why didn't it?");
        else if (*d.to_detection <= quick_detection)
            well.push_back("Detected within " + took + " of the start.");
    } else {
        wrong.push_back("No detection moment in the timeline: how did we find out? Add it with "
                        "`/incident timeline add <when> <text>`.");
    }
    if (d.to_mitigation) {
        auto took = format_duration(*d.to_mitigation);
        if (*d.to_mitigation > slow_mitigation)
            wrong.push_back("Mitigation came " + took + " after the start: what made a safe fix slow to find or apply?");
        else if (*d.to_mitigation <= quick_mitigation)
            well.push_back("Impact was mitigated within " + took + ".");
    }
    std::size_t hypotheses = 0, decisions = 0, escalations = 0;
    const TimelineEntry* first_rollback = nullptr;
    for (const auto& e : timeline.entries) {
        if (e.hidden) continue;
        hypotheses += e.kind == EntryKind::hypothesis;
        decisions += e.kind == EntryKind::decision;
        escalations += e.kind == EntryKind::escalation;
        if (!first_rollback && e.kind == EntryKind::action) {
            auto lowered = to_lower_ascii(e.text);
            if (lowered.find("roll") != std::string::npos || lowered.find("revert") != std::string::npos)
                first_rollback = &e;
        }
    }
    if (first_rollback)
        well.push_back("A rollback/revert was available and used (" + zone.time(first_rollback->at, timeline.spans_days) +
                       ").");
    if (hypotheses >= many_hypotheses)
        wrong.push_back(std::to_string(hypotheses) +
                        " hypotheses were explored: would a dashboard, log query or runbook have narrowed it sooner?");
    if (escalations > 0)
        well.push_back(std::to_string(escalations) + (escalations == 1 ? " escalation" : " escalations") +
                       " brought in help: was it quick and easy to reach the right people?");
    if (decisions > 0)
        well.push_back(std::to_string(decisions) + (decisions == 1 ? " decision" : " decisions") +
                       " recorded: review each with the two questions in the timeline.");

    auto block = [&](std::string_view heading, const std::vector<std::string>& items, std::string_view ask) {
        out += "### ";
        out += heading;
        out += "\n\n";
        for (const auto& item : items) out += "- " + item + "\n";
        out += "- _" + std::string(ask) + "_\n\n";
    };
    block("What went well", well, "Add what helped: tools, runbooks, people, timing.");
    block("What went wrong", wrong, "Add where the system made this harder than it should be.");
    block("Where we got lucky", {}, "Add moments where things could easily have been worse.");
}

void blameless_section(std::string& out, const DraftInput& in, const ZoneFormatter& zone, Names& names) {
    out += "## Blameless check\n\n";
    struct Flag {
        std::string where;
        std::string excerpt;
        BlameFinding finding;
    };
    std::vector<Flag> blame, quality;
    auto scan = [&](std::string where, std::string_view text, BlameContext ctx) {
        for (auto& f : check_blameless(text, ctx)) blame.push_back({where, quote_excerpt(text, names), std::move(f)});
    };
    for (const auto& k : in.key_events) scan("Note at " + zone.time(k.at, false), k.text, BlameContext::timeline_note);
    for (const auto& c : in.curations)
        if ((c.kind == TimelineCuration::Kind::add || c.kind == TimelineCuration::Kind::edit) && !c.text.empty())
            scan("Timeline edit", c.text, BlameContext::timeline_note);
    for (const auto& w : in.whys) scan("Why " + std::to_string(w.n), w.answer, BlameContext::why_answer);
    if (!in.incident.root_cause.empty()) scan("Root cause", in.incident.root_cause, BlameContext::why_answer);
    if (!in.incident.impact.empty()) scan("Impact", in.incident.impact, BlameContext::impact);
    if (!in.incident.summary.empty()) scan("Summary", in.incident.summary, BlameContext::impact);
    for (const auto& a : in.actions) {
        scan("A-" + std::to_string(a.id), a.text, BlameContext::action_item);
        for (auto& f : check_action_quality(a))
            quality.push_back({"A-" + std::to_string(a.id), quote_excerpt(a.text, names), std::move(f)});
    }
    if (blame.empty()) {
        out += "No blaming language found.\n";
    } else {
        for (const auto& f : blame)
            out += "- **" + f.where + "** “" + f.excerpt + "”: “" + escape_markdown_inline(f.finding.matched) + "” — " +
                   f.finding.suggestion + "\n";
    }
    if (!quality.empty()) {
        out += "\n**Action-item quality:**\n";
        for (const auto& f : quality) out += "- **" + f.where + "** " + f.finding.suggestion + "\n";
    }
}

}  // namespace

std::string why_subject(const Incident& incident) {
    return incident.summary.empty() ? incident.title : incident.summary;
}

std::string_view action_status(const ActionItem& item, Timestamp now) {
    if (item.state == ActionState::done) return "done";
    if (item.due_at != Timestamp{} && item.due_at < now) return "overdue";
    return "open";
}

std::string render_postmortem(const DraftInput& in, const Timeline& timeline) {
    ZoneFormatter zone(in.settings.timezone);
    Names names(in.display_name);
    std::string out;
    out.reserve(8192);
    out += "# Postmortem: " + escape_markdown_inline(in.incident.title.empty() ? "Untitled incident" : in.incident.title) + "\n\n";
    metadata(out, in, timeline, zone, names);

    out += "\n## Summary\n\n";
    if (in.incident.summary.empty())
        out += prompt("No summary yet — what happened, in two or three sentences: `/incident close <summary>`.");
    else
        out += paragraph(in.incident.summary, names) + "\n";

    out += "\n## Impact\n\n";
    if (in.incident.impact.empty())
        out += prompt("No impact recorded yet — `/incident impact <text>`: who was affected, how, for how long.");
    else
        out += paragraph(in.incident.impact, names) + "\n";
    durations_block(out, in, timeline, zone);

    out += '\n';
    timeline_section(out, in, timeline, zone);

    out += '\n';
    whys_section(out, in, names);

    out += "\n## Contributing factors\n\n";
    if (in.factors.empty()) {
        out += prompt("No contributing factors tagged yet — `/incident factor <tag>`, e.g. "
                      "`insufficient-test-coverage`, `missing-alert`, `unclear-runbook`.");
    } else {
        for (const auto& f : in.factors) out += "- `" + f + "`\n";
    }

    out += '\n';
    actions_section(out, in, zone, names);

    out += '\n';
    lessons_section(out, timeline, zone);

    blameless_section(out, in, zone, names);
    return out;
}

}  // namespace hindsight
