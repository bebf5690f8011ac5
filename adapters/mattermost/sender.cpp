#include "adapters/mattermost/sender.hpp"

#include "adapters/chat/wire.hpp"
#include "adapters/mattermost/verifier.hpp"
#include "bot/core/text.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace hindsight::mattermost {

using chat::dump;
using nlohmann::json;

namespace {


std::string action_id(const std::string& action, std::size_t index) {
    // Mattermost action ids must be alphanumeric.
    std::string id;
    for (char c : action)
        if (std::isalnum(static_cast<unsigned char>(c))) id.push_back(c);
    return (id.empty() ? std::string("action") : id) + std::to_string(index);
}

}  // namespace

std::string with_mattermost_mentions(std::string_view markdown) {
    return render_mentions(markdown, [](const std::string& id, const std::string& name) {
        return "@" + (name.empty() ? id : name);
    });
}

std::vector<std::string> split_message(std::string_view text, std::size_t max_runes) {
    return chat::split_text(text, max_runes);
}

std::string button_props_json(const std::vector<OutboundButton>& buttons, const std::string& public_url,
                              const std::string& action_secret, const std::string& team) {
    std::string base = public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    json actions = json::array();
    for (std::size_t i = 0; i < buttons.size(); ++i) {
        const auto& b = buttons[i];
        actions.push_back({
            {"id", action_id(b.action, i)},
            {"name", b.label},
            {"type", "button"},
            {"integration",
             {{"url", base + "/mattermost/actions"},
              {"context",
               {{"action", b.action},
                {"value", b.value},
                {"team", team},
                {"token", action_token(action_secret, b.action, b.value, team)}}}}},
        });
    }
    return dump(json{{"attachments", json::array({json{{"actions", std::move(actions)}}})}});
}

Sender::Sender(Api& api, std::string public_url, std::string action_secret)
    : api_(api), public_url_(std::move(public_url)), action_secret_(std::move(action_secret)) {}

SendResult Sender::send(const OutboundMessage& message) {
    auto parts = split_message(with_mattermost_mentions(message.text));

    if (!message.response_url.empty()) {
        for (const auto& part : parts) {
            json body{{"response_type", message.ephemeral ? "ephemeral" : "in_channel"}, {"text", part}};
            auto response = api_.post_response_url(message.response_url, dump(body));
            if (!response.ok()) return response.result("response_url");
        }
        return {};
    }

    std::string channel = message.channel;
    if (!message.to_user.empty()) {
        ApiResponse failure;
        auto direct = api_.direct_channel(message.to_user, failure);
        if (!direct) return failure.result("channels/direct");
        channel = *direct;
    }
    if (channel.empty()) return {SendResult::Status::failed, "no channel or user to send to", {}, {}};

    SendResult delivered;
    std::size_t first = 0;
    std::string thread = message.thread;
    if (!message.replaces.empty()) {
        // An update patches the post in place; a text now too long for one
        // post continues in replies under it.
        json patch{{"message", parts.empty() ? std::string{} : parts.front()}};
        auto response = api_.call("PUT", "/posts/" + message.replaces + "/patch", dump(patch));
        if (!response.ok()) return response.result("posts/patch");
        delivered.posted_id = message.replaces;
        first = 1;
        thread = message.replaces;
    }
    for (std::size_t i = first; i < parts.size(); ++i) {
        json post{{"channel_id", channel}, {"message", parts[i]}};
        if (!thread.empty()) post["root_id"] = thread;
        // Buttons go with the last part, under the text they act on.
        if (i + 1 == parts.size() && !message.buttons.empty())
            post["props"] = json::parse(button_props_json(message.buttons, public_url_, action_secret_, message.team));
        auto response = api_.call("POST", "/posts", dump(post));
        if (!response.ok())
            return response.result(parts.size() > 1 ? "posts (part " + std::to_string(i + 1) + ")" : "posts");
        // The id of a message split in parts is its first part's.
        if (delivered.posted_id.empty()) {
            auto created = json::parse(response.body, nullptr, false);
            if (created.is_object() && created.contains("id") && created["id"].is_string())
                delivered.posted_id = created["id"].get<std::string>();
        }
    }
    return delivered;
}

}  // namespace hindsight::mattermost
