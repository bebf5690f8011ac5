// GitHub Issues over REST (docs/trackers.md, "GitHub"): a fine-grained
// token (Issues: read and write) or an App installation token as Bearer;
// tickets are "owner/repo#12". GitHub issues have no due date: the body's
// "Due: YYYY-MM-DD" line carries it both ways.
#include "adapters/chat/wire.hpp"
#include "adapters/trackers/github_app.hpp"
#include "adapters/trackers/kinds.hpp"
#include "adapters/trackers/rest.hpp"

#include <map>
#include <mutex>

namespace hindsight::trackers {

namespace {

TicketUpdate read_issue(const nlohmann::json& issue, const std::string& repo) {
    TicketUpdate t;
    t.key = repo + "#" + std::to_string(issue.value("number", 0));
    t.url = issue.value("html_url", "");
    t.state = issue.value("state", "open") == "closed" ? TicketState::closed : TicketState::open;
    const auto& assignee = issue.contains("assignee") ? issue["assignee"] : nlohmann::json();
    t.assignee = assignee.is_object() ? assignee.value("login", "") : std::string{};
    if (issue.contains("body") && issue["body"].is_string()) {
        auto due = due_line_date(issue["body"].get<std::string>());
        if (!due.empty()) t.due_date = due;
    }
    return t;
}

std::string repo_path(const std::string& repo) {
    auto slash = repo.find('/');
    return "/repos/" + url_encode(repo.substr(0, slash)) + "/" + url_encode(repo.substr(slash + 1));
}

class GitHub final : public TrackerClient {
public:
    GitHub(const config::TrackerConfig& c, const outbound::ClientOptions& options, const Clock& clock)
        : secret_(c.webhook_secret),
          app_(c.app_id.empty() ? nullptr
                                : std::make_unique<AppToken>(c.base_url, c.app_id, c.installation_id, c.app_private_key,
                                                             options, clock)),
          rest_(c.base_url, credential(c.token, app_.get()), options, clock) {}

    CallResult find_filed(const TrackerJob& job, std::optional<TicketUpdate>& found) override {
        // The newest issues, not the search API: its index lags behind a
        // ticket created a moment ago, which is exactly the one looked for.
        // Only those touched since the job was queued (less a margin for
        // clock skew) can be its ticket; every page of them is read.
        std::string path = repo_path(job.project) + "/issues?state=all&sort=created&direction=desc&per_page=100";
        if (job.queued_at) path += "&since=" + url_encode(iso8601(*job.queued_at - kSkew));
        return rest_.each_page(path, "list issues", [&](const nlohmann::json& issue) {
            if (issue.contains("body") && issue["body"].is_string() &&
                has_marker(issue["body"].get<std::string>(), job.marker)) {
                found = read_issue(issue, job.project);
                return false;
            }
            return true;
        });
    }

    CallResult create(const TrackerJob& job, TicketUpdate& created) override {
        nlohmann::json body = {{"title", job.title}, {"body", job.body}};
        if (!job.assignee.empty()) body["assignees"] = {job.assignee};
        auto r = rest_.call("POST", repo_path(job.project) + "/issues", body);
        auto result = rest_.classify(r, "create issue");
        if (result.ok()) created = read_issue(parse_json(r.body), job.project);
        return result;
    }

    CallResult set_state(const std::string& key, TicketState state) override {
        auto [repo, number] = split_key(key);
        nlohmann::json body = {{"state", state == TicketState::closed ? "closed" : "open"}};
        if (state == TicketState::closed) body["state_reason"] = "completed";
        auto r = rest_.call("PATCH", repo_path(repo) + "/issues/" + number, body);
        return rest_.classify(r, state == TicketState::closed ? "close issue" : "reopen issue");
    }

    CallResult comment(const std::string& key, const std::string& text) override {
        auto [repo, number] = split_key(key);
        auto r = rest_.call("POST", repo_path(repo) + "/issues/" + number + "/comments", {{"body", text}});
        return rest_.classify(r, "comment");
    }

    CallResult get(const std::string& key, TicketUpdate& ticket) override {
        auto [repo, number] = split_key(key);
        auto r = rest_.call("GET", repo_path(repo) + "/issues/" + number);
        auto result = rest_.classify(r, "get issue");
        if (result.ok()) ticket = read_issue(parse_json(r.body), repo);
        return result;
    }

    CallResult find_user(const std::string& email, std::string& user) override {
        // Matches a public e-mail, or any verified one with an App's or an
        // organisation member's view of it.
        auto r = rest_.call("GET", "/search/users?q=" + url_encode(email) + "+in:email");
        auto result = rest_.classify(r, "search users");
        if (!result.ok()) return result;
        user.clear();
        auto items = parse_json(r.body).value("items", nlohmann::json::array());
        if (items.size() == 1 && items[0].is_object()) user = string_or_empty(items[0], "login");
        return result;
    }

    CallResult updated_since(const std::string& repo, Timestamp since, std::vector<TicketUpdate>& out) override {
        // Conditional: GitHub does not count a 304 against the rate limit. The
        // hour `since` falls in keeps the request the same from poll to poll,
        // so its ETag applies; issues seen again change nothing. Sorted by
        // update, newest first: any change moves its issue onto the first
        // page, so an unchanged first page (304) means nothing changed.
        const auto hour = std::chrono::floor<std::chrono::hours>(since);
        const std::string path = repo_path(repo) + "/issues?state=all&sort=updated&direction=desc&per_page=100&since=" +
                                 url_encode(iso8601(hour));
        Rest::Headers extra;
        {
            std::lock_guard lock(mutex_);
            if (auto it = etags_.find(repo); it != etags_.end() && it->second.first == path)
                extra.emplace_back("If-None-Match", it->second.second);
        }
        auto r = rest_.call("GET", path, nullptr, std::move(extra));
        auto result = rest_.classify(r, "list updated issues");
        if (!result.ok() || r.status == 304) return result;
        const auto etag = r.header("ETag");
        std::vector<TicketUpdate> read;
        auto keep = [&](const nlohmann::json& issue) {
            if (!issue.contains("pull_request")) read.push_back(read_issue(issue, repo));
            return true;
        };
        result = rest_.each_page(std::move(r), "list updated issues", keep);
        if (!result.ok()) return result;
        // Remembered only once every page was read: a 304 next time must
        // not hide the pages behind a failure.
        if (etag) {
            std::lock_guard lock(mutex_);
            etags_[repo] = {path, *etag};
        }
        for (auto& t : read) out.push_back(std::move(t));
        return result;
    }

    std::string signature_header() const override { return "X-Hub-Signature-256"; }
    std::string event_header() const override { return "X-GitHub-Event"; }

    WebhookVerdict parse_webhook(const WebhookRequest& request, TicketUpdate& update) const override {
        if (secret_.empty() || request.signature.empty()) return WebhookVerdict::unauthenticated;
        if (!same_secret(request.signature, "sha256=" + chat::hmac_sha256_hex(secret_, request.body)))
            return WebhookVerdict::unauthenticated;
        if (request.event != "issues") return WebhookVerdict::ignored;  // ping, comments, pull requests, …
        auto j = nlohmann::json::parse(request.body, nullptr, false);
        if (!j.is_object() || !j.contains("issue") || !j["issue"].is_object() || !j.contains("repository") ||
            !j["repository"].is_object() || !j["repository"].contains("full_name") ||
            !j["repository"]["full_name"].is_string())
            return WebhookVerdict::malformed;
        try {
            update = read_issue(j["issue"], j["repository"]["full_name"].get<std::string>());
            if (j.contains("sender") && j["sender"].is_object()) update.actor = j["sender"].value("login", "");
        } catch (const nlohmann::json::exception&) {
            return WebhookVerdict::malformed;  // a field of the wrong type
        }
        return WebhookVerdict::ok;
    }

private:
    // A token's headers, or a GitHub App's current installation token's.
    static Rest::Credential credential(const std::string& token, AppToken* app) {
        return [token, app](bool stale, Rest::Headers& auth) {
            std::string bearer = token;
            if (app) {
                auto r = app->token(stale, bearer);
                if (!r.ok()) return r;
            }
            auth = {{"Authorization", "Bearer " + bearer}, {"X-GitHub-Api-Version", "2022-11-28"}};
            return CallResult{};
        };
    }

    // How far before the job was queued its ticket may look made (clocks differ).
    static constexpr Duration kSkew = std::chrono::minutes(10);

    std::string secret_;
    std::unique_ptr<AppToken> app_;  // a GitHub App; none: the token
    Rest rest_;
    std::mutex mutex_;
    std::map<std::string, std::pair<std::string, std::string>> etags_;  // repo -> (request path, ETag)
};

}  // namespace

std::unique_ptr<TrackerClient> make_github(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                           const Clock& clock) {
    return std::make_unique<GitHub>(c, options, clock);
}

}  // namespace hindsight::trackers
