// The web pages as strings: structure, escaping of everything people typed,
// the charts. No HTTP here (routes_test.cpp has that).
#include "adapters/web/charts.hpp"
#include "adapters/web/markdown.hpp"
#include "adapters/web/page.hpp"
#include "adapters/web/style.hpp"
#include "bot/core/postmortem.hpp"
#include "tests/support/draft_fixture.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace hindsight;
using namespace hindsight::testing;

namespace {

bool has(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

std::size_t count(const std::string& haystack, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

PostmortemDraft draft_of(DraftInput in) {
    PostmortemDraft d{std::move(in), {}, {}};
    d.timeline = draft_timeline(d.input);
    d.markdown = render_postmortem(d.input, d.timeline);
    return d;
}

DraftInput outage() {
    auto in = base_input();
    in.incident.started_at = utc(13, 50);
    in.incident.summary = "A bad deploy broke checkout";
    in.messages = {
        message("1", "U1", "alert fired: checkout 5xx errors spiking", utc(14, 2)),
        message("2", "U2", "I think it is the new deploy", utc(14, 10)),
        message("3", "U2", "rolling back checkout-api now", utc(14, 20)),
        message("4", "U1", "error rate back to normal, mitigated", utc(14, 35)),
        message("5", "U3", "resolved, all green", utc(14, 55)),
        message("6", "U3", "coffee anyone?", utc(14, 56)),
    };
    in.messages[0].permalink = "https://acme.slack.com/archives/C1/p1";
    ActionItem a;
    a.id = 3;
    a.incident_id = 7;
    a.owner_id = "U2";
    a.text = "Add a canary stage for checkout-api";
    a.due_at = utc(12, 0, 0, 25);
    in.actions = {a};
    in.factors = {"missing-canary"};
    in.settings.public_url = "https://hs.example";
    return in;
}

}  // namespace

TEST_CASE("incident page: one document with the header, both charts and every postmortem section") {
    auto draft = draft_of(outage());
    REQUIRE(has(draft.markdown, "- **Document:** "));
    auto html = web::render_incident_page(draft, {"../incidents", "7/postmortem.md?exp=1&sig=ab"});
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(has(html, "<meta name=\"viewport\""));
    CHECK(has(html, "<h1>Checkout errors</h1>"));
    CHECK(has(html, "SEV2"));
    CHECK(has(html, "<section id=\"phases\""));
    CHECK(has(html, "<section id=\"activity\""));
    CHECK(count(html, "<svg ") == 2);
    for (auto id : {"details", "summary", "impact", "timeline", "root-cause-five-whys", "contributing-factors",
                    "action-items", "lessons-learned", "blameless-check"})
        CHECK_MESSAGE(has(html, "<section class=\"doc\" id=\"" + std::string(id) + "\">"), id);
    // The link back to the chat message, the download, the index.
    CHECK(has(html, "href=\"https://acme.slack.com/archives/C1/p1\""));
    CHECK(has(html, "href=\"7/postmortem.md?exp=1&amp;sig=ab\" download"));
    CHECK(has(html, "href=\"../incidents\""));
    CHECK_FALSE(has(html, "Document:"));  // the token-less Markdown link of the document is left out
    // Action items with their status now: due tomorrow, so open.
    CHECK(has(html, "<span class=\"status open\">open</span>"));
    // The phases strip has every milestone the timeline reached.
    for (auto name : {"Impact start", "Detection", "Mitigation", "Resolution", "Close"})
        CHECK_MESSAGE(has(html, std::string(">") + name + "</text>"), name);
    // No script, no style attribute, nothing from elsewhere.
    CHECK_FALSE(has(html, "<script"));
    CHECK_FALSE(has(html, "style=\""));
    CHECK_FALSE(has(html, "src=\"http"));
    CHECK(count(html, "<style>") == 1);
}

TEST_CASE("incident page: an action item's tracker ticket is a link beside its status") {
    auto in = outage();
    in.actions[0].ticket.tracker = "github";
    in.actions[0].ticket.key = "acme/ops#12";
    in.actions[0].ticket.url = "https://github.com/acme/ops/issues/12";
    in.actions[0].ticket.status = TicketStatus::open;
    ActionItem unsafe = in.actions[0];
    unsafe.id = 4;
    unsafe.ticket.key = "EVIL-1";
    unsafe.ticket.url = "javascript:alert(1)";
    in.actions.push_back(unsafe);
    auto html = web::render_incident_page(draft_of(in), {});
    CHECK(has(html, "<a href=\"https://github.com/acme/ops/issues/12\">acme/ops#12</a> (open)"));
    CHECK(count(html, "<span class=\"status open\">open</span> \u00b7 ") == 2);
    CHECK(has(html, "EVIL-1"));
    CHECK_FALSE(has(html, "javascript:"));
}

TEST_CASE("incident page: what people typed is text, never markup") {
    auto in = outage();
    in.incident.title = "<script>alert('title')</script>";
    in.incident.summary = "<img src=x onerror=alert(1)> and [click](javascript:alert(2))";
    in.incident.impact = "<div onclick=alert(3)>raw html block</div>\n\n<b>bold?</b>";
    in.messages.push_back(message("6", "U1", "<script>alert(4)</script> ok ack alert fired again", utc(14, 40)));
    in.messages.back().key_event = true;
    in.messages.back().permalink = "javascript:alert(5)";
    in.factors = {"<svg onload=alert(6)>"};
    ActionItem a;
    a.id = 4;
    a.owner_name = "<b>mallory</b>";
    a.text = "<iframe src=//evil.example></iframe> fix it";
    in.actions.push_back(a);
    auto html = web::render_incident_page(draft_of(in), {});
    CHECK_FALSE(has(html, "<script"));
    CHECK_FALSE(has(html, "<img"));
    CHECK_FALSE(has(html, "<iframe"));
    CHECK_FALSE(has(html, "<div onclick"));
    CHECK_FALSE(has(html, "<b>"));
    CHECK_FALSE(has(html, "<svg onload"));
    CHECK_FALSE(has(html, "href=\"javascript"));  // the text may say it; no link goes there
    CHECK(has(html, "[click](javascript:alert(2))"));  // shown as typed
    // An event handler would have to sit inside a real tag.
    CHECK_FALSE(std::regex_search(html, std::regex("<[^>]*\\son[a-z]+=")));
    CHECK(has(html, "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"));
    CHECK(has(html, "&lt;img src=x onerror=alert(1)&gt;"));
    CHECK(has(html, "&lt;iframe"));
}

TEST_CASE("markdown: raw HTML never passes, dangerous link targets are emptied, tables render") {
    auto html = web::markdown_to_html("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(2)>\n\n"
                                      "[x](javascript:alert(3)) [y](https://ok.example)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    CHECK_FALSE(has(html, "<script"));
    CHECK_FALSE(has(html, "<img"));
    CHECK_FALSE(has(html, "javascript:"));
    CHECK(has(html, "href=\"https://ok.example\""));
    CHECK(has(html, "<table>"));
    CHECK(has(html, "<td>2</td>"));
}

TEST_CASE("activity chart: bars per interval, segments coloured by timeline kind, only kinds that occur") {
    auto html = web::render_incident_page(draft_of(outage()), {});
    CHECK(has(html, "class=\"s-detection\""));
    CHECK(has(html, "class=\"s-action\""));
    CHECK(has(html, "class=\"s-message\""));
    CHECK_FALSE(has(html, "class=\"s-escalation\""));
    CHECK(has(html, "6 messages per 2m"));
}

TEST_CASE("phases strip: an open incident ends at now and says so") {
    auto in = outage();
    in.incident.state = IncidentState::open;
    in.incident.closed_at.reset();
    auto html = web::render_incident_page(draft_of(in), {});
    CHECK(has(html, ">Now</text>"));
    CHECK(has(html, "class=\"open-end\""));
    CHECK_FALSE(has(html, ">Close</text>"));
}

TEST_CASE("charts: bars scale to a round maximum, empty charts say so") {
    web::BarChart chart{"test", {{"a", "done"}, {"b", "open"}}, {{"x", "x", {3, 4}}, {"y", "y", {1, 0}}}, ""};
    auto svg = web::bar_chart_svg(chart);
    CHECK(has(svg, ">10</text>"));  // 7 rounds up to 10
    CHECK(count(svg, "<rect") == 3);  // the zero segment is not drawn
    auto empty = web::bar_chart_svg({"none", {{"a", "done"}}, {}, ""});
    CHECK(has(empty, "nothing to show yet"));
    auto factors = web::count_chart_svg("f", {{"<x>", 2}});
    CHECK(has(factors, "&lt;x&gt;"));
}

TEST_CASE("index page: stats, the three charts, filters and links to each incident") {
    web::IndexInput in;
    in.now = utc(12, 0, 0, 30);
    for (int i = 1; i <= 3; ++i) {
        Incident inc;
        inc.id = i;
        inc.title = i == 2 ? "Search <b>down</b>" : "Checkout errors " + std::to_string(i);
        inc.severity = i;
        inc.where = {i == 3 ? Platform::mattermost : Platform::slack, "T1", "C" + std::to_string(i)};
        inc.opened_at = utc(10, 0, 0, 20 + i);
        if (i != 3) {
            inc.state = IncidentState::closed;
            inc.closed_at = utc(12, 0, 0, 20 + i);
        }
        in.incidents.insert(in.incidents.begin(), inc);
        in.factors[i] = {"missing-alert"};
    }
    ActionItem done, open;
    done.id = 1, done.incident_id = 1, done.state = ActionState::done, done.created_at = utc(12, 0, 0, 21);
    open.id = 2, open.incident_id = 2, open.created_at = utc(12, 0, 0, 22), open.due_at = utc(12, 0, 0, 29);
    in.actions = {done, open};
    in.incident_link = [](std::int64_t id) { return "incidents/" + std::to_string(id) + "?exp=9&sig=f"; };
    in.keep = {{"exp", "9"}, {"sig", "f"}};

    auto html = web::render_index_page(in);
    for (auto id : {"stats", "time-to-close", "completion", "factors", "incidents"})
        CHECK_MESSAGE(has(html, "<section id=\"" + std::string(id) + "\""), id);
    CHECK(count(html, "<svg ") == 3);
    CHECK(has(html, "href=\"incidents/1?exp=9&amp;sig=f\""));
    CHECK(has(html, "Search &lt;b&gt;down&lt;/b&gt;"));
    CHECK(has(html, "<input type=\"hidden\" name=\"sig\" value=\"f\">"));
    CHECK(has(html, ">missing-alert</text>"));  // recurs in both closed postmortems
    CHECK(has(html, "<b>1 / 2</b>"));            // action items done
    CHECK(has(html, "<b>1</b><span>action items overdue"));

    SUBCASE("filters: state, severity, platform, channel and title words") {
        in.filter.state = "open";
        auto only_open = web::render_index_page(in);
        CHECK(has(only_open, "Checkout errors 3"));
        CHECK_FALSE(has(only_open, "Checkout errors 1"));
        in.filter = {};
        in.filter.query = "SEARCH";
        auto search = web::render_index_page(in);
        CHECK(has(search, "incidents/2?"));
        CHECK_FALSE(has(search, "incidents/1?"));
        in.filter = {};
        in.filter.platform = "mattermost";
        CHECK(web::render_index_page(in).find("incidents/1?") == std::string::npos);
        in.filter = {};
        in.filter.severity = 1;
        in.filter.channel = "C1";
        auto one = web::render_index_page(in);
        CHECK(has(one, "incidents/1?"));
        CHECK_FALSE(has(one, "incidents/2?"));
    }
}

TEST_CASE("the Content-Security-Policy allows no script and exactly the inline stylesheet") {
    const auto& csp = web::content_security_policy();
    CHECK(csp.starts_with("default-src 'none'; style-src 'sha256-"));
    CHECK(has(csp, "frame-ancestors 'none'"));
    CHECK(has(csp, "img-src data:"));
    CHECK_FALSE(has(csp, "script-src"));
    CHECK_FALSE(has(csp, "unsafe"));
}
