// GitLab and Jira through the same machinery as GitHub (github_test.cpp has
// the shared behaviour in depth): filing with the due date field, done in
// chat, webhooks with their secrets, polling, and a crash-adopted ticket.
#include "tracker_world.hpp"

#include <doctest/doctest.h>

using namespace hindsight;
using namespace hindsight::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "tracker-webhook-secret";

config::TrackerConfig wire(const std::string& kind, const std::string& base_url, const std::string& token) {
    config::TrackerConfig c;
    c.name = kind;
    c.kind = kind;
    c.base_url = base_url;
    c.token = token;
    c.webhook_secret = kSecret;
    c.poll_interval = std::chrono::minutes(5);
    return c;
}

TrackerSettings domain(const std::string& kind, const std::string& project, std::map<std::string, std::string> users) {
    TrackerSettings t;
    t.name = kind;
    t.kind = kind;
    t.web_url = "https://" + kind + ".example";
    t.projects = {{"*", project}};
    t.users = std::move(users);
    return t;
}

std::string due_of(const ActionItem& a) { return format_local(a.due_at, "UTC").substr(4, 10); }

}  // namespace

TEST_CASE("gitlab: filed with due_date and assignee id, closed from chat, synced back by webhook and by polling") {
    fakes::FakeGitLab gitlab;
    TrackerWorld world(wire("gitlab", gitlab.base_url(), gitlab.token()),
                       domain("gitlab", "platform/ops", {{"U2", "42"}, {"U3", "43"}}));
    world.share_clock(gitlab);
    world.command("open Queue backlog");
    world.command("action @{U2|bob} add a queue depth alert above 10000 messages due:2026-12-01");
    world.deliver();
    auto issue = gitlab.issue("platform/ops", 1);
    REQUIRE(issue);
    CHECK(issue->due_date == "2026-12-01");
    CHECK(issue->assignee == "42");
    CHECK(issue->body.find("hindsight-action:A-1") != std::string::npos);
    auto item = world.action(1);
    CHECK(item->ticket.key == "platform/ops#1");
    CHECK(item->ticket.url == "https://gitlab.example/platform/ops/-/issues/1");

    SUBCASE("webhook: wrong token 401; close, reassign and re-date follow") {
        gitlab.change("platform/ops", 1, [](fakes::FakeIssue& i) {
            i.state = "closed";
            i.assignee = "43";
            i.due_date = "2027-01-10";
        });
        CHECK(world.webhook(gitlab.webhook("platform/ops", 1, "wrong")).status == 401);
        CHECK(world.action(1)->state == ActionState::open);
        CHECK(world.webhook(gitlab.webhook("platform/ops", 1, kSecret)).body == "updated\n");
        item = world.action(1);
        CHECK(item->state == ActionState::done);
        CHECK(item->owner_id == "U3");
        CHECK(due_of(*item) == "2027-01-10");
    }
    SUBCASE("done in chat closes; reopened in GitLab, polling alone reopens the item") {
        world.command("done A-1");
        world.deliver();
        CHECK(gitlab.issue("platform/ops", 1)->state == "closed");
        CHECK(world.poll() == 0);  // GitLab agrees: closed
        CHECK(world.action(1)->ticket.status == TicketStatus::closed);
        gitlab.change("platform/ops", 1, [](fakes::FakeIssue& i) { i.state = "open"; });
        world.clock.advance(5min);
        CHECK(world.poll() == 1);
        CHECK(world.action(1)->state == ActionState::open);
        CHECK(gitlab.server().requests().back().target.find("updated_after=") != std::string::npos);
    }
}

TEST_CASE("gitlab: a ticket filed before a crash is found by searching for its marker") {
    fakes::FakeGitLab gitlab;
    TrackerWorld world(wire("gitlab", gitlab.base_url(), gitlab.token()), domain("gitlab", "platform/ops", {}));
    world.share_clock(gitlab);
    world.command("open Queue backlog");
    world.command("action @{U2|bob} add a queue depth alert above 10000 messages due:+7d");
    fakes::FakeIssue before;
    before.project = "platform/ops";
    before.title = "add a queue depth alert";
    before.body = "Filed by Hindsight (hindsight-action:A-1)";
    gitlab.add_issue(before);
    world.deliver();
    CHECK(gitlab.issues().size() == 1);
    CHECK(world.action(1)->ticket.key == "platform/ops#1");
}

TEST_CASE("jira cloud: filed with duedate and account id, closed and reopened by transitions, synced back") {
    fakes::FakeJira jira(true, "bot@example.com");
    auto c = wire("jira", jira.base_url(), jira.token());
    c.email = "bot@example.com";
    TrackerWorld world(c, domain("jira", "OPS", {{"U2", "acc-bob"}, {"U3", "acc-carol"}}));
    world.share_clock(jira);
    world.command("open Payments down");
    world.command("action @{U2|bob} add a circuit breaker to the payments client with 2 s timeout due:2026-12-01");
    world.deliver();
    auto issue = jira.issue("OPS", 1);
    REQUIRE(issue);
    CHECK(issue->due_date == "2026-12-01");
    CHECK(issue->assignee == "acc-bob");
    CHECK(issue->body.find("hindsight-action:A-1") != std::string::npos);  // from the ADF description
    CHECK(world.action(1)->ticket.key == "OPS-1");
    CHECK(world.action(1)->ticket.url == jira.base_url() + "/browse/OPS-1");

    SUBCASE("done in chat takes the transition to done") {
        world.command("done A-1");
        world.deliver();
        CHECK(jira.issue("OPS", 1)->state == "closed");
    }
    SUBCASE("webhook: unsigned 401, then reassigned and re-dated") {
        jira.change("OPS", 1, [](fakes::FakeIssue& i) {
            i.assignee = "acc-carol";
            i.due_date = "2027-02-01";
        });
        auto hook = jira.webhook("OPS-1", kSecret);
        auto unsigned_hook = hook;
        unsigned_hook.headers.clear();
        CHECK(world.webhook(unsigned_hook).status == 401);
        CHECK(world.webhook(hook).body == "updated\n");
        auto item = world.action(1);
        CHECK(item->owner_id == "U3");
        CHECK(due_of(*item) == "2027-02-01");
    }
    SUBCASE("polling alone: closed in Jira") {
        CHECK(world.poll() == 0);
        jira.change("OPS", 1, [](fakes::FakeIssue& i) { i.state = "closed"; });
        world.clock.advance(5min);
        CHECK(world.poll() == 1);
        CHECK(world.action(1)->state == ActionState::done);
    }
}

TEST_CASE("jira data center: REST v2 with a bearer token — a crash-adopted ticket is found by JQL text search") {
    fakes::FakeJira jira(false);
    auto c = wire("jira", jira.base_url(), jira.token());
    c.jira_api = "datacenter";
    TrackerWorld world(c, domain("jira", "OPS", {}));
    world.share_clock(jira);
    world.command("open Payments down");
    world.command("action @{U2|bob} add a circuit breaker to the payments client with 2 s timeout due:+7d");
    fakes::FakeIssue before;
    before.project = "OPS";
    before.title = "add a circuit breaker";
    before.body = "Filed by Hindsight (hindsight-action:A-1)";
    jira.add_issue(before);
    world.deliver();
    CHECK(jira.issues().size() == 1);
    CHECK(world.action(1)->ticket.key == "OPS-1");
    world.command("done A-1");
    world.deliver();
    CHECK(jira.issue("OPS", 1)->state == "closed");
    CHECK(jira.unauthorized() == 0);
}

namespace {

// 150 tickets of A-100…A-149 (their markers start like A-1's), then the one
// a crashed run filed for A-1: the marker search must read past the first
// page, and not take A-1xx's for A-1's. Then the ticket is closed in the
// tracker: the poll finds it on page 2.
void page_past_150(fakes::FakeTracker& tracker, TrackerWorld& world, const std::string& project,
                   const std::string& key) {
    world.share_clock(tracker);
    world.command("open Queue backlog");
    world.command("action @{U2|bob} add a queue depth alert above 10000 messages due:+7d");
    for (int k = 0; k < 150; ++k) {
        fakes::FakeIssue other;
        other.project = project;
        other.title = "other " + std::to_string(k);
        other.body = "Filed by Hindsight (hindsight-action:A-1" + std::to_string(k) + ")";
        tracker.add_issue(other);
    }
    fakes::FakeIssue before;
    before.project = project;
    before.title = "add a queue depth alert";
    before.body = "Filed by Hindsight (hindsight-action:A-1)";
    const int number = tracker.add_issue(before);
    world.deliver();
    CHECK(tracker.issues().size() == 151);  // adopted, not filed again
    CHECK(world.action(1)->ticket.key == key);

    CHECK(world.poll() == 0);
    tracker.change(project, number, [](fakes::FakeIssue& i) { i.state = "closed"; });
    world.clock.advance(5min);
    CHECK(world.poll() == 1);
    CHECK(world.action(1)->state == ActionState::done);
}

}  // namespace

TEST_CASE("gitlab: more than 100 tickets — the marker search and polling follow Link rel=next") {
    fakes::FakeGitLab gitlab;
    TrackerWorld world(wire("gitlab", gitlab.base_url(), gitlab.token()), domain("gitlab", "platform/ops", {}));
    page_past_150(gitlab, world, "platform/ops", "platform/ops#151");
    std::size_t second_pages = 0;
    for (const auto& r : gitlab.server().requests())
        if (r.target.find("page=2") != std::string::npos) ++second_pages;
    CHECK(second_pages == 3);  // the search and both polls
}

TEST_CASE("jira: more than 100 tickets — Cloud follows nextPageToken, Data Center startAt up to total") {
    SUBCASE("cloud") {
        fakes::FakeJira jira(true, "bot@example.com");
        auto c = wire("jira", jira.base_url(), jira.token());
        c.email = "bot@example.com";
        TrackerWorld world(c, domain("jira", "OPS", {}));
        page_past_150(jira, world, "OPS", "OPS-151");
        std::size_t tokens = 0;
        for (const auto& r : jira.server().requests())
            if (r.target.find("nextPageToken=tok-100") != std::string::npos) ++tokens;
        CHECK(tokens == 3);  // the search and both polls
    }
    SUBCASE("data center") {
        fakes::FakeJira jira(false);
        auto c = wire("jira", jira.base_url(), jira.token());
        c.jira_api = "datacenter";
        TrackerWorld world(c, domain("jira", "OPS", {}));
        page_past_150(jira, world, "OPS", "OPS-151");
        std::size_t second = 0;
        for (const auto& r : jira.server().requests())
            if (r.target.find("startAt=100") != std::string::npos) ++second;
        CHECK(second == 3);
    }
}

namespace {

// Files one item of U4 (in no `users`), whose e-mail the tracker knows: the
// assignee the tracker's user search found.
std::string assigned_by_email(fakes::FakeTracker& tracker, const config::TrackerConfig& c, const std::string& project,
                              const std::string& user) {
    auto settings = domain(c.kind, project, {});
    settings.match_email = true;
    TrackerWorld world(c, settings);
    world.share_clock(tracker);
    world.chat_email("U4", "dana@example.com");
    tracker.add_user("dana@example.com", user);
    world.command("open Queue backlog");
    world.command("action @{U4|dana} add a queue depth alert above 10000 messages due:+7d");
    world.deliver();
    auto issue = tracker.issue(project, 1);
    return issue ? issue->assignee : "(not filed)";
}

}  // namespace

TEST_CASE("gitlab and jira: an owner not in users is assigned by e-mail through the tracker's user search") {
    SUBCASE("gitlab: GET /users?search=") {
        fakes::FakeGitLab gitlab;
        CHECK(assigned_by_email(gitlab, wire("gitlab", gitlab.base_url(), gitlab.token()), "platform/ops", "77") == "77");
        CHECK(gitlab.server().requests_to("/api/v4/users").size() == 1);
    }
    SUBCASE("jira cloud: GET /rest/api/3/user/search?query=") {
        fakes::FakeJira jira(true, "bot@example.com");
        auto c = wire("jira", jira.base_url(), jira.token());
        c.email = "bot@example.com";
        CHECK(assigned_by_email(jira, c, "OPS", "acc-dana") == "acc-dana");
        CHECK(jira.server().requests_to("/rest/api/3/user/search").size() == 1);
    }
    SUBCASE("jira data center: GET /rest/api/2/user/search?username=") {
        fakes::FakeJira jira(false);
        auto c = wire("jira", jira.base_url(), jira.token());
        c.jira_api = "datacenter";
        CHECK(assigned_by_email(jira, c, "OPS", "dana") == "dana");
    }
}
