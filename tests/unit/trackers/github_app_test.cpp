// GitHub App authentication against the fake GitHub, which checks each JWT's
// RS256 signature with the app's public key: an installation token is bought,
// kept until shortly before it expires (the injected clock), bought again
// then and when GitHub refuses it (docs/trackers.md, "GitHub").
#include "adapters/trackers/github_app.hpp"
#include "tracker_world.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::test;
using namespace std::chrono_literals;

namespace {

struct AppWorld {
    AppWorld() : key(github.enable_app("123456", "987")), world(wire(), domain()) {
        world.share_clock(github);
        world.command("open Checkout errors sev:2");
    }

    config::TrackerConfig wire() {
        config::TrackerConfig c;
        c.name = "gh";
        c.kind = "github";
        c.base_url = github.base_url();
        c.app_id = "123456";
        c.installation_id = "987";
        c.app_private_key = key;
        c.poll_interval = std::chrono::minutes(5);
        return c;
    }

    static TrackerSettings domain() {
        TrackerSettings t;
        t.name = "gh";
        t.kind = "github";
        t.web_url = "https://github.example";
        t.projects = {{"*", "acme/ops"}};
        return t;
    }

    int filings = 0;
    // Adds and files one more item; true when its ticket exists.
    bool file() {
        ++filings;
        world.command("action @{U2|bob} alert number " + std::to_string(filings) + " on replica lag due:+7d");
        world.deliver();
        auto item = world.action(filings);
        return item && item->ticket.status == TicketStatus::open;
    }

    fakes::FakeGitHub github;
    std::string key;
    TrackerWorld world;
};

}  // namespace

TEST_CASE("github app: an installation token bought with a signed JWT files the ticket, and is reused") {
    AppWorld w;
    CHECK(w.file());
    CHECK(w.github.tokens_minted() == 1);
    CHECK(w.github.bad_jwts() == 0);
    CHECK(w.github.unauthorized() == 0);
    auto mint = w.github.server().requests_to("/app/installations/987/access_tokens");
    REQUIRE(mint.size() == 1);
    CHECK(mint[0].method == "POST");
    CHECK(w.file());
    CHECK(w.github.tokens_minted() == 1);  // cached
}

TEST_CASE("github app: the token is bought again shortly before it expires, on the injected clock") {
    AppWorld w;
    CHECK(w.file());
    w.world.clock.advance(54min);  // an hour's token, replaced five minutes early
    CHECK(w.file());
    CHECK(w.github.tokens_minted() == 1);
    w.world.clock.advance(2min);
    CHECK(w.file());
    CHECK(w.github.tokens_minted() == 2);
    CHECK(w.github.unauthorized() == 0);  // never sent an expired one
}

TEST_CASE("github app: a token GitHub refuses (401) is replaced at once and the call made again") {
    AppWorld w;
    CHECK(w.file());
    w.github.revoke_app_tokens();
    CHECK(w.file());
    CHECK(w.github.tokens_minted() == 2);
    CHECK(w.github.unauthorized() == 1);
    CHECK(w.world.dead_letters() == 0);
    // Polling goes through the same: a revoked token costs one 401, no failure.
    w.github.revoke_app_tokens();
    CHECK(w.world.poll() == 0);
    CHECK(w.github.tokens_minted() == 3);
}

TEST_CASE("github app: a JWT signed with another key is refused — the filing is retried, never sent unsigned") {
    fakes::FakeGitHub other;
    const auto wrong_key = other.enable_app("123456", "987");
    AppWorld w;
    auto c = w.wire();
    c.app_private_key = wrong_key;
    TrackerWorld world(c, AppWorld::domain());
    world.share_clock(w.github);
    world.command("open Checkout errors");
    world.command("action @{U2|bob} alert on replica lag due:+7d");
    world.deliver();
    CHECK(w.github.issues().empty());
    CHECK(w.github.bad_jwts() == 1);
    CHECK(world.action(1)->ticket.status == TicketStatus::delayed);
    CHECK(world.chat.count("app token: HTTP 401") == 1);
}

TEST_CASE("github app: the private key is checked — RSA PEM only") {
    fakes::FakeGitHub github;
    CHECK(trackers::check_app_private_key(github.enable_app("1", "2")).empty());
    CHECK(trackers::check_app_private_key("-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n") ==
          "not a PEM private key OpenSSL can read");
    CHECK_FALSE(trackers::app_jwt("1", "garbage", Timestamp{}).size());
}
