#include "bot/core/timeline.hpp"
#include "tests/support/draft_fixture.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <stdexcept>

using namespace hindsight;
using namespace hindsight::testing;
using K = EntryKind;
using CK = TimelineCuration::Kind;

namespace {

struct Example {
    std::string_view row;  // the rule's phrase as written in the table
    std::string_view text;
    EntryKind kind;
};

// One example per row of the classification table.
const Example examples[] = {
    {"alert*", "PagerDuty alerts for checkout", K::detection},
    {"paged", "I got paged for checkout", K::detection},
    {"page", "got a page for checkout latency", K::detection},
    {"noticed", "noticed checkout latency climbing", K::detection},
    {"error rate", "Error rate on checkout is 12%", K::detection},
    {"firing", "HighLatency is firing", K::detection},
    {"spike*", "big spike in 502s", K::detection},
    {"5xx", "lots of 5xx from the gateway", K::detection},
    {"seeing errors", "we are seeing errors on login", K::detection},
    {"customers report*", "customers reporting failed payments", K::detection},
    {"500s", "orders api is throwing 500s on checkout", K::detection},
    {"502*", "1 in 3 loads just hangs and then 502", K::detection},
    {"503*", "gateway answers 503s for /search", K::detection},
    {"504*", "504 from the LB on every upload", K::detection},
    {"expired", "SSL certificate problem: certificate has expired", K::detection},
    {"can't log in", "mobile app users can't log in since early morning", K::detection},
    {"cannot log in", "partners cannot log in to the portal", K::detection},
    {"can't connect", "the workers can't connect to redis", K::detection},
    {"cannot connect", "app says cannot connect to server", K::detection},
    {"exhausted", "db connections on payments-db are at 500/500, pool is exhausted", K::detection},
    {"escalat*", "escalating to the database team", K::escalation},
    {"paging", "paging the DBA on call", K::escalation},
    {"looping in", "looping in payments", K::escalation},
    {"pulling in", "pulling in the network team", K::escalation},
    {"cc @", "cc @{U2|}", K::escalation},
    {"waking up", "waking up the storage lead", K::escalation},
    {"bringing in", "bringing in the storage team", K::escalation},
    {"roping in", "roping in the CDN vendor", K::escalation},
    {"incident command*", "I'm here and I'll take incident command", K::escalation},
    {"taking ic", "taking IC for this one", K::escalation},
    {"ic here", "IC here. sev1, status every 30 min", K::escalation},
    {"declaring", "declaring a major incident for checkout", K::escalation},
    {"declared", "declared an incident for the checkout outage", K::escalation},
    {"upgrading to sev*", "upgrading to sev1, customers are affected", K::escalation},
    {"deploy*", "deploying the hotfix", K::action},
    {"rolled back", "rolled back checkout to v41", K::action},
    {"rolling back", "rolling back checkout", K::action},
    {"roll back", "did a roll back of the api", K::action},
    {"rollback*", "rollback of api finished", K::action},
    {"revert*", "reverted PR 1234", K::action},
    {"restart*", "restarted the payment pods", K::action},
    {"failover", "failover to us-east-2 complete", K::action},
    {"failed over", "failed over the primary db", K::action},
    {"scaled", "scaled checkout to 40 replicas", K::action},
    {"scale up", "scale up of the worker pool started", K::action},
    {"scaling up", "scaling up the workers", K::action},
    {"feature flag*", "flipped the feature flag for new-cart", K::action},
    {"toggled", "toggled new-cart off", K::action},
    {"disabled the", "disabled the recommendations widget", K::action},
    {"drained", "drained node ip-10-0-0-12", K::action},
    {"switchover", "starting patroni switchover to orders-db-2", K::action},
    {"reconnect*", "running RECONNECT orders on both pgbouncer pods", K::action},
    {"uploaded", "job done, new cert uploaded, LB listener updated", K::action},
    {"decided", "decided to keep the old cache", K::decision},
    {"let's", "let's keep the old cache for now", K::decision},
    {"we will", "we will keep the old cache", K::decision},
    {"going to", "going to keep the old cache", K::decision},
    {"plan is", "plan is to keep the old cache", K::decision},
    {"we'll", "we’ll keep the old cache", K::decision},
    {"decision", "Decision: roll back cart-api to 2.30.4 now", K::decision},
    {"maybe", "maybe the cache is cold", K::hypothesis},
    {"might be", "might be the cache", K::hypothesis},
    {"i think", "I think the cache is cold", K::hypothesis},
    {"suspect*", "I suspect the cache", K::hypothesis},
    {"could be", "could be DNS", K::hypothesis},
    {"looks like", "looks like DNS", K::hypothesis},
    {"could it be", "could it be the batch export job?", K::hypothesis},
    {"unlikely", "that deploy only touched the receipt template, seems unlikely", K::hypothesis},
    {"rule it out", "can't rule it out yet", K::hypothesis},
    {"would explain", "that would explain it, requests pile up behind the slow fraud calls", K::hypothesis},
    {"found it", "found it: SessionDecodeError at offset 0, we raise instead of falling back", K::hypothesis},
    {"root cause", "root cause is the replication slot nobody dropped", K::hypothesis},
    {"culprit", "the culprit is the new serializer", K::hypothesis},
    {"there it is", "there it is: slot debezium_orders inactive for 3 days", K::hypothesis},
    {"so it's not", "so it's not the deploy", K::hypothesis},
    {"ruled out", "DNS ruled out, resolvers answer fine", K::hypothesis},
    {"no change", "no change, p99 still 9s", K::hypothesis},
    {"mitigated", "impact mitigated for EU", K::mitigation},
    {"recovering", "checkout recovering", K::mitigation},
    {"recovered", "checkout recovered in EU", K::mitigation},
    {"error rate dropping", "error rate dropping now", K::mitigation},
    {"stabilised", "latency stabilised", K::mitigation},
    {"stabilized", "latency stabilized", K::mitigation},
    {"working", "writes working!!", K::mitigation},
    {"works again", "my old cookie works again", K::mitigation},
    {"rate going down", "error rate going down on checkout", K::mitigation},
    {"ratio going down", "5xx ratio going down, 9% -> 3% in the last minute", K::mitigation},
    {"climbing back", "mobile request rate climbing back", K::mitigation},
    {"at baseline", "5xx still at baseline, 0.3%", K::mitigation},
    {"about baseline", "5xx at 0.4%, that's about baseline", K::mitigation},
    {"back to baseline", "queue depth back to baseline", K::mitigation},
    {"error rate normal", "100% of normal mobile traffic, error rate normal", K::mitigation},
    {"everything looks normal", "everything looks normal, replica lag 0", K::mitigation},
    {"ticket volume dropping", "ticket volume dropping, 3 in the last 15 min", K::mitigation},
    {"tickets slowing down", "tickets slowing down, 2 new in the last 5 minutes", K::mitigation},
    {"resolved", "issue resolved", K::resolution},
    {"fully recovered", "checkout fully recovered", K::resolution},
    {"all clear", "all clear from payments", K::resolution},
    {"back to normal", "latency back to normal", K::resolution},
    // neutral rows: their words are consumed, so the text stays a message
    {"status page", "posting the status page update now", K::message},
    {"cart page", "spinners on the cart page", K::message},
    {"login page", "the login page has a new banner", K::message},
    {"landing page", "marketing changed the landing page", K::message},
    {"home page", "home page copy is updated", K::message},
    {"web page", "the web page for partners", K::message},
    {"working on", "working on a new certificate", K::message},
    {"working with", "working with the vendor on it", K::message},
    {"working to", "we are working to find the cause", K::message},
    {"stopped working", "search stopped working for some users", K::message},
    {"going to bed", "going to bed unless someone needs me", K::message},
    {"error rate still", "error rate still 17%", K::message},
    {"we'll see", "some clients cache the failure, we'll see", K::message},
    {"the alert was", "nah the alert was fine, leo beat it by a minute only", K::message},
    {"alerts go to", "grabbing a coffee, back in 2, alerts go to my phone", K::message},
};

const TimelineEntry& by_key(const Timeline& t, const std::string& key) {
    for (const auto& e : t.entries)
        if (e.key == key) return e;
    FAIL("no entry " << key);
    throw std::logic_error("unreachable");
}

std::vector<std::string> keys(const Timeline& t) {
    std::vector<std::string> out;
    for (const auto& e : t.entries) out.push_back(e.key);
    return out;
}

}  // namespace

TEST_CASE("every classification row has an example, and each example classifies as its row") {
    std::set<std::string_view> covered;
    for (const auto& ex : examples) {
        CAPTURE(ex.text);
        CHECK(classify_text(ex.text) == ex.kind);
        covered.insert(ex.row);
    }
    for (const auto& rule : kind_rules()) {
        CAPTURE(rule.phrase);
        CHECK(covered.count(rule.phrase) == 1);
        bool kind_matches = false;
        for (const auto& ex : examples)
            if (ex.row == rule.phrase) kind_matches = ex.kind == rule.kind;
        CHECK(kind_matches);
    }
}

TEST_CASE("classification: word boundaries and case") {
    CHECK(classify_text("the pager app is slow") == K::message);    // "page" is a whole word
    CHECK(classify_text("redeployment planned") == K::message);      // "deploy*" starts a word
    CHECK(classify_text("ALERTING on checkout") == K::detection);
    CHECK(classify_text("ROLLED BACK") == K::action);
    CHECK(classify_text("latency normal") == K::message);
    CHECK(classify_text("@{U5|Page} said hello") == K::message);  // a person's name is not a keyword
    CHECK(classify_text("") == K::message);
}

TEST_CASE("classification precedence: resolution > mitigation > decision > action > detection > escalation > hypothesis") {
    CHECK(std::vector<K>(kind_precedence().begin(), kind_precedence().end()) ==
          std::vector<K>{K::resolution, K::mitigation, K::decision, K::action, K::detection, K::escalation,
                         K::hypothesis, K::message});
    CHECK(classify_text("rolled back, error rate dropping") == K::mitigation);
    CHECK(classify_text("all clear, checkout recovered") == K::resolution);
    CHECK(classify_text("let's restart the pods") == K::decision);
    CHECK(classify_text("we need a rollback, the canary is red") == K::action);
    // ...but a hedged action is a guess, not something done.
    CHECK(classify_text("I think we need a rollback") == K::hypothesis);
    CHECK(classify_text("alert fired, escalating to the DB team") == K::detection);
    CHECK(classify_text("maybe it's the cache, paging storage") == K::escalation);
}

TEST_CASE("classification: a negation cancels the match right after it") {
    CHECK(classify_text("not resolved yet") == K::message);
    CHECK(classify_text("the pods didn't restart") == K::message);
    CHECK(classify_text("hasn't recovered") == K::message);
    CHECK(classify_text("let's not roll back") == K::decision);
    CHECK(classify_text("no alert fired, we noticed it by chance") == K::detection);
}

TEST_CASE("acknowledgement table: every phrase alone is noise, with content it is not") {
    for (auto phrase : acknowledgement_phrases()) {
        std::string text(phrase);
        CAPTURE(text);
        CHECK(is_acknowledgement(text));
        CHECK(is_noise(text));
        CHECK_FALSE(is_noise(text + " the db is down"));
    }
}

TEST_CASE("noise: acknowledgements written the way people type them") {
    for (std::string_view text : {"ok", "OK!", "ack", "+1", "Thanks!!", "ty", "on it", "👍", "lgtm", "k", "same",
                                  "yep", "kk", "thx", "ok 👍", "ok, on it", "thank you!", ":thumbsup:", "👍👍",
                                  ":+1: :pray:", "🙏🏽"}) {
        CAPTURE(text);
        CHECK(is_noise(text));
    }
    for (std::string_view text : {"ok, rolling back now", "thanks for the rollback, error rate dropping",
                                  "okay so the cache is cold", "k8s is down", "same error on eu-west",
                                  "👍 rolled back", "+1 to failing over"}) {
        CAPTURE(text);
        CHECK_FALSE(is_noise(text));
    }
}

TEST_CASE("noise: join and leave notices") {
    CHECK(is_join_leave_notice("@{U1|alice} has joined the channel"));
    CHECK(is_join_leave_notice("@{U1|} has left the channel"));
    CHECK(is_join_leave_notice("@bob left the channel."));
    CHECK(is_join_leave_notice("@carol added to the channel by @alice."));
    CHECK(is_noise("@bob joined the channel."));
    CHECK_FALSE(is_join_leave_notice("I left the channel settings alone"));
    CHECK_FALSE(is_join_leave_notice("@{U2|} has joined the war room, the db is down and we have joined the channel "
                                     "of pain for a very long message that goes on and on about the state of the "
                                     "database replicas and the caches"));
}

TEST_CASE("draft: chronological, classified, named entries with noise dropped") {
    auto in = base_input();
    in.messages = {
        message("1", "U1", "PagerDuty alert: checkout 5xx", utc(14, 2)),
        message("2", "U2", "ok", utc(14, 3)),
        message("3", "U2", "rolling back checkout to v41", utc(14, 10)),
        message("4", "U1", "error rate dropping", utc(14, 20)),
        message("5", "U3", "all clear", utc(14, 40)),
    };
    in.messages[0].permalink = "https://acme.slack.com/archives/C1/p1";
    in.key_events = {note(3, "U1", "Declared SEV2, Alice commanding", utc(14, 5))};

    auto t = draft_timeline(in);
    CHECK(keys(t) == std::vector<std::string>{"m:1", "k:3", "m:3", "m:4", "m:5"});
    CHECK(t.dropped_noise == 1);
    CHECK(t.merged == 0);
    CHECK(t.capped == 0);
    CHECK_FALSE(t.spans_days);

    const auto& first = t.entries[0];
    CHECK(first.number == 1);
    CHECK(first.author == "Alice");
    CHECK(first.kind == K::detection);
    CHECK(first.text == "PagerDuty alert: checkout 5xx");
    CHECK(first.permalink == "https://acme.slack.com/archives/C1/p1");
    CHECK(t.entries[1].kind == K::key_event);
    CHECK(t.entries[1].number == 2);
    CHECK(t.entries[2].kind == K::action);
    CHECK(t.entries[2].author == "Bob");
    CHECK(t.entries[3].kind == K::mitigation);
    CHECK(t.entries[4].kind == K::resolution);
    CHECK(t.entries[4].number == 5);

    using namespace std::chrono;
    CHECK(t.durations.start == utc(14, 0));
    CHECK(t.durations.to_detection == Duration{minutes{2}});
    CHECK(t.durations.to_mitigation == Duration{minutes{20}});
    CHECK(t.durations.to_close == Duration{minutes{60}});
}

TEST_CASE("draft: durations count from `started`, use a key event's text, and run to now while open") {
    using namespace std::chrono;
    auto in = base_input();
    in.incident.started_at = utc(13, 30);
    in.key_events = {note(1, "U1", "Alert fired on checkout latency", utc(13, 50))};
    in.messages = {message("1", "U2", "looking at it", utc(14, 5))};
    auto t = draft_timeline(in);
    CHECK(t.durations.start == utc(13, 30));
    CHECK(t.durations.to_detection == Duration{minutes{20}});
    CHECK_FALSE(t.durations.to_mitigation.has_value());
    CHECK(t.durations.to_close == Duration{minutes{90}});

    in.incident.closed_at.reset();
    in.incident.state = IncidentState::open;
    CHECK(draft_timeline(in).durations.to_close == Duration{minutes{150}});  // now is 16:00
}

TEST_CASE("draft: resolution counts as mitigation when nothing was mitigated first") {
    using namespace std::chrono;
    auto in = base_input();
    in.messages = {message("1", "U1", "resolved by the provider", utc(14, 45))};
    CHECK(draft_timeline(in).durations.to_mitigation == Duration{minutes{45}});
}

TEST_CASE("draft: tombstones are skipped, pinned messages are key events even when short") {
    auto in = base_input();
    in.messages = {message("1", "U1", "deploying v42", utc(14, 1)), message("2", "U2", "ok", utc(14, 2)),
                   message("3", "U3", "   ", utc(14, 3))};
    in.messages[0].deleted = true;
    in.messages[1].key_event = true;
    auto t = draft_timeline(in);
    REQUIRE(t.entries.size() == 1);
    CHECK(t.entries[0].key == "m:2");
    CHECK(t.entries[0].kind == K::key_event);
    CHECK(t.dropped_noise == 1);  // the blank one; the tombstone is not noise, just gone
}

TEST_CASE("draft: bursts by one author within 60 s merge — other authors, gaps and kinds break them") {
    auto in = base_input();
    in.messages = {
        message("1", "U1", "the db", utc(14, 10, 0)),
        message("2", "U1", "connection pool", utc(14, 10, 20)),
        message("3", "U1", "is exhausted, let's raise the limit", utc(14, 10, 50)),  // decision joins plain ones
        message("4", "U1", "also", utc(14, 12, 0)),                                   // 70 s later
        message("5", "U2", "restarting pods", utc(14, 12, 10)),                      // another author
        message("6", "U2", "seeing errors on login", utc(14, 12, 20)),               // action vs detection
    };
    auto t = draft_timeline(in);
    CHECK(keys(t) == std::vector<std::string>{"m:1", "m:4", "m:5", "m:6"});
    CHECK(t.merged == 2);
    CHECK(t.entries[0].text == "the db / connection pool / is exhausted, let's raise the limit");
    CHECK(t.entries[0].kind == K::decision);
    CHECK(t.entries[0].at == utc(14, 10, 0));
    CHECK(t.entries[2].kind == K::action);
    CHECK(t.entries[3].kind == K::detection);
}

TEST_CASE("draft: a recap sent line by line is one message entry, whichever line says recap") {
    auto in = base_input();
    in.messages = {
        message("1", "U1", "quick recap for the doc:", utc(0, 1, 0)),
        message("2", "U1", "23:57 manual failover, 00:03 pgbouncer reconnect", utc(0, 1, 20)),
        message("3", "U2", "grafana annotations: 13:57 deploy, 14:27 rollback start", utc(0, 5, 0)),
        message("4", "U2", "for the timeline", utc(0, 5, 30)),
        message("5", "U2", "restarting the pods", utc(0, 9, 0)),
    };
    auto t = draft_timeline(in);
    REQUIRE(keys(t) == std::vector<std::string>{"m:1", "m:3", "m:5"});
    CHECK(t.entries[0].kind == K::message);
    CHECK(t.entries[1].kind == K::message);
    CHECK(t.entries[1].text == "grafana annotations: 13:57 deploy, 14:27 rollback start / for the timeline");
    CHECK(t.entries[2].kind == K::action);  // a later act by the same author is its own entry
}

TEST_CASE("draft: a burst window is measured between consecutive messages") {
    auto in = base_input();
    in.messages = {message("1", "U1", "step one", utc(14, 0, 0)), message("2", "U1", "step two", utc(14, 0, 50)),
                   message("3", "U1", "step three", utc(14, 1, 40))};
    auto t = draft_timeline(in);
    REQUIRE(t.entries.size() == 1);
    CHECK(t.entries[0].text == "step one / step two / step three");
}

TEST_CASE("draft: thread replies do not merge into the channel burst") {
    auto in = base_input();
    in.messages = {message("1", "U1", "checking the db", utc(14, 0, 0)),
                   message("2", "U1", "replica lag is 40s", utc(14, 0, 10))};
    in.messages[1].thread_parent = "0";
    CHECK(draft_timeline(in).entries.size() == 2);
}

TEST_CASE("draft: concise text — mentions as names, links as labels, whitespace, Markdown") {
    auto in = base_input();
    in.messages = {message("1", "U1",
                           "@{U2|} can you   check\n[the *dashboard*](https://grafana.example/d/1)? p99 > 2s "
                           "for @U3",
                           utc(14, 1))};
    auto t = draft_timeline(in);
    REQUIRE(t.entries.size() == 1);
    CHECK(t.entries[0].text == "Bob can you check the \\*dashboard\\*? p99 \\> 2s for Carol");
}

TEST_CASE("draft: long text is shortened on a word boundary") {
    auto in = base_input();
    std::string text;
    for (int i = 0; i < 100; ++i) text += "word" + std::to_string(i) + " ";
    in.messages = {message("1", "U1", text, utc(14, 1))};
    auto entry = draft_timeline(in).entries.at(0).text;
    CHECK(entry.size() <= max_entry_chars + 3);
    CHECK(entry.starts_with("word0 word1 word2 "));
    CHECK(entry.ends_with("…"));
    auto before = entry.substr(0, entry.size() - std::string("…").size());
    CHECK(text.starts_with(before + " "));  // ends on a whole word
}

TEST_CASE("draft: authors fall back to the recorded name, then the id — names are resolved once per id") {
    auto in = base_input();
    std::map<std::string, int> calls;
    in.display_name = [&](const std::string& id) {
        ++calls[id];
        return person(id);
    };
    in.messages = {message("1", "U1", "first", utc(14, 1)), message("2", "U9", "second", utc(14, 3)),
                   message("3", "U8", "third", utc(14, 5)), message("4", "U1", "fourth @{U1|}", utc(14, 7))};
    in.messages[1].user_name = "dave";
    auto t = draft_timeline(in);
    CHECK(t.entries[0].author == "Alice");
    CHECK(t.entries[1].author == "dave");
    CHECK(t.entries[2].author == "U8");
    CHECK(t.entries[3].text == "fourth Alice");
    CHECK(calls["U1"] == 1);
}

TEST_CASE("curation: add, hide, show, edit and retime, applied in id order") {
    auto in = base_input();
    in.messages = {message("1", "U1", "checkout alert firing", utc(14, 2)),
                   message("2", "U2", "looking at dashboards", utc(14, 6)),
                   message("3", "U2", "restarted the pods", utc(14, 12))};
    in.key_events = {note(5, "U1", "SEV2 declard", utc(14, 4))};
    in.curations = {
        curation(14, CK::show, "m:2"),  // after the hide (id 11), so m:2 ends up visible
        curation(11, CK::hide, "m:2"),
        curation(12, CK::edit, "k:5", "SEV2 declared"),
        curation(13, CK::retime, "m:3", {}, utc(14, 1)),
        curation(10, CK::add, "", "Deploy of v42 started", utc(13, 55)),
        curation(15, CK::hide, "m:999"),  // unknown: ignored
        curation(16, CK::hide, "m:1"),
    };
    auto t = draft_timeline(in);
    CHECK(keys(t) == std::vector<std::string>{"a:10", "m:3", "m:1", "k:5", "m:2"});
    CHECK(t.entries[0].kind == K::key_event);
    CHECK(t.entries[0].author == "Carol");
    CHECK(t.entries[0].text == "Deploy of v42 started");
    CHECK(t.entries[1].at == utc(14, 1));
    CHECK(t.entries[2].hidden);
    CHECK(t.entries[2].number == 3);  // hidden entries keep their number
    CHECK(t.entries[3].text == "SEV2 declared");
    CHECK_FALSE(t.entries[4].hidden);
    for (int i = 0; i < 5; ++i) CHECK(t.entries[static_cast<std::size_t>(i)].number == i + 1);
}

TEST_CASE("curation: hidden entries do not count for durations — edits reclassify messages") {
    using namespace std::chrono;
    auto in = base_input();
    in.messages = {message("1", "U1", "alert firing", utc(14, 2)), message("2", "U2", "noticed errors", utc(14, 9)),
                   message("3", "U2", "something changed", utc(14, 30))};
    in.curations = {curation(1, CK::hide, "m:1"), curation(2, CK::edit, "m:3", "error rate dropping after restart")};
    auto t = draft_timeline(in);
    CHECK(t.durations.to_detection == Duration{minutes{9}});
    CHECK(by_key(t, "m:3").kind == K::mitigation);
    CHECK(t.durations.to_mitigation == Duration{minutes{30}});
}

TEST_CASE("curation survives a re-draft with more messages") {
    auto in = base_input();
    in.messages = {message("1", "U1", "alert firing", utc(14, 2)), message("2", "U2", "chatter", utc(14, 6))};
    in.curations = {curation(1, CK::hide, "m:2")};
    auto before = draft_timeline(in);
    CHECK(by_key(before, "m:2").number == 2);

    // Backfill found an earlier message from another author.
    in.messages.insert(in.messages.begin(), message("0", "U3", "deploy of v42 finished", utc(14, 1)));
    auto after = draft_timeline(in);
    CHECK(keys(after) == std::vector<std::string>{"m:0", "m:1", "m:2"});
    CHECK(by_key(after, "m:2").hidden);
    CHECK(by_key(after, "m:2").number == 3);
}

TEST_CASE("cap: keeps first, last, key events, then the highest salience scores") {
    auto in = base_input();
    in.settings.postmortem.max_timeline_entries = 10;
    in.explain = true;
    // 60 messages that all score above the threshold, from alternating authors, three minutes
    // apart (so one author's are six apart: no follow-ups).
    for (int i = 0; i < 60; ++i) {
        auto n = std::to_string(i);
        auto m = message(n, i % 2 ? "U1" : "U2", "restarted worker-" + n + ", error rate down to " + n + "% across every region",
                         utc(14, 0) + std::chrono::minutes{3 * i});
        if (i == 25 || i == 45) m.reactions = 4;  // the channel reacted: these score higher
        in.messages.push_back(m);
    }
    in.messages[10].text = "checkout alert firing on every region, error rate 40%";
    in.key_events = {note(1, "U3", "customer support escalation opened", utc(15, 1))};
    in.incident.closed_at = utc(18, 0);
    auto t = draft_timeline(in);
    CHECK(t.entries.size() == 10);
    CHECK(t.capped > 0);
    auto k = keys(t);
    std::set<std::string> kept(k.begin(), k.end());
    for (auto key : {"m:0", "k:1", "m:25", "m:45"}) {
        CAPTURE(key);
        CHECK(kept.count(key) == 1);
    }
    // Every message the cap removed scores no higher than any message it kept on merit.
    double lowest_kept = 1e9, highest_capped = -1e9;
    std::size_t capped = 0;
    for (const auto& x : t.explanations) {
        if (x.outcome == "capped") {
            highest_capped = std::max(highest_capped, x.score);
            ++capped;
        }
        if (x.outcome == "kept" && x.message_id != "0" && x.entry != static_cast<int>(t.entries.size()))
            lowest_kept = std::min(lowest_kept, x.score);
    }
    CHECK(capped == t.capped);
    CHECK(highest_capped <= lowest_kept);
    // Still chronological and numbered.
    for (std::size_t i = 1; i < t.entries.size(); ++i) {
        CHECK(t.entries[i - 1].at <= t.entries[i].at);
        CHECK(t.entries[i].number == static_cast<int>(i) + 1);
    }
    // Durations come from the whole draft, before the cap (message 10 is at 14:30).
    using namespace std::chrono;
    CHECK(t.durations.to_detection == Duration{minutes{30}});
}

TEST_CASE("cap: key events are kept even beyond the limit — hidden entries do not use it") {
    auto in = base_input();
    in.settings.postmortem.max_timeline_entries = 3;
    for (int i = 0; i < 5; ++i) in.key_events.push_back(note(i + 1, "U1", "note " + std::to_string(i), utc(14, i)));
    for (int i = 0; i < 5; ++i)
        in.messages.push_back(message(std::to_string(i), i % 2 ? "U1" : "U2", "plain " + std::to_string(i),
                                      utc(14, 10 + i)));
    in.curations = {curation(1, CK::hide, "m:2")};
    auto t = draft_timeline(in);
    std::size_t visible = 0, hidden = 0;
    for (const auto& e : t.entries) (e.hidden ? hidden : visible) += 1;
    CHECK(hidden == 1);
    CHECK(visible == 6);  // five key events and the last message
    CHECK(t.entries.back().key == "m:4");
    CHECK(t.capped == 3);
}

TEST_CASE("draft: spans_days in UTC or the configured zone") {
    auto in = base_input();
    in.messages = {message("1", "U1", "alert firing", utc(21, 0))};
    in.incident.opened_at = utc(20, 50);
    in.incident.closed_at = utc(22, 50);
    CHECK_FALSE(draft_timeline(in).spans_days);
    in.settings.timezone = "Europe/Berlin";  // 22:50 UTC is 23:50 CET: same day
    CHECK_FALSE(draft_timeline(in).spans_days);
    in.incident.closed_at = utc(23, 10);  // 00:10 CET the next day
    auto t = draft_timeline(in);
    CHECK(t.spans_days);
    CHECK(entry_time(t.entries[0], t, in) == "2026-11-24 21:00 UTC (22:00 CET)");
    in.settings.timezone = "UTC";
    in.incident.closed_at = utc(1, 0, 0, 25);
    t = draft_timeline(in);
    CHECK(t.spans_days);
    CHECK(entry_time(t.entries[0], t, in) == "2026-11-24 21:00 UTC");
}

TEST_CASE("draft: an unknown time zone is a clear error") {
    auto in = base_input();
    in.settings.timezone = "Nowhere/Land";
    CHECK_THROWS_WITH_AS(draft_timeline(in), "unknown time zone 'Nowhere/Land'", std::invalid_argument);
}

TEST_CASE("render_timeline: numbered lines, hidden marked, zone legend, curation hint") {
    auto in = base_input();
    in.settings.timezone = "Europe/Berlin";
    in.messages = {message("1", "U1", "checkout alert firing", utc(14, 2)), message("2", "U2", "chatter", utc(14, 6)),
                   message("3", "U2", "ok", utc(14, 7))};
    in.curations = {curation(1, CK::hide, "m:2")};
    auto text = render_timeline(draft_timeline(in), in);
    CHECK(text ==
          "**Timeline — Checkout errors** (1 entry, 1 hidden; times in UTC / Europe/Berlin)\n"
          "1. 14:02 UTC (15:02 CET) · detection · Alice — checkout alert firing\n"
          "2. _(hidden)_ 14:06 UTC (15:06 CET) · message · Bob — chatter\n"
          "_1 noise message dropped._\n"
          "Curate: `/incident timeline hide <n>` · `show <n>` · `edit <n> <text>` · `time <n> <when>` · "
          "`add <when> <text>` · `why [<n>]` (why an entry is there, or what was left out)");
}

TEST_CASE("render_timeline: an empty draft says how to fill it") {
    auto in = base_input();
    auto text = render_timeline(draft_timeline(in), in);
    CHECK(text.find("No timeline entries yet") != std::string::npos);
    CHECK(text.find("`/incident note <text>`") != std::string::npos);
}

TEST_CASE("draft: arbitrary bytes and half-written markup never break drafting") {
    // Deterministic junk built from the characters the parsers care about.
    const std::string alphabet = "<>@|&;:#!*_`~\\ \n\tabcXYZ019'.-+\xE2\x80\x99\xF0\x9F\x91\x8D\xC3\xA9\xFF\x80";
    std::uint32_t state = 12345;
    auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    auto in = base_input();
    in.settings.postmortem.max_timeline_entries = 25;
    for (int i = 0; i < 400; ++i) {
        std::string text;
        auto length = next() % 90;
        for (std::uint32_t k = 0; k < length; ++k) text += alphabet[next() % alphabet.size()];
        std::string user = "U";  // appended: GCC 12 -O3 warns falsely (-Wrestrict) on "U" + std::string&&
        user += std::to_string(next() % 4);
        in.messages.push_back(message(std::to_string(i), user, text,
                                      utc(14, 0) + std::chrono::seconds{static_cast<int>(next() % 7200)}));
    }
    std::stable_sort(in.messages.begin(), in.messages.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    in.curations = {curation(1, CK::edit, "m:", "x"), curation(2, CK::hide, "k:abc"), curation(3, CK::show, "a:-1"),
                    curation(4, CK::retime, "m:5"), curation(5, CK::add, "", "<@", utc(14, 30))};
    Timeline t;
    REQUIRE_NOTHROW(t = draft_timeline(in));
    std::size_t visible = 0;
    for (const auto& e : t.entries) {
        visible += !e.hidden;
        CHECK(e.text.size() <= 4 * max_entry_chars);
    }
    CHECK(visible <= 25);
    CHECK(t.entries.back().key != "");
    CHECK_NOTHROW(render_timeline(t, in));
}

TEST_CASE("classification: a neutral row consumes its words so no other row sees them") {
    CHECK(classify_text("status page updated: monitoring") == K::message);  // "page" alone would be detection
    CHECK(classify_text("saw the page, joining") == K::detection);          // ...and still is without "status"
    CHECK(classify_text("status page says the alert fired") == K::detection);  // other words still count
    CHECK(classify_text("working on the rollback") == K::action);
    CHECK(classify_text("going to bed, Sam has the pager") == K::message);
    CHECK(classify_text("going to roll back") == K::decision);
}

TEST_CASE("classification: a question about an act or an outcome is not that act or outcome") {
    CHECK(classify_text("restart pgbouncer?") == K::message);
    CHECK(classify_text("can I close them as resolved or wait?") == K::message);
    CHECK(classify_text("is it working?  ") == K::message);
    CHECK(classify_text("restart pgbouncer") == K::action);
    // Asking about a symptom or a cause still reports it; proposals stay decisions.
    CHECK(classify_text("anyone else seeing errors on login?") == K::detection);
    CHECK(classify_text("could it be the batch export job?") == K::hypothesis);
    CHECK(classify_text("let's roll back?") == K::decision);
}

TEST_CASE("classification: words inside an identifier do not count") {
    CHECK(classify_text("restart_lsn from 3 days ago") == K::message);
    CHECK(classify_text("edited alert_rules.yml") == K::message);
    CHECK(classify_text("see deploy_log") == K::message);
    CHECK(classify_text("restart the pods") == K::action);
}
