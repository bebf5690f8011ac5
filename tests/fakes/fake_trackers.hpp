// Fake GitHub, GitLab and Jira issue trackers on FakeServer, speaking the
// parts of their REST APIs Hindsight uses (docs/trackers.md): each checks
// its credential, keeps issues in memory, records every request, and builds
// signed webhook deliveries the way the real tracker sends them. A test
// changes an issue "in the tracker" with change(); set_clock() gives the fake the
// test's clock for updated_at.
#pragma once

#include "tests/fakes/fake_server.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::fakes {

struct FakeIssue {
    std::string project;  // GitHub "owner/repo", GitLab "group/project", Jira "OPS"
    int number = 0;       // GitHub number, GitLab iid, Jira's number in "OPS-12"
    std::string title;
    std::string body;     // Jira: the description's text
    std::string state = "open";  // open | closed
    std::string assignee;        // login, numeric user id (GitLab), account id (Jira)
    std::string due_date;        // YYYY-MM-DD or ""; GitHub has none
    std::vector<std::string> comments;
    std::string updated_at;      // ISO 8601 UTC
};

// A webhook delivery: body plus the headers the tracker sends.
struct FakeWebhook {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

class FakeTracker {
public:
    virtual ~FakeTracker() = default;
    FakeTracker(const FakeTracker&) = delete;
    FakeTracker& operator=(const FakeTracker&) = delete;

    std::string base_url() const { return server_.base_url(); }
    FakeServer& server() { return server_; }

    std::vector<FakeIssue> issues() const;
    std::optional<FakeIssue> issue(const std::string& project, int number) const;
    // A person changes an issue in the tracker (updated_at moves on).
    void change(const std::string& project, int number, const std::function<void(FakeIssue&)>& edit);
    // An issue made by someone else (or by a run that crashed before it heard back).
    int add_issue(FakeIssue issue);
    // The next create is answered only after `delay` (the issue exists at once).
    void delay_next_create(std::chrono::milliseconds delay);
    // A tracker user found by their e-mail (GitHub login, GitLab numeric id,
    // Jira account id or user name), as the user search answers.
    void add_user(const std::string& email, const std::string& user);
    // Requests with the wrong credential so far.
    int unauthorized() const;
    // The fake's time for updated_at and its filters (default: the wall clock),
    // e.g. the ManualClock the product under test runs on.
    void set_clock(std::function<std::time_t()> now);

protected:
    explicit FakeTracker(std::string credential_header, std::string credential);
    void set_credential(std::string credential);  // under mutex_
    bool authorized(const RecordedRequest& r);
    FakeIssue& create(FakeIssue issue);  // under mutex_
    FakeIssue* find(const std::string& project, int number);  // under mutex_
    std::string now_iso() const;  // under mutex_
    std::string iso_at(std::time_t t) const;
    std::time_t now() const { return now_ ? now_() : std::time(nullptr); }

    mutable std::mutex mutex_;
    std::vector<FakeIssue> issues_;
    std::chrono::milliseconds create_delay_{0};
    std::function<std::time_t()> now_;
    std::map<std::string, std::string> users_;  // e-mail -> user
    FakeServer server_;

private:
    std::string credential_header_;
    std::string credential_;
    int unauthorized_ = 0;
};

// GitHub REST: Bearer token; /repos/{o}/{r}/issues[/{n}[/comments]]; list
// filters state, since, sort/direction; ETag and If-None-Match (304).
class FakeGitHub final : public FakeTracker {
public:
    explicit FakeGitHub(std::string token = "ghp_fake_github_token");
    const std::string& token() const { return token_; }
    nlohmann::json issue_json(const FakeIssue& issue) const;
    // An `issues` event (action: opened, closed, reopened, assigned, edited)
    // signed with X-Hub-Signature-256 under `secret`.
    FakeWebhook webhook(const std::string& action, const std::string& repo, int number, const std::string& secret,
                        const std::string& sender = "octocat") const;
    int not_modified() const;  // 304 answers given

    // GitHub App authentication from now on: returns the app's private key
    // (a fresh RSA key, PEM, as GitHub hands it out). POST
    // /app/installations/{installation}/access_tokens checks the JWT (RS256
    // under the public key, iss = app_id, iat/exp on the fake's clock) and
    // answers a new installation token valid for `lifetime`; every other
    // request needs the newest token, unexpired.
    std::string enable_app(const std::string& app_id, const std::string& installation,
                           std::chrono::seconds lifetime = std::chrono::hours(1));
    int tokens_minted() const;
    int bad_jwts() const;         // token requests refused
    void revoke_app_tokens();     // the current token answers 401 from now on

private:
    FakeResponse handle(const RecordedRequest& r);
    FakeResponse mint(const RecordedRequest& r);  // under mutex_
    bool jwt_ok(const std::string& authorization) const;  // under mutex_
    std::string token_;
    int not_modified_ = 0;
    std::string app_id_;
    std::string installation_;
    std::string public_pem_;
    std::chrono::seconds lifetime_{0};
    std::time_t token_expires_ = 0;
    int minted_ = 0;
    int bad_jwts_ = 0;
};

// GitLab REST v4: PRIVATE-TOKEN; /api/v4/projects/{url-encoded path}/issues[/{iid}[/notes]];
// search + in=description, updated_after; state opened|closed; due_date.
class FakeGitLab final : public FakeTracker {
public:
    explicit FakeGitLab(std::string token = "glpat-fake-gitlab-token");
    const std::string& token() const { return token_; }
    nlohmann::json issue_json(const FakeIssue& issue) const;
    // An "Issue Hook" with X-Gitlab-Token: `secret`.
    FakeWebhook webhook(const std::string& project, int number, const std::string& secret) const;

private:
    FakeResponse handle(const RecordedRequest& r);
    std::string token_;
};

// Jira REST v3 (Cloud: Basic e-mail:API token) or v2 (Data Center: Bearer
// PAT): /issue, /issue/{key}[/transitions|/comment], /search/jql (v3) or
// /search (v2) with the JQL Hindsight writes; duedate; statusCategory.
class FakeJira final : public FakeTracker {
public:
    // cloud: Basic base64(email:token); else Bearer token.
    FakeJira(bool cloud, std::string email = "bot@example.com", std::string token = "jira-fake-api-token");
    const std::string& token() const { return token_; }
    nlohmann::json issue_json(const FakeIssue& issue) const;
    // jira:issue_updated signed with X-Hub-Signature: sha256=<HMAC> under `secret`.
    FakeWebhook webhook(const std::string& key, const std::string& secret) const;

private:
    FakeResponse handle(const RecordedRequest& r);
    bool cloud_;
    std::string token_;
};

// "sha256=" + hex HMAC-SHA256 (GitHub and Jira webhook signatures).
std::string sha256_signature(const std::string& secret, const std::string& body);

}  // namespace hindsight::fakes
