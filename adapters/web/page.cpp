#include "adapters/web/page.hpp"

#include "adapters/web/charts.hpp"
#include "adapters/web/html.hpp"
#include "adapters/web/markdown.hpp"
#include "adapters/web/style.hpp"
#include "bot/core/patterns.hpp"
#include "bot/core/postmortem.hpp"
#include "bot/core/text.hpp"
#include "bot/core/zone.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <unordered_map>

namespace hindsight::web {

namespace {

using namespace std::chrono_literals;

void open_document(std::string& out, std::string_view title) {
    out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<meta name=\"referrer\" content=\"no-referrer\">"
           "<meta name=\"color-scheme\" content=\"light dark\">"
           "<link rel=\"icon\" href=\"data:,\"><title>";
    append_escaped(out, title);
    out += "</title><style>";
    out += stylesheet();
    out += "</style></head><body>";
}

void close_document(std::string& out, std::string_view footer) {
    out += "<footer>";
    append_escaped(out, footer);
    out += "</footer></body></html>\n";
}

void link(std::string& out, const std::string& href, std::string_view text, std::string_view extra = {}) {
    out += "<a href=\"";
    append_escaped(out, href);
    out += "\"";
    out += extra;
    out += ">";
    append_escaped(out, text);
    out += "</a>";
}

void badge(std::string& out, std::string_view css, std::string_view text) {
    out += "<li class=\"badge ";
    out += css;
    out += "\">";
    append_escaped(out, text);
    out += "</li>";
}

std::string severity_text(int severity) { return severity > 0 ? "SEV" + std::to_string(severity) : "SEV not set"; }

// "14:03" or "11-24 14:03" (UTC), for chart axes.
std::string axis_time(Timestamp t, bool with_date) {
    auto s = format_rfc3339(t);  // 2026-11-24T14:03:00Z
    if (s.size() < 16) return s;
    return with_date ? s.substr(5, 5) + " " + s.substr(11, 5) : s.substr(11, 5);
}

std::string axis_date(Timestamp t) { return format_rfc3339(t).substr(0, 10); }

// ---- the incident page

std::vector<Milestone> milestones(const PostmortemDraft& draft, const ZoneFormatter& zone, bool& open_end) {
    const auto& inc = draft.input.incident;
    const auto& d = draft.timeline.durations;
    const bool days = draft.timeline.spans_days;
    std::vector<Milestone> out;
    auto add = [&](std::string name, std::string css, Timestamp at) {
        out.push_back({std::move(name), std::move(css), at, zone.time(at, days)});
    };
    add(inc.started_at ? "Impact start" : "Opened", "start", d.start);
    if (d.to_detection) add("Detection", "detection", d.start + *d.to_detection);
    if (d.to_mitigation) add("Mitigation", "mitigation", d.start + *d.to_mitigation);
    for (const auto& e : draft.timeline.entries)
        if (!e.hidden && e.kind == EntryKind::resolution && e.at >= d.start) {
            add("Resolution", "resolution", e.at);
            break;
        }
    open_end = !inc.closed_at;
    if (inc.closed_at) add("Close", "close", *inc.closed_at);
    else add("Now", "now", std::max(draft.input.now, d.start));
    return out;
}

// The bin width: the shortest of these that keeps the chart at most
// kMaxBins bars.
constexpr std::size_t kMaxBins = 48;
constexpr std::array<Duration, 15> kIntervals = {1min, 2min, 5min, 10min, 15min, 30min, 1h, 2h, 3h, 6h, 12h,
                                                 24h, 48h, 168h, 720h};

constexpr std::array<EntryKind, 9> kActivityKinds = {
    EntryKind::message,    EntryKind::detection, EntryKind::escalation, EntryKind::hypothesis, EntryKind::action,
    EntryKind::decision,   EntryKind::mitigation, EntryKind::resolution, EntryKind::key_event};

std::size_t kind_index(EntryKind kind) {
    for (std::size_t i = 0; i < kActivityKinds.size(); ++i)
        if (kActivityKinds[i] == kind) return i;
    return 0;
}

std::string activity_section(const PostmortemDraft& draft, std::string& caption, std::vector<Series>& legend) {
    const auto& messages = draft.input.messages;
    const auto& d = draft.timeline.durations;
    Timestamp first = d.start, last = draft.input.incident.closed_at.value_or(draft.input.now);
    std::size_t live = 0;
    for (const auto& m : messages) {
        if (m.deleted) continue;
        ++live;
        first = std::min(first, m.at);
        last = std::max(last, m.at);
    }
    if (last <= first) last = first + 1min;
    Duration interval = kIntervals.back();
    for (auto candidate : kIntervals)
        if ((last - first) / candidate < static_cast<std::int64_t>(kMaxBins)) {
            interval = candidate;
            break;
        }
    const auto bins = static_cast<std::size_t>((last - first) / interval) + 1;
    std::vector<std::array<double, kActivityKinds.size()>> counts(bins);
    for (auto& c : counts) c.fill(0);
    // A message's kind is the one its timeline entry got (the drafting
    // already classified every message; what it left out counts as a plain
    // message), a pinned one's "key event".
    std::unordered_map<std::string_view, EntryKind> kinds;
    for (const auto& e : draft.timeline.entries)
        if (e.key.starts_with("m:")) kinds.emplace(std::string_view(e.key).substr(2), e.kind);
    for (const auto& m : messages) {
        if (m.deleted) continue;
        auto bin = static_cast<std::size_t>((m.at - first) / interval);
        auto kind = EntryKind::message;
        if (m.key_event) kind = EntryKind::key_event;
        else if (auto it = kinds.find(m.message_id); it != kinds.end()) kind = it->second;
        counts[std::min(bin, bins - 1)][kind_index(kind)] += 1;
    }
    // Only the kinds that occur, plain messages always.
    std::vector<std::size_t> used = {0};
    for (std::size_t k = 1; k < kActivityKinds.size(); ++k)
        for (const auto& c : counts)
            if (c[k] > 0) {
                used.push_back(k);
                break;
            }
    BarChart chart;
    chart.aria_label = "Messages per " + format_duration(interval) + ", coloured by timeline kind";
    for (auto k : used) {
        std::string name(to_string(kActivityKinds[k]));
        std::string css = name == "key event" ? "key_event" : name;
        chart.series.push_back({name, css});
    }
    const bool days = draft.timeline.spans_days || (last - first) >= 24h;
    for (std::size_t b = 0; b < bins; ++b) {
        Bar bar;
        auto at = first + interval * static_cast<std::int64_t>(b);
        bar.label = axis_time(at, days);
        bar.title = "from " + axis_time(at, true) + " UTC";
        for (auto k : used) bar.values.push_back(counts[b][k]);
        chart.bars.push_back(std::move(bar));
    }
    caption = count_of(static_cast<long long>(live), "message", "messages") + " per " + format_duration(interval) +
              " (axis in UTC); those in the timeline coloured by their kind";
    legend = chart.series;
    return bar_chart_svg(chart);
}

// The document's HTML cut into sections at each <h2>, so a printout breaks
// between them and each has an id; tables scroll sideways on a phone.
void document_sections(std::string& out, const std::string& html) {
    std::size_t pos = 0;
    bool first = true;
    while (pos < html.size()) {
        auto next = html.find("<h2>", pos + (first ? 0 : 4));
        if (first && next == 0) {
            first = false;
            continue;
        }
        std::string chunk = html.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        std::string id = "details";
        if (chunk.starts_with("<h2>")) {
            auto end = chunk.find("</h2>");
            id = slug(chunk.substr(4, end == std::string::npos ? 0 : end - 4));
        }
        for (std::size_t t = 0; (t = chunk.find("<table>", t)) != std::string::npos; t += 30) {
            chunk.insert(t, "<div class=\"table-wrap\">");
            auto close = chunk.find("</table>", t);
            if (close != std::string::npos) chunk.insert(close + 8, "</div>");
        }
        if (id == "action-items")
            for (std::string_view status : {"open", "done", "overdue"}) {
                // The status alone, or followed by the tracker's ticket ("open · <a…>acme/ops#12</a> (open)").
                for (std::string_view after : {"</td>", " \u00b7 "}) {
                    std::string cell = "<td>" + std::string(status) + std::string(after);
                    std::string styled = "<td><span class=\"status " + std::string(status) + "\">" +
                                         std::string(status) + "</span>" + std::string(after);
                    for (std::size_t t = 0; (t = chunk.find(cell, t)) != std::string::npos; t += styled.size())
                        chunk.replace(t, cell.size(), styled);
                }
            }
        out += "<section class=\"doc\" id=\"" + id + "\">" + chunk + "</section>";
        first = false;
        if (next == std::string::npos) break;
        pos = next;
    }
}

}  // namespace

std::string render_incident_page(const PostmortemDraft& draft, const PageLinks& links) {
    const auto& inc = draft.input.incident;
    ZoneFormatter zone(draft.input.settings.timezone);
    const std::string title = inc.title.empty() ? "Untitled incident" : inc.title;
    std::string out;
    out.reserve(32768 + draft.markdown.size() * 2);
    open_document(out, "Postmortem: " + title + " — Hindsight");

    out += "<header class=\"top\"><nav>";
    if (!links.index.empty()) link(out, links.index, "All incidents");
    if (!links.markdown.empty()) link(out, links.markdown, "Markdown", " download");
    out += "</nav><h1>";
    append_escaped(out, title);
    out += "</h1><ul class=\"badges\">";
    badge(out, "sev" + std::to_string(inc.severity), severity_text(inc.severity));
    badge(out, std::string(to_string(inc.state)), std::string(to_string(inc.state)));
    badge(out, "where", std::string(to_string(inc.where.platform)) + " · " + inc.where.channel);
    badge(out, "opened", "opened " + zone.date(inc.opened_at));
    out += "</ul></header><main>";

    bool open_end = false;
    auto moments = milestones(draft, zone, open_end);
    out += "<section id=\"phases\" class=\"figure-section\"><h2>Phases</h2><div class=\"figure\">";
    out += phases_svg(moments, open_end);
    out += "</div></section>";

    std::string caption;
    std::vector<Series> legend;
    out += "<section id=\"activity\" class=\"figure-section\"><h2>Channel activity</h2><div class=\"figure\">";
    out += activity_section(draft, caption, legend);
    out += legend_html(legend);
    out += "</div><p class=\"legend\">";
    append_escaped(out, caption);
    out += "</p></section>";

    // The document without its own title (the header above shows it).
    std::string_view markdown = draft.markdown;
    if (markdown.starts_with("# ")) {
        auto eol = markdown.find('\n');
        markdown.remove_prefix(eol == std::string_view::npos ? markdown.size() : eol + 1);
    }
    // The document's own "Document" line links the Markdown for the API
    // token; the page has its own (signed) link for that.
    std::string body(markdown);
    if (auto at = body.find("\n- **Document:** "); at != std::string::npos)
        body.erase(at + 1, body.find('\n', at + 1) - at);
    out += "<article id=\"postmortem\">";
    document_sections(out, markdown_to_html(body));
    out += "</article></main>";
    close_document(out, "Drafted by Hindsight from the incident channel at " + zone.date_time(draft.input.now) +
                            ". Times are shown in " + zone.legend() + ".");
    return out;
}

// ---- the index

bool matches(const Incident& incident, const IndexFilter& f) {
    if (!f.state.empty() && f.state != to_string(incident.state)) return false;
    if (f.severity > 0 && incident.severity != f.severity) return false;
    if (!f.platform.empty() && f.platform != to_string(incident.where.platform)) return false;
    if (!f.channel.empty() && f.channel != incident.where.channel) return false;
    if (!f.query.empty()) {
        auto title = to_lower_ascii(incident.title);
        for (const auto& word : tokenize_lower(f.query))
            if (title.find(word) == std::string::npos) return false;
    }
    return true;
}

namespace {

void stat(std::string& out, const std::string& value, std::string_view what) {
    out += "<div class=\"stat\"><b>";
    append_escaped(out, value);
    out += "</b><span>";
    append_escaped(out, what);
    out += "</span></div>";
}

void select(std::string& out, std::string_view name, std::string_view label, const std::string& current,
            const std::vector<std::pair<std::string, std::string>>& options) {
    out += "<label>";
    out += label;
    out += "<select name=\"";
    out += name;
    out += "\">";
    for (const auto& [value, text] : options) {
        out += "<option value=\"";
        append_escaped(out, value);
        out += value == current ? "\" selected>" : "\">";
        append_escaped(out, text);
        out += "</option>";
    }
    out += "</select></label>";
}

void filter_form(std::string& out, const IndexInput& in) {
    const auto& f = in.filter;
    out += "<form class=\"filters\" method=\"get\" action=\"";
    append_escaped(out, in.form_action);
    out += "\"><label>Title<input type=\"search\" name=\"q\" value=\"";
    append_escaped(out, f.query);
    out += "\"></label>";
    select(out, "state", "State", f.state, {{"", "any"}, {"open", "open"}, {"closed", "closed"}});
    select(out, "severity", "Severity", f.severity > 0 ? std::to_string(f.severity) : "",
           {{"", "any"}, {"1", "SEV1"}, {"2", "SEV2"}, {"3", "SEV3"}, {"4", "SEV4"}});
    std::set<std::string> platforms, channels;
    for (const auto& i : in.incidents) {
        platforms.insert(std::string(to_string(i.where.platform)));
        channels.insert(i.where.channel);
    }
    std::vector<std::pair<std::string, std::string>> options = {{"", "any"}};
    for (const auto& p : platforms) options.emplace_back(p, p);
    select(out, "platform", "Platform", f.platform, options);
    options = {{"", "any"}};
    for (const auto& c : channels) options.emplace_back(c, c);
    select(out, "channel", "Channel", f.channel, options);
    for (const auto& [name, value] : in.keep) {
        out += "<input type=\"hidden\" name=\"";
        append_escaped(out, name);
        out += "\" value=\"";
        append_escaped(out, value);
        out += "\">";
    }
    out += "<button type=\"submit\">Filter</button></form>";
}

std::string time_to_close_chart(const std::vector<const Incident*>& kept) {
    std::vector<const Incident*> closed;
    for (const auto* i : kept)
        if (i->closed_at) closed.push_back(i);
    std::sort(closed.begin(), closed.end(), [](auto* a, auto* b) { return *a->closed_at < *b->closed_at; });
    constexpr std::size_t kLast = 40;
    if (closed.size() > kLast) closed.erase(closed.begin(), closed.end() - kLast);
    BarChart chart{"Time to close of each closed incident, hours, oldest first", {{"time to close", "ttc"}}, {}, "h"};
    for (const auto* i : closed) {
        auto took = *i->closed_at - i->started_at.value_or(i->opened_at);
        chart.bars.push_back({axis_date(*i->closed_at), i->title + " (" + format_duration(took) + ")",
                              {std::chrono::duration<double, std::ratio<3600>>(took).count()}});
    }
    return bar_chart_svg(chart) + legend_html(chart.series);
}

std::string completion_chart(const std::vector<ActionItem>& actions, Timestamp now) {
    // By the month the item was created: done, open and overdue.
    std::map<std::string, std::array<double, 3>> months;
    for (const auto& a : actions) {
        auto& m = months[format_rfc3339(a.created_at).substr(0, 7)];
        auto status = action_status(a, now);
        m[status == "done" ? 0 : status == "overdue" ? 2 : 1] += 1;
    }
    BarChart chart{"Action items by the month they were created: done, open, overdue",
                   {{"done", "done"}, {"open", "open"}, {"overdue", "overdue"}},
                   {},
                   ""};
    for (const auto& [month, c] : months) {
        double total = c[0] + c[1] + c[2];
        chart.bars.push_back({month, month + ": " + svg_number(100 * c[0] / total) + "% done",
                              {c[0], c[1], c[2]}});
    }
    return bar_chart_svg(chart) + legend_html(chart.series);
}

}  // namespace

std::string render_index_page(const IndexInput& in) {
    ZoneFormatter zone(in.timezone);
    std::vector<const Incident*> kept;
    std::vector<Incident> kept_copy;
    std::set<std::int64_t> ids;
    for (const auto& i : in.incidents)
        if (matches(i, in.filter)) {
            kept.push_back(&i);
            kept_copy.push_back(i);
            ids.insert(i.id);
        }
    std::vector<ActionItem> actions;
    for (const auto& a : in.actions)
        if (ids.count(a.incident_id)) actions.push_back(a);

    std::string out;
    out.reserve(32768);
    open_document(out, "Incidents — Hindsight");
    out += "<header class=\"top\"><h1>Incidents</h1></header><main>";
    filter_form(out, in);

    auto s = compute_stats(kept_copy, actions, in.now);
    out += "<section id=\"stats\"><h2>Stats</h2><div class=\"stats\">";
    stat(out, std::to_string(s.incidents), "incidents (" + std::to_string(s.open) + " open)");
    stat(out, s.median_time_to_close ? format_duration(*s.median_time_to_close) : "—", "median time to close");
    stat(out, std::to_string(s.actions_done) + " / " + std::to_string(s.actions), "action items done");
    stat(out, std::to_string(s.actions_overdue), "action items overdue");
    out += "</div></section>";

    out += "<section id=\"time-to-close\"><h2>Time to close</h2><div class=\"figure\">";
    out += time_to_close_chart(kept);
    out += "</div></section>";
    out += "<section id=\"completion\"><h2>Action-item completion</h2><div class=\"figure\">";
    out += completion_chart(actions, in.now);
    out += "</div></section>";

    // Closed postmortems, most recently closed first, as find_patterns wants.
    std::vector<const Incident*> closed;
    for (const auto* i : kept)
        if (i->closed_at) closed.push_back(i);
    std::sort(closed.begin(), closed.end(), [](auto* a, auto* b) { return *a->closed_at > *b->closed_at; });
    std::vector<std::vector<std::string>> factor_lists;
    for (const auto* i : closed) {
        auto it = in.factors.find(i->id);
        factor_lists.push_back(it == in.factors.end() ? std::vector<std::string>{} : it->second);
    }
    auto patterns = find_patterns(factor_lists);
    std::vector<Count> counts;
    for (const auto& r : patterns.recurring) counts.push_back({r.tag, r.count});
    out += "<section id=\"factors\"><h2>Recurring contributing factors</h2><div class=\"figure\">";
    out += count_chart_svg("Contributing factors tagged in more than one postmortem", counts);
    out += "</div></section>";

    out += "<section id=\"incidents\"><h2>Incidents</h2><div class=\"table-wrap\"><table><thead><tr><th>Incident</th>"
           "<th>Severity</th><th>State</th><th>Where</th><th>Opened</th><th>Time to close</th>"
           "<th>Open action items</th></tr></thead><tbody>";
    std::map<std::int64_t, int> open_actions;
    for (const auto& a : actions)
        if (a.state == ActionState::open) ++open_actions[a.incident_id];
    for (const auto* i : kept) {
        out += "<tr><td>";
        link(out, in.incident_link ? in.incident_link(i->id) : "/incidents/" + std::to_string(i->id),
             i->title.empty() ? "Untitled incident" : i->title);
        out += "</td><td>" + escape(severity_text(i->severity)) + "</td><td>" +
               std::string(to_string(i->state)) + "</td><td>";
        append_escaped(out, std::string(to_string(i->where.platform)) + " · " + i->where.channel);
        out += "</td><td>";
        append_escaped(out, zone.date_time(i->opened_at));
        out += "</td><td>";
        if (i->closed_at) append_escaped(out, format_duration(*i->closed_at - i->started_at.value_or(i->opened_at)));
        else out += "open";
        out += "</td><td>" + std::to_string(open_actions[i->id]) + "</td></tr>";
    }
    if (kept.empty()) out += "<tr><td colspan=\"7\">No incident matches.</td></tr>";
    out += "</tbody></table></div></section></main>";
    close_document(out, "Hindsight · " + count_of(static_cast<long long>(kept.size()), "incident", "incidents") +
                            " shown · times in " + zone.legend() + ".");
    return out;
}

std::string render_error_page(int status, std::string_view title, std::string_view message) {
    std::string out;
    open_document(out, std::to_string(status) + " " + std::string(title) + " — Hindsight");
    out += "<main class=\"error\"><h1>";
    append_escaped(out, title);
    out += "</h1><p>";
    append_escaped(out, message);
    out += "</p></main>";
    close_document(out, "Hindsight");
    return out;
}

}  // namespace hindsight::web
