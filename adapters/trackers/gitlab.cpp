// GitLab Issues over REST v4 (docs/trackers.md, "GitLab"): a project or
// group access token (scope `api`) in PRIVATE-TOKEN, gitlab.com or a
// self-managed base URL; tickets are "group/project#iid"; the webhook's
// X-Gitlab-Token is the shared secret. Assignees are GitLab's numeric user ids.
#include "adapters/trackers/kinds.hpp"
#include "adapters/trackers/rest.hpp"

namespace hindsight::trackers {

namespace {

std::string project_path(const std::string& project) { return "/api/v4/projects/" + url_encode(project); }

// An issue of the REST API or a webhook's object_attributes (+ assignees).
TicketUpdate read_issue(const nlohmann::json& issue, const std::string& project, const nlohmann::json& assignees) {
    TicketUpdate t;
    t.key = project + "#" + std::to_string(issue.value("iid", 0));
    t.url = string_or_empty(issue, "web_url");
    if (t.url.empty()) t.url = string_or_empty(issue, "url");
    t.state = issue.value("state", "opened") == "closed" ? TicketState::closed : TicketState::open;
    if (assignees.is_array()) {
        t.assignee = assignees.empty() || !assignees[0].is_object() || !assignees[0].contains("id")
                         ? std::string{}
                         : std::to_string(assignees[0]["id"].get<std::int64_t>());
    }
    if (issue.contains("due_date")) t.due_date = string_or_empty(issue, "due_date");
    return t;
}

TicketUpdate read_rest_issue(const nlohmann::json& issue, const std::string& project) {
    return read_issue(issue, project, issue.contains("assignees") ? issue["assignees"] : nlohmann::json());
}

class GitLab final : public TrackerClient {
public:
    GitLab(const config::TrackerConfig& c, const outbound::ClientOptions& options, const Clock& clock)
        : secret_(c.webhook_secret), rest_(c.base_url, {{"PRIVATE-TOKEN", c.token}}, options, clock) {}

    CallResult find_filed(const TrackerJob& job, std::optional<TicketUpdate>& found) override {
        // The search matches words and prefixes: "hindsight-action:A-1" also
        // finds A-12's ticket, so pages are read until the exact marker shows.
        return rest_.each_page(project_path(job.project) + "/issues?scope=all&per_page=100&in=description&search=" +
                                   url_encode(job.marker),
                               "search issues", [&](const nlohmann::json& issue) {
                                   if (!has_marker(string_or_empty(issue, "description"), job.marker)) return true;
                                   found = read_rest_issue(issue, job.project);
                                   return false;
                               });
    }

    CallResult create(const TrackerJob& job, TicketUpdate& created) override {
        nlohmann::json body = {{"title", job.title}, {"description", job.body}};
        if (!job.due_date.empty()) body["due_date"] = job.due_date;
        if (!job.assignee.empty()) {
            try {
                body["assignee_ids"] = {std::stoll(job.assignee)};
            } catch (const std::exception&) {
                // Not a numeric user id: filed unassigned (docs/trackers.md).
            }
        }
        auto r = rest_.call("POST", project_path(job.project) + "/issues", body);
        auto result = rest_.classify(r, "create issue");
        if (result.ok()) created = read_rest_issue(parse_json(r.body), job.project);
        return result;
    }

    CallResult set_state(const std::string& key, TicketState state) override {
        auto [project, iid] = split_key(key);
        auto r = rest_.call("PUT", project_path(project) + "/issues/" + iid,
                            {{"state_event", state == TicketState::closed ? "close" : "reopen"}});
        return rest_.classify(r, state == TicketState::closed ? "close issue" : "reopen issue");
    }

    CallResult comment(const std::string& key, const std::string& text) override {
        auto [project, iid] = split_key(key);
        auto r = rest_.call("POST", project_path(project) + "/issues/" + iid + "/notes", {{"body", text}});
        return rest_.classify(r, "comment");
    }

    CallResult get(const std::string& key, TicketUpdate& ticket) override {
        auto [project, iid] = split_key(key);
        auto r = rest_.call("GET", project_path(project) + "/issues/" + iid);
        auto result = rest_.classify(r, "get issue");
        if (result.ok()) ticket = read_rest_issue(parse_json(r.body), project);
        return result;
    }

    CallResult find_user(const std::string& email, std::string& user) override {
        // A public e-mail matches for everyone, any e-mail for an administrator's token.
        auto r = rest_.call("GET", "/api/v4/users?search=" + url_encode(email));
        auto result = rest_.classify(r, "search users");
        if (!result.ok()) return result;
        user.clear();
        auto users = parse_json(r.body);
        if (users.is_array() && users.size() == 1 && users[0].is_object() && users[0].contains("id") &&
            users[0]["id"].is_number_integer())
            user = std::to_string(users[0]["id"].get<std::int64_t>());
        return result;
    }

    CallResult updated_since(const std::string& project, Timestamp since, std::vector<TicketUpdate>& out) override {
        return rest_.each_page(
            project_path(project) + "/issues?scope=all&per_page=100&updated_after=" + url_encode(iso8601(since)),
            "list updated issues", [&](const nlohmann::json& issue) {
                out.push_back(read_rest_issue(issue, project));
                return true;
            });
    }

    std::string signature_header() const override { return "X-Gitlab-Token"; }
    std::string event_header() const override { return "X-Gitlab-Event"; }

    WebhookVerdict parse_webhook(const WebhookRequest& request, TicketUpdate& update) const override {
        if (secret_.empty() || request.signature.empty() || !same_secret(request.signature, secret_))
            return WebhookVerdict::unauthenticated;
        auto j = nlohmann::json::parse(request.body, nullptr, false);
        if (!j.is_object()) return WebhookVerdict::malformed;
        if (string_or_empty(j, "object_kind") != "issue") return WebhookVerdict::ignored;
        if (!j.contains("object_attributes") || !j["object_attributes"].is_object() || !j.contains("project") ||
            !j["project"].is_object() || string_or_empty(j["project"], "path_with_namespace").empty())
            return WebhookVerdict::malformed;
        try {
            update = read_issue(j["object_attributes"], string_or_empty(j["project"], "path_with_namespace"),
                                j.contains("assignees") ? j["assignees"] : nlohmann::json::array());
            if (j.contains("user") && j["user"].is_object()) update.actor = string_or_empty(j["user"], "username");
        } catch (const nlohmann::json::exception&) {
            return WebhookVerdict::malformed;
        }
        return WebhookVerdict::ok;
    }

private:
    std::string secret_;
    Rest rest_;
};

}  // namespace

std::unique_ptr<TrackerClient> make_gitlab(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                           const Clock& clock) {
    return std::make_unique<GitLab>(c, options, clock);
}

}  // namespace hindsight::trackers
