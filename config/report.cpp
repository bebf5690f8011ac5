// What the service says about its configuration: the redacted dump printed by
// `check-config` and the startup warnings.
#include "config/config.hpp"

#include "bot/core/connection_url.hpp"

#include <nlohmann/json.hpp>

namespace hindsight::config {

namespace {

using ordered = nlohmann::ordered_json;

ordered secret(const std::string& value) {
    return value.empty() ? "" : "<redacted>";
}

// Back in the file's unit; whole values print as integers, like the file has them.
ordered in_unit(Duration d, std::int64_t micros_per_unit) {
    if (d.count() % micros_per_unit == 0) return d.count() / micros_per_unit;
    return static_cast<double>(d.count()) / static_cast<double>(micros_per_unit);
}

bool is_loopback(const std::string& address) {
    return address == "localhost" || address == "::1" || address == "[::1]" || address.starts_with("127.");
}

}  // namespace

std::string redacted_json(const Config& c) {
    ordered tokens = ordered::array();
    for (const auto& t : c.mattermost.tokens) tokens.push_back(secret(t));

    ordered out = {
        {"listen",
         {{"address", c.listen.address},
          {"port", c.listen.port},
          {"max_body_bytes", c.listen.max_body_bytes},
          {"header_timeout_s", c.listen.header_timeout_s},
          {"body_timeout_s", c.listen.body_timeout_s},
          {"idle_timeout_s", c.listen.idle_timeout_s},
          {"max_connections", c.listen.max_connections},
          {"threads", c.listen.threads}}},
        {"storage",
         {{"backend", c.storage.backend},
          {"path", c.storage_path},
          {"url", redact_connection_url(c.storage.url)},
          {"pool_size", c.storage.pool_size},
          {"lease_s", in_unit(c.storage.lease, 1'000'000)},
          {"statement_timeout_s", in_unit(c.storage.statement_timeout, 1'000'000)},
          {"lock_timeout_s", in_unit(c.storage.lock_timeout, 1'000'000)}}},
        {"timezone", c.bot.timezone},
        {"public_url", c.bot.public_url},
        {"log", {{"level", c.log.level}, {"format", c.log.format}}},
        {"api", {{"token", secret(c.api_token)}, {"link_ttl_days", c.link_ttl_days}}},
        {"slack",
         {{"mode", c.slack.mode},
          {"signing_secret", secret(c.slack.signing_secret)},
          {"bot_token", secret(c.slack.bot_token)},
          {"app_token", secret(c.slack.app_token)},
          {"connections", c.slack.connections},
          {"api_base_url", c.slack.api_base_url}}},
        {"mattermost",
         {{"url", c.mattermost.url},
          {"bot_token", secret(c.mattermost.bot_token)},
          {"tokens", tokens},
          {"websocket", c.mattermost.websocket}}},
        {"outbound",
         {{"max_attempts", c.outbound.max_attempts},
          {"backoff_base_s", in_unit(c.outbound.backoff_base, 1'000'000)},
          {"backoff_max_s", in_unit(c.outbound.backoff_max, 1'000'000)},
          {"timeout_s", c.outbound.timeout_s},
          {"keep_delivered_days", in_unit(c.outbound.keep_delivered, 86'400'000'000)}}},
        {"reminders",
         {{"check_interval_s", in_unit(c.bot.reminders.check_interval, 1'000'000)},
          {"repeat_every_s", in_unit(c.bot.reminders.repeat_every, 1'000'000)},
          {"escalate_after", c.bot.reminders.escalate_after},
          {"default_due", c.bot.reminders.default_due}}},
        {"postmortem",
         {{"schedule_within_h", in_unit(c.bot.postmortem.schedule_within, 3'600'000'000)},
          {"facilitators", c.bot.postmortem.facilitators},
          {"max_timeline_entries", c.bot.postmortem.max_timeline_entries}}},
        {"patterns", {{"window", c.bot.patterns_window}}},
    };
    ordered trackers = ordered::object();
    for (std::size_t i = 0; i < c.trackers.size(); ++i) {
        const auto& t = c.trackers[i];
        const auto& d = c.bot.trackers[i];
        ordered projects = ordered::array();
        for (const auto& p : d.projects) projects.push_back({{"channel", p.channel}, {"project", p.project}});
        trackers[t.name] = {{"kind", t.kind},
                            {"base_url", t.base_url},
                            {"web_url", d.web_url},
                            {"jira_api", t.kind == "jira" ? t.jira_api : ""},
                            {"email", t.email},
                            {"token", secret(t.token)},
                            {"webhook_secret", secret(t.webhook_secret)},
                            {"app_id", t.app_id},
                            {"installation_id", t.installation_id},
                            {"app_private_key", secret(t.app_private_key)},
                            {"on_done", d.comment_on_done ? "comment" : "close"},
                            {"projects", projects},
                            {"users", d.users},
                            {"match_email", d.match_email},
                            {"poll_interval_s", in_unit(t.poll_interval, 1'000'000)}};
    }
    out["trackers"] = trackers;
    if (c.listen.tls) out["listen"]["tls"] = {{"cert", c.listen.tls->cert}, {"key", c.listen.tls->key}};
    return out.dump(2);
}

std::vector<std::string> warnings(const Config& c) {
    std::vector<std::string> out;
    if (c.slack.socket_mode()) {
        if (!c.slack.signing_secret.empty())
            out.push_back("slack: signing_secret is not used in socket mode (no /slack/* routes are served)");
    } else if (!c.slack.app_token.empty()) {
        out.push_back("slack: app_token is only used when slack.mode is \"socket\"");
    }
    if (!c.slack.enabled()) {
        out.push_back("slack: signing_secret not set — Slack endpoints disabled");
    } else if (c.slack.bot_token.empty()) {
        out.push_back("slack: bot_token not set — the bot can record but not post");
    }
    if (c.mattermost.tokens.empty()) {
        out.push_back("mattermost: no tokens — Mattermost endpoints disabled");
    }
    if (!c.mattermost.tokens.empty() && c.mattermost.bot_token.empty()) {
        out.push_back("mattermost: bot_token not set — the bot can answer commands but not post");
    }
    if (!c.storage.postgres() && !c.storage.url.empty()) {
        out.push_back("storage.url is set but storage.backend is \"sqlite\" — the URL is not used");
    }
    if (c.api_token.empty()) {
        out.push_back("api.token not set — /incidents API disabled");
    }
    for (const auto& t : c.trackers) {
        if (t.webhook_secret.empty())
            out.push_back("trackers." + t.name + ": no webhook secret (" + tracker_env_name(t.name, "WEBHOOK_SECRET") +
                          ") — no webhook route; changes in the tracker arrive by polling only");
        if (t.webhook_secret.empty() && t.poll_interval == Duration::zero())
            out.push_back("trackers." + t.name + ": neither webhooks nor polling — changes in the tracker never reach Hindsight");
    }
    if (!is_loopback(c.listen.address) && !c.listen.tls) {
        out.push_back("listen.address " + c.listen.address +
                      " is not a loopback address and Hindsight serves plain HTTP — "
                      "set listen.tls or put a TLS-terminating reverse proxy in front");
    }
    return out;
}

}  // namespace hindsight::config
