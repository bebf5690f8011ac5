// Jira over REST (docs/trackers.md, "Jira"): Cloud (REST v3, Basic with the
// account's e-mail and an API token; descriptions in the Atlassian Document
// Format) or Data Center (REST v2, a personal access token as Bearer; plain
// text). Tickets are "OPS-12"; closing and reopening are workflow
// transitions into the done or the to-do status category; the webhook is
// signed like GitHub's (X-Hub-Signature: sha256=<HMAC-SHA256>).
#include "adapters/chat/wire.hpp"
#include "adapters/trackers/kinds.hpp"
#include "adapters/trackers/rest.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

namespace hindsight::trackers {

namespace {

std::string base64(std::string_view text) {
    std::string out(4 * ((text.size() + 2) / 3), '\0');
    auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// Plain text as an Atlassian Document: one paragraph per line.
nlohmann::json adf(const std::string& text) {
    nlohmann::json content = nlohmann::json::array();
    std::size_t at = 0;
    while (at <= text.size()) {
        auto end = text.find('\n', at);
        auto line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        nlohmann::json paragraph = {{"type", "paragraph"}, {"content", nlohmann::json::array()}};
        if (!line.empty()) paragraph["content"].push_back({{"type", "text"}, {"text", line}});
        content.push_back(std::move(paragraph));
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return {{"type", "doc"}, {"version", 1}, {"content", std::move(content)}};
}

// The text of a description: a string (v2) or an ADF document (v3).
void collect_text(const nlohmann::json& node, std::string& out) {
    if (node.is_string()) {
        out += node.get<std::string>();
        return;
    }
    if (!node.is_object()) return;
    if (node.contains("text") && node["text"].is_string()) out += node["text"].get<std::string>();
    if (node.contains("content") && node["content"].is_array())
        for (const auto& child : node["content"]) collect_text(child, out);
    if (node.value("type", "") == "paragraph") out += '\n';
}

class Jira final : public TrackerClient {
public:
    Jira(const config::TrackerConfig& c, const outbound::ClientOptions& options, const Clock& clock)
        : clock_(clock),
          cloud_(c.jira_api != "datacenter"),
          web_(c.base_url),
          api_(cloud_ ? "/rest/api/3" : "/rest/api/2"),
          secret_(c.webhook_secret),
          rest_(c.base_url,
                {{"Authorization", cloud_ ? "Basic " + base64(c.email + ":" + c.token) : "Bearer " + c.token}},
                options, clock) {}

    CallResult find_filed(const TrackerJob& job, std::optional<TicketUpdate>& found) override {
        std::vector<TicketUpdate> hits;
        auto result = search("project = \"" + job.project + "\" AND text ~ \"\\\"" + job.marker + "\\\"\"", hits,
                             "search issues", "description", job.marker, true);
        if (result.ok() && !hits.empty()) found = hits.front();
        return result;
    }

    CallResult create(const TrackerJob& job, TicketUpdate& created) override {
        nlohmann::json fields = {{"project", {{"key", job.project}}},
                                 {"summary", job.title},
                                 {"issuetype", {{"name", "Task"}}},
                                 {"description", cloud_ ? adf(job.body) : nlohmann::json(job.body)}};
        if (!job.due_date.empty()) fields["duedate"] = job.due_date;
        if (!job.assignee.empty())
            fields["assignee"] = cloud_ ? nlohmann::json{{"accountId", job.assignee}} : nlohmann::json{{"name", job.assignee}};
        auto r = rest_.call("POST", api_ + "/issue", {{"fields", fields}});
        auto result = rest_.classify(r, "create issue");
        if (!result.ok()) return result;
        created = {};
        created.key = string_or_empty(parse_json(r.body), "key");
        created.url = web_ + "/browse/" + created.key;
        created.state = TicketState::open;
        return result;
    }

    CallResult set_state(const std::string& key, TicketState state) override {
        auto r = rest_.call("GET", api_ + "/issue/" + url_encode(key) + "/transitions");
        auto result = rest_.classify(r, "list transitions");
        if (!result.ok()) return result;
        // Closing goes to the done category, reopening to to-do (or in progress).
        std::string id;
        auto transitions = parse_json(r.body).value("transitions", nlohmann::json::array());
        for (const auto& t : transitions) {
            if (!t.is_object() || !t.contains("to") || !t["to"].is_object()) continue;
            auto category = t["to"].value("statusCategory", nlohmann::json::object()).value("key", "");
            bool wanted = state == TicketState::closed ? category == "done" : category == "new";
            if (!wanted && state == TicketState::open && category == "indeterminate" && id.empty()) wanted = true;
            if (wanted) {
                id = string_or_empty(t, "id");
                if (category != "indeterminate") break;
            }
        }
        if (id.empty()) {
            result.status = CallResult::Status::failed;
            result.error = std::string("no workflow transition to ") + (state == TicketState::closed ? "done" : "to do");
            return result;
        }
        r = rest_.call("POST", api_ + "/issue/" + url_encode(key) + "/transitions", {{"transition", {{"id", id}}}});
        return rest_.classify(r, "transition issue");
    }

    CallResult comment(const std::string& key, const std::string& text) override {
        auto r = rest_.call("POST", api_ + "/issue/" + url_encode(key) + "/comment",
                            {{"body", cloud_ ? adf(text) : nlohmann::json(text)}});
        return rest_.classify(r, "comment");
    }

    CallResult get(const std::string& key, TicketUpdate& ticket) override {
        auto r = rest_.call("GET", api_ + "/issue/" + url_encode(key) + "?fields=status,assignee,duedate");
        auto result = rest_.classify(r, "get issue");
        if (result.ok()) ticket = read_issue(parse_json(r.body));
        return result;
    }

    CallResult find_user(const std::string& email, std::string& user) override {
        // Cloud matches `query` against e-mail and name; Data Center's
        // `username` against user name, name and e-mail.
        auto r = rest_.call("GET", api_ + "/user/search?" + (cloud_ ? "query=" : "username=") + url_encode(email));
        auto result = rest_.classify(r, "search users");
        if (!result.ok()) return result;
        user.clear();
        auto users = parse_json(r.body);
        if (users.is_array() && users.size() == 1 && users[0].is_object())
            user = string_or_empty(users[0], cloud_ ? "accountId" : "name");
        return result;
    }

    CallResult updated_since(const std::string& project, Timestamp since, std::vector<TicketUpdate>& out) override {
        // Relative minutes: JQL dates are read in the API user's time zone.
        auto minutes = std::chrono::duration_cast<std::chrono::minutes>(clock_now() - since).count() + 1;
        return search("project = \"" + project + "\" AND updated >= -" + std::to_string(minutes) + "m", out,
                      "list updated issues", "", "");
    }

    std::string signature_header() const override { return "X-Hub-Signature"; }

    WebhookVerdict parse_webhook(const WebhookRequest& request, TicketUpdate& update) const override {
        if (secret_.empty() || request.signature.empty() ||
            !same_secret(request.signature, "sha256=" + chat::hmac_sha256_hex(secret_, request.body)))
            return WebhookVerdict::unauthenticated;
        auto j = nlohmann::json::parse(request.body, nullptr, false);
        if (!j.is_object()) return WebhookVerdict::malformed;
        auto event = string_or_empty(j, "webhookEvent");
        if (!event.starts_with("jira:issue_")) return WebhookVerdict::ignored;
        if (!j.contains("issue") || !j["issue"].is_object() || string_or_empty(j["issue"], "key").empty())
            return WebhookVerdict::malformed;
        try {
            update = read_issue(j["issue"]);
            if (j.contains("user") && j["user"].is_object()) update.actor = string_or_empty(j["user"], "displayName");
        } catch (const nlohmann::json::exception&) {
            return WebhookVerdict::malformed;
        }
        return WebhookVerdict::ok;
    }

private:
    Timestamp clock_now() const { return clock_.now(); }

    TicketUpdate read_issue(const nlohmann::json& issue) const {
        TicketUpdate t;
        t.key = string_or_empty(issue, "key");
        t.url = web_ + "/browse/" + t.key;
        auto fields = issue.value("fields", nlohmann::json::object());
        auto status = fields.value("status", nlohmann::json::object());
        auto category = status.value("statusCategory", nlohmann::json::object()).value("key", "");
        t.state = category == "done" ? TicketState::closed : TicketState::open;
        if (fields.contains("assignee")) {
            const auto& a = fields["assignee"];
            t.assignee = a.is_object() ? string_or_empty(a, cloud_ ? "accountId" : "name") : std::string{};
        }
        if (fields.contains("duedate")) t.due_date = string_or_empty(fields, "duedate");
        return t;
    }

    // `marker`: keep only issues whose `field` text carries it (JQL's
    // text search matches words, not the exact marker). `first_only`: stop
    // at the first kept. Every page is read: Cloud's /search/jql hands out a
    // nextPageToken until the last page, Data Center's /search counts
    // startAt up to total.
    CallResult search(const std::string& jql, std::vector<TicketUpdate>& out, const std::string& what,
                      const std::string& field, const std::string& marker, bool first_only = false) {
        std::string fields = "status,assignee,duedate";
        if (!field.empty()) fields += "," + field;
        const std::string query = api_ + (cloud_ ? "/search/jql" : "/search") + "?maxResults=100&fields=" + fields +
                                  "&jql=" + url_encode(jql);
        std::string page_token;
        std::int64_t start_at = 0;
        for (int page = 1;; ++page) {
            std::string path = query;
            if (!page_token.empty()) path += "&nextPageToken=" + url_encode(page_token);
            if (!cloud_ && start_at > 0) path += "&startAt=" + std::to_string(start_at);
            auto r = rest_.call("GET", path);
            auto result = rest_.classify(r, what);
            if (!result.ok()) return result;
            auto answer = parse_json(r.body);
            auto issues = answer.value("issues", nlohmann::json::array());
            for (const auto& issue : issues) {
                if (!issue.is_object()) continue;
                if (!marker.empty()) {
                    std::string text;
                    collect_text(issue.value("fields", nlohmann::json::object()).value(field, nlohmann::json()), text);
                    if (!has_marker(text, marker)) continue;
                }
                out.push_back(read_issue(issue));
                if (first_only) return result;
            }
            if (cloud_) {
                page_token = string_or_empty(answer, "nextPageToken");
                if (page_token.empty() || answer.value("isLast", false)) return result;
            } else {
                start_at += static_cast<std::int64_t>(issues.size());
                const auto total = answer.value("total", std::int64_t{0});
                if (issues.empty() || start_at >= total) return result;
            }
            if (page == kMaxPages) {
                spdlog::warn("trackers: {} stopped after {} pages", what, kMaxPages);
                return result;
            }
        }
    }

    const Clock& clock_;
    bool cloud_;
    std::string web_;
    std::string api_;
    std::string secret_;
    Rest rest_;
};

}  // namespace

std::unique_ptr<TrackerClient> make_jira(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                         const Clock& clock) {
    return std::make_unique<Jira>(c, options, clock);
}

std::unique_ptr<TrackerClient> make_client(const config::TrackerConfig& c, const outbound::ClientOptions& options,
                                           const Clock& clock) {
    if (c.kind == "gitlab") return make_gitlab(c, options, clock);
    if (c.kind == "jira") return make_jira(c, options, clock);
    return make_github(c, options, clock);
}

}  // namespace hindsight::trackers
