// trackers.<name>: the issue trackers action items are filed in
// (docs/trackers.md). Secrets only from the environment.
#include "config/trackers.hpp"

#include "config/fields.hpp"

#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>

namespace hindsight::config {

using namespace detail;

namespace {

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 40) return false;
    for (unsigned char c : name)
        if (!(std::islower(c) || std::isdigit(c) || c == '-' || c == '_')) return false;
    return true;
}

// Where people open the tickets: github.com for the public API, the
// instance itself for GitHub Enterprise (…/api/v3) and the others.
std::string default_web_url(const std::string& kind, const std::string& base_url) {
    if (kind == "github") {
        if (base_url == "https://api.github.com") return "https://github.com";
        if (base_url.ends_with("/api/v3")) return base_url.substr(0, base_url.size() - 7);
    }
    return base_url;
}

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

void read_projects(const Field& f, TrackerSettings& out) {
    if (!f.value.is_array()) fail(f.key, "must be an array of {\"channel\": <glob>, \"project\": <project>}");
    for (std::size_t i = 0; i < f.value.size(); ++i) {
        const auto& item = f.value[i];
        const std::string key = f.key + "[" + std::to_string(i) + "]";
        if (!item.is_object() || item.size() != 2 || !item.contains("channel") || !item.contains("project") ||
            !item["channel"].is_string() || !item["project"].is_string() ||
            item["channel"].get<std::string>().empty() || item["project"].get<std::string>().empty())
            fail(key, "must be {\"channel\": <glob over the channel id>, \"project\": <project>}, both non-empty");
        out.projects.push_back({item["channel"].get<std::string>(), item["project"].get<std::string>()});
    }
}

void read_users(const Field& f, TrackerSettings& out) {
    if (!f.value.is_object()) fail(f.key, "must be an object of chat user id -> tracker user");
    for (const auto& item : f.value.items()) {
        if (!item.value().is_string() || item.value().get<std::string>().empty())
            fail(f.key + "." + item.key(), "must be a non-empty string (the tracker's user)");
        out.users[item.key()] = item.value().get<std::string>();
    }
}

}  // namespace

std::string tracker_env_name(const std::string& tracker, const std::string& suffix) {
    std::string out = "HINDSIGHT_TRACKER_";
    for (unsigned char c : tracker) out += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
    return out + "_" + suffix;
}

void read_trackers(const Section& root, Config& out) {
    for (auto& [name, s] : root.named_sections("trackers", {"kind", "base_url", "web_url", "jira_api", "email",
                                                            "on_done", "projects", "users", "match_email",
                                                            "poll_interval_s", "app_id", "installation_id"})) {
        const std::string prefix = "trackers." + name;
        if (!valid_name(name)) fail(prefix, "a tracker's name must be 1-40 of a-z, 0-9, '-' and '_'");
        TrackerConfig wire;
        TrackerSettings domain;
        wire.name = domain.name = name;
        auto kind = s["kind"];
        if (!kind) fail(prefix + ".kind", "required: \"github\", \"gitlab\" or \"jira\"");
        wire.kind = as_string(*kind);
        if (wire.kind != "github" && wire.kind != "gitlab" && wire.kind != "jira")
            fail(kind->key, "must be \"github\", \"gitlab\" or \"jira\"");
        domain.kind = wire.kind;
        if (auto f = s["base_url"]) wire.base_url = without_trailing_slash(as_url(*f));
        if (wire.base_url.empty()) {
            if (wire.kind != "github") fail(prefix + ".base_url", "required: the address of the " + wire.kind + " server");
            wire.base_url = "https://api.github.com";
        }
        domain.web_url = default_web_url(wire.kind, wire.base_url);
        if (auto f = s["web_url"]) domain.web_url = without_trailing_slash(as_url(*f));
        if (auto f = s["jira_api"]) {
            wire.jira_api = as_string(*f);
            if (wire.kind != "jira") fail(f->key, "only for kind \"jira\"");
            if (wire.jira_api != "cloud" && wire.jira_api != "datacenter")
                fail(f->key, "must be \"cloud\" (REST v3, e-mail and API token) or \"datacenter\" (REST v2, personal access token)");
        }
        if (auto f = s["email"]) wire.email = as_nonempty_string(*f);
        if (wire.kind == "jira" && wire.jira_api == "cloud" && wire.email.empty())
            fail(prefix + ".email", "required for Jira Cloud: the e-mail of the account the API token belongs to");
        if (auto f = s["on_done"]) {
            auto on_done = as_string(*f);
            if (on_done != "close" && on_done != "comment") fail(f->key, "must be \"close\" or \"comment\"");
            domain.comment_on_done = on_done == "comment";
        }
        if (auto f = s["projects"]) read_projects(*f, domain);
        if (auto f = s["users"]) read_users(*f, domain);
        domain.match_email = true;
        if (auto f = s["match_email"]) domain.match_email = as_bool(*f);
        for (auto [key, value] : {std::pair{"app_id", &wire.app_id}, std::pair{"installation_id", &wire.installation_id}}) {
            auto f = s[key];
            if (!f) continue;
            if (wire.kind != "github") fail(f->key, "only for kind \"github\" (a GitHub App)");
            *value = f->value.is_number_integer() ? std::to_string(as_integer(*f, 1, std::numeric_limits<std::int64_t>::max()))
                                                 : as_nonempty_string(*f);
        }
        if (!wire.app_id.empty() && wire.installation_id.empty())
            fail(prefix + ".installation_id", "required with app_id: the id of the app's installation on the repositories");
        if (wire.app_id.empty() && !wire.installation_id.empty())
            fail(prefix + ".app_id", "required with installation_id: the GitHub App's id");
        if (auto f = s["poll_interval_s"]) {
            auto seconds = as_integer(*f, 0, 7 * 24 * 3600);
            wire.poll_interval = std::chrono::seconds(seconds);
        }
        out.trackers.push_back(std::move(wire));
        out.bot.trackers.push_back(std::move(domain));
    }
}

void apply_tracker_environment(Config& config, const Environment& env) {
    auto value = [&](const std::string& name) {
        auto it = env.find(name);
        return it == env.end() ? std::string{} : it->second;
    };
    for (auto& t : config.trackers) {
        if (auto v = value(tracker_env_name(t.name, "TOKEN")); !v.empty()) t.token = v;
        if (auto v = value(tracker_env_name(t.name, "WEBHOOK_SECRET")); !v.empty()) t.webhook_secret = v;
        if (auto v = value(tracker_env_name(t.name, "APP_PRIVATE_KEY")); !v.empty()) t.app_private_key = v;
        if (auto path = value(tracker_env_name(t.name, "APP_PRIVATE_KEY_FILE")); !path.empty() && t.app_private_key.empty()) {
            std::ifstream in(path, std::ios::binary);
            if (!in)
                fail("trackers." + t.name + ".app_private_key",
                     tracker_env_name(t.name, "APP_PRIVATE_KEY_FILE") + " names a file that cannot be read");
            t.app_private_key.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
}

void check_trackers(const Config& config) {
    for (const auto& t : config.trackers) {
        if (!t.app_id.empty()) {
            // The key itself is read by OpenSSL when the service starts (and by check-config).
            if (t.app_private_key.empty())
                fail("trackers." + t.name + ".app_private_key",
                     "no private key: set " + tracker_env_name(t.name, "APP_PRIVATE_KEY") + " (the PEM) or " +
                         tracker_env_name(t.name, "APP_PRIVATE_KEY_FILE") + " (its path)");
            if (t.app_private_key.find("-----BEGIN") == std::string::npos ||
                t.app_private_key.find("PRIVATE KEY-----") == std::string::npos)
                fail("trackers." + t.name + ".app_private_key", "not a PEM private key (-----BEGIN RSA PRIVATE KEY-----)");
            continue;
        }
        if (t.token.empty())
            fail("trackers." + t.name, "no token: set " + tracker_env_name(t.name, "TOKEN") +
                                           " (tracker credentials come from the environment only)");
    }
}

}  // namespace hindsight::config
