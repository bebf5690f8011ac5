// The service configuration: one JSON file plus secrets from the environment
// (config/README.md). Loading validates everything and names the offending key.
#pragma once

#include "bot/core/settings.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hindsight::config {

// Serve HTTPS directly: PEM files, read at start and again on SIGHUP.
struct TlsConfig {
    std::string cert;  // certificate chain, leaf first
    std::string key;   // its private key (unencrypted)
};

struct ListenConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::size_t max_body_bytes = 1048576;
    double header_timeout_s = 10.0;   // time allowed to receive the request headers
    double body_timeout_s = 30.0;     // time allowed to receive the body
    double idle_timeout_s = 60.0;     // keep-alive idle time between requests
    std::size_t max_connections = 1024;
    int threads = 0;                  // 0: hardware threads
    std::optional<TlsConfig> tls;     // unset: plain HTTP
};

struct LogConfig {
    std::string level = "info";   // trace, debug, info, warn, error
    std::string format = "text";  // text | json
};

struct SlackConfig {
    // "http": Slack POSTs to the /slack/* routes (signed requests).
    // "socket": the bot opens Socket Mode WebSockets itself (app token).
    std::string signing_secret;
    std::string bot_token;
    std::string api_base_url = "https://slack.com/api/";
    std::string mode = "http";
    std::string app_token = {};  // xapp-…, socket mode only
    int connections = 2;    // socket mode: WebSockets held at once (1–10)
    bool socket_mode() const { return mode == "socket"; }
    bool enabled() const { return socket_mode() ? !app_token.empty() : !signing_secret.empty(); }
};

struct MattermostConfig {
    std::string url;
    std::string bot_token;
    std::vector<std::string> tokens;  // slash command / outgoing webhook tokens
    bool websocket = true;
    bool enabled() const { return !tokens.empty() || !bot_token.empty(); }
};

// How the outbox delivers to the platforms (adapters/outbound): a retryable
// failure (5xx, 429, timeout, reset) is retried after base * 2^(n-1), capped,
// with jitter, until max_attempts; then the row is dead-lettered (kept).
struct OutboundConfig {
    int max_attempts = 8;
    Duration backoff_base = std::chrono::seconds(1);
    Duration backoff_max = std::chrono::minutes(5);
    double timeout_s = 15.0;  // one request's write + read, on every outbound client
    // Delivered rows are deleted this long after delivery; zero keeps them.
    Duration keep_delivered = std::chrono::hours(24 * 30);
};

// Where the data lives. "sqlite" (the default) is the file at
// Config::storage_path; "postgres" is a shared PostgreSQL database that
// several `hindsight serve` replicas may use at once.
struct StorageConfig {
    std::string backend = "sqlite";  // sqlite | postgres
    std::string url;                 // libpq connection URI; may hold a password (secret)
    int pool_size = 4;               // read connections per replica (the writer has its own)
    Duration lease = std::chrono::seconds(60);  // how long a claimed outbox row is ours
    // Per PostgreSQL connection: the longest a statement may run, and the
    // longest it may wait for a lock held elsewhere, before it fails.
    Duration statement_timeout = std::chrono::seconds(30);
    Duration lock_timeout = std::chrono::seconds(5);
    bool postgres() const { return backend == "postgres"; }
};

// One issue tracker (trackers.<name>; docs/trackers.md). What the domain
// needs of it (projects, users, what done does) is in BotSettings::trackers;
// this is the wire side. The secrets come from the environment only:
// HINDSIGHT_TRACKER_<NAME>_TOKEN and HINDSIGHT_TRACKER_<NAME>_WEBHOOK_SECRET.
struct TrackerConfig {
    std::string name;
    std::string kind;      // github | gitlab | jira
    std::string base_url;  // the REST API's root, without a trailing '/'
    std::string jira_api = "cloud";  // jira: cloud (REST v3, e-mail + API token) | datacenter (REST v2, PAT)
    std::string email;               // jira cloud: the account the API token belongs to
    std::string token;               // secret
    std::string webhook_secret;      // secret; empty: no webhook route, polling only
    // github: a GitHub App instead of a token (app_id set): its installation
    // tokens are minted from the private key (PEM, a secret).
    std::string app_id;
    std::string installation_id;
    std::string app_private_key;
    Duration poll_interval = std::chrono::minutes(5);  // zero: no polling
};

// "gh-main" -> "HINDSIGHT_TRACKER_GH_MAIN_TOKEN" (suffix "TOKEN").
std::string tracker_env_name(const std::string& tracker, const std::string& suffix);

struct Config {
    ListenConfig listen;
    std::string storage_path = "hindsight.db";
    StorageConfig storage;
    LogConfig log;
    std::string api_token;
    int link_ttl_days = 30;  // api.link_ttl_days: how long a signed page link posted in chat works
    SlackConfig slack;
    MattermostConfig mattermost;
    OutboundConfig outbound;
    std::vector<TrackerConfig> trackers;  // in name order, as bot.trackers
    BotSettings bot;  // timezone, reminders, postmortem, patterns
};

// Thrown for any invalid configuration; what() names the key, e.g.
// "listen.port: must be an integer between 1 and 65535".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Environment lookup, injected so tests don't touch the real environment.
using Environment = std::map<std::string, std::string>;
Environment process_environment();  // the HINDSIGHT_* variables of this process

// Parses JSON text (the whole file). Unknown keys and invalid values throw
// ConfigError naming the key; secrets in `env` override the file.
Config parse(const std::string& json_text, const Environment& env);
// Reads the file; a missing path (nullopt) gives the defaults plus env.
Config load(const std::optional<std::string>& path, const Environment& env);

// The effective configuration as pretty JSON, every secret replaced by
// "<redacted>" (or "" when unset). What `check-config` prints.
std::string redacted_json(const Config& config);

// Warnings worth logging at startup, e.g. "slack: signing_secret missing, Slack disabled".
std::vector<std::string> warnings(const Config& config);

}  // namespace hindsight::config
