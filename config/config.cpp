#include "config/config.hpp"

#include "config/fields.hpp"
#include "config/trackers.hpp"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace hindsight::config {

using namespace detail;

namespace {

constexpr double kMaxSeconds = 10.0 * 365 * 24 * 3600;  // ten years: no timer needs more
constexpr double kMaxHours = kMaxSeconds / 3600;

double seconds_field(const Field& f) {
    return as_positive_number(f, kMaxSeconds, "must be a positive number of seconds (at most 315360000)");
}

// Microsecond precision, the unit of Duration; a value that rounds to nothing is an error.
Duration to_duration(const Field& f, double value, double micros_per_unit, const char* unit) {
    auto micros = std::llround(value * micros_per_unit);
    if (micros < 1) fail(f.key, std::string("must be at least one microsecond (in ") + unit + ")");
    return Duration{micros};
}

Duration seconds_duration(const Field& f) {
    return to_duration(f, seconds_field(f), 1e6, "seconds");
}

Duration hours_duration(const Field& f) {
    auto hours = as_positive_number(f, kMaxHours, "must be a positive number of hours (at most 87600)");
    return to_duration(f, hours, 3600e6, "hours");
}

std::string trimmed(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

// Keeps the parser's position and reason but drops "last read: '...'", which
// quotes file content — possibly a secret.
std::string describe(const nlohmann::json::parse_error& e) {
    std::string message = e.what();
    if (auto bracket = message.find("] "); message.starts_with("[json.exception") && bracket != std::string::npos) {
        message.erase(0, bracket + 2);
    }
    if (auto start = message.find("; last read: '"); start != std::string::npos) {
        auto end = message.find("'; expected", start);
        message.erase(start, end == std::string::npos ? std::string::npos : end + 1 - start);
    }
    return "malformed JSON: " + message + " (byte " + std::to_string(e.byte) + ")";
}

// Only the paths: whether the files can be used is checked when the server
// starts (and on every reload), where they are read.
TlsConfig read_tls(const Section& listen) {
    auto s = listen.section("tls", {"cert", "key"});
    TlsConfig out;
    for (auto [name, value] : {std::pair{"cert", &out.cert}, std::pair{"key", &out.key}}) {
        auto f = s[name];
        if (!f) fail("listen.tls." + std::string(name), "required");
        *value = as_nonempty_string(*f);
    }
    return out;
}

void read_listen(const Section& root, ListenConfig& out) {
    auto s = root.section("listen", {"address", "port", "max_body_bytes", "header_timeout_s", "body_timeout_s",
                                     "idle_timeout_s", "max_connections", "threads", "tls"});
    if (auto f = s["address"]) out.address = as_nonempty_string(*f);
    // 0 asks the OS for an ephemeral port (tests, and the log line says which one).
    if (auto f = s["port"]) out.port = static_cast<std::uint16_t>(as_integer(*f, 0, 65535));
    if (auto f = s["max_body_bytes"]) out.max_body_bytes = static_cast<std::size_t>(as_integer(*f, 1, std::int64_t{1} << 40));
    if (auto f = s["header_timeout_s"]) out.header_timeout_s = seconds_field(*f);
    if (auto f = s["body_timeout_s"]) out.body_timeout_s = seconds_field(*f);
    if (auto f = s["idle_timeout_s"]) out.idle_timeout_s = seconds_field(*f);
    if (auto f = s["max_connections"]) out.max_connections = static_cast<std::size_t>(as_integer(*f, 1, 1'000'000));
    if (auto f = s["threads"]) out.threads = static_cast<int>(as_integer(*f, 0, 1024));
    if (s["tls"]) out.tls = read_tls(s);
}

void read_log(const Section& root, LogConfig& out) {
    auto s = root.section("log", {"level", "format"});
    if (auto f = s["level"]) {
        auto level = as_string(*f);
        if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error") {
            fail(f->key, "must be one of trace, debug, info, warn, error");
        }
        out.level = level;
    }
    if (auto f = s["format"]) {
        auto format = as_string(*f);
        if (format != "text" && format != "json") fail(f->key, "must be \"text\" or \"json\"");
        out.format = format;
    }
}

void read_platforms(const Section& root, Config& out) {
    auto slack = root.section("slack",
                              {"mode", "signing_secret", "bot_token", "app_token", "connections", "api_base_url"});
    if (auto f = slack["mode"]) {
        auto mode = as_string(*f);
        if (mode != "http" && mode != "socket") fail(f->key, "must be \"http\" or \"socket\"");
        out.slack.mode = mode;
    }
    if (auto f = slack["signing_secret"]) out.slack.signing_secret = as_string(*f);
    if (auto f = slack["bot_token"]) out.slack.bot_token = as_string(*f);
    if (auto f = slack["app_token"]) out.slack.app_token = as_string(*f);
    if (auto f = slack["connections"]) out.slack.connections = static_cast<int>(as_integer(*f, 1, 10));
    if (auto f = slack["api_base_url"]) {
        auto url = as_url(*f);
        if (url.empty()) fail(f->key, "must be an http:// or https:// URL");
        // Method names are appended to it ("chat.postMessage").
        if (url.back() != '/') url += '/';
        out.slack.api_base_url = url;
    }

    auto mm = root.section("mattermost", {"url", "bot_token", "tokens", "websocket"});
    if (auto f = mm["url"]) {
        auto url = as_url(*f);
        // API paths are appended to it ("/api/v4/posts").
        while (!url.empty() && url.back() == '/') url.pop_back();
        out.mattermost.url = url;
    }
    if (auto f = mm["bot_token"]) out.mattermost.bot_token = as_string(*f);
    if (auto f = mm["tokens"]) out.mattermost.tokens = as_string_list(*f);
    if (auto f = mm["websocket"]) out.mattermost.websocket = as_bool(*f);
}

void read_outbound(const Section& root, OutboundConfig& out) {
    auto s = root.section("outbound",
                          {"max_attempts", "backoff_base_s", "backoff_max_s", "timeout_s", "keep_delivered_days"});
    if (auto f = s["max_attempts"]) out.max_attempts = static_cast<int>(as_integer(*f, 1, 1000));
    if (auto f = s["backoff_base_s"]) out.backoff_base = seconds_duration(*f);
    if (auto f = s["backoff_max_s"]) out.backoff_max = seconds_duration(*f);
    if (auto f = s["timeout_s"]) {
        out.timeout_s = seconds_field(*f);
        // The HTTP client counts in milliseconds: less would mean no time at all.
        if (out.timeout_s < 0.001) fail(f->key, "must be at least 0.001 seconds");
    }
    if (auto f = s["keep_delivered_days"]) out.keep_delivered = std::chrono::hours(24 * as_integer(*f, 0, 3650));
    if (out.backoff_max < out.backoff_base) {
        if (s["backoff_max_s"]) fail("outbound.backoff_max_s", "must be at least outbound.backoff_base_s");
        fail("outbound.backoff_base_s", "must be at most outbound.backoff_max_s (300 when not set)");
    }
}

void read_storage(const Section& root, Config& out) {
    auto s = root.section("storage",
                          {"path", "backend", "url", "pool_size", "lease_s", "statement_timeout_s", "lock_timeout_s"});
    if (auto f = s["path"]) out.storage_path = as_nonempty_string(*f);
    if (auto f = s["backend"]) {
        auto backend = as_string(*f);
        if (backend != "sqlite" && backend != "postgres") fail(f->key, "must be \"sqlite\" or \"postgres\"");
        out.storage.backend = backend;
    }
    if (auto f = s["url"]) out.storage.url = as_string(*f);
    if (auto f = s["pool_size"]) out.storage.pool_size = static_cast<int>(as_integer(*f, 1, 1000));
    if (auto f = s["lease_s"]) {
        out.storage.lease = seconds_duration(*f);
        if (out.storage.lease < std::chrono::seconds(1)) fail(f->key, "must be at least 1 second");
    }
    // PostgreSQL counts these in milliseconds.
    auto milliseconds_at_least_one = [](const Field& f) {
        auto d = seconds_duration(f);
        if (d < std::chrono::milliseconds(1)) fail(f.key, "must be at least 0.001 seconds");
        return d;
    };
    if (auto f = s["statement_timeout_s"]) out.storage.statement_timeout = milliseconds_at_least_one(*f);
    if (auto f = s["lock_timeout_s"]) out.storage.lock_timeout = milliseconds_at_least_one(*f);
}

void read_bot(const Section& root, BotSettings& out) {
    if (auto f = root["timezone"]) {
        auto zone = as_nonempty_string(*f);
        try {
            date::locate_zone(zone);
        } catch (const std::exception&) {
            fail(f->key, "unknown time zone \"" + zone + "\" (expected an IANA name such as \"Europe/Berlin\")");
        }
        out.timezone = zone;
    }
    if (auto f = root["public_url"]) {
        auto url = as_url(*f);
        while (!url.empty() && url.back() == '/') url.pop_back();
        out.public_url = url;
    }

    auto r = root.section("reminders", {"check_interval_s", "repeat_every_s", "escalate_after", "default_due"});
    if (auto f = r["check_interval_s"]) out.reminders.check_interval = seconds_duration(*f);
    if (auto f = r["repeat_every_s"]) out.reminders.repeat_every = seconds_duration(*f);
    if (auto f = r["escalate_after"]) out.reminders.escalate_after = static_cast<int>(as_integer(*f, 1, 1000));
    if (auto f = r["default_due"]) {
        auto due = as_string(*f);
        auto parsed = parse_duration(due);
        if (!parsed || *parsed <= Duration{0}) {
            fail(f->key, "must be a positive relative duration such as \"+7d\", \"12h\" or \"1w2d\"");
        }
        out.reminders.default_due = due;
    }

    auto p = root.section("postmortem", {"schedule_within_h", "facilitators", "max_timeline_entries"});
    if (auto f = p["schedule_within_h"]) out.postmortem.schedule_within = hours_duration(*f);
    if (auto f = p["facilitators"]) out.postmortem.facilitators = as_string_list(*f);
    if (auto f = p["max_timeline_entries"]) out.postmortem.max_timeline_entries = static_cast<int>(as_integer(*f, 1, 100000));

    auto patterns = root.section("patterns", {"window"});
    if (auto f = patterns["window"]) out.patterns_window = static_cast<int>(as_integer(*f, 1, 100000));
}

// Secrets from the environment win over the file. A variable set to an empty
// (or blank) value counts as unset, so `FOO=` in a unit file doesn't erase the file's value.
void apply_environment(Config& config, const Environment& env) {
    auto value = [&](const char* name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        auto v = trimmed(it->second);
        if (v.empty()) return std::nullopt;
        return v;
    };
    if (auto v = value("HINDSIGHT_SLACK_SIGNING_SECRET")) config.slack.signing_secret = *v;
    if (auto v = value("HINDSIGHT_SLACK_BOT_TOKEN")) config.slack.bot_token = *v;
    if (auto v = value("HINDSIGHT_SLACK_APP_TOKEN")) config.slack.app_token = *v;
    if (auto v = value("HINDSIGHT_MATTERMOST_BOT_TOKEN")) config.mattermost.bot_token = *v;
    if (auto v = value("HINDSIGHT_API_TOKEN")) config.api_token = *v;
    if (auto v = value("HINDSIGHT_DATABASE_URL")) config.storage.url = *v;
    apply_tracker_environment(config, env);
    if (auto v = value("HINDSIGHT_MATTERMOST_TOKENS")) {
        std::vector<std::string> tokens;
        std::string_view rest = *v;
        while (true) {
            auto comma = rest.find(',');
            auto token = trimmed(rest.substr(0, comma));
            if (!token.empty()) tokens.push_back(std::move(token));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        if (!tokens.empty()) config.mattermost.tokens = std::move(tokens);
    }
}

// Rules that span keys, checked once the environment has been applied.
void check_combined(const Config& config) {
    check_trackers(config);
    if (config.storage.postgres()) {
        const auto& url = config.storage.url;
        if (url.empty())
            fail("storage.url", "required when storage.backend is \"postgres\" (or set HINDSIGHT_DATABASE_URL)");
        // Never echo the value: it may carry the password.
        if (!url.starts_with("postgresql://") && !url.starts_with("postgres://"))
            fail("storage.url", "must be a PostgreSQL connection URI (postgresql://user@host:5432/dbname)");
        // A claimed outbox message is sent only while its lease can cover the
        // whole send (up to two requests): a shorter lease would send nothing.
        if (config.storage.lease <= std::chrono::duration_cast<Duration>(
                                       std::chrono::duration<double>(2 * config.outbound.timeout_s)))
            fail("storage.lease_s", "must be more than twice outbound.timeout_s (a send of up to two requests "
                                    "must fit in the lease)");
    }
    if (config.slack.socket_mode()) {
        // Never the token itself in the message: only what is wrong with it.
        if (config.slack.app_token.empty())
            fail("slack.app_token",
                 "required when slack.mode is \"socket\" (an app-level token xapp-…; or HINDSIGHT_SLACK_APP_TOKEN)");
        if (!config.slack.app_token.starts_with("xapp-"))
            fail("slack.app_token", "must be an app-level token (xapp-…), not a bot or user token");
    }
    if (!config.mattermost.bot_token.empty() && config.mattermost.url.empty()) {
        fail("mattermost.url",
             "required when a Mattermost bot token is set (mattermost.bot_token or HINDSIGHT_MATTERMOST_BOT_TOKEN)");
    }
}

}  // namespace

Environment process_environment() {
    Environment env;
    for (const char* name : {"HINDSIGHT_SLACK_SIGNING_SECRET", "HINDSIGHT_SLACK_BOT_TOKEN",
                             "HINDSIGHT_SLACK_APP_TOKEN", "HINDSIGHT_MATTERMOST_BOT_TOKEN", "HINDSIGHT_MATTERMOST_TOKENS",
                             "HINDSIGHT_API_TOKEN", "HINDSIGHT_DATABASE_URL"}) {
        if (const char* value = std::getenv(name)) env[name] = value;
    }
    // Tracker secrets: HINDSIGHT_TRACKER_<NAME>_TOKEN / _WEBHOOK_SECRET.
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string_view text(*entry);
        auto eq = text.find('=');
        if (eq != std::string_view::npos && text.starts_with("HINDSIGHT_TRACKER_"))
            env[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
    }
    return env;
}

Config parse(const std::string& json_text, const Environment& env) {
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::parse_error& e) {
        throw ConfigError(describe(e));
    } catch (const nlohmann::json::out_of_range&) {
        // A number too large for a double ("1e999") fails the parse this way.
        throw ConfigError("malformed JSON: a number is out of range");
    }

    Section top(root, {"listen", "storage", "timezone", "log", "api", "slack", "mattermost", "reminders",
                       "postmortem", "patterns", "public_url", "outbound", "trackers"});
    Config config;
    read_listen(top, config.listen);
    read_storage(top, config);
    read_log(top, config.log);
    {
        auto api = top.section("api", {"token", "link_ttl_days"});
        if (auto f = api["token"]) config.api_token = as_string(*f);
        if (auto f = api["link_ttl_days"]) config.link_ttl_days = static_cast<int>(as_integer(*f, 1, 3650));
    }
    read_platforms(top, config);
    read_outbound(top, config.outbound);
    read_bot(top, config.bot);
    read_trackers(top, config);

    apply_environment(config, env);
    check_combined(config);
    return config;
}

Config load(const std::optional<std::string>& path, const Environment& env) {
    if (!path) {
        Config config;
        apply_environment(config, env);
        check_combined(config);
        return config;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(*path, ec)) throw ConfigError(*path + ": cannot read config file: is a directory");
    std::ifstream in(*path, std::ios::binary);
    if (!in) throw ConfigError(*path + ": cannot read config file: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(*path + ": cannot read config file: read error");
    try {
        return parse(text.str(), env);
    } catch (const ConfigError& e) {
        throw ConfigError(*path + ": " + e.what());
    }
}

}  // namespace hindsight::config
