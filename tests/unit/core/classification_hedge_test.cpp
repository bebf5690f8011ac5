// Hedged guesses and chatter seen in real channels.
#include "bot/core/timeline_rules.hpp"

#include <doctest/doctest.h>

using namespace hindsight;

TEST_CASE("rules: a hedged guess about a deploy or a symptom is a hypothesis, not an action or detection") {
    CHECK(classify_text("I think it might be the 14:20 deploy of checkout-api") == EntryKind::hypothesis);
    CHECK(classify_text("maybe the alert is from the batch job") == EntryKind::hypothesis);
    // Unhedged, the same words are what they say.
    CHECK(classify_text("deploying the fix to checkout-api now") == EntryKind::action);
    CHECK(classify_text("the error rate alert fired") == EntryKind::detection);
    // A decision stays a decision even when it mentions a guess.
    CHECK(classify_text("let's roll back, I think the deploy did it") == EntryKind::decision);
}

TEST_CASE("rules: joining notes, agreement and sighs are noise") {
    for (auto text : {"joining", "here", "sounds good", "agreed", "do it", "go ahead", "ugh", "nice", "cool!"})
        CHECK_MESSAGE(is_noise(text), text);
    CHECK_FALSE(is_noise("agreed, rolling back now"));
    CHECK_FALSE(is_noise("joining from the payments side, the pool is exhausted"));
}

TEST_CASE("rules: shrugs, agreement and sign-offs are noise") {
    for (auto text : {"fair", "ha", "lol", "o/", "yes", "yes please", "sure", "will do", "correct", "great",
                      "perfect", "love it", "fine by me", "night", "night all", "sent", "yes, ok", "fair 👍"})
        CHECK_MESSAGE(is_noise(text), text);
    CHECK_FALSE(is_noise("sure, just noting it for the review"));
    CHECK_FALSE(is_noise("yes please, do that now"));
    CHECK_FALSE(is_noise("great. not calling it yet, let's watch for 15 min"));
}

TEST_CASE("rules: a message of punctuation only is noise") {
    for (auto text : {"!!!", "?", "...", "?!"}) CHECK_MESSAGE(is_noise(text), text);
    CHECK_FALSE(is_noise("!!! db is down"));
    CHECK_FALSE(is_noise("502?"));
}

TEST_CASE("rules: a found cause is a hypothesis but no guess - what was done with it stays an action") {
    CHECK(classify_text("found it: the old token is still in the secret") == EntryKind::hypothesis);
    CHECK(classify_text("found it, rolling back now") == EntryKind::action);
    CHECK(classify_text("root cause is the slot, paged the DBA") == EntryKind::detection);
    // A guess still hedges.
    CHECK(classify_text("maybe the slot, rolling back") == EntryKind::hypothesis);
}
