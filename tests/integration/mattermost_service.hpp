// `hindsight serve` as a child process wired to a fake Mattermost site: the
// REST fake behind a WebSocket front door on one URL (`mattermost.url`), a
// team, an incident channel and three people. Helpers speak to the binary as
// Mattermost does: slash commands, outgoing webhooks, button clicks.
#pragma once

#include "adapters/http/form.hpp"
#include "adapters/outbound/http_client.hpp"
#include "tests/fakes/fake_mattermost.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

namespace hindsight::test::mm {

using nlohmann::json;
using namespace std::chrono_literals;

inline const std::string binary = HINDSIGHT_BINARY;
constexpr auto command_token = "mmslashtoken0000000000000a";
constexpr auto hook_token = "mmhooktoken00000000000000b";
constexpr auto api_token = "mattermost-flow-api-token";
constexpr auto team_id = "teamflow000000000000000000";
constexpr auto team_name = "flow";
constexpr auto channel_id = "chincident0000000000000000";
constexpr auto alice = "usalice00000000000000000aa";
constexpr auto bob = "usbob0000000000000000000bb";
constexpr auto carol = "uscarol00000000000000000cc";

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline std::string user_name(const std::string& id) {
    if (id == alice) return "alice";
    if (id == bob) return "bob";
    if (id == carol) return "carol";
    return "someone";
}

struct Options {
    bool websocket = false;
    std::string channel_type = "O";  // "P": private, where outgoing webhooks never fire
    json reminders = json::object();
};

struct MattermostService {
    TempDir dir;
    fakes::FakeMattermost site;
    fakes::FakeMattermostSocket front{site};  // the one URL the binary is given
    std::unique_ptr<ChildProcess> process;
    std::string base;
    outbound::HttpClient client;

    explicit MattermostService(Options options = {}) {
        site.add_channel(channel_id, team_id, options.channel_type);
        site.add_user({alice, "alice", "Alice", "Liddell", "", false});
        site.add_user({bob, "bob", "Bob", "Builder", "", false});
        site.add_user({carol, "carol", "Carol", "Danvers", "", false});
        json config = {{"listen", {{"port", 0}}},
                       {"storage", {{"path", "mattermost.db"}}},
                       {"api", {{"token", api_token}}},
                       {"public_url", "http://hindsight.invalid"},
                       {"mattermost", {{"url", front.url()},
                                       {"bot_token", site.bot_token()},
                                       {"tokens", {command_token, hook_token}},
                                       {"websocket", options.websocket}}}};
        if (!options.reminders.empty()) config["reminders"] = options.reminders;
        std::ofstream(dir.path() / "config.json") << config.dump();
        start();
    }

    // Starts `hindsight serve` (again, after kill9: the same database and site).
    void start() {
        // The previous run's output goes first: its "listening" line must not be read as this run's.
        std::filesystem::remove(dir.path() / "stderr.txt");
        std::filesystem::remove(dir.path() / "stdout.txt");
        process = std::make_unique<ChildProcess>(binary, std::vector<std::string>{"serve", "--config", "config.json"},
                                                 dir.path());
        auto port = listening_port(*process);
        REQUIRE_MESSAGE(port.has_value(), process->err());
        base = "http://127.0.0.1:" + std::to_string(*port);
        // Until users/me has answered, the bot could not tell its own echoes apart.
        REQUIRE_MESSAGE(wait_for_log("mattermost: the bot's user id is " + site.bot_user_id()), process->err());
    }

    bool logged(const std::string& text) const { return process->err().find(text) != std::string::npos; }
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = 15s) const {
        return wait_until([&] { return logged(text); }, timeout);
    }

    // The form Mattermost posts for `/incident <text>`; the token in the
    // `token` field, or only in the `Authorization: Token` header.
    outbound::ClientResponse command(const std::string& text, const std::string& user = alice,
                                     const std::string& token = command_token, bool header_only = false,
                                     const std::string& mentions = {}) {
        std::string body = "channel_id=" + std::string(channel_id) + "&channel_name=inc-db&command=%2Fincident" +
                           "&response_url=" + http::url_encode(site.new_response_url()) + "&team_domain=" +
                           team_name + "&team_id=" + team_id + "&text=" + http::url_encode(text) +
                           "&trigger_id=trig1&user_id=" + user + "&user_name=" + user_name(user) + mentions;
        if (!header_only) body += "&token=" + http::url_encode(token);
        return client.send({"POST", base + "/mattermost/commands",
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"Accept", "application/json"},
                             {"Authorization", "Token " + token}},
                            body});
    }

    // An outgoing webhook delivery: JSON (timestamp in ms) or form (seconds).
    outbound::ClientResponse hook_json(const std::string& post_id, const std::string& user, const std::string& text,
                                       std::int64_t at_ms, const std::string& token = hook_token) {
        json body{{"token", token},          {"team_id", team_id},     {"team_domain", team_name},
                  {"channel_id", channel_id}, {"channel_name", "inc-db"}, {"timestamp", at_ms},
                  {"user_id", user},          {"user_name", user_name(user)}, {"post_id", post_id},
                  {"text", text},             {"trigger_word", ""},     {"file_ids", ""}};
        return client.send({"POST", base + "/mattermost/events",
                            {{"Content-Type", "application/json"}, {"Accept", "application/json"}}, body.dump()});
    }
    outbound::ClientResponse hook_form(const std::string& post_id, const std::string& user, const std::string& text,
                                       std::int64_t at_s, const std::string& token = hook_token) {
        std::string body = "channel_id=" + std::string(channel_id) + "&channel_name=inc-db&file_ids=&post_id=" +
                           post_id + "&team_domain=" + team_name + "&team_id=" + team_id +
                           "&text=" + http::url_encode(text) + "&timestamp=" + std::to_string(at_s) +
                           "&token=" + http::url_encode(token) + "&trigger_word=&user_id=" + user +
                           "&user_name=" + user_name(user);
        return client.send({"POST", base + "/mattermost/events",
                            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
                            body});
    }

    // A post in the channel as both the history API and the webhook see it.
    outbound::ClientResponse say(const std::string& post_id, const std::string& user, const std::string& text,
                                 std::int64_t at_ms) {
        site.add_post({post_id, channel_id, user, "", text, "", at_ms});
        return hook_json(post_id, user, text, at_ms);
    }

    outbound::ClientResponse get(const std::string& path) {
        return client.send({"GET", base + path, {{"Authorization", std::string("Bearer ") + api_token}}, {}});
    }

    json incidents() {
        auto list = get("/incidents");
        REQUIRE(list.status == 200);
        return json::parse(list.body)["incidents"];
    }

    std::string postmortem(long long id) {
        auto doc = get("/incidents/" + std::to_string(id) + "/postmortem.md");
        REQUIRE(doc.status == 200);
        return doc.body;
    }

    // Waits until the incident is closed and its document stored.
    std::string closed_postmortem() {
        long long id = 0;
        bool closed = wait_until(
            [&] {
                auto list = incidents();
                if (list.size() != 1 || list[0]["state"] != "closed") return false;
                id = list[0]["id"].get<long long>();
                return true;
            },
            20s);
        REQUIRE_MESSAGE(closed, process->err());
        return postmortem(id);
    }

    // Bodies of the posts the bot created in `channel` (JSON objects).
    std::vector<json> posts_in(const std::string& channel) const {
        std::vector<json> out;
        for (const auto& body : site.created_posts()) {
            auto post = json::parse(body);
            if (post.value("channel_id", "") == channel) out.push_back(post);
        }
        return out;
    }

    bool wait_for_post(const std::string& channel, const std::string& fragment,
                       std::chrono::milliseconds timeout = 20s) const {
        return wait_until(
            [&] {
                for (const auto& post : posts_in(channel))
                    if (post.value("message", "").find(fragment) != std::string::npos) return true;
                return false;
            },
            timeout);
    }

    void stop() {
        process->signal(SIGTERM);
        CHECK(process->wait(15s) == 0);
    }

    // kill -9: no shutdown, whatever was in flight is cut off.
    void kill9() {
        process->signal(SIGKILL);
        REQUIRE(process->wait(10s) == -SIGKILL);
    }
};

}  // namespace hindsight::test::mm
