#include "tests/unit/config/support.hpp"

#include <chrono>

using namespace hindsight;
using namespace hindsight::config;
using config_test::error_of;

namespace {

const char* kThree = R"({"trackers": {
  "gh": {"kind": "github", "projects": [{"channel": "C0PAY*", "project": "acme/payments"}, {"channel": "*", "project": "acme/ops"}],
         "users": {"U1": "alice-gh"}, "on_done": "comment", "poll_interval_s": 60},
  "gl-self": {"kind": "gitlab", "base_url": "https://gitlab.example.com/", "poll_interval_s": 0},
  "jira": {"kind": "jira", "base_url": "https://acme.atlassian.net", "email": "bot@example.com"}
}})";

const Environment kTokens = {{"HINDSIGHT_TRACKER_GH_TOKEN", "ghp-secret-1"},
                             {"HINDSIGHT_TRACKER_GH_WEBHOOK_SECRET", "gh-hook-2"},
                             {"HINDSIGHT_TRACKER_GL_SELF_TOKEN", "glpat-secret-3"},
                             {"HINDSIGHT_TRACKER_JIRA_TOKEN", "jira-secret-4"}};

}  // namespace

TEST_CASE("trackers: three kinds, in name order, secrets from the environment, defaults filled in") {
    auto c = parse(kThree, kTokens);
    REQUIRE(c.trackers.size() == 3);
    REQUIRE(c.bot.trackers.size() == 3);
    CHECK(c.trackers[0].name == "gh");
    CHECK(c.trackers[0].base_url == "https://api.github.com");
    CHECK(c.bot.trackers[0].web_url == "https://github.com");
    CHECK(c.trackers[0].token == "ghp-secret-1");
    CHECK(c.trackers[0].webhook_secret == "gh-hook-2");
    CHECK(c.trackers[0].poll_interval == std::chrono::seconds(60));
    CHECK(c.bot.trackers[0].comment_on_done);
    REQUIRE(c.bot.trackers[0].projects.size() == 2);
    CHECK(c.bot.trackers[0].projects[0].channel == "C0PAY*");
    CHECK(c.bot.trackers[0].users.at("U1") == "alice-gh");
    CHECK(c.trackers[1].name == "gl-self");
    CHECK(c.trackers[1].base_url == "https://gitlab.example.com");
    CHECK(c.trackers[1].poll_interval == Duration::zero());
    CHECK(c.trackers[1].webhook_secret.empty());
    CHECK(c.trackers[2].jira_api == "cloud");
    CHECK(c.trackers[2].email == "bot@example.com");
    CHECK(c.trackers[2].poll_interval == std::chrono::minutes(5));
    CHECK(tracker_env_name("gl-self", "TOKEN") == "HINDSIGHT_TRACKER_GL_SELF_TOKEN");

    auto warnings = config::warnings(c);
    bool polling_only = false;
    for (const auto& w : warnings) polling_only = polling_only || w.find("trackers.gl-self: no webhook secret") == 0;
    CHECK(polling_only);
}

TEST_CASE("trackers: secrets are redacted in the effective configuration") {
    auto text = redacted_json(parse(kThree, kTokens));
    CHECK(text.find("\"gl-self\"") != std::string::npos);
    CHECK(text.find("<redacted>") != std::string::npos);
    for (const auto& [name, secret] : kTokens) {
        CAPTURE(name);
        CHECK(text.find(secret) == std::string::npos);
    }
}

TEST_CASE("trackers: bad settings name the key and change nothing") {
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "github"}}})", {}) ==
          "trackers.gh: no token: set HINDSIGHT_TRACKER_GH_TOKEN (tracker credentials come from the environment only)");
    const Environment token = {{"HINDSIGHT_TRACKER_GH_TOKEN", "t"}};
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "bitbucket"}}})", token) ==
          "trackers.gh.kind: must be \"github\", \"gitlab\" or \"jira\"");
    CHECK(error_of(R"({"trackers": {"gh": {}}})", token) ==
          "trackers.gh.kind: required: \"github\", \"gitlab\" or \"jira\"");
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "github", "token": "in-the-file"}}})", token) ==
          "unknown key: trackers.gh.token");
    CHECK(error_of(R"({"trackers": {"GH": {"kind": "github"}}})", token) ==
          "trackers.GH: a tracker's name must be 1-40 of a-z, 0-9, '-' and '_'");
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "gitlab"}}})", token) ==
          "trackers.gh.base_url: required: the address of the gitlab server");
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "jira", "base_url": "https://j.example"}}})", token) ==
          "trackers.gh.email: required for Jira Cloud: the e-mail of the account the API token belongs to");
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "github", "projects": [{"channel": "*"}]}}})", token) ==
          "trackers.gh.projects[0]: must be {\"channel\": <glob over the channel id>, \"project\": <project>}, both non-empty");
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "github", "on_done": "delete"}}})", token) ==
          "trackers.gh.on_done: must be \"close\" or \"comment\"");
    CHECK(error_of(R"({"trackers": []})", token) == "trackers: must be an object");
}

TEST_CASE("trackers: a GitHub App instead of a token — ids in the file, the private key from the environment") {
    const char* app = R"({"trackers": {"gh": {"kind": "github", "app_id": 123456, "installation_id": "987"}}})";
    const std::string pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretkeymaterial\n-----END RSA PRIVATE KEY-----\n";
    auto c = parse(app, {{"HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY", pem}});
    REQUIRE(c.trackers.size() == 1);
    CHECK(c.trackers[0].app_id == "123456");
    CHECK(c.trackers[0].installation_id == "987");
    CHECK(c.trackers[0].app_private_key == pem);
    CHECK(c.trackers[0].token.empty());  // none needed
    auto text = redacted_json(c);
    CHECK(text.find("secretkeymaterial") == std::string::npos);
    CHECK(text.find("\"app_id\": \"123456\"") != std::string::npos);

    CHECK(error_of(app, {}) == "trackers.gh.app_private_key: no private key: set HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY "
                               "(the PEM) or HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY_FILE (its path)");
    CHECK(error_of(app, {{"HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY", "ghp_not_a_key"}}) ==
          "trackers.gh.app_private_key: not a PEM private key (-----BEGIN RSA PRIVATE KEY-----)");
    CHECK(error_of(app, {{"HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY_FILE", "/nonexistent/key.pem"}}) ==
          "trackers.gh.app_private_key: HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY_FILE names a file that cannot be read");
    const Environment key = {{"HINDSIGHT_TRACKER_GH_APP_PRIVATE_KEY", pem}};
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "github", "app_id": 1}}})", key) ==
          "trackers.gh.installation_id: required with app_id: the id of the app's installation on the repositories");
    CHECK(error_of(R"({"trackers": {"gh": {"kind": "github", "installation_id": 1}}})", key) ==
          "trackers.gh.app_id: required with installation_id: the GitHub App's id");
    CHECK(error_of(R"({"trackers": {"gl": {"kind": "gitlab", "base_url": "https://g.example", "app_id": 1}}})", key) ==
          "trackers.gl.app_id: only for kind \"github\" (a GitHub App)");
}
