// `hindsight serve` with a GitHub tracker against the fake GitHub: a slash
// command files a ticket through the outbox and the link follows in Slack;
// GitHub's signed webhook closes the item at /trackers/gh/webhook (a forged
// one is refused, an unknown ticket ignored and logged); a kill -9 between
// filing and recording the ticket's number files no second ticket.
#include "slack_service.hpp"
#include "tests/fakes/fake_trackers.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "ghp_e2e_tracker_token";
constexpr const char* kSecret = "gh-e2e-webhook-secret";
constexpr const char* kPublicUrl = "http://hindsight.invalid";

struct Tracked {
    Tracked()
        : github(kToken),
          service(nlohmann::json{{"public_url", kPublicUrl},
                                 {"outbound", {{"backoff_base_s", 0.05}, {"backoff_max_s", 0.2}}},
                                 {"trackers",
                                  {{"gh",
                                    {{"kind", "github"},
                                     {"base_url", github.base_url()},
                                     {"poll_interval_s", 0},
                                     {"projects", {{{"channel", "C0*"}, {"project", "acme/ops"}}}},
                                     {"users", {{"U0BOB", "bob-gh"}}}}}}}},
                  {std::string("HINDSIGHT_TRACKER_GH_TOKEN=") + kToken,
                   std::string("HINDSIGHT_TRACKER_GH_WEBHOOK_SECRET=") + kSecret}) {}

    bool posted(const std::string& needle) {
        return test::wait_until(
            [&] {
                for (const auto& p : service.slack.posted())
                    if (p.dump().find(needle) != std::string::npos) return true;
                return false;
            },
            20s);
    }

    outbound::ClientResponse webhook(const fakes::FakeWebhook& hook) {
        auto headers = hook.headers;
        headers.emplace_back("Content-Type", "application/json");
        return service.client.send({"POST", service.base + "/trackers/gh/webhook", headers, hook.body});
    }

    fakes::FakeGitHub github;
    test::SlackService service;
};

}  // namespace

TEST_CASE("trackers e2e: a command files a GitHub issue through the outbox — GitHub's signed webhook closes the item") {
    Tracked t;
    REQUIRE(t.service.command("open Checkout errors sev:2").status == 200);
    auto reply = t.service.command("action <@U0BOB> add an alert on replica lag above 30 s due:+3d");
    CHECK(reply.status == 200);
    CHECK(reply.body.find("the link follows here") != std::string::npos);

    REQUIRE(test::wait_until([&] { return t.github.issues().size() == 1; }, 20s));
    CHECK(t.github.issue("acme/ops", 1)->assignee == "bob-gh");
    CHECK(t.posted("is tracked in gh"));

    // The body links the incident's web page, signed like the links in chat:
    // it opens without the API token.
    const auto body = t.github.issue("acme/ops", 1)->body;
    const std::string prefix = std::string("Postmortem: ") + kPublicUrl;
    auto at = body.find(prefix);
    REQUIRE(at != std::string::npos);
    const auto link = body.substr(at + prefix.size(), body.find('\n', at) - at - prefix.size());
    CHECK(link.starts_with("/incidents/1?exp="));
    CHECK(link.find("&sig=") != std::string::npos);
    auto page = t.service.client.send({"GET", t.service.base + link, {}, {}});
    CHECK(page.status == 200);
    CHECK(page.body.find("Checkout errors") != std::string::npos);
    CHECK(t.service.client.send({"GET", t.service.base + "/incidents/1", {}, {}}).status == 401);

    // Forged: 401, nothing changes; the log says why, without the secret.
    t.github.change("acme/ops", 1, [](fakes::FakeIssue& i) { i.state = "closed"; });
    CHECK(t.webhook(t.github.webhook("closed", "acme/ops", 1, "forged")).status == 401);
    CHECK(t.service.logged("trackers.gh: webhook from"));
    // Not ours: 200, ignored and logged.
    fakes::FakeIssue other;
    other.project = "acme/ops";
    other.title = "someone else's";
    const int number = t.github.add_issue(other);
    auto ignored = t.webhook(t.github.webhook("closed", "acme/ops", number, kSecret));
    CHECK(ignored.status == 200);
    CHECK(t.service.logged("no action item has this ticket; ignored"));
    CHECK(t.service.command("actions").body.find("A-1") != std::string::npos);  // still open

    auto closed = t.webhook(t.github.webhook("closed", "acme/ops", 1, kSecret, "octocat"));
    CHECK(closed.status == 200);
    CHECK(closed.body == "updated\n");
    CHECK(t.posted("closed in gh"));
    CHECK(t.service.command("actions").body.find("No open action items") != std::string::npos);
}

TEST_CASE("trackers e2e: an owner not in users is assigned by the e-mail Slack's users.info gives") {
    Tracked t;
    t.service.slack.add_user({{"id", "U0DANA"}, {"name", "dana"}, {"profile", {{"email", "dana@example.com"}}}});
    t.github.add_user("dana@example.com", "dana-gh");
    REQUIRE(t.service.command("open Checkout errors").status == 200);
    CHECK(t.service.command("action <@U0DANA> add an alert on replica lag above 30 s due:+3d").status == 200);
    REQUIRE(test::wait_until([&] { return t.github.issues().size() == 1; }, 20s));
    CHECK(t.github.issue("acme/ops", 1)->assignee == "dana-gh");
    CHECK(t.github.server().requests_to("/search/users").size() == 1);
    CHECK_FALSE(t.service.logged("dana@example.com", 0s));  // no address in the log
}

TEST_CASE("trackers e2e: an owner matched by e-mail survives a restart — GitHub reassigning back to them is followed, "
          "no second search") {
    Tracked t;
    t.service.slack.add_user({{"id", "U0DANA"}, {"name", "dana"}, {"profile", {{"email", "dana@example.com"}}}});
    t.github.add_user("dana@example.com", "dana-gh");
    REQUIRE(t.service.command("open Checkout errors").status == 200);
    CHECK(t.service.command("action <@U0DANA> add an alert on replica lag above 30 s due:+3d").status == 200);
    REQUIRE(test::wait_until([&] { return t.github.issues().size() == 1; }, 20s));
    CHECK(t.github.issue("acme/ops", 1)->assignee == "dana-gh");
    REQUIRE(t.posted("is tracked in gh"));
    const auto searches = t.github.server().requests_to("/search/users").size();
    CHECK(searches == 1);

    // GitHub hands it to bob (in `users`); then Hindsight is killed and started again.
    t.github.change("acme/ops", 1, [](fakes::FakeIssue& i) { i.assignee = "bob-gh"; });
    CHECK(t.webhook(t.github.webhook("assigned", "acme/ops", 1, kSecret)).body == "updated\n");
    CHECK(t.service.command("actions").body.find("U0BOB") != std::string::npos);
    t.service.kill9();
    t.service.start();

    // And back to dana-gh: the owner is dana again.
    t.github.change("acme/ops", 1, [](fakes::FakeIssue& i) { i.assignee = "dana-gh"; });
    auto back = t.webhook(t.github.webhook("assigned", "acme/ops", 1, kSecret));
    CHECK(back.status == 200);
    CHECK(back.body == "updated\n");
    const auto listed = t.service.command("actions").body;
    CHECK(listed.find("U0DANA") != std::string::npos);
    CHECK(listed.find("U0BOB") == std::string::npos);

    // dana's next item is assigned from the table: GitHub is not searched again.
    CHECK(t.service.command("action <@U0DANA> page the database on-call on replica lag due:+3d").status == 200);
    REQUIRE(test::wait_until([&] { return t.github.issues().size() == 2; }, 20s));
    CHECK(t.github.issue("acme/ops", 2)->assignee == "dana-gh");
    CHECK(t.github.server().requests_to("/search/users").size() == searches);
    CHECK_FALSE(t.service.logged("dana@example.com", 0s));
}

TEST_CASE("trackers e2e: kill -9 between filing and recording the ticket files no second ticket") {
    Tracked t;
    REQUIRE(t.service.command("open Checkout errors").status == 200);
    // GitHub makes the issue at once but answers late: the process dies first.
    t.github.delay_next_create(10s);
    CHECK(t.service.command("action <@U0BOB> add an alert on replica lag above 30 s due:+3d").status == 200);
    REQUIRE(test::wait_until([&] { return t.github.issues().size() == 1; }, 20s));
    t.service.kill9();

    t.service.start();  // the outbox row is still pending: the filing is retried
    CHECK(t.posted("is tracked in gh"));
    CHECK(t.service.command("actions").body.find("acme/ops#1") != std::string::npos);
    CHECK(t.github.issues().size() == 1);
    std::size_t creates = 0;
    for (const auto& r : t.github.server().requests_to("/repos/acme/ops/issues"))
        if (r.method == "POST") ++creates;
    CHECK(creates == 1);
}
