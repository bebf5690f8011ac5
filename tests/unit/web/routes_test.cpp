// The pages over real HTTP (127.0.0.1, an ephemeral port) on a real SQLite
// file, opened the way people open them: from the link the bot posted.
#include "adapters/http/metrics.hpp"
#include "adapters/http/router.hpp"
#include "bot/service/links.hpp"
#include "bot/service/routes.hpp"
#include "tests/support/follow_up_world.hpp"
#include "tests/unit/http/raw_client.hpp"
#include "tests/unit/http/test_server.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace hindsight;
using namespace hindsight::test;
using namespace std::chrono_literals;
using hindsight::http::test::RawClient;
using hindsight::http::test::RawResponse;
using hindsight::http::test::TestServer;

namespace {

constexpr const char* kPublicUrl = "https://hs.example.com";
constexpr const char* kApiToken = "api-token-for-tests";

bool has(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

// A Slack channel with an incident worked through and closed, the bot's
// links signed, and the service's routes on a real server.
struct Site {
    Site() {
        BotSettings settings;
        settings.public_url = kPublicUrl;
        world = std::make_unique<FollowUpWorld>(settings);
        world->db().writes().run([&] { world->db().store().ensure_link_secret("secret-one"); });
        world->bot().set_link_signer(&signer);
        config.api_token = kApiToken;
        config.bot = settings;
        api = std::make_unique<service::ApiRoutes>(config, world->db(), metrics, world->clock);
        server = std::make_unique<TestServer>([&](http::Router& r) { api->add_routes(r); });
    }

    // Opens, talks, closes: returns what the bot posted.
    std::vector<OutboundMessage> incident(const std::string& channel, const std::string& title) {
        auto where = slack_channel(channel);
        world->command(where, "U1", "open " + title + " sev:2");
        world->say(where, "U1", "Alice", "alert fired: checkout 5xx errors");
        world->clock.advance(5min);
        world->say(where, "U2", "Bob", "<script>alert('x')</script> rolling back checkout-api");
        world->clock.advance(5min);
        world->command(where, "U1", "action @U2 add a canary stage due:+7d");
        world->command(where, "U1", "close bad deploy");
        return world->take_outbox();
    }

    RawResponse get(const std::string& target, const std::string& headers = "") {
        RawClient client(server->server ? server->port : 0);
        client.send(http::test::get(target, headers));
        auto r = client.read_response();
        REQUIRE(r);
        return *r;
    }

    service::StoredLinkSigner signer{std::chrono::hours(24) * 30};
    std::unique_ptr<FollowUpWorld> world;
    config::Config config;
    http::Metrics metrics;
    std::unique_ptr<service::ApiRoutes> api;
    std::unique_ptr<TestServer> server;
};

// The path and query of the first signed link to `kPublicUrl` in a text.
std::string posted_link(const std::string& text) {
    std::regex url(std::string(kPublicUrl) + "(/incidents[^ \n_)\\]?]*\\?exp=[0-9]+&sig=[0-9a-f]+)");
    std::smatch match;
    return std::regex_search(text, match, url) ? match[1].str() : std::string{};
}

std::string posted_link(const std::vector<OutboundMessage>& posts) {
    for (const auto& m : posts)
        if (auto link = posted_link(m.text); !link.empty()) return link;
    return {};
}

std::string href_of(const std::string& html, const std::string& starts_with) {
    auto at = html.find("href=\"" + starts_with);
    if (at == std::string::npos) return {};
    at += 6;
    auto link = html.substr(at, html.find('"', at) - at);
    return std::regex_replace(link, std::regex("&amp;"), "&");
}

void check_page_headers(const RawResponse& r) {
    CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
    auto csp = r.header("Content-Security-Policy").value_or("");
    CHECK(csp.starts_with("default-src 'none'"));
    CHECK(has(csp, "frame-ancestors 'none'"));
    CHECK_FALSE(has(csp, "script"));
    CHECK(r.header("X-Content-Type-Options") == "nosniff");
    CHECK(r.header("Referrer-Policy") == "no-referrer");
    CHECK(r.header("Cache-Control") == "no-store");
}

}  // namespace

TEST_CASE("web: the link posted on close opens the incident page, signed, with the security headers") {
    Site site;
    auto link = posted_link(site.incident("C1", "Checkout errors"));
    REQUIRE(link.starts_with("/incidents/1?exp="));
    CHECK(has(link, "&sig="));
    auto r = site.get(link);
    CHECK(r.status == 200);
    check_page_headers(r);
    CHECK(has(r.body, "<h1>Checkout errors</h1>"));
    CHECK(has(r.body, "&lt;script&gt;alert"));
    CHECK_FALSE(has(r.body, "<script"));
    CHECK_FALSE(has(r.body, "All incidents"));  // an incident's link opens that incident only

    // The page's Markdown link works too, and only for that document.
    auto markdown = href_of(r.body, "1/postmortem.md?");
    REQUIRE_FALSE(markdown.empty());
    auto md = site.get("/incidents/" + markdown);
    CHECK(md.status == 200);
    CHECK(has(md.header("Content-Type").value_or(""), "text/markdown"));
    CHECK(md.body.starts_with("# Postmortem: Checkout errors"));
}

TEST_CASE("web: the draft updated after the history merge carries the signed page link the first one had") {
    Site site;
    auto& world = *site.world;
    auto where = slack_channel("C1");
    world.command(where, "U1", "open Checkout errors sev:2");
    world.say(where, "U1", "Alice", "checkout 5xx rate at 18%, paging payments");
    world.clock.advance(5min);
    world.command(where, "U1", "close");
    std::int64_t draft_row = 0;
    std::string first;
    world.db().writes().run([&] {
        for (auto& item : world.db().outbox().due_messages(Timestamp::max(), 100))
            if (has(item.message.text, "Draft timeline")) {
                draft_row = item.id;
                first = item.message.text;
            }
    });
    REQUIRE(draft_row != 0);
    auto link = posted_link(first);
    REQUIRE(link.starts_with("/incidents/1?exp="));
    world.take_outbox();

    // The history arrives later, holding a message the bot missed live.
    world.clock.advance(1h);
    const std::string missed = "payments-db connections at 500/500, the pool is exhausted";
    bool updated = false;
    world.db().writes().run([&] {
        auto& bot = world.bot();
        auto incident = world.db().store().find_incident(1);
        REQUIRE(incident);
        auto before = bot.close_draft(incident->id);
        CHECK(before == first);  // drafted again unchanged: the same text, link and all
        ChatMessage m;
        m.where = where;
        m.message_id = "missed";
        m.user_id = "U2";
        m.user_name = "Bob";
        m.text = missed;
        m.at = *incident->closed_at - 2min;
        bot.merge_history_event(*incident, m);
        updated = bot.update_draft(incident->id, draft_row, before, HistoryChanges{1, 0, 0});
    });
    REQUIRE(updated);
    std::string update;
    for (const auto& m : world.take_outbox())
        if (m.edit_of == draft_row) update = m.text;
    CHECK(has(update, "the pool is exhausted"));
    CHECK(posted_link(update) == link);
    CHECK(site.get(link).status == 200);
}

TEST_CASE("web: /incident postmortem and /incident stats post fresh signed links") {
    Site site;
    site.incident("C1", "Checkout errors");
    auto postmortem = site.world->command(slack_channel("C1"), "U1", "postmortem");
    auto page = posted_link(postmortem.text);
    CHECK(page.starts_with("/incidents/1?exp="));
    CHECK(site.get(page).status == 200);
    auto stats = site.world->command(slack_channel("C1"), "U1", "stats");
    auto index = posted_link(stats.text);
    REQUIRE(index.starts_with("/incidents?exp="));
    // The index link opens the index even without Accept: text/html? No:
    // a browser asks for HTML, and the index's links carry their own tokens.
    auto r = site.get(index, "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n");
    CHECK(r.status == 200);
    check_page_headers(r);
    CHECK(has(r.body, "<section id=\"stats\""));
    auto incident = href_of(r.body, "incidents/1?");
    REQUIRE_FALSE(incident.empty());
    CHECK(site.get("/" + incident).status == 200);
    // The filter form carries the token along.
    CHECK(site.get(index + "&state=closed&q=checkout", "Accept: text/html\r\n").status == 200);
}

TEST_CASE("web: expired, tampered, other incident's and revoked links answer the 401 page") {
    Site site;
    auto link = posted_link(site.incident("C1", "Checkout errors"));
    site.incident("C2", "Search down");
    REQUIRE(site.get(link).status == 200);

    SUBCASE("tampered signature") {
        auto bad = link;
        bad.back() = bad.back() == '0' ? '1' : '0';
        auto r = site.get(bad);
        CHECK(r.status == 401);
        check_page_headers(r);
        CHECK(has(r.body, "This link does not open the page"));
    }
    SUBCASE("a later expiry with the old signature") {
        auto bad = std::regex_replace(link, std::regex("exp=([0-9]+)"), "exp=9999999999");
        CHECK(site.get(bad).status == 401);
    }
    SUBCASE("another incident's path") {
        auto other = std::regex_replace(link, std::regex("^/incidents/1"), "/incidents/2");
        CHECK(site.get(other).status == 401);
        auto markdown = std::regex_replace(link, std::regex("^/incidents/1"), "/incidents/1/postmortem.md");
        CHECK(site.get(markdown).status == 401);
    }
    SUBCASE("expired: the clock passes the link's lifetime") {
        site.world->clock.advance(std::chrono::hours(24) * 30 + 1s);
        CHECK(site.get(link).status == 401);
    }
    SUBCASE("revoked: the secret is rotated") {
        site.world->db().writes().run([&] { site.world->db().store().replace_link_secret(service::new_link_secret()); });
        CHECK(site.get(link).status == 401);
    }
    SUBCASE("no token at all, or half of one") {
        CHECK(site.get("/incidents/1").status == 401);
        CHECK(site.get("/incidents/1?exp=1").status == 401);
        CHECK(site.get("/incidents/1?sig=00").status == 401);
    }
}

TEST_CASE("web: the API token opens every page, an unknown incident is a 404 page") {
    Site site;
    site.incident("C1", "Checkout errors");
    const std::string bearer = std::string("Authorization: Bearer ") + kApiToken + "\r\n";
    auto r = site.get("/incidents/1", bearer);
    CHECK(r.status == 200);
    CHECK(has(r.body, "href=\"../incidents\""));
    auto missing = site.get("/incidents/99", bearer);
    CHECK(missing.status == 404);
    check_page_headers(missing);
    CHECK(site.get("/incidents/1", "Authorization: Bearer wrong\r\n").status == 401);
}

TEST_CASE("web: GET /incidents is JSON for scripts and HTML for a browser") {
    Site site;
    site.incident("C1", "Checkout errors");
    const std::string bearer = std::string("Authorization: Bearer ") + kApiToken + "\r\n";
    for (std::string accept : {"", "Accept: */*\r\n", "Accept: application/json\r\n",
                               "Accept: application/json, text/html;q=0.5\r\n"}) {
        auto r = site.get("/incidents", bearer + accept);
        CHECK_MESSAGE(r.status == 200, accept);
        CHECK_MESSAGE(r.header("Content-Type") == "application/json", accept);
        CHECK(r.body.starts_with("{\"incidents\":[{\"action_items_open\":1,"));
    }
    for (std::string accept : {"Accept: text/html\r\n", "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n",
                               "Accept: application/json;q=0.5, text/html\r\n"}) {
        auto r = site.get("/incidents", bearer + accept);
        CHECK_MESSAGE(r.status == 200, accept);
        CHECK_MESSAGE(r.header("Content-Type") == "text/html; charset=utf-8", accept);
        check_page_headers(r);
    }
    // Without a token: the JSON 401 for scripts, the page for a browser.
    CHECK(site.get("/incidents").header("Content-Type") == "application/json");
    auto page = site.get("/incidents", "Accept: text/html\r\n");
    CHECK(page.status == 401);
    CHECK(has(page.body, "<!DOCTYPE html>"));
}

TEST_CASE("links: the signature covers path and expiry, checked in constant time against the stored secret") {
    const auto now = follow_up_epoch();
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 60;
    auto q = service::link_query("k", "/incidents/3", exp).substr(1);
    CHECK(service::check_link("k", "/incidents/3", q, now) == service::LinkCheck::ok);
    CHECK(service::check_link("k", "/incidents/3", q, now + 60s) == service::LinkCheck::expired);
    CHECK(service::check_link("other", "/incidents/3", q, now) == service::LinkCheck::bad_signature);
    CHECK(service::check_link("k", "/incidents/4", q, now) == service::LinkCheck::bad_signature);
    CHECK(service::check_link("", "/incidents/3", q, now) == service::LinkCheck::no_secret);
    CHECK(service::check_link("k", "/incidents/3", "", now) == service::LinkCheck::missing);
    CHECK(service::check_link("k", "/incidents/3", "exp=x&sig=00", now) == service::LinkCheck::malformed);
    CHECK(service::new_link_secret().size() == 64);
    CHECK(service::new_link_secret() != service::new_link_secret());
}
