#include "bot/core/postmortem.hpp"
#include "tests/support/draft_fixture.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::testing;
using CK = TimelineCuration::Kind;

namespace {

bool has(const std::string& doc, std::string_view needle) { return doc.find(needle) != std::string::npos; }

// The text between "## <heading>" and the next "## ".
std::string section(const std::string& doc, std::string_view heading) {
    auto start = doc.find("## " + std::string(heading) + "\n");
    REQUIRE_MESSAGE(start != std::string::npos, "missing section " << heading);
    start = doc.find('\n', start) + 1;
    auto end = doc.find("\n## ", start);
    return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

ActionItem action(std::int64_t id, const std::string& owner, const std::string& text, Timestamp due,
                  ActionState state = ActionState::open) {
    ActionItem a;
    a.id = id;
    a.incident_id = 7;
    a.owner_id = owner;
    a.text = text;
    a.due_at = due;
    a.state = state;
    return a;
}

WhyStep why(int n, const std::string& answer) {
    WhyStep w;
    w.incident_id = 7;
    w.n = n;
    w.answer = answer;
    return w;
}

DraftInput full_incident() {
    auto in = base_input();
    in.settings.timezone = "Europe/Berlin";
    in.incident.summary = "Checkout returned 5xx for 38 minutes after a config push.";
    in.incident.impact = "12% of checkouts failed in EU.";
    in.incident.facilitator_id = "U4";
    in.incident.meeting_at = utc(10, 0, 0, 26);
    in.incident.started_at = utc(13, 20);
    in.messages = {
        message("1", "U1", "PagerDuty alert: checkout 5xx", utc(14, 2)),
        message("2", "U2", "ok", utc(14, 3)),
        message("3", "U2", "let's roll back to v41", utc(14, 10)),
        message("4", "U3", "error rate dropping", utc(14, 25)),
        message("5", "U1", "all clear", utc(14, 40)),
        message("6", "U3", "random chatter", utc(14, 45)),
    };
    in.messages[0].permalink = "https://acme.slack.com/archives/C1/p1764165720000100";
    in.key_events = {note(1, "U1", "Bob forgot to run the config check", utc(14, 5))};
    in.curations = {curation(1, CK::hide, "m:6")};
    in.whys = {why(2, "the config check was skipped"), why(1, "a bad load balancer config was pushed")};
    in.factors = {"missing-config-validation", "insufficient-test-coverage"};
    in.actions = {action(12, "U2", "Add a CI check that validates the LB config", utc(12, 0, 0, 30)),
                  action(13, "U3", "Be more careful with configs", utc(12, 0, 0, 24)),
                  action(14, "U1", "Add an alert on checkout 5xx > 1% for 2 min", utc(12, 0, 0, 20),
                         ActionState::done)};
    in.now = utc(12, 0, 0, 25);
    return in;
}

}  // namespace

TEST_CASE("document: title, metadata and the eight headings in order") {
    auto in = full_incident();
    auto doc = render_postmortem(in, draft_timeline(in));
    CHECK(doc.starts_with("# Postmortem: Checkout errors\n"));
    std::size_t at = 0;
    for (std::string_view heading : {"## Summary\n", "## Impact\n", "## Timeline\n", "## Root cause (five whys)\n",
                                     "## Contributing factors\n", "## Action items\n", "## Lessons learned\n",
                                     "## Blameless check\n"}) {
        CAPTURE(heading);
        auto found = doc.find(heading, at);
        REQUIRE(found != std::string::npos);
        at = found + heading.size();
    }
    std::size_t h2 = 0;
    for (std::size_t p = doc.find("\n## "); p != std::string::npos; p = doc.find("\n## ", p + 1)) ++h2;
    CHECK(h2 == 8);

    CHECK(has(doc, "- **Severity:** SEV2\n"));
    CHECK(has(doc, "- **Commander:** Alice\n"));
    CHECK(has(doc, "- **Participants:** Alice, Bob, Carol\n"));
    CHECK(has(doc, "- **State:** closed\n"));
    CHECK(has(doc, "- **Impact started:** 2026-11-24 13:20 UTC (14:20 CET)\n"));
    CHECK(has(doc, "- **Opened:** 2026-11-24 14:00 UTC (15:00 CET)\n"));
    CHECK(has(doc, "- **Closed:** 2026-11-24 15:00 UTC (16:00 CET)\n"));
    CHECK(has(doc, "- **Duration:** 1h 40m\n"));
    CHECK(has(doc, "- **Facilitator:** U4\n"));
    CHECK(has(doc, "- **Review meeting:** 2026-11-26 10:00 UTC (11:00 CET)\n"));
    CHECK(has(doc, "- **Times:** shown in UTC / Europe/Berlin\n"));
}

TEST_CASE("document: summary and impact text") {
    auto in = full_incident();
    auto doc = render_postmortem(in, draft_timeline(in));
    CHECK(section(doc, "Summary") == "\nCheckout returned 5xx for 38 minutes after a config push.\n");
    CHECK(section(doc, "Impact").starts_with("\n12% of checkouts failed in EU.\n\n**Durations**"));

    in.incident.impact = "#1 complaint this week: *all* EU checkouts";
    doc = render_postmortem(in, draft_timeline(in));
    CHECK(section(doc, "Impact").starts_with("\n\\#1 complaint this week: \\*all\\* EU checkouts\n\n**Durations**"));
}

TEST_CASE("document: timeline entries with kind, author, permalink — decisions carry the two questions") {
    auto in = full_incident();
    auto doc = render_postmortem(in, draft_timeline(in));
    auto timeline = section(doc, "Timeline");
    CHECK(has(timeline, "- **14:02 UTC (15:02 CET)** · detection · Alice — PagerDuty alert: checkout 5xx "
                        "([link](https://acme.slack.com/archives/C1/p1764165720000100))\n"));
    CHECK(has(timeline, "- **14:05 UTC (15:05 CET)** · key event · Alice — Bob forgot to run the config check\n"));
    CHECK(has(timeline, "- **14:10 UTC (15:10 CET)** · decision · Bob — let's roll back to v41\n"
                        "  - _What information was available at this point?_\n"
                        "  - _What options existed?_\n"));
    CHECK(has(timeline, "· mitigation · Carol — error rate dropping\n"));
    CHECK(has(timeline, "· resolution · Alice — all clear\n"));
    CHECK_FALSE(has(timeline, "random chatter"));  // hidden by curation
    CHECK_FALSE(has(timeline, "— ok"));            // noise
    // The questions appear once: only under the one decision.
    auto first = timeline.find("What options existed?");
    CHECK(timeline.find("What options existed?", first + 1) == std::string::npos);

    CHECK(has(section(doc, "Impact"), "**Durations** (from impact start, 13:20 UTC (14:20 CET)):\n"
                        "- Time to detection: 42m\n"
                        "- Time to mitigation: 1h 5m\n"
                        "- Time to close: 1h 40m\n"));
}

TEST_CASE("document: five whys as a chain, root cause from the fifth answer or rootcause") {
    auto in = full_incident();
    auto doc = render_postmortem(in, draft_timeline(in));
    auto whys = section(doc, "Root cause (five whys)");
    // The first question is about the summary given at close (the title when there is none).
    CHECK(has(whys, "1. Why did “Checkout returned 5xx for 38 minutes after a config push.” happen? — a bad load balancer config was pushed\n"
                    "2. Why did “a bad load balancer config was pushed” happen? — the config check was skipped\n"));
    CHECK(has(whys, "_Root cause not determined yet"));
    CHECK(has(whys, "`/incident rootcause <text>`"));

    in.incident.root_cause = "config validation was not part of the deploy pipeline";
    whys = section(render_postmortem(in, draft_timeline(in)), "Root cause (five whys)");
    CHECK(has(whys, "**Root cause:** config validation was not part of the deploy pipeline\n"));

    in.incident.root_cause.clear();
    for (int n = 3; n <= 5; ++n) in.whys.push_back(why(n, "answer " + std::to_string(n)));
    whys = section(render_postmortem(in, draft_timeline(in)), "Root cause (five whys)");
    CHECK(has(whys, "5. Why did “answer 4” happen? — answer 5\n"));
    CHECK(has(whys, "**Root cause:** answer 5\n"));
}

TEST_CASE("document: factors and action items with owner, due in the zone and status") {
    auto in = full_incident();
    auto doc = render_postmortem(in, draft_timeline(in));
    CHECK(section(doc, "Contributing factors") == "\n- `missing-config-validation`\n- `insufficient-test-coverage`\n");
    auto actions = section(doc, "Action items");
    CHECK(has(actions, "| Id | Action | Owner | Due | Status |\n"));
    CHECK(has(actions, "| A-12 | Add a CI check that validates the LB config | Bob | 2026-11-30 12:00 UTC (13:00 CET) | open |\n"));
    CHECK(has(actions, "| A-13 | Be more careful with configs | Carol | 2026-11-24 12:00 UTC (13:00 CET) | overdue |\n"));
    CHECK(has(actions, "| A-14 | Add an alert on checkout 5xx \\> 1% for 2 min | Alice | 2026-11-20 12:00 UTC (13:00 CET) | done |\n"));
}

TEST_CASE("action_status: overdue only while open and past due") {
    auto a = action(1, "U1", "x", utc(12, 0));
    CHECK(action_status(a, utc(11, 0)) == "open");
    CHECK(action_status(a, utc(13, 0)) == "overdue");
    a.state = ActionState::done;
    CHECK(action_status(a, utc(13, 0)) == "done");
}

TEST_CASE("document: lessons learned scaffold with suggestions from the timeline") {
    auto in = full_incident();
    auto lessons = section(render_postmortem(in, draft_timeline(in)), "Lessons learned");
    CHECK(has(lessons, "### What went well\n"));
    CHECK(has(lessons, "### What went wrong\n"));
    CHECK(has(lessons, "### Where we got lucky\n"));
    CHECK(has(lessons, "- Detection took 42m: "));
    CHECK(has(lessons, "- Mitigation came 1h 5m after the start: "));
    CHECK(has(lessons, "- 1 decision recorded: "));
    // What went well lists the rollback only when there was one; here it was a decision, not an action.
    CHECK_FALSE(has(lessons, "rollback/revert was available"));

    in.incident.started_at.reset();  // detection 2m after open, mitigation 25m
    in.messages[2].text = "rolled back to v41";
    lessons = section(render_postmortem(in, draft_timeline(in)), "Lessons learned");
    CHECK(has(lessons, "- Detected within 2m of the start.\n"));
    CHECK(has(lessons, "- Impact was mitigated within 25m.\n"));
    CHECK(has(lessons, "- A rollback/revert was available and used (14:10 UTC (15:10 CET)).\n"));
    CHECK_FALSE(has(lessons, "Detection took"));
}

TEST_CASE("document: blameless check lists findings per source with suggestions") {
    auto in = full_incident();
    auto check = section(render_postmortem(in, draft_timeline(in)), "Blameless check");
    CHECK(has(check, "- **Note at 14:05 UTC (15:05 CET)** “Bob forgot to run the config check”: “Bob forgot” — "));
    CHECK(has(check, "- **A-13** “Be more careful with configs”: “be more careful” — "));
    CHECK_FALSE(has(check, "No blaming language found."));
    CHECK_FALSE(has(check, "**A-12**"));
}

TEST_CASE("document: a clean incident says no blaming language was found — action quality still listed") {
    auto in = full_incident();
    in.key_events.clear();
    in.actions = {action(12, "U2", "look into monitoring", utc(12, 0, 0, 30))};
    auto check = section(render_postmortem(in, draft_timeline(in)), "Blameless check");
    CHECK(has(check, "No blaming language found.\n"));
    CHECK(has(check, "**Action-item quality:**\n- **A-12** “look into” has no verifiable outcome."));
}

TEST_CASE("document: empty sections carry a prompt naming the command") {
    auto in = base_input();
    in.incident.severity = 0;
    in.incident.commander_id.clear();
    auto doc = render_postmortem(in, draft_timeline(in));
    CHECK(has(doc, "- **Severity:** not set\n"));
    CHECK(has(doc, "- **Commander:** not set\n"));
    CHECK(has(doc, "- **Participants:** none recorded\n"));
    CHECK(has(doc, "- **Facilitator:** not assigned — `/incident facilitator`\n"));
    CHECK(has(doc, "- **Review meeting:** not scheduled — `/incident meeting <when>`\n"));
    CHECK(has(section(doc, "Summary"), "_No summary yet — "));
    CHECK(has(section(doc, "Summary"), "`/incident close <summary>`"));
    CHECK(section(doc, "Impact").starts_with(
          "\n_No impact recorded yet — `/incident impact <text>`: who was affected, how, for how long._\n"));
    CHECK(has(section(doc, "Timeline"), "_No timeline entries yet — `/incident note <text>`"));
    CHECK(has(section(doc, "Impact"), "- Time to detection: not reached\n"));
    CHECK(has(section(doc, "Root cause (five whys)"), "_No whys answered yet — `/incident why <answer>`"));
    CHECK(has(section(doc, "Contributing factors"), "_No contributing factors tagged yet — `/incident factor <tag>`"));
    CHECK(has(section(doc, "Action items"), "_No action items yet — `/incident action @owner <text> due:<when>`"));
    CHECK(has(section(doc, "Lessons learned"), "- No detection moment in the timeline: "));
    CHECK(has(section(doc, "Blameless check"), "No blaming language found."));
}

TEST_CASE("document: Markdown in user text is escaped, dates appear when the incident spans days") {
    auto in = base_input();
    in.incident.title = "DB *down* | again";
    in.incident.closed_at = utc(2, 0, 0, 25);
    in.messages = {message("1", "U1", "alert firing on `db-1`", utc(23, 30))};
    auto doc = render_postmortem(in, draft_timeline(in));
    CHECK(doc.starts_with("# Postmortem: DB \\*down\\* \\| again\n"));
    CHECK(has(doc, "- **2026-11-24 23:30 UTC** · detection · Alice — alert firing on \\`db-1\\`\n"));
}

TEST_CASE("document: link to the served document when a public URL is configured") {
    auto in = base_input();
    in.settings.public_url = "https://hindsight.example/";
    auto doc = render_postmortem(in, draft_timeline(in));
    CHECK(has(doc, "- **Document:** [https://hindsight.example/incidents/7/postmortem.md]"
                   "(https://hindsight.example/incidents/7/postmortem.md)\n"));
}
