// GitHub Issues end to end against the fake: filing through the outbox,
// link/unlink, done in chat, webhooks, polling, faults and the crash between
// filing and recording (docs/trackers.md).
#include "tracker_world.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "github-webhook-secret";
constexpr const char* kRepo = "acme/ops";

struct GitHubWorld {
    explicit GitHubWorld(bool comment_on_done = false, Duration poll = Duration::zero(), bool match_email = false)
        : world(wire(poll), domain(comment_on_done, match_email)) {
        world.share_clock(github);
        world.command("open Checkout errors sev:2");
    }

    config::TrackerConfig wire(Duration poll) {
        config::TrackerConfig c;
        c.name = "gh";
        c.kind = "github";
        c.base_url = github.base_url();
        c.token = github.token();
        c.webhook_secret = kSecret;
        c.poll_interval = poll;
        return c;
    }

    static TrackerSettings domain(bool comment_on_done, bool match_email) {
        TrackerSettings t;
        t.match_email = match_email;
        t.name = "gh";
        t.kind = "github";
        t.web_url = "https://github.example";
        t.comment_on_done = comment_on_done;
        t.projects = {{"C*", kRepo}};
        t.users = {{"U2", "bob-gh"}, {"U3", "carol-gh"}};
        return t;
    }

    // Adds an item owned by bob and delivers: returns its id.
    // Adds A-1, owned by bob, and files it.
    void filed(const std::string& text = "add an alert on replica lag above 30 s", const std::string& due = "2026-12-01") {
        world.command("action @{U2|bob} " + text + " due:" + due);
        world.deliver();
        REQUIRE(world.action(1)->ticket.status == TicketStatus::open);
    }

    fakes::FakeGitHub github;
    TrackerWorld world;
};

}  // namespace

TEST_CASE("github: an action item is filed with its incident, due date, owner and marker — the link follows") {
    GitHubWorld w;
    auto reply = w.world.command("action @{U2|bob} add an alert on replica lag above 30 s due:2026-12-01");
    CHECK(reply.text.find("Filing it in gh (acme/ops); the link follows here.") != std::string::npos);
    CHECK(w.github.issues().empty());  // the command answers at once; the tracker is called by the outbox

    w.world.deliver();
    auto issues = w.github.issues();
    REQUIRE(issues.size() == 1);
    const auto& issue = issues[0];
    CHECK(issue.project == kRepo);
    CHECK(issue.title == "add an alert on replica lag above 30 s");
    CHECK(issue.body.find("Checkout errors") != std::string::npos);
    CHECK(issue.body.find("(SEV2)") != std::string::npos);
    CHECK(issue.body.find("Due: 2026-12-01") != std::string::npos);
    CHECK(issue.body.find("hindsight-action:A-1") != std::string::npos);
    CHECK(issue.assignee == "bob-gh");

    auto item = w.world.action(1);
    CHECK(item->ticket.status == TicketStatus::open);
    CHECK(item->ticket.key == "acme/ops#1");
    CHECK(item->ticket.url == "https://github.example/acme/ops/issues/1");
    CHECK(w.world.chat.count("**A-1** is tracked in gh: [acme/ops#1](https://github.example/acme/ops/issues/1)") == 1);
    CHECK(w.world.command("actions").text.find("ticket [acme/ops#1](https://github.example/acme/ops/issues/1) (open)") !=
          std::string::npos);
    CHECK(w.world.document().find("[acme/ops#1](https://github.example/acme/ops/issues/1) (open)") != std::string::npos);
    CHECK(w.world.pending() == 0);
}

TEST_CASE("github: a blaming item is held, not filed — `action file` files it as written") {
    GitHubWorld w;
    auto reply = w.world.command("action @{U2|bob} bob should have been more careful with the deploy due:+3d");
    CHECK(reply.text.find("Not filed in gh") != std::string::npos);
    w.world.deliver();
    CHECK(w.github.issues().empty());
    CHECK(w.world.action(1)->ticket.status == TicketStatus::held);
    CHECK(w.world.command("actions").text.find("not filed (held by the quality check)") != std::string::npos);

    auto filed = w.world.command("action file A-1");
    CHECK(filed.text.find("Filing it in gh") != std::string::npos);
    w.world.deliver();
    CHECK(w.github.issues().size() == 1);
    CHECK(w.world.action(1)->ticket.key == "acme/ops#1");
}

TEST_CASE("github: link adopts an existing ticket and reads its state — unlink stops the sync") {
    GitHubWorld w;
    fakes::FakeIssue existing;
    existing.project = "acme/web";
    existing.title = "canary deploys";
    existing.state = "closed";
    const int number = w.github.add_issue(existing);
    // This incident's items go to acme/infra, not the channel pattern's acme/ops.
    CHECK(w.world.command("tracker acme/infra").text.find("filed in gh (acme/infra)") != std::string::npos);
    CHECK(w.world.command("tracker").text.find("are filed in gh (acme/infra)") != std::string::npos);
    w.world.command("action @{U2|bob} canary deploys for checkout-api within 10 minutes due:+7d");
    w.world.deliver();
    REQUIRE(w.github.issue("acme/infra", 1));
    CHECK(w.world.action(1)->ticket.key == "acme/infra#1");

    auto linked = w.world.command("action link A-1 https://github.example/acme/web/issues/" + std::to_string(number));
    CHECK(linked.text.find("now tracked by") != std::string::npos);
    CHECK(w.world.action(1)->ticket.key == "acme/web#1");
    w.world.deliver();  // the fetch job reads the linked ticket: it is closed
    auto item = w.world.action(1);
    CHECK(item->ticket.status == TicketStatus::closed);
    CHECK(item->state == ActionState::done);

    CHECK(w.world.command("action unlink A-1").text.find("no longer linked") != std::string::npos);
    CHECK(w.world.action(1)->ticket.status == TicketStatus::none);
    w.github.change("acme/web", number, [](fakes::FakeIssue& i) { i.state = "open"; });
    auto answer = w.world.webhook(w.github.webhook("reopened", "acme/web", number, kSecret));
    CHECK(answer.status == 200);
    CHECK(answer.body == "unknown\n");
    CHECK(w.world.action(1)->state == ActionState::done);

    CHECK(w.world.command("action link A-1 https://example.org/nothing").text.find("can't tell") != std::string::npos);
}

TEST_CASE("github: done in chat closes the ticket — with on_done comment it comments and leaves it open") {
    SUBCASE("close") {
        GitHubWorld w;
        w.filed();
        auto reply = w.world.command("done A-1");
        CHECK(reply.text.find("The ticket is being closed.") != std::string::npos);
        w.world.deliver();
        CHECK(w.github.issue(kRepo, 1)->state == "closed");
        // GitHub's own closed event afterwards changes nothing more.
        CHECK(w.world.webhook(w.github.webhook("closed", kRepo, 1, kSecret)).body == "unchanged\n");
        CHECK(w.world.action(1)->ticket.status == TicketStatus::closed);
    }
    SUBCASE("comment") {
        GitHubWorld w(true);
        w.filed();
        w.world.command("done A-1");
        w.world.deliver();
        auto issue = w.github.issue(kRepo, 1);
        CHECK(issue->state == "open");
        REQUIRE(issue->comments.size() == 1);
        CHECK(issue->comments[0].find("Done in chat by alice (A-1)") != std::string::npos);
        // The ticket still open on purpose does not reopen the item.
        CHECK(w.world.webhook(w.github.webhook("edited", kRepo, 1, kSecret)).body == "unchanged\n");
        CHECK(w.world.action(1)->state == ActionState::done);
    }
}

TEST_CASE("github: closed, reopened, reassigned and re-dated in GitHub via webhook — reminders and document follow") {
    GitHubWorld w;
    w.filed("add an alert on replica lag above 30 s", "+1h");
    w.world.clock.advance(2h);
    CHECK(w.world.remind() >= 1);  // overdue: nudged

    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.state = "closed"; });
    auto closed = w.world.webhook(w.github.webhook("closed", kRepo, 1, kSecret, "octocat"));
    CHECK(closed.status == 200);
    CHECK(closed.body == "updated\n");
    auto item = w.world.action(1);
    CHECK(item->state == ActionState::done);
    CHECK(item->ticket.status == TicketStatus::closed);
    w.world.deliver();
    CHECK(w.world.chat.count("**A-1** closed in gh") == 1);
    w.world.clock.advance(25h);
    CHECK(w.world.remind() == 0);  // reminders stop
    CHECK(w.world.document().find("(closed)") != std::string::npos);

    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.state = "open"; });
    CHECK(w.world.webhook(w.github.webhook("reopened", kRepo, 1, kSecret)).body == "updated\n");
    CHECK(w.world.action(1)->state == ActionState::open);
    CHECK(w.world.remind() >= 1);  // reminders resume

    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.assignee = "carol-gh"; });
    CHECK(w.world.webhook(w.github.webhook("assigned", kRepo, 1, kSecret)).body == "updated\n");
    CHECK(w.world.action(1)->owner_id == "U3");

    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) {
        auto at = i.body.find("Due: ");
        i.body.replace(at, 15, "Due: 2031-01-15");
    });
    CHECK(w.world.webhook(w.github.webhook("edited", kRepo, 1, kSecret)).body == "updated\n");
    auto redated = w.world.action(1);
    CHECK(format_local(redated->due_at, "UTC").substr(4, 10) == "2031-01-15");
    CHECK(w.world.remind() == 0);  // not due any more
    w.world.deliver();
    CHECK(w.world.chat.count("reassigned to") == 1);
    CHECK(w.world.chat.count("2031-01-15 17:00") == 1);
}

TEST_CASE("github: a webhook with a wrong signature is 401 and changes nothing — an unknown ticket is 200, ignored") {
    GitHubWorld w;
    w.filed();
    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.state = "closed"; });

    auto forged = w.github.webhook("closed", kRepo, 1, "not-the-secret");
    CHECK(w.world.webhook(forged).status == 401);
    auto unsigned_hook = w.github.webhook("closed", kRepo, 1, kSecret);
    unsigned_hook.headers.erase(unsigned_hook.headers.begin() + 2);  // no X-Hub-Signature-256
    CHECK(w.world.webhook(unsigned_hook).status == 401);
    auto tampered = w.github.webhook("closed", kRepo, 1, kSecret);
    tampered.body.replace(tampered.body.find("closed"), 6, "opened");
    CHECK(w.world.webhook(tampered).status == 401);
    CHECK(w.world.action(1)->state == ActionState::open);

    fakes::FakeWebhook garbage{"{not json", {{"X-GitHub-Event", "issues"}}};
    garbage.headers.emplace_back("X-Hub-Signature-256", fakes::sha256_signature(kSecret, garbage.body));
    CHECK(w.world.webhook(garbage).status == 400);

    fakes::FakeIssue other;
    other.project = kRepo;
    other.title = "not ours";
    const int number = w.github.add_issue(other);
    auto unknown = w.world.webhook(w.github.webhook("closed", kRepo, number, kSecret));
    CHECK(unknown.status == 200);
    CHECK(unknown.body == "unknown\n");

    auto ping = w.github.webhook("closed", kRepo, 1, kSecret);
    ping.headers[0].second = "ping";
    CHECK(w.world.webhook(ping).body == "ignored\n");
    CHECK(w.world.action(1)->state == ActionState::open);
}

TEST_CASE("github: polling alone catches close, reopen and re-date — an unchanged repository costs a 304") {
    GitHubWorld w(false, std::chrono::minutes(5));
    w.filed();
    CHECK(w.world.poll() == 0);  // the first poll: nothing changed

    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.state = "closed"; });
    CHECK(w.world.poll() == 0);  // not due yet: the interval is on the injected clock
    w.world.clock.advance(5min);
    CHECK(w.world.poll() == 1);
    CHECK(w.world.action(1)->state == ActionState::done);

    w.world.clock.advance(5min);
    CHECK(w.world.poll() == 0);
    CHECK(w.github.not_modified() >= 1);  // If-None-Match with the last ETag

    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) {
        i.state = "open";
        i.body.replace(i.body.find("Due: "), 15, "Due: 2031-02-03");
    });
    w.world.clock.advance(5min);
    CHECK(w.world.poll() == 1);
    auto item = w.world.action(1);
    CHECK(item->state == ActionState::open);
    CHECK(format_local(item->due_at, "UTC").substr(4, 10) == "2031-02-03");
    auto since = w.github.server().requests_to("/repos/acme/ops/issues").back();
    CHECK(since.target.find("since=") != std::string::npos);
}

TEST_CASE("github: tracker down, 500 and 429: the outbox retries, nothing is lost, the channel is told once") {
    GitHubWorld w;
    fakes::FakeResponse busy = fakes::FakeResponse::json(429, R"({"message":"slow down"})");
    busy.headers = {{"Retry-After", "30"}};
    w.github.server().fail_next("/repos/acme/ops/issues",
                                {fakes::FakeResponse::json(500, R"({"message":"oops"})"), busy});
    w.world.command("action @{U2|bob} add an alert on replica lag above 30 s due:+7d");
    w.world.deliver();
    CHECK(w.world.action(1)->ticket.status == TicketStatus::delayed);
    w.world.clock.advance(2s);
    w.world.deliver();  // 429: waits the 30 s GitHub asked for
    CHECK(w.github.issues().empty());
    w.world.clock.advance(10s);
    w.world.deliver();
    CHECK(w.github.issues().empty());
    w.world.clock.advance(30s);
    w.world.deliver();
    REQUIRE(w.github.issues().size() == 1);
    CHECK(w.world.action(1)->ticket.status == TicketStatus::open);
    CHECK(w.world.chat.count("isn't answering") == 1);
    CHECK(w.world.chat.count("is tracked in gh") == 1);
    CHECK(w.world.dead_letters() == 0);
    CHECK(w.world.pending() == 0);
}

TEST_CASE("github: a ticket filed before a crash is found by its marker and adopted, not filed twice") {
    GitHubWorld w;
    w.world.command("action @{U2|bob} add an alert on replica lag above 30 s due:+7d");
    // What a run that died after GitHub made the issue, before recording it, left behind.
    fakes::FakeIssue before;
    before.project = kRepo;
    before.title = "add an alert on replica lag above 30 s";
    before.body = "…\nFiled by Hindsight (hindsight-action:A-1); closing this ticket completes the action item.";
    w.github.add_issue(before);
    w.world.deliver();
    CHECK(w.github.issues().size() == 1);
    CHECK(w.github.server().requests_to("/repos/acme/ops/issues").size() == 1);  // the list; no POST
    CHECK(w.world.action(1)->ticket.key == "acme/ops#1");
}

TEST_CASE("github: a refused filing is dead-lettered and the channel told — a bad token never retries forever") {
    GitHubWorld w;
    w.github.server().fail_next("/repos/acme/ops/issues", {fakes::FakeResponse::json(404, R"({"message":"Not Found"})")});
    w.world.command("action @{U2|bob} add an alert on replica lag above 30 s due:+7d");
    w.world.deliver();
    CHECK(w.world.action(1)->ticket.status == TicketStatus::failed);
    CHECK(w.world.dead_letters() == 1);
    CHECK(w.world.chat.count("gh refused to file **A-1** (list issues: HTTP 404 (Not Found))") == 1);
    // Once the repository exists, filing again works.
    w.world.command("action file A-1");
    w.world.deliver();
    CHECK(w.world.action(1)->ticket.status == TicketStatus::open);
}

namespace {

// GitHub down: `times` answers 500 with an HTML page (nothing of it belongs in chat).
std::vector<fakes::FakeResponse> down(int times) {
    fakes::FakeResponse page = fakes::FakeResponse::text(500, "<html><body>Stack trace: token=ghp_should_not_leak</body></html>");
    page.content_type = "text/html";
    return std::vector<fakes::FakeResponse>(static_cast<std::size_t>(times), page);
}

// Delivery passes until the outbox has nothing left to try (the backoff is
// on the injected clock, at most a minute in TrackerWorld).
void deliver_until_settled(TrackerWorld& world) {
    for (int i = 0; i < 10 && world.pending() > 0; ++i) {
        world.deliver();
        world.clock.advance(61s);
    }
    world.deliver();
}

}  // namespace

TEST_CASE("github: a filing whose retries run out is a dead letter — the channel hears which item and why, once") {
    GitHubWorld w;
    w.github.server().fail_next("/repos/acme/ops/issues", down(5));  // every attempt
    w.world.command("action @{U2|bob} add an alert on replica lag above 30 s due:+7d");
    deliver_until_settled(w.world);

    CHECK(w.github.issues().empty());
    CHECK(w.world.dead_letters() == 1);
    CHECK(w.world.pending() == 0);
    CHECK(w.world.action(1)->ticket.status == TicketStatus::failed);
    CHECK(w.world.chat.count("isn't answering") == 1);  // on the first retry
    CHECK(w.world.chat.count("gh did not answer; gave up trying to file **A-1** (list issues: HTTP 500 (gave up after 5 "
                             "attempts)). Once it is back, `/incident action file A-1`") == 1);
    for (const auto& m : w.world.chat.sent()) {
        CHECK(m.text.find("Stack trace") == std::string::npos);
        CHECK(m.text.find("ghp_") == std::string::npos);
    }
    CHECK(w.world.command("actions").text.find("filing in gh failed") != std::string::npos);

    w.world.clock.advance(1h);
    deliver_until_settled(w.world);
    CHECK(w.world.chat.count("gave up trying to file") == 1);  // told once

    // Once GitHub is back, filing again works.
    w.world.command("action file A-1");
    deliver_until_settled(w.world);
    CHECK(w.world.action(1)->ticket.status == TicketStatus::open);
}

TEST_CASE("github: a close that is refused or whose retries run out is told once, with the item and the reason") {
    SUBCASE("refused") {
        GitHubWorld w;
        w.filed();
        w.github.server().fail_next("/repos/acme/ops/issues/1",
                                    {fakes::FakeResponse::json(403, R"({"message":"Resource not accessible by integration"})")});
        w.world.command("done A-1");
        deliver_until_settled(w.world);
        CHECK(w.world.dead_letters() == 1);
        CHECK(w.world.chat.count("gh refused to close the ticket of **A-1** (close issue: HTTP 403 (Resource not "
                                 "accessible by integration)). Please update it there by hand.") == 1);
        w.world.clock.advance(1h);
        deliver_until_settled(w.world);
        CHECK(w.world.chat.count("the ticket of **A-1**") == 1);
    }
    SUBCASE("gave up") {
        GitHubWorld w;
        w.filed();
        w.github.server().fail_next("/repos/acme/ops/issues/1", down(5));  // every attempt
        w.world.command("done A-1");
        deliver_until_settled(w.world);
        CHECK(w.world.dead_letters() == 1);
        CHECK(w.github.issue(kRepo, 1)->state == "open");
        CHECK(w.world.chat.count("gh did not answer; gave up trying to close the ticket of **A-1** (close issue: HTTP "
                                 "500 (gave up after 5 attempts)). Please update it there by hand.") == 1);
        CHECK(w.world.chat.count("Stack trace") == 0);
        w.world.clock.advance(1h);
        deliver_until_settled(w.world);
        CHECK(w.world.chat.count("the ticket of **A-1**") == 1);
    }
}

namespace {

// `n` issues of someone else's in the repository, made now.
void others(fakes::FakeGitHub& github, int n, const std::string& body = "not ours") {
    for (int k = 0; k < n; ++k) {
        fakes::FakeIssue i;
        i.project = kRepo;
        i.title = "other " + std::to_string(k);
        i.body = body;
        github.add_issue(i);
    }
}

std::size_t pages_read(fakes::FakeGitHub& github) {
    std::size_t n = 0;
    for (const auto& r : github.server().requests_to("/repos/acme/ops/issues"))
        if (r.method == "GET") ++n;
    return n;
}

}  // namespace

TEST_CASE("github: polling follows Link rel=next — a change behind 150 newer ones is not missed") {
    GitHubWorld w(false, std::chrono::minutes(5));
    w.filed();  // acme/ops#1
    others(w.github, 160);
    CHECK(w.world.poll() == 0);

    // Closed first, then 160 other issues change: sorted by update, #1 is on page 2.
    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.state = "closed"; });
    for (int n = 2; n <= 161; ++n) w.github.change(kRepo, n, [](fakes::FakeIssue& i) { i.title += "!"; });
    w.world.clock.advance(5min);
    const auto before = pages_read(w.github);
    CHECK(w.world.poll() == 1);
    CHECK(w.world.action(1)->state == ActionState::done);
    CHECK(pages_read(w.github) - before == 2);
    auto last = w.github.server().requests_to("/repos/acme/ops/issues").back();
    CHECK(last.target.find("page=2") != std::string::npos);
}

TEST_CASE("github: the marker search before filing again reads every page, and A-1 is not A-12") {
    GitHubWorld w;
    w.world.command("action @{U2|bob} add an alert on replica lag above 30 s due:+7d");
    // The ticket a crashed run made, then 150 newer ones — among them A-12's.
    fakes::FakeIssue before;
    before.project = kRepo;
    before.title = "add an alert on replica lag above 30 s";
    before.body = "…\nFiled by Hindsight (hindsight-action:A-1); closing this ticket completes the action item.";
    w.github.add_issue(before);
    others(w.github, 150, "Filed by Hindsight (hindsight-action:A-12); closing this ticket completes the action item.");
    w.world.deliver();
    CHECK(w.github.issues().size() == 151);  // no POST
    CHECK(w.world.action(1)->ticket.key == "acme/ops#1");
    CHECK(pages_read(w.github) == 2);
    // Only issues touched since the job was queued are read.
    CHECK(w.github.server().requests_to("/repos/acme/ops/issues").front().target.find("since=") != std::string::npos);
}

namespace {

std::size_t user_searches(fakes::FakeGitHub& github) { return github.server().requests_to("/search/users").size(); }

}  // namespace

TEST_CASE("github: an owner not in users is assigned by e-mail — looked up once, cached, and known coming back") {
    GitHubWorld w(false, Duration::zero(), true);
    w.world.chat_email("U4", "dana@example.com");
    w.github.add_user("dana@example.com", "dana-gh");
    w.world.command("action @{U4|dana} add an alert on replica lag above 30 s due:+7d");
    w.world.command("action @{U4|dana} page the database on-call on replica lag due:+7d");
    w.world.command("action @{U2|bob} add a runbook for replica lag due:+7d");
    w.world.deliver();
    REQUIRE(w.github.issues().size() == 3);
    CHECK(w.github.issue(kRepo, 1)->assignee == "dana-gh");
    CHECK(w.github.issue(kRepo, 2)->assignee == "dana-gh");
    CHECK(w.github.issue(kRepo, 3)->assignee == "bob-gh");  // `users` first: no look-up
    CHECK(w.world.email_lookups() == 1);
    CHECK(user_searches(w.github) == 1);
    auto search = w.github.server().requests_to("/search/users").front();
    CHECK(search.target.find("q=dana%40example.com+in:email") != std::string::npos);

    // GitHub's events name dana-gh: that is the owner, not a reassignment.
    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.state = "closed"; });
    CHECK(w.world.webhook(w.github.webhook("closed", kRepo, 1, kSecret)).body == "updated\n");
    CHECK(w.world.action(1)->owner_id == "U4");
    // Assigned to someone nobody matched: may be anyone; the owner stays.
    w.github.change(kRepo, 2, [](fakes::FakeIssue& i) { i.assignee = "stranger-gh"; });
    CHECK(w.world.webhook(w.github.webhook("assigned", kRepo, 2, kSecret)).body == "unchanged\n");
    CHECK(w.world.action(2)->owner_id == "U4");
    // Assigned to a user in `users`: reassigned as before.
    w.github.change(kRepo, 2, [](fakes::FakeIssue& i) { i.assignee = "carol-gh"; });
    CHECK(w.world.webhook(w.github.webhook("assigned", kRepo, 2, kSecret)).body == "updated\n");
    CHECK(w.world.action(2)->owner_id == "U3");

    // A day later the cache has expired: asked again.
    w.world.clock.advance(25h);
    w.world.command("action @{U4|dana} alert on replica lag in staging too due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 4)->assignee == "dana-gh");
    CHECK(w.world.email_lookups() == 2);
    CHECK(user_searches(w.github) == 2);
}

TEST_CASE("github: an e-mail match is stored — after a restart a filing needs no search, and a reassignment back to "
          "that user is followed") {
    GitHubWorld w(false, Duration::zero(), true);
    w.world.chat_email("U4", "dana@example.com");
    w.github.add_user("dana@example.com", "dana-gh");
    w.world.command("action @{U4|dana} add an alert on replica lag above 30 s due:+7d");
    w.world.deliver();
    REQUIRE(w.github.issue(kRepo, 1));
    CHECK(w.github.issue(kRepo, 1)->assignee == "dana-gh");
    const auto found_at = w.world.clock.now();
    auto rows = w.world.matches();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].tracker == "gh");
    CHECK(rows[0].where.platform == Platform::slack);
    CHECK(rows[0].where.team == "T1");
    CHECK(rows[0].user_id == "U4");
    CHECK(rows[0].tracker_user == "dana-gh");
    CHECK(rows[0].found_at == found_at);

    // Reassigned in GitHub to carol (in `users`), then Hindsight restarts.
    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.assignee = "carol-gh"; });
    CHECK(w.world.webhook(w.github.webhook("assigned", kRepo, 1, kSecret)).body == "updated\n");
    CHECK(w.world.action(1)->owner_id == "U3");
    w.world.restart();
    w.world.clock.advance(2h);

    // Back to dana-gh: dana, known from the table.
    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.assignee = "dana-gh"; });
    CHECK(w.world.webhook(w.github.webhook("assigned", kRepo, 1, kSecret)).body == "updated\n");
    CHECK(w.world.action(1)->owner_id == "U4");
    w.world.deliver();
    CHECK(w.world.chat.count("reassigned to @{U4") == 1);

    // dana's next item: assigned from the table, no e-mail asked, no search.
    w.world.command("action @{U4|dana} page the database on-call on replica lag due:+7d");
    w.world.deliver();
    REQUIRE(w.github.issue(kRepo, 2));
    CHECK(w.github.issue(kRepo, 2)->assignee == "dana-gh");
    CHECK(w.world.email_lookups() == 1);
    CHECK(user_searches(w.github) == 1);
    CHECK(w.world.matches().at(0).found_at == found_at);  // not searched: not renewed
}

TEST_CASE("github: a match older than a day is searched again — the row renewed, replaced, or given up to a newer "
          "match") {
    GitHubWorld w(false, Duration::zero(), true);
    w.world.chat_email("U4", "dana@example.com");
    w.github.add_user("dana@example.com", "dana-gh");
    w.world.command("action @{U4|dana} add an alert on replica lag above 30 s due:+7d");
    w.world.deliver();
    REQUIRE(w.world.matches().size() == 1);

    // A day and a bit later, after a restart: searched again, the row renewed.
    w.world.restart();
    w.world.clock.advance(25h);
    w.world.command("action @{U4|dana} page the database on-call on replica lag due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 2)->assignee == "dana-gh");
    CHECK(user_searches(w.github) == 2);
    CHECK(w.world.email_lookups() == 2);
    REQUIRE(w.world.matches().size() == 1);
    CHECK(w.world.matches()[0].found_at == w.world.clock.now());

    // Another day: the e-mail now leads to another account, which replaces the row.
    w.github.add_user("dana@example.com", "dana-new-gh");
    w.world.clock.advance(25h);
    w.world.command("action @{U4|dana} alert on replica lag in staging too due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 3)->assignee == "dana-new-gh");
    auto rows = w.world.matches();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user_id == "U4");
    CHECK(rows[0].tracker_user == "dana-new-gh");

    // erin's e-mail leads to the same account: the newer match wins it, dana's row goes.
    w.world.chat_email("U5", "erin@example.com");
    w.github.add_user("erin@example.com", "dana-new-gh");
    w.world.command("action @{U5|erin} alert on replica lag in canary too due:+7d");
    w.world.deliver();
    rows = w.world.matches();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].user_id == "U5");
    CHECK(rows[0].tracker_user == "dana-new-gh");
    w.github.change(kRepo, 1, [](fakes::FakeIssue& i) { i.assignee = "dana-new-gh"; });
    CHECK(w.world.webhook(w.github.webhook("assigned", kRepo, 1, kSecret)).body == "updated\n");
    CHECK(w.world.action(1)->owner_id == "U5");

    // A day later erin's e-mail leads nowhere: her row goes, the ticket is unassigned.
    w.world.chat_email("U5", "erin@elsewhere.example");
    w.world.clock.advance(25h);
    w.world.command("action @{U5|erin} alert on replica lag in the lab too due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 5)->assignee.empty());
    CHECK(w.world.matches().empty());
}

TEST_CASE("github: no tracker user with the owner's e-mail — filed unassigned, and the ticket says why") {
    GitHubWorld w(false, Duration::zero(), true);
    w.world.chat_email("U4", "dana@example.com");
    w.world.command("action @{U4|dana} add an alert on replica lag above 30 s due:+7d");
    w.world.deliver();
    auto issue = w.github.issue(kRepo, 1);
    REQUIRE(issue);
    CHECK(issue->assignee.empty());
    CHECK(issue->body.find("Not assigned: no gh user has the owner's e-mail.") != std::string::npos);
    CHECK(issue->body.find("dana@example.com") == std::string::npos);
    CHECK(w.world.action(1)->ticket.status == TicketStatus::open);

    // No e-mail visible for the owner (Slack without users:read.email).
    w.world.command("action @{U5|erin} page the database on-call on replica lag due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 2)->body.find("Not assigned: the owner's e-mail is not visible to Hindsight.") !=
          std::string::npos);

    // "Nobody" is remembered for an hour, then asked again: dana has an account now.
    w.github.add_user("dana@example.com", "dana-gh");
    w.world.command("action @{U4|dana} alert on replica lag in staging too due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 3)->assignee.empty());
    w.world.clock.advance(61min);
    w.world.command("action @{U4|dana} alert on replica lag in canary too due:+7d");
    w.world.deliver();
    CHECK(w.github.issue(kRepo, 4)->assignee == "dana-gh");
}

TEST_CASE("github: a token that may not search users still files the ticket, unassigned, saying so") {
    GitHubWorld w(false, Duration::zero(), true);
    w.world.chat_email("U4", "dana@example.com");
    w.github.add_user("dana@example.com", "dana-gh");
    w.github.server().fail_next("/search/users",
                                {fakes::FakeResponse::json(403, R"({"message":"Resource not accessible by integration"})")});
    w.world.command("action @{U4|dana} add an alert on replica lag above 30 s due:+7d");
    w.world.deliver();
    auto issue = w.github.issue(kRepo, 1);
    REQUIRE(issue);
    CHECK(issue->assignee.empty());
    CHECK(issue->body.find("Not assigned: gh refused the user search (search users: HTTP 403 (Resource not accessible "
                           "by integration)).") != std::string::npos);
    CHECK(w.world.dead_letters() == 0);
}
