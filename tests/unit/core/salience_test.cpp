// The salience features (bot/core/salience.cpp) one by one, every word-class
// row, and how the draft uses the score: threshold, density budget, small
// channels, and the explanation of each message.
#include "bot/core/postmortem.hpp"
#include "bot/core/salience.hpp"
#include "bot/core/text.hpp"
#include "bot/core/timeline.hpp"
#include "tests/support/draft_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

using namespace hindsight;
using namespace hindsight::testing;

namespace {

float value(const FeatureVector& v, Feature f) { return v[static_cast<std::size_t>(f)]; }
float value(std::string_view text, Feature f) { return value(text_features(text).values, f); }
bool fires(std::string_view text, Feature f) { return value(text, f) > 0; }

// `count` messages from alternating people, two minutes apart, each from `make(i)`.
template <typename Make>
DraftInput channel(int count, Make make) {
    auto in = base_input();
    in.explain = true;
    for (int i = 0; i < count; ++i)
        in.messages.push_back(message(std::to_string(i), i % 2 ? "U1" : "U2", make(i), utc(14, 0) + std::chrono::minutes{i}));
    in.incident.closed_at = utc(18, 0);
    return in;
}

const MessageExplanation& explained(const Timeline& t, const std::string& id) {
    for (const auto& x : t.explanations)
        if (x.message_id == id) return x;
    FAIL("no explanation for message " << id);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("stemming: inflections of a word are one word") {
    CHECK(stem_word("blocked") == stem_word("block"));
    CHECK(stem_word("blocking") == stem_word("block"));
    CHECK(stem_word("restarted") == stem_word("restarts"));
    CHECK(stem_word("degraded") == stem_word("degrading"));
    CHECK(stem_word("recovered") == stem_word("recovering"));
}

TEST_CASE("every word-class row fires its feature for the word and its inflections") {
    std::set<std::string> seen;
    for (const auto& row : lexicon_rows()) {
        CAPTURE(row.word);
        CAPTURE(feature_name(row.feature));
        CHECK(seen.insert(std::string(feature_name(row.feature)) + ":" + std::string(row.word)).second);  // no duplicates
        CHECK(fires("look: " + std::string(row.word) + " here", row.feature));
    }
    // Inflected forms reach the row through the stemmer.
    CHECK(fires("uploads killed in web + desktop", Feature::act));
    CHECK(fires("web + api asgs suspended", Feature::act));
    CHECK(fires("writes are failing", Feature::problem));
    CHECK(fires("hit rate recovering", Feature::recover));
    CHECK(fires("escalated to the vendor", Feature::escalate));
    CHECK(fires("we decided to wait", Feature::decide));
    CHECK(fires("restore completed", Feature::resolve));
    CHECK(fires("I suspected the cache", Feature::hedge));
    CHECK(fires("found the culprit", Feature::cause));
    CHECK(fires("tail-dropping on ae11", Feature::problem));  // parts of a hyphenated word
    CHECK(fires("p99 climbing since 14:02", Feature::problem));
    CHECK(fires("checkout traffic fell by half", Feature::problem));  // irregular past, as for acts
    CHECK(fires("décision: trafic progressif par paliers", Feature::decide));  // accents fold
}

TEST_CASE("what a word class does not fire on") {
    CHECK_FALSE(fires("the meeting notes are in the doc", Feature::act));
    CHECK_FALSE(fires("the meeting notes are in the doc", Feature::problem));
    CHECK_FALSE(fires("the meeting notes are in the doc", Feature::hedge));
    CHECK_FALSE(fires("lunch in ten", Feature::escalate));
    // A link counts by its label, not by the words in its address.
    CHECK_FALSE(fires("notes in [the doc](https://wiki.example/restart-the-fleet)", Feature::act));
    CHECK(fires("notes in [the doc](https://wiki.example/restart-the-fleet)", Feature::link));
}

TEST_CASE("tense: a state reached, an act done, an act under way") {
    CHECK(fires("uploads killed in web", Feature::act_past));
    CHECK(fires("the banner is live", Feature::past));
    CHECK(fires("kicked off the bugfix deploy", Feature::act_past));
    CHECK_FALSE(fires("kill the uploads", Feature::act_past));
    CHECK(fires("redeploying the cache tier from zero", Feature::act_progressive));
    CHECK_FALSE(fires("redeploying the cache tier from zero", Feature::act_past));
    CHECK(fires("we are investigating", Feature::progressive));
    CHECK(fires("writeup is live on the blog", Feature::state_reached));
    CHECK(fires("the WAF is back on for one machine", Feature::state_reached));
    CHECK(fires("first wave of resets is out", Feature::state_reached));
    CHECK(fires("the fix went out at 14:02", Feature::state_reached));
    // Without a copula: a done word after the thing, ending the text or followed by where/when.
    CHECK(fires("writeup live on the blog", Feature::state_reached));
    CHECK(fires("FRA done", Feature::state_reached));
    CHECK_FALSE(fires("FRA done?", Feature::state_reached));
    CHECK_FALSE(fires("done with lunch, back in 5", Feature::state_reached));  // nothing before it
    // A check mark is a state reached; a question with one is not.
    CHECK(fires("status page posted \u2705", Feature::state_reached));
    CHECK(fires("status page posted :white_check_mark:", Feature::state_reached));
    CHECK_FALSE(fires("status page posted?", Feature::state_reached));
    CHECK_FALSE(fires("\u2705 posted?", Feature::state_reached));
    // Irregular past forms of an act, and acts behind un- / re- / de-.
    CHECK(fires("base image rebuilt", Feature::act_past));
    CHECK(fires("fleet frozen at 14:00", Feature::act_past));
    CHECK(fires("RLP code uninstalled on smars-01..07", Feature::act_past));
    CHECK(fires("hosts reenabled one by one", Feature::act_past));
    CHECK(fires("reran the export job", Feature::act_past));
    CHECK_FALSE(fires("we ran into a wall", Feature::act));
    CHECK_FALSE(fires("the report is here", Feature::act));
    CHECK_FALSE(fires("is it coming back after the restart", Feature::state_reached));
    CHECK(fires("found it: the secret still holds the old token", Feature::cause_found));
    CHECK(fires("root cause is the quota collector", Feature::cause_found));
    CHECK(fires("ok found it, the collector reports zero", Feature::cause_found));
    CHECK_FALSE(fires("we found nothing in the logs", Feature::cause_found));
}

TEST_CASE("numbers and metrics, alone and with a symptom or a recovery") {
    CHECK(fires("p99 at 290ms", Feature::metric));
    CHECK(fires("about 85% of pops", Feature::metric));
    CHECK(fires("2x the usual", Feature::metric));
    CHECK(fires("batch 3 of 7", Feature::number));
    CHECK_FALSE(fires("batch 3 of 7", Feature::metric));
    CHECK(fires("errors at 40% on the api", Feature::problem_metric));
    CHECK_FALSE(fires("errors on the api", Feature::problem_metric));
    CHECK(fires("back to baseline, 0.02% errors", Feature::recover_metric));
    // A number on the good side of a line is a recovery however it is said.
    CHECK(fires("Kinesis errors under 5% for the first time", Feature::recover_metric));
    CHECK(fires("p99 below 300ms", Feature::recover_metric));
    CHECK_FALSE(fires("under investigation since 14:00", Feature::recover_metric));
}

TEST_CASE("questions, proposals and labels") {
    CHECK(fires("should we restart the pods?", Feature::question));
    CHECK(fires("should we restart the pods", Feature::asks));
    CHECK_FALSE(fires("we restarted the pods", Feature::asks));
    CHECK(fires("decision: roll back to v41", Feature::label));
    CHECK_FALSE(fires("a very long preamble of many words here: x", Feature::label));
    CHECK_FALSE(fires("at 14:05 we rolled back", Feature::label));
    CHECK(fires("maybe the cache", Feature::hedge));
}

TEST_CASE("negation, first person, scope, anchors") {
    CHECK(fires("no rollback", Feature::negation));
    CHECK(fires("we're holding", Feature::first_person));
    CHECK(fires("503s out of every pop", Feature::scope));
    CHECK(fires("dark since 20:25", Feature::anchor));
    CHECK(fires("mitigated as of now", Feature::anchor));
    CHECK(fires("restarted at 21:12:01", Feature::anchor));
    CHECK_FALSE(fires("restarted the pods", Feature::anchor));
}

TEST_CASE("we and an act: the team states its course") {
    CHECK(fires("We re-enable with the corrected ruleset, globally", Feature::we_act));
    CHECK(fires("ok we ramp, no big-bang flip", Feature::we_act));
    CHECK(fires("let's drain the node", Feature::we_act));
    CHECK_FALSE(fires("we restarted it an hour ago", Feature::we_act));  // done, not chosen
    CHECK_FALSE(fires("we should look at the graphs", Feature::we_act));
}

TEST_CASE("the kind table, code, links and addressing someone") {
    CHECK(fires("rolled back cart-api", Feature::rule_kind));
    CHECK(fires("maybe the new nodes", Feature::rule_hypothesis));
    CHECK_FALSE(fires("lunch in ten", Feature::rule_kind));
    CHECK(fires("`kubectl get pods`", Feature::code));
    CHECK(fires("graph: https://grafana.example/d/1", Feature::link));
    CHECK(fires("@bob can you look", Feature::addressed));
    CHECK(fires("@{U2|} can you look", Feature::addressed));
}

TEST_CASE("length: short, mid-length and the length itself") {
    CHECK(fires("ok then", Feature::short_text));
    CHECK(fires("web and api groups suspended, the fleet frozen at six boxes", Feature::mid_length));
    CHECK(value("one two three", Feature::length) < value("one two three four five six", Feature::length));
}

TEST_CASE("context features: reactions, pins, acknowledgements, novelty, threads, commander, firsts, echoes") {
    FeatureVector v{};
    MessageContext c;
    c.reactions = 9;
    c.pinned = true;
    c.drew_acks = 2;
    c.new_words = 3;
    c.reply = true;
    c.replies = 1;
    c.commander = true;
    c.opening = true;
    c.first_of_kind = true;
    c.echoed = 1;
    add_context(v, c);
    CHECK(value(v, Feature::reactions) == doctest::Approx(1.0));  // capped at four people
    CHECK(value(v, Feature::pinned) == 1);
    CHECK(value(v, Feature::drew_acks) == doctest::Approx(2.0 / 3));
    CHECK(value(v, Feature::novelty) == doctest::Approx(0.5));
    CHECK(value(v, Feature::reply) == 1);
    CHECK(value(v, Feature::drew_replies) == doctest::Approx(1.0 / 3));
    CHECK(value(v, Feature::commander) == 1);
    CHECK(value(v, Feature::opening) == 1);
    CHECK(value(v, Feature::first_of_kind) == 1);
    CHECK(value(v, Feature::echoed) == doctest::Approx(1.0 / 3));
}

TEST_CASE("salience: every weight names a feature, reactions and pins raise the score, questions lower it") {
    auto base = text_features("restarted the api pods in every region").values;
    auto plain = salience(base);
    auto reacted = base;
    add_context(reacted, MessageContext{.reactions = 3});
    CHECK(salience(reacted) > plain);
    auto question = text_features("restarted the api pods in every region?").values;
    CHECK(salience(question) < plain);
    CHECK(salience(text_features("uploads killed in web + desktop, banner is live").values) >
          salience(text_features("lol").values));
    auto parts = contributions(reacted);
    CHECK(std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.starts_with("reactions +"); }));
    CHECK(std::none_of(parts.begin(), parts.end(), [](const std::string& p) { return p.starts_with("question"); }));
}

TEST_CASE("draft: the channel's context reaches the score") {
    auto in = channel(40, [](int i) { return "checking the graphs for region " + std::to_string(i); });
    in.messages[5].text = "api pods restarted in every region, errors at 40%";
    in.messages[6].text = "+1";
    in.messages[7].text = "ty";
    auto with_acks = draft_timeline(in);
    auto x = explained(with_acks, "5");
    bool drew = std::any_of(x.contributions.begin(), x.contributions.end(),
                            [](const std::string& c) { return c.starts_with("drew_acks +"); });
    CHECK(drew);
    in.messages[6].text = "checking the graphs for region x";
    in.messages[7].text = "checking the graphs for region y";
    auto without = draft_timeline(in);
    CHECK(explained(without, "5").score < x.score);
    // Reactions recorded with the message count too.
    in.messages[5].reactions = 4;
    CHECK(explained(draft_timeline(in), "5").score > explained(without, "5").score);
}

TEST_CASE("draft: below the threshold a message is left out, and the draft says how many") {
    auto in = channel(40, [](int i) { return "looking at dashboard " + std::to_string(i) + " now"; });
    in.messages[20].text = "rolled back cart-api to v41 in every region, error rate down to 0.2% since 14:20";
    auto t = draft_timeline(in);
    CHECK(explained(t, "20").outcome == "kept");
    CHECK(explained(t, "20").score >= salience_threshold());
    std::size_t low = 0;
    for (const auto& x : t.explanations) {
        if (x.outcome == "low salience") {
            ++low;
            CHECK(x.score < salience_threshold());
        }
    }
    CHECK(low == t.dropped_low);
    CHECK(low > 20);
    CHECK(render_timeline(t, in).find(std::to_string(low) + " less salient messages left out") != std::string::npos);
}

TEST_CASE("draft: at most 0.35 entries per message of a long channel, the highest scores first, key events on top") {
    auto in = channel(90, [](int i) {
        return "restarted worker-" + std::to_string(i) + " in every region, error rate down to " + std::to_string(i) + "%";
    });
    in.key_events = {note(1, "U3", "customer support escalation opened", utc(15, 1))};
    auto t = draft_timeline(in);
    std::size_t visible = 0;
    for (const auto& e : t.entries) visible += !e.hidden;
    // 90 messages at 0.35 lines each: 31 lines, the "_Draft:_" note one of them.
    CHECK(visible <= 30);
    CHECK(visible >= 29);
    double lowest_kept = 1e9, highest_over = -1e9;
    for (const auto& x : t.explanations) {
        if (x.outcome == "kept") lowest_kept = std::min(lowest_kept, x.score);
        if (x.outcome == "over budget") highest_over = std::max(highest_over, x.score);
    }
    CHECK(highest_over <= lowest_kept);
    auto k = t.entries;
    CHECK(std::any_of(k.begin(), k.end(), [](const TimelineEntry& e) { return e.key == "k:1"; }));
}

TEST_CASE("draft: the timeline section, its note line included, holds at most 0.35 lines per message") {
    auto in = channel(200, [](int i) {
        return "drained pool-" + std::to_string(i) + " in every region, error rate down to " + std::to_string(i) + "%";
    });
    auto doc = render_postmortem(in, draft_timeline(in));
    auto from = doc.find("\n## Timeline\n");
    REQUIRE(from != std::string::npos);
    auto end = doc.find("\n## ", from + 1);
    std::size_t entries = 0, notes = 0;
    while (from < end) {
        auto to = std::min(doc.find('\n', from + 1), end);
        auto line = std::string_view(doc).substr(from + 1, to - from - 1);
        entries += line.starts_with("- **");
        notes += line.starts_with("_Draft:");
        from = to;
    }
    CHECK(notes == 1);
    CHECK(entries + notes == 70);  // 200 x 0.35: the whole allowance, and no more
}

TEST_CASE("draft: a follow-up from the same author joins the entry before it") {
    auto in = channel(90, [](int i) { return "looking at dashboard " + std::to_string(i) + " now"; });
    // channel(): even indexes are U2's, a minute apart.
    in.messages[10].text = "rolled back cart-api to v41 in every region";
    in.messages[12].text = "error rate down to 0.2% since the rollback, p99 at 180ms";  // 2 min on
    in.messages[20].text = "drained the eu-west pool, traffic moved to eu-central";
    in.messages[26].text = "restarted the eu-west workers, error rate back to 0.1%";  // 6 min on
    in.messages[30].text = "failed over the orders database to the replica in every region";
    in.messages[31].text = "purged the cdn cache for every checkout page, 5xx down to 0.3%";  // someone else
    auto t = draft_timeline(in);
    REQUIRE(explained(t, "10").outcome == "kept");
    CHECK(explained(t, "12").outcome == "merged");
    CHECK(explained(t, "12").entry == explained(t, "10").entry);
    const auto& joined = t.entries[static_cast<std::size_t>(explained(t, "10").entry - 1)];
    CHECK(joined.text.find("rolled back cart-api") != std::string::npos);
    CHECK(joined.text.find("error rate down to 0.2%") != std::string::npos);
    CHECK(joined.at == in.messages[10].at);
    // Too far apart, or another author: entries of their own.
    CHECK(explained(t, "20").outcome == "kept");
    CHECK(explained(t, "26").outcome == "kept");
    CHECK(explained(t, "26").entry != explained(t, "20").entry);
    CHECK(explained(t, "31").outcome == "kept");
    CHECK(explained(t, "31").entry != explained(t, "30").entry);
}

TEST_CASE("draft: a follow-up joins its author's entry whatever the two kinds, up to five minutes on") {
    auto in = channel(90, [](int i) { return "looking at dashboard " + std::to_string(i) + " now"; });
    // channel(): odd indexes are U1's, even U2's, a minute apart.
    // U1's, so that U2's below are no milestones (a milestone takes only follow-ups of its kind).
    in.messages[5].text = "checkout alert firing in us-east, error rate 30%";  // the first detection
    in.messages[9].text = "rolled back cart-api to v41 in every region";         // the first mitigation
    in.messages[40].text = "checkout api throwing 502s for every eu customer, error rate 40%";
    in.messages[44].text = "restarted the checkout workers in eu-west, pool drained first";  // 4 min on
    in.messages[60].text = "payments queue backed up, 12k jobs waiting in eu-west";
    in.messages[66].text = "restarted the payments consumers in eu-west, queue draining";  // 6 min on
    auto t = draft_timeline(in);
    REQUIRE(explained(t, "40").outcome == "kept");
    REQUIRE(explained(t, "40").kind != explained(t, "44").kind);
    CHECK(explained(t, "44").outcome == "merged");
    CHECK(explained(t, "44").entry == explained(t, "40").entry);
    // Further apart: an entry of its own.
    CHECK(explained(t, "66").outcome == "kept");
    CHECK(explained(t, "66").entry != explained(t, "60").entry);
}

TEST_CASE("draft: the budget counts entries, so follow-ups leave room for more") {
    // 45 people, each with two strong messages two minutes apart: 90 messages,
    // a budget of 30 entries, every pair one entry.
    auto in = base_input();
    in.explain = true;
    for (int k = 0; k < 45; ++k) {
        auto user = "U" + std::to_string(k);
        auto at = utc(14, 0) + std::chrono::minutes{4 * k};
        in.messages.push_back(message(std::to_string(2 * k), user,
                                      "restarted worker-" + std::to_string(k) + " in every region", at));
        in.messages.push_back(message(std::to_string(2 * k + 1), user,
                                      "error rate down to " + std::to_string(k) + "% after the restart",
                                      at + std::chrono::minutes{2}));
    }
    in.incident.closed_at = utc(18, 0);
    auto t = draft_timeline(in);
    const std::size_t budget = 30;  // 31 lines at 0.35 per message, less the note line
    std::size_t visible = 0, in_draft = 0;
    for (const auto& e : t.entries) visible += !e.hidden;
    for (const auto& x : t.explanations) in_draft += x.outcome == "kept" || x.outcome == "merged";
    CHECK(visible <= budget);
    CHECK(in_draft >= 2 * visible - 1);
    CHECK(in_draft > budget);
    for (const auto& x : t.explanations)
        if (x.outcome == "merged") CHECK(explained(t, std::to_string(std::stoi(x.message_id) - 1)).entry == x.entry);
}

TEST_CASE("draft: a short channel keeps every message that is not noise") {
    auto in = channel(static_cast<int>(small_channel), [](int i) { return "hmm " + std::to_string(i); });
    in.messages[3].text = "thanks!";
    auto t = draft_timeline(in);
    CHECK(t.entries.size() == small_channel - 1);
    CHECK(t.dropped_low == 0);
    CHECK(explained(t, "3").outcome == "noise");
}

TEST_CASE("draft: a curated entry survives salience, a pinned message too") {
    auto in = channel(60, [](int i) { return "hmm " + std::to_string(i); });
    in.messages[10].key_event = true;
    auto t = draft_timeline(in);
    CHECK(explained(t, "10").outcome == "kept");
    CHECK(explained(t, "11").outcome == "low salience");
}

TEST_CASE("explanation: one line per message in text, every feature in JSON") {
    auto in = channel(40, [](int i) { return "looking at dashboard " + std::to_string(i); });
    in.messages[20].text = "rolled back cart-api to v41 in every region, error rate down to 0.2%";
    auto t = draft_timeline(in);
    auto text = render_explanation(t, in, false);
    CHECK(text.find("KEPT as entry") != std::string::npos);
    CHECK(text.find("dropped: low salience") != std::string::npos);
    CHECK(text.find("“rolled back cart-api to v41 in every region, error rate down to 0.2%”") != std::string::npos);
    CHECK(text.find("words: act:rolled") != std::string::npos);
    auto json_lines = render_explanation(t, in, true);
    std::istringstream lines(json_lines);
    std::size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
        auto j = nlohmann::json::parse(line);
        CHECK(j["features"].size() == feature_count);
        CHECK(j.contains("score"));
        CHECK(j.contains("outcome"));
    }
    CHECK(n == in.messages.size());
}

TEST_CASE("explanation of one entry, and of what was left out") {
    auto in = channel(40, [](int i) { return "looking at dashboard " + std::to_string(i); });
    in.messages[20].text = "rolled back cart-api to v41 in every region, error rate down to 0.2%";
    auto t = draft_timeline(in);
    int entry = explained(t, "20").entry;
    REQUIRE(entry > 0);
    auto why = render_entry_explanation(t, in, entry);
    CHECK(why.starts_with("**Why entry " + std::to_string(entry) + "**"));
    CHECK(why.find("rolled back cart-api") != std::string::npos);
    auto left = render_entry_explanation(t, in, 0);
    CHECK(left.starts_with("**Left out of the draft**"));
    CHECK(left.find("looking at dashboard") != std::string::npos);
    CHECK(render_entry_explanation(t, in, 999).find("no such entry") != std::string::npos);
}

TEST_CASE("noise: thanks and praise with names, emoji and acknowledgements in any combination") {
    for (auto text : {"thanks to everyone", "thx team", "ty y'all", "thanks @{U02BOB|}", "thanks Bob and Alice",
                      "great work everyone, thanks!", "nice work team 🎉", "kudos to @{U02BOB|}", "thanks folks :pray:",
                      "thank you so much Bob", "awesome, thanks Dana!", "thanks both", "good job",
                      "huge thanks to the crew", "cheers all", "appreciate it, Sam"}) {
        std::string shown(text);
        CAPTURE(shown);
        CHECK(is_gratitude(text));
        CHECK(is_noise(text));
    }
    // Something said besides the thanks keeps the message.
    for (auto text : {"done", "thanks for the quick fix on the cert renewal", "work on the api is done",
                      "rolled back, thanks Bob", "thanks, Rollback finished", "thanks?", "+1 thanks"}) {
        std::string shown(text);
        CAPTURE(shown);
        CHECK_FALSE(is_gratitude(text));
    }
}

TEST_CASE("draft: the announced cause, the first escalation and the first guess stay however the budget ranks them") {
    // A long channel of strong action messages fills the budget; three short,
    // low-scoring messages are milestones and must stay.
    auto in = channel(90, [](int i) {
        return "restarted worker-" + std::to_string(i) + " in every region, error rate down to " + std::to_string(i) + "%";
    });
    in.messages[20].text = "found it: stale token";
    in.messages[5].text = "paging the db oncall";
    in.messages[10].text = "could be the cdn";
    in.messages[40].text = "we found nothing yet";  // not an announced cause
    auto t = draft_timeline(in);
    std::map<std::string, std::string> outcome;
    for (const auto& x : t.explanations) outcome[x.message_id] = x.outcome;
    CHECK(outcome["20"] == "kept");
    CHECK(outcome["5"] == "kept");
    CHECK(outcome["10"] == "kept");
    CHECK(outcome["40"] != "kept");
}

TEST_CASE("a long message is read from its first KiB: the words of a paste further down do not score") {
    // A pasted log: the problem words in its tail are output, not what someone said.
    std::string paste = "here is what I see in the logs:\n```\n";
    while (paste.size() < reading_bytes) paste += "worker 7 handled request ok\n";
    auto quiet = channel(3, [&](int i) { return i == 1 ? paste + "```" : std::string("checking the dashboards"); });
    auto loud = channel(3, [&](int i) {
        return i == 1 ? paste + "outage: database down, rolled back, escalated, paging sev1\n```" : std::string("checking the dashboards");
    });
    const auto a = explained(draft_timeline(quiet), "1");
    const auto b = explained(draft_timeline(loud), "1");
    CHECK(a.score == b.score);
    CHECK(a.evidence == b.evidence);
    // The same words inside the first KiB do count.
    auto early = channel(3, [&](int i) {
        return i == 1 ? "outage: database down, rolled back, escalated, paging sev1\n" + paste + "```" : std::string("checking the dashboards");
    });
    CHECK(explained(draft_timeline(early), "1").score > a.score);
}

TEST_CASE("a long channel's texts read in two parts still count a word as new only once, across the parts") {
    // Long enough for the texts to be read by two threads (timeline.cpp, parallel_from).
    const int count = 6000, later = 4000;
    auto in = channel(count, [&](int i) -> std::string {
        if (i == 5) return "ignore this chatter about pelicans";  // words only the first part knows
        if (i == 10 || i == later) return "zookeeper quorum wobbling";
        if (i == later + 1) return "kafka partitions rebalanced";
        return "still watching dashboards";
    });
    auto feature = [](const MessageExplanation& x, std::string_view name) {
        for (const auto& [n, v] : x.features)
            if (n == name) return v;
        FAIL("no feature " << name);
        return 0.0;
    };
    const auto t = draft_timeline(in);
    CHECK(feature(explained(t, "10"), "novelty") > 0);
    CHECK(feature(explained(t, std::to_string(later)), "novelty") == 0);       // said before, in the first part
    CHECK(feature(explained(t, std::to_string(later + 1)), "novelty") > 0);    // never said before
}
