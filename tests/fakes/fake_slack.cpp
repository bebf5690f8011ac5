#include "tests/fakes/fake_slack.hpp"

#include "adapters/http/form.hpp"

#include <algorithm>
#include <cstdio>

namespace hindsight::fakes {

using nlohmann::json;

namespace {

FakeResponse answer(const json& body) { return FakeResponse::json(200, body.dump()); }
FakeResponse error(const std::string& code) { return answer({{"ok", false}, {"error", code}}); }

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

const char* methods[] = {"chat.postMessage",      "chat.postEphemeral", "chat.update",      "conversations.open",
                         "conversations.history", "users.info",         "chat.getPermalink"};

std::string query_of(const std::string& target) {
    auto q = target.find('?');
    return q == std::string::npos ? std::string{} : target.substr(q + 1);
}

}  // namespace

FakeSlack::FakeSlack(std::string bot_token) : token_(std::move(bot_token)) {
    for (const char* method : methods) {
        std::string name = method;
        auto handler = [this, name](const RecordedRequest& r) { return handle(name, r); };
        server_.route("POST", "/api/" + name, handler);
        server_.route("GET", "/api/" + name, handler);
    }
}

std::string FakeSlack::api_base_url() const { return server_.base_url() + "/api/"; }

std::string FakeSlack::new_response_url() {
    std::string path;
    {
        std::lock_guard lock(mutex_);
        path = "/response/" + std::to_string(++response_urls_);
    }
    server_.route("POST", path, [this](const RecordedRequest& r) {
        auto type = lower(r.header("Content-Type").value_or(""));
        auto body = json::parse(r.body, nullptr, false);
        if (type.rfind("application/json", 0) != 0 || !body.is_object())
            return FakeResponse::text(400, "invalid_payload");
        std::lock_guard lock(mutex_);
        responses_.push_back(std::move(body));
        return FakeResponse::text(200, "ok");
    });
    return server_.base_url() + path;
}

void FakeSlack::set_history(const std::string& channel, std::vector<json> messages) {
    // Newest first; ts strings of equal length compare like numbers.
    std::sort(messages.begin(), messages.end(), [](const json& a, const json& b) {
        return a.value("ts", "") > b.value("ts", "");
    });
    std::lock_guard lock(mutex_);
    history_[channel] = std::move(messages);
}

void FakeSlack::add_user(json user) {
    auto id = user.value("id", "");
    std::lock_guard lock(mutex_);
    users_[id] = std::move(user);
}

void FakeSlack::rate_limit_next(const std::string& method, int retry_after_s) {
    FakeResponse r = FakeResponse::json(429, R"({"ok":false,"error":"ratelimited"})");
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    server_.fail_next("/api/" + method, {r});
}

void FakeSlack::error_next(const std::string& method, const std::string& code) {
    server_.fail_next("/api/" + method, {error(code)});
}

std::vector<RecordedRequest> FakeSlack::calls(const std::string& method) const {
    return server_.requests_to("/api/" + method);
}

std::vector<json> FakeSlack::posted() const {
    std::lock_guard lock(mutex_);
    return posted_;
}

std::vector<json> FakeSlack::responses() const {
    std::lock_guard lock(mutex_);
    return responses_;
}

std::vector<std::string> FakeSlack::posted_ts() const {
    std::lock_guard lock(mutex_);
    return posted_order_;
}

std::vector<json> FakeSlack::updated() const {
    std::lock_guard lock(mutex_);
    return updated_;
}

std::vector<std::string> FakeSlack::warnings() const {
    std::lock_guard lock(mutex_);
    return warnings_;
}

FakeResponse FakeSlack::handle(const std::string& method, const RecordedRequest& request) {
    auto auth = request.header("Authorization");
    if (!auth) return error("not_authed");
    if (*auth != "Bearer " + token_) return error("invalid_auth");

    // Arguments: the query string for GET, the JSON or form body for POST.
    json args = json::object();
    std::string warning;
    if (request.method == "GET") {
        auto form = http::Form::parse(query_of(request.target));
        if (!form) return error("invalid_arguments");
        for (const auto& [k, v] : form->pairs()) args[k] = v;
    } else {
        auto type = lower(request.header("Content-Type").value_or(""));
        if (type.rfind("application/json", 0) == 0) {
            if (type.find("charset=utf-8") == std::string::npos) warning = "missing_charset";
            args = json::parse(request.body, nullptr, false);
            if (!args.is_object()) return error("invalid_json");
        } else if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
            if (type.find("charset") != std::string::npos) warning = "superfluous_charset";
            auto form = http::Form::parse(request.body);
            if (!form) return error("invalid_form_data");
            for (const auto& [k, v] : form->pairs()) args[k] = v;
        } else {
            return error("invalid_form_data");
        }
    }
    auto arg = [&](const char* key) {
        auto it = args.find(key);
        return it != args.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };

    json reply = {{"ok", true}};
    std::lock_guard lock(mutex_);
    if (method == "chat.postMessage" || method == "chat.postEphemeral") {
        if (arg("channel").empty()) return error("channel_not_found");
        if (arg("text").empty() && !args.contains("blocks")) return error("no_text");
        if (method == "chat.postEphemeral" && arg("user").empty()) return error("user_not_in_channel");
        char ts[32];
        std::snprintf(ts, sizeof ts, "1700100000.%06d", next_ts_++);
        if (method == "chat.postMessage") {
            posted_.push_back(args);
            posted_ts_[ts] = arg("channel");
            posted_order_.push_back(ts);
            reply["channel"] = arg("channel");
            reply["ts"] = ts;
            reply["message"] = {{"type", "message"}, {"text", arg("text")}, {"ts", ts}};
        } else {
            reply["message_ts"] = ts;
        }
    } else if (method == "chat.update") {
        // Only the bot's own posts, in the channel they were posted in.
        auto it = posted_ts_.find(arg("ts"));
        if (arg("channel").empty()) return error("channel_not_found");
        if (it == posted_ts_.end() || it->second != arg("channel")) return error("message_not_found");
        if (arg("text").empty() && !args.contains("blocks")) return error("no_text");
        updated_.push_back(args);
        reply["channel"] = arg("channel");
        reply["ts"] = arg("ts");
        reply["text"] = arg("text");
    } else if (method == "conversations.open") {
        auto users = arg("users");
        if (users.empty()) return error("users_list_not_supplied");
        reply["channel"] = {{"id", "D" + users}};
    } else if (method == "users.info") {
        auto it = users_.find(arg("user"));
        if (it == users_.end()) return error("user_not_found");
        reply["user"] = it->second;
    } else if (method == "chat.getPermalink") {
        auto ts = arg("message_ts");
        ts.erase(std::remove(ts.begin(), ts.end(), '.'), ts.end());
        reply["channel"] = arg("channel");
        reply["permalink"] = "https://fake.slack.com/archives/" + arg("channel") + "/p" + ts;
    } else if (method == "conversations.history") {
        auto it = history_.find(arg("channel"));
        if (it == history_.end()) return error("channel_not_found");
        auto oldest = arg("oldest");
        bool inclusive = arg("inclusive") == "true" || arg("inclusive") == "1";
        std::vector<json> window;
        for (const auto& m : it->second) {
            auto ts = m.value("ts", "");
            if (oldest.empty() || ts > oldest || (inclusive && ts == oldest)) window.push_back(m);
        }
        std::size_t limit = arg("limit").empty() ? 100 : std::stoul(arg("limit"));
        std::size_t start = 0;
        auto cursor = arg("cursor");
        if (!cursor.empty()) {
            if (cursor.rfind("next:", 0) != 0) return error("invalid_cursor");
            start = std::stoul(cursor.substr(5));
        }
        json page = json::array();
        for (std::size_t i = start; i < window.size() && i < start + limit; ++i) page.push_back(window[i]);
        bool more = start + limit < window.size();
        reply["messages"] = std::move(page);
        reply["has_more"] = more;
        reply["response_metadata"] = {{"next_cursor", more ? "next:" + std::to_string(start + limit) : ""}};
    }
    if (!warning.empty()) {
        warnings_.push_back(warning);
        reply["warning"] = warning;
        reply["response_metadata"]["warnings"] = json::array({warning});
    }
    return answer(reply);
}

}  // namespace hindsight::fakes
