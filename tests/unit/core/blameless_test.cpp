#include "bot/core/blameless.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace hindsight;
using C = BlameContext;

namespace {

std::set<std::string> rules_hit(std::string_view text, BlameContext context) {
    std::set<std::string> out;
    for (const auto& f : check_blameless(text, context)) out.insert(f.rule);
    return out;
}

bool fires(std::string_view rule, std::string_view text, BlameContext context = C::why_answer) {
    return rules_hit(text, context).count(std::string(rule)) == 1;
}

struct RowCase {
    std::string_view rule;
    std::string_view positive;
    std::string_view near_miss;
    BlameContext context;
};

// Every row of the rules table: one text it must flag, one close call it must not.
const RowCase rows[] = {
    {"person-as-subject", "@{U123|} broke prod with the config push", "The deploy broke checkout", C::why_answer},
    {"fault", "It was the on-call's fault", "Add fault injection tests for the cache", C::action_item},
    {"judgement", "a careless change to the load balancer", "We carefully rolled back", C::timeline_note},
    {"human-error", "Root cause: human error", "Human review caught the error early", C::why_answer},
    {"should-have", "They should have checked the replica lag", "Every service should have an owner", C::why_answer},
    {"blame", "Nobody is to blame but the release process", "We run blameless postmortems", C::impact},
    {"behaviour-action", "Be more careful when editing DNS", "Add a pre-deploy check for DNS changes", C::action_item},
};

ActionItem item(std::string text) {
    ActionItem a;
    a.id = 12;
    a.owner_id = "U1";
    a.owner_name = "Alice";
    a.text = std::move(text);
    a.due_at = Timestamp{std::chrono::hours{24 * 20000}};
    return a;
}

}  // namespace

TEST_CASE("every blameless rule has a positive example and a near-miss") {
    std::set<std::string_view> covered;
    for (const auto& row : rows) {
        CAPTURE(row.positive);
        CHECK(fires(row.rule, row.positive, row.context));
        CAPTURE(row.near_miss);
        CHECK(check_blameless(row.near_miss, row.context).empty());
        covered.insert(row.rule);
    }
    for (auto id : blameless_rule_ids()) {
        CAPTURE(id);
        CHECK(covered.count(id) == 1);
    }
}

TEST_CASE("person as the subject of a failure: mentions, names, pronouns, adverbs") {
    CHECK(fires("person-as-subject", "@{U1|alice} forgot to renew the cert"));
    CHECK(fires("person-as-subject", "@bob deleted the bucket"));
    CHECK(fires("person-as-subject", "Alice forgot to update the runbook"));
    CHECK(fires("person-as-subject", "then Bob accidentally deleted the table"));
    CHECK(fires("person-as-subject", "Carol messed up the migration"));
    CHECK(fires("person-as-subject", "Dave didn't run the tests"));
    CHECK(fires("person-as-subject", "Dave didn’t run the tests"));
    CHECK(fires("person-as-subject", "she missed the alert"));
    CHECK(fires("person-as-subject", "Erin caused the outage"));
    // Not a person, or not a failure.
    CHECK_FALSE(fires("person-as-subject", "the alert missed the spike"));
    CHECK_FALSE(fires("person-as-subject", "Alice fixed the config"));
    CHECK_FALSE(fires("person-as-subject", "@{U1|} restarted the pods"));
    CHECK_FALSE(fires("person-as-subject", "Redis-less path broke"));
    CHECK_FALSE(fires("person-as-subject", "This broke because the check was missing"));
    CHECK_FALSE(fires("person-as-subject", "ops@example.com forgot nothing"));
}

TEST_CASE("a finding names the rule, the words as written and a specific suggestion") {
    auto findings = check_blameless("Alice forgot to renew the cert", C::why_answer);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].rule == "person-as-subject");
    CHECK(findings[0].matched == "Alice forgot");
    CHECK(findings[0].suggestion.find("what the system allowed") != std::string::npos);

    auto hindsight = check_blameless("we should have rolled back sooner", C::why_answer);
    REQUIRE(hindsight.size() == 1);
    CHECK(hindsight[0].matched == "should have");
    CHECK(hindsight[0].suggestion.find("hindsight") != std::string::npos);
}

TEST_CASE("fault words") {
    for (std::string_view text : {"totally my fault", "he was at fault", "careless", "negligent rollout",
                                  "negligence", "sloppy review", "lazy", "a stupid mistake", "incompetent",
                                  "human error", "operator error", "should've known", "shouldn't have merged",
                                  "ought to have paged", "don't blame the intern", "she was blamed"}) {
        CAPTURE(text);
        CHECK_FALSE(check_blameless(text, C::timeline_note).empty());
    }
    for (std::string_view text : {"the default timeout was 30s", "fault-tolerant queue", "fault tolerance test",
                                  "error budget burned", "the alert should have a runbook link",
                                  "a blameless review"}) {
        CAPTURE(text);
        CHECK(check_blameless(text, C::timeline_note).empty());
    }
}

TEST_CASE("behaviour-aimed wording is flagged in action items only") {
    for (std::string_view text : {"Be more careful with migrations", "remember to drain the node first",
                                  "pay more attention to alerts", "double-check the config", "Double check DNS",
                                  "don't forget the feature flag", "do not forget to announce", "try harder"}) {
        CAPTURE(text);
        CHECK(fires("behaviour-action", text, C::action_item));
        CHECK_FALSE(fires("behaviour-action", text, C::timeline_note));
    }
}

TEST_CASE("one finding per rule and phrase, several rules at once") {
    auto findings = check_blameless("Alice forgot, it was careless and careless again; Alice forgot", C::impact);
    CHECK(findings.size() == 2);
    CHECK(rules_hit("Bob broke it, his fault, should have tested", C::why_answer) ==
          std::set<std::string>{"person-as-subject", "fault", "should-have"});
}

TEST_CASE("clean text and empty text produce nothing") {
    CHECK(check_blameless("The deploy pipeline allowed a config change without validation", C::why_answer).empty());
    CHECK(check_blameless("", C::action_item).empty());
}

TEST_CASE("action quality: owner, due date, verifiable outcome") {
    CHECK(check_action_quality(item("Add an alert on replica lag > 30 s")).empty());
    CHECK(check_action_quality(item("Add a CI step that validates the load balancer config")).empty());

    auto no_owner = item("Add an alert on replica lag > 30 s");
    no_owner.owner_id.clear();
    no_owner.owner_name.clear();
    auto f = check_action_quality(no_owner);
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "action-owner");

    auto no_due = item("Add an alert on replica lag > 30 s");
    no_due.due_at = Timestamp{};
    f = check_action_quality(no_due);
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "action-due");

    for (std::string_view vague : {"look into monitoring", "Investigate the cache", "improve monitoring",
                                   "think about retries", "follow up with the vendor"}) {
        CAPTURE(vague);
        f = check_action_quality(item(std::string(vague)));
        REQUIRE(f.size() == 1);
        CHECK(f[0].rule == "action-vague");
        CHECK(f[0].suggestion.find("verifiable outcome") != std::string::npos);
    }
    // A measurable outcome rescues a vague verb.
    CHECK(check_action_quality(item("Investigate and cut p99 checkout latency below 300 ms")).empty());
    CHECK(check_action_quality(item("Improve monitoring so that replica lag pages the DBA")).empty());
    // Too short to verify.
    f = check_action_quality(item("Fix DNS"));
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "action-vague");
}

// The decision (README, "How the draft is made"): "should have" about the
// system records an expectation the system did not meet and is not flagged;
// about a person it is hindsight and is.
TEST_CASE("should have: about the system is not flagged, about a person is") {
    for (std::string_view text : {"the alert should have fired", "The alert should have fired at 14:02",
                                  "monitoring should have caught the lag", "the canary should've stopped the rollout",
                                  "cert renewal should have run on the 1st", "the failover should have been automatic"}) {
        CAPTURE(text);
        for (auto context : {C::why_answer, C::timeline_note, C::impact, C::action_item})
            CHECK(check_blameless(text, context).empty());
    }
    auto person = check_blameless("Bob should have checked the replica lag", C::why_answer);
    REQUIRE(person.size() == 1);
    CHECK(person[0].rule == "should-have");
    CHECK(person[0].matched == "should have");
    for (std::string_view text : {"@{U2|} should have checked", "@bob should have checked the dashboard",
                                  "we should have rolled back sooner", "he should've paged the DBA",
                                  "the on-call should have checked"}) {
        CAPTURE(text);
        CHECK(fires("should-have", text, C::why_answer));
    }
}

TEST_CASE("a system as the subject of a failure verb is not flagged") {
    for (std::string_view text : {"the deploy broke the cache", "The deploy broke the cache",
                                  "the migration caused the lock contention", "cert-manager failed to renew"}) {
        CAPTURE(text);
        for (auto context : {C::why_answer, C::timeline_note, C::impact, C::action_item})
            CHECK(check_blameless(text, context).empty());
    }
}
