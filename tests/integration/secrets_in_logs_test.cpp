// No secret in any log line: `hindsight serve` at debug level, Slack and
// Mattermost both configured (some secrets from the file, some from the
// environment), runs a full scenario on both platforms — commands, events,
// webhooks, a reminder DM, drafts posted through the outbox, a rate-limited
// post, the WebSocket stream failing to connect, requests with wrong
// signatures and tokens, the API, action items filed in GitHub, GitLab and
// Jira with their webhooks (good and forged) — then stops. Everything it wrote to stdout
// and stderr, and what `check-config` prints, is searched for every secret.
#include "adapters/http/form.hpp"
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_mattermost.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/fakes/fake_trackers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/temp_dir.hpp"
#include "slack_service.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <sstream>

using namespace std::chrono_literals;
using namespace hindsight;
using nlohmann::json;

namespace {

const std::string binary = HINDSIGHT_BINARY;

// Distinctive values: a hit cannot be a coincidence.
const std::string slack_signing_secret = "slack-signing-Q7v2kL9xW3";
const std::string slack_bot_token = "xoxb-1111-2222-Zr8mT4pN6c";
const std::string mm_bot_token = "mmbot-Hj5sD2fK8qY1";           // from the environment
const std::string mm_command_token = "mmcmd-Wb3nV7cX0eR4";       // slash command, in the file
const std::string mm_webhook_token = "mmhook-Pa9uL1iO5tG6";      // outgoing webhook, from the environment
const std::string api_token = "api-token-Ke4rF8yU2mZ0";          // from the environment
// Tracker credentials: the environment is their only source.
const std::string github_token = "ghp_Tn6wQ2eR9yU4iO8pA1sD";
const std::string github_hook_secret = "gh-hook-Lm3nB7vC1xZ5";
const std::string gitlab_token = "glpat-Fg4hJ8kL2qW6eR0t";
const std::string gitlab_hook_secret = "gl-hook-Yu5iO9pA3sD7";
const std::string jira_token = "jira-api-Cv2bN6mQ0wE4rT8y";
const std::string jira_hook_secret = "jira-hook-Gh1jK5lZ9xC3";

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("secrets: a full Slack and Mattermost scenario at debug level logs no secret or token") {
    test::TempDir dir;
    fakes::FakeSlack slack(slack_bot_token);
    fakes::FakeMattermost mm(mm_bot_token);
    mm.add_channel("mmchan0000000000000000001", "mmteam000000000000000001");
    fakes::FakeGitHub github(github_token);
    fakes::FakeGitLab gitlab(gitlab_token);
    fakes::FakeJira jira(true, "bot@example.com", jira_token);
    jira.server().fail_next("/rest/api/3/search/jql", {fakes::FakeResponse::json(500, R"({"errorMessages":["down"]})")});

    json config = {{"listen", {{"port", 0}}},
                   {"storage", {{"path", "secrets.db"}}},
                   {"log", {{"level", "debug"}}},
                   {"slack", {{"signing_secret", slack_signing_secret}, {"bot_token", slack_bot_token},
                              {"api_base_url", slack.api_base_url()}}},
                   {"mattermost", {{"url", mm.url()}, {"tokens", {mm_command_token}}, {"websocket", true}}},
                   {"reminders", {{"check_interval_s", 0.2}}},
                   {"outbound", {{"backoff_base_s", 0.05}, {"backoff_max_s", 0.2}}},
                   {"trackers",
                    {{"gh", {{"kind", "github"}, {"base_url", github.base_url()},
                             {"projects", {{{"channel", "C0SEC"}, {"project", "acme/ops"}}}}}},
                     {"gl", {{"kind", "gitlab"}, {"base_url", gitlab.base_url()},
                             {"projects", {{{"channel", "mmchan*"}, {"project", "platform/ops"}}}}}},
                     {"jira", {{"kind", "jira"}, {"base_url", jira.base_url()}, {"email", "bot@example.com"}}}}}};
    std::ofstream(dir.path() / "config.json") << config.dump();
    const std::vector<std::string> env = {"HINDSIGHT_API_TOKEN=" + api_token,
                                          "HINDSIGHT_MATTERMOST_BOT_TOKEN=" + mm_bot_token,
                                          "HINDSIGHT_MATTERMOST_TOKENS=" + mm_command_token + "," + mm_webhook_token,
                                          "HINDSIGHT_TRACKER_GH_TOKEN=" + github_token,
                                          "HINDSIGHT_TRACKER_GH_WEBHOOK_SECRET=" + github_hook_secret,
                                          "HINDSIGHT_TRACKER_GL_TOKEN=" + gitlab_token,
                                          "HINDSIGHT_TRACKER_GL_WEBHOOK_SECRET=" + gitlab_hook_secret,
                                          "HINDSIGHT_TRACKER_JIRA_TOKEN=" + jira_token,
                                          "HINDSIGHT_TRACKER_JIRA_WEBHOOK_SECRET=" + jira_hook_secret};

    auto process = std::make_unique<test::ChildProcess>(
        binary, std::vector<std::string>{"serve", "--config", "config.json"}, dir.path(), env);
    auto port = test::listening_port(*process);
    REQUIRE_MESSAGE(port.has_value(), process->err());
    const std::string base = "http://127.0.0.1:" + std::to_string(*port);
    outbound::HttpClient client;

    auto slack_command = [&](const std::string& text, const std::string& key = slack_signing_secret) {
        std::string body = "team_id=T0SEC&team_domain=sec&channel_id=C0SEC&channel_name=inc&user_id=U0ALICE"
                           "&user_name=alice&command=%2Fincident&text=" + http::url_encode(text) +
                           "&response_url=" + http::url_encode(slack.new_response_url());
        return client.send({"POST", base + "/slack/commands",
                            test::slack_headers(key, unix_now(), body, "application/x-www-form-urlencoded"), body});
    };
    auto slack_event = [&](json envelope, long long at = unix_now()) {
        auto body = envelope.dump();
        return client.send({"POST", base + "/slack/events", test::slack_headers(slack_signing_secret, at, body,
                                                                                "application/json"), body});
    };
    auto slack_message = [&](int n) {
        auto ts = std::to_string(unix_now()) + "." + std::to_string(100000 + n);
        return slack_event({{"type", "event_callback"}, {"team_id", "T0SEC"}, {"event_id", "EvSec" + std::to_string(n)},
                            {"event", {{"type", "message"}, {"channel", "C0SEC"}, {"user", "U0BOB"},
                                       {"text", "db primary failed over " + std::to_string(n)}, {"ts", ts}}}});
    };
    auto mm_command = [&](const std::string& text, const std::string& token = mm_command_token) {
        std::string body = "channel_id=mmchan0000000000000000001&channel_name=inc&command=%2Fincident"
                           "&team_domain=acme&team_id=mmteam000000000000000001&text=" + http::url_encode(text) +
                           "&token=" + token + "&user_id=mmuser000000000000000001&user_name=carol";
        return client.send({"POST", base + "/mattermost/commands",
                            {{"Content-Type", "application/x-www-form-urlencoded"}}, body});
    };
    auto mm_webhook = [&](int n, const std::string& token = mm_webhook_token) {
        auto body = json{{"token", token}, {"team_id", "mmteam000000000000000001"}, {"team_domain", "acme"},
                         {"channel_id", "mmchan0000000000000000001"}, {"channel_name", "inc"},
                         {"timestamp", unix_now() * 1000 + n}, {"user_id", "mmuser000000000000000002"},
                         {"user_name", "dave"}, {"post_id", "mmpost00000000000000000" + std::to_string(10 + n)},
                         {"text", "replica lag at " + std::to_string(n) + "0s"}, {"trigger_word", ""}, {"file_ids", ""}}
                        .dump();
        return client.send({"POST", base + "/mattermost/events", {{"Content-Type", "application/json"}}, body});
    };
    auto api_get = [&](const std::string& path, const std::string& token = api_token) {
        return client.send({"GET", base + path, {{"Authorization", "Bearer " + token}}, {}});
    };

    // Slack: an incident with messages, an overdue action item (reminder DM),
    // a close (draft through the outbox, the first post rate-limited).
    slack.rate_limit_next("chat.postMessage", 1);
    CHECK(slack_command("open Primary database failover sev:1").status == 200);
    for (int i = 1; i <= 3; ++i) CHECK(slack_message(i).status == 200);
    CHECK(slack_event({{"type", "team_migration_started"}, {"team_id", "T0SEC"}}).status == 200);
    CHECK(slack_command("action <@U0OWNER> add a failover alarm due:-1h").status == 200);
    // Trackers: filed in GitHub (the channel's pattern) and, after
    // `/incident tracker`, in Jira (whose first search fails with a 500).
    CHECK(slack_command("action <@U0OWNER> add a replica lag alert above 30 s due:+3d").status == 200);
    CHECK(slack_command("tracker jira OPS").status == 200);
    CHECK(slack_command("action <@U0OWNER> add a failover runbook with 5 checked steps due:+3d").status == 200);
    CHECK(slack_command("close").status == 200);
    auto tracker_webhook = [&](const std::string& name, const fakes::FakeWebhook& hook) {
        auto headers = hook.headers;
        headers.emplace_back("Content-Type", "application/json");
        return client.send({"POST", base + "/trackers/" + name + "/webhook", headers, hook.body});
    };
    CHECK(github.server().wait_for_requests("/repos/acme/ops/issues", 2, 30s));
    CHECK(test::wait_until([&] { return !github.issues().empty() && !jira.issues().empty(); }, 30s));
    CHECK(tracker_webhook("gh", github.webhook("closed", "acme/ops", 1, github_hook_secret)).status == 200);
    CHECK(tracker_webhook("gh", github.webhook("closed", "acme/ops", 1, "forged-secret")).status == 401);
    CHECK(tracker_webhook("jira", jira.webhook("OPS-1", jira_hook_secret)).status == 200);
    CHECK(tracker_webhook("jira", jira.webhook("OPS-1", "forged-secret")).status == 401);
    // Refused: another app's secret, a replayed timestamp.
    CHECK(slack_command("open Forged", "another-apps-signing-secret").status == 401);
    CHECK(slack_event({{"type", "event_callback"}, {"team_id", "T0SEC"}}, unix_now() - 3600).status == 401);

    // Mattermost: slash commands and an outgoing webhook, a close whose draft
    // is posted with the bot token; a token of another integration.
    CHECK(mm_command("open Queue backlog").status == 200);
    for (int i = 1; i <= 2; ++i) CHECK(mm_webhook(i).status == 200);
    CHECK(mm_command("action @carol add a queue depth alert above 10000 messages due:+3d").status == 200);
    CHECK(mm_command("close").status == 200);
    CHECK(test::wait_until([&] { return !gitlab.issues().empty(); }, 30s));
    CHECK(tracker_webhook("gl", gitlab.webhook("platform/ops", 1, gitlab_hook_secret)).status == 200);
    CHECK(tracker_webhook("gl", gitlab.webhook("platform/ops", 1, "forged-secret")).status == 401);
    CHECK(mm_command("open Forged", "mmcmd-of-another-integration").status == 401);
    CHECK(mm_webhook(9, "mmhook-of-another-integration").status == 401);

    // The API, with the right token and a wrong one.
    CHECK(api_get("/incidents").status == 200);
    CHECK(api_get("/incidents", "not-the-api-token").status == 401);
    CHECK(client.send({"GET", base + "/metrics", {}, {}}).status == 200);

    // The scenario really happened: both drafts and the reminder DM went out.
    auto slack_posted = [&](const std::string& what) {
        for (const auto& p : slack.posted())
            if (contains(p.dump(), what)) return true;
        return false;
    };
    CHECK(test::wait_until([&] { return slack_posted("Draft timeline"); }, 30s));
    CHECK(test::wait_until(
        [&] {
            for (const auto& p : slack.posted())
                if (p.value("channel", std::string{}).starts_with("D")) return true;
            return false;
        },
        30s));
    CHECK(test::wait_until(
        [&] {
            for (const auto& p : mm.created_posts())
                if (contains(p, "Draft timeline")) return true;
            return false;
        },
        30s));
    // The bot tokens really were sent to the platforms (so they were in reach of a log line).
    REQUIRE_FALSE(slack.calls("chat.postMessage").empty());
    CHECK(slack.calls("chat.postMessage").front().header("Authorization") == "Bearer " + slack_bot_token);
    // The live stream tried to connect (this fake has no WebSocket) with the bot token.
    CHECK(mm.server().wait_for_requests("/api/v4/websocket", 1, 30s));
    REQUIRE_FALSE(mm.requests_to("/api/v4/posts").empty());
    CHECK(mm.requests_to("/api/v4/posts").front().header("Authorization") == "Bearer " + mm_bot_token);
    // The trackers were called with their credentials, none refused.
    CHECK(github.unauthorized() == 0);
    CHECK(gitlab.unauthorized() == 0);
    CHECK(jira.unauthorized() == 0);

    process->signal(SIGTERM);
    CHECK(process->wait(30s) == 0);
    // Read before check-config runs: it writes to the same files in `dir`.
    const std::string log = process->out() + process->err();

    auto check_config = std::make_unique<test::ChildProcess>(
        binary, std::vector<std::string>{"check-config", "--config", "config.json"}, dir.path(), env);
    CHECK(check_config->wait(30s) == 0);
    const std::string config_out = check_config->out() + check_config->err();
    CHECK(contains(config_out, "<redacted>"));

    // Debug level was on, and the failures above were logged.
    CHECK(contains(log, "slack events: ignored envelope type 'team_migration_started'"));
    CHECK(contains(log, "rate limited (429)"));
    CHECK(contains(log, "bad or missing token"));
    CHECK(contains(log, "trackers.gh: webhook from"));
    CHECK(contains(log, "trackers.jira: file for A-3 failed, will retry"));
    // Jira Cloud's credential as it travels: Basic base64(e-mail:token).
    const std::string jira_basic = [] {
        const std::string plain = "bot@example.com:" + jira_token;
        static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string out;
        for (std::size_t i = 0; i < plain.size(); i += 3) {
            unsigned n = static_cast<unsigned char>(plain[i]) << 16;
            if (i + 1 < plain.size()) n |= static_cast<unsigned char>(plain[i + 1]) << 8;
            if (i + 2 < plain.size()) n |= static_cast<unsigned char>(plain[i + 2]);
            out += table[(n >> 18) & 63];
            out += table[(n >> 12) & 63];
            out += i + 1 < plain.size() ? table[(n >> 6) & 63] : '=';
            out += i + 2 < plain.size() ? table[n & 63] : '=';
        }
        return out;
    }();
    for (const auto& secret :
         {slack_signing_secret, slack_bot_token, mm_bot_token, mm_command_token, mm_webhook_token, api_token, github_token,
          github_hook_secret, gitlab_token, gitlab_hook_secret, jira_token, jira_hook_secret, jira_basic}) {
        CAPTURE(secret);
        CHECK_FALSE(contains(log, secret));
        CHECK_FALSE(contains(config_out, secret));
        // Nor the part after a well-known prefix ("xoxb-", "Bearer ").
        CHECK_FALSE(contains(log, secret.substr(secret.size() - 10)));
    }
}

TEST_CASE("secrets: a GitHub App's private key, its JWTs and installation tokens are in no log line") {
    fakes::FakeGitHub github("unused-token");
    const std::string key = github.enable_app("424242", "31337");
    const std::string app_env = "HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY=" + key;
    const json trackers = {{"log", {{"level", "debug"}}},
                           {"outbound", {{"backoff_base_s", 0.05}, {"backoff_max_s", 0.2}}},
                           {"trackers",
                            {{"gh", {{"kind", "github"}, {"base_url", github.base_url()}, {"app_id", 424242},
                                     {"installation_id", "31337"}, {"poll_interval_s", 0},
                                     {"projects", {{{"channel", "*"}, {"project", "acme/ops"}}}}}}}}};
    std::string log;
    {
        test::SlackService service(trackers, {app_env});
        REQUIRE(service.command("open Checkout errors").status == 200);
        CHECK(service.command("action <@U0BOB> add an alert on replica lag above 30 s due:+3d").status == 200);
        REQUIRE(test::wait_until([&] { return github.issues().size() == 1; }, 30s));
        // A refused token is replaced: a second JWT, a second token.
        github.revoke_app_tokens();
        CHECK(service.command("action <@U0BOB> add a failover runbook with 5 checked steps due:+3d").status == 200);
        REQUIRE(test::wait_until([&] { return github.issues().size() == 2; }, 30s));
        CHECK(github.tokens_minted() == 2);
        CHECK(service.logged("new token, valid until"));
        log = service.process->out() + service.process->err();
    }
    std::vector<std::string> secrets = {"ghs_fake_installation_1", "ghs_fake_installation_2"};
    for (const auto& r : github.server().requests_to("/app/installations/31337/access_tokens"))
        secrets.push_back(r.header("Authorization").value_or("Bearer ?").substr(7));  // the JWTs
    // Every line of the key's body.
    std::istringstream lines(key);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && !line.starts_with("-----")) secrets.push_back(line);
    REQUIRE(secrets.size() > 10);

    test::TempDir dir;
    std::ofstream(dir.path() / "config.json") << trackers.dump();
    test::ChildProcess check(binary, {"check-config", "--config", "config.json"}, dir.path(), {app_env});
    CHECK(check.wait(30s) == 0);
    const std::string config_out = check.out() + check.err();
    CHECK(contains(config_out, "\"app_private_key\": \"<redacted>\""));
    for (const auto& secret : secrets) {
        CAPTURE(secret);
        CHECK_FALSE(contains(log, secret));
        CHECK_FALSE(contains(config_out, secret));
    }

    // A key OpenSSL cannot read: exit 2, naming the key, not quoting it.
    const std::string broken = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq7bogus\n-----END RSA PRIVATE KEY-----\n";
    test::ChildProcess bad(binary, {"check-config", "--config", "config.json"}, dir.path(),
                           {"HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY=" + broken});
    CHECK(bad.wait(30s) == 2);
    CHECK(contains(bad.err(), "trackers.gh.app_private_key: not a PEM private key OpenSSL can read"));
    CHECK_FALSE(contains(bad.out() + bad.err(), "MIIEowIBAAKCAQEAq7bogus"));
}
