// Misclassifications found reading the demo and the transcripts as an incident
// commander would: each one once got the wrong kind (or survived as noise).
#include "bot/core/timeline_rules.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace hindsight;
using K = EntryKind;

namespace {

struct MarkerExample {
    std::string_view row;
    std::string_view text;
    EntryKind kind;  // what the marker makes of it
    EntryKind without;  // the same text with the marker's words removed
    std::string_view plain;
};

// One example per marker row: with the marker the kind changes, without it not.
const MarkerExample marker_examples[] = {
    {"recap", "quick recap: 23:57 manual failover, 00:03 pgbouncer reconnect", K::message, K::action,
     "quick: 23:57 manual failover, 00:03 pgbouncer reconnect"},
    {"for the doc", "rolled back at 14:27, for the doc", K::message, K::action, "rolled back at 14:27"},
    {"for the timeline", "grafana annotations: 13:57 deploy, 14:27 rollback start / for the timeline", K::message,
     K::action, "grafana annotations: 13:57 deploy, 14:27 rollback start"},
    {"for the review", "alert fired late, for the review", K::message, K::detection, "alert fired late"},
    {"action items", "quick ones for action items: alert on cert-manager not ready", K::message, K::detection,
     "quick ones: alert on cert-manager not ready"},
    {"follow ups", "follow ups: slot alert, connector runbook", K::message, K::detection, "slot alert, connector runbook"},
    {"follow - ups", "follow-ups: slot alert", K::message, K::detection, "slot alert"},
    {"noting", "noting: alert on replication slot lag", K::message, K::detection, "alert on replication slot lag"},
    {"i'll", "I'll do the slot alert", K::message, K::detection, "do the slot alert"},
    {"i will", "I will add the disk alert", K::message, K::detection, "add the disk alert"},
    {"would've", "a rate-based alert would've caught it way earlier", K::message, K::detection,
     "a rate-based alert caught it way earlier"},
    {"would have", "a slot alert would have fired days ago", K::message, K::detection, "a slot alert fired days ago"},
    {"could catch", "the slow leak is the part an alert could catch", K::message, K::detection,
     "the slow leak is the part an alert caught"},
    {"i added", "I added a silence for the disk alert until 06:00", K::message, K::detection,
     "a silence for the disk alert until 06:00"},
    {"needs", "and pki-alerts@ needs real members", K::message, K::detection, "and pki-alerts@ has real members"},
    {"wondering", "wondering why the disk alert was at 92%", K::message, K::detection, "why the disk alert was at 92%"},
};

}  // namespace

TEST_CASE("every marker row has an example that changes the kind, and the plain text does not") {
    std::set<std::string_view> covered;
    for (const auto& ex : marker_examples) {
        CAPTURE(ex.text);
        CHECK(classify_text(ex.text) == ex.kind);
        CHECK(classify_text(ex.plain) == ex.without);
        covered.insert(ex.row);
    }
    for (const auto& rule : marker_rules()) {
        CAPTURE(rule.phrase);
        CHECK(covered.count(rule.phrase) == 1);
    }
}

TEST_CASE("marker: planning only cancels a detection - a plan to act is still a decision or an action") {
    CHECK(classify_text("I'm going to add a PrometheusRule for the cert alert") == K::decision);
    CHECK(classify_text("I'll roll back now") == K::action);
    CHECK(classify_text("PagerDuty alert: checkout-api 5xx error rate 18%") == K::detection);
}

TEST_CASE("regression: discussing a deploy is a hypothesis, not an action") {
    CHECK(classify_text("that deploy only touched the receipt template, seems unlikely but can't rule it out") ==
          K::hypothesis);
    CHECK(classify_text("so it's not the deploy") == K::hypothesis);
    CHECK(classify_text("that would explain it, requests pile up behind the slow fraud calls") == K::hypothesis);
}

TEST_CASE("regression: no change after an act rules a cause out - not a new detection") {
    CHECK(classify_text("no change, error rate still 17%") == K::hypothesis);
    CHECK(classify_text("error rate still climbing, p99 latency on checkout is 9s") == K::message);
    CHECK(classify_text("error rate on checkout is 12%") == K::detection);
}

TEST_CASE("regression: error rate normal is a mitigation, back to normal a resolution") {
    CHECK(classify_text("100% of normal mobile traffic, error rate normal") == K::mitigation);
    CHECK(classify_text("error rate back to normal, 0.3%") == K::resolution);
    CHECK(classify_text("everything looks normal. error rate 0.1%, latency normal, replica lag 0") == K::mitigation);
    CHECK(classify_text("api-gateway dashboards look totally normal") == K::message);
    // While investigating, a part that looks normal is ruled out, not recovered.
    CHECK(classify_text("redis looks normal, evictions 0") == K::message);
    // Support's queue easing is a recovery; traffic dropping is a symptom.
    CHECK(classify_text("ticket volume dropping, all solved by restarting the app") == K::mitigation);
    CHECK(classify_text("request volume dropping on mobile") == K::message);
}

TEST_CASE("regression: we'll see is no decision - the guess stays a hypothesis") {
    CHECK(classify_text("I think some Android versions also cache the failed handshake, we'll see") == K::hypothesis);
    CHECK(classify_text("we'll keep the old cache") == K::decision);
}

TEST_CASE("negation: choosing not to act is a decision, reporting it did not happen is not") {
    CHECK(classify_text("we're NOT deploying 2.31.1 during the incident") == K::decision);
    CHECK(classify_text("we are not deploying today") == K::decision);
    CHECK(classify_text("don't restart the primary") == K::decision);
    CHECK(classify_text("ok, don't restart anything yet") == K::decision);
    CHECK(classify_text("no rollback, we fix forward") == K::decision);
    CHECK(classify_text("do not revert the config") == K::decision);
    CHECK(classify_text("we won't restart the primary tonight") == K::decision);
    // Facts about what did not happen stay messages.
    CHECK(classify_text("the pods didn't restart") == K::message);
    CHECK(classify_text("there was no rollback plan for configs") == K::message);
    CHECK(classify_text("ingress pods are all healthy, no restarts") == K::message);
    CHECK(classify_text("not resolved yet") == K::message);
}

TEST_CASE("orders: a name, an order verb and its object are a decision") {
    CHECK(classify_text("Greg fix the token. Raj in parallel prepare a manual issuance as a fallback") == K::decision);
    CHECK(classify_text("@{U2|} roll back the api") == K::decision);
    CHECK(classify_text("Marcus please restart the pods") == K::decision);
    // No name, no object, or no order: what the other rows say.
    CHECK(classify_text("Pods restart every 5 minutes") == K::action);
    CHECK(classify_text("Also fix the typo in the runbook") == K::message);
    CHECK(classify_text("greg fix the token") == K::message);  // lower case: a sentence start, not a name
    CHECK(classify_text("Greg fixed the token") == K::message);
}

TEST_CASE("noise: an acknowledgement addressed to someone, and praise") {
    for (std::string_view text : {"thanks Tom", "thanks Amara!", "ok @{U2|}", "thanks @{U2|sam} 🙏", "agreed, go",
                                  "great work everyone 🎉", "yeah", "good one", "well done", "nice work"}) {
        CAPTURE(text);
        CHECK(is_noise(text));
    }
    for (std::string_view text : {"thanks Tom, rolling back now", "thanks, rollback done", "thanks Restart",
                                  "thanks tom the db is down", "thanks @{U2|} the db is down", "go roll back", "great work everyone, now the db"}) {
        CAPTURE(text);
        CHECK_FALSE(is_noise(text));
    }
}
