#include "adapters/mattermost/inbound.hpp"

#include "adapters/http/form.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace hindsight::mattermost {

using nlohmann::json;

Timestamp from_millis(std::int64_t ms) {
    return Timestamp{std::chrono::milliseconds{ms}};
}

std::int64_t to_millis(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string permalink(const ParseContext& context, std::string_view team_name, std::string_view post_id) {
    if (context.site_url.empty() || post_id.empty()) return {};
    std::string base = context.site_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (team_name.empty()) return base + "/_redirect/pl/" + std::string(post_id);
    return base + "/" + std::string(team_name) + "/pl/" + std::string(post_id);
}

namespace {

// Milliseconds far beyond any real post (year ~5000) are treated as malformed
// so that the microsecond conversion can't overflow.
constexpr std::int64_t max_millis = 100'000'000'000'000;

json parse_json_object(std::string_view body, std::string_view what) {
    auto value = json::parse(body, nullptr, false);
    if (value.is_discarded()) throw ParseError(std::string(what) + ": body is not valid JSON");
    if (!value.is_object()) throw ParseError(std::string(what) + ": body is not a JSON object");
    return value;
}

std::string string_field(const json& object, const char* key, std::string_view what, bool required) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) throw ParseError(std::string(what) + ": missing " + key);
        return {};
    }
    if (!it->is_string()) throw ParseError(std::string(what) + ": " + key + " is not a string");
    auto value = it->get<std::string>();
    if (required && value.empty()) throw ParseError(std::string(what) + ": empty " + key);
    return value;
}

std::int64_t millis_field(const json& object, const char* key, std::string_view what, bool required) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) throw ParseError(std::string(what) + ": missing " + key);
        return 0;
    }
    if (!it->is_number_integer()) throw ParseError(std::string(what) + ": " + key + " is not an integer");
    auto value = it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(max_millis)
                     ? max_millis + 1
                     : it->get<std::int64_t>();
    if (value < 0 || value > max_millis)
        throw ParseError(std::string(what) + ": " + key + " is out of range");
    return value;
}

std::string required_form(const http::Form& form, const char* key, std::string_view what) {
    auto value = form.get(key);
    if (!value || value->empty()) throw ParseError(std::string(what) + ": missing " + key);
    return *value;
}

// "1700000000" or "1700000000.123" seconds → exact microseconds, no floating point.
Timestamp parse_seconds(std::string_view text, std::string_view what) {
    auto dot = text.find('.');
    auto whole = text.substr(0, dot);
    auto fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (whole.empty() || whole.size() > 12 || !digits(whole) || !digits(fraction) ||
        (dot != std::string_view::npos && fraction.empty()))
        throw ParseError(std::string(what) + ": timestamp is not a number of seconds");
    std::int64_t seconds = 0;
    std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    std::int64_t micros = 0;
    for (std::size_t i = 0; i < 6; ++i)
        micros = micros * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    return Timestamp{std::chrono::seconds{seconds} + std::chrono::microseconds{micros}};
}

std::vector<std::string> split_ids(std::string_view text) {
    std::vector<std::string> ids;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto id = text.substr(0, comma);
        while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
        while (!id.empty() && id.back() == ' ') id.remove_suffix(1);
        if (!id.empty()) ids.emplace_back(id);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return ids;
}

Origin user_origin(const std::string& user_id, const ParseContext& context) {
    return !context.bot_user_id.empty() && user_id == context.bot_user_id ? Origin::bot : Origin::human;
}

void finish_webhook(WebhookPost& post, const ParseContext& context) {
    auto& m = post.message;
    m.where.platform = Platform::mattermost;
    m.origin = user_origin(m.user_id, context);
    m.permalink = permalink(context, post.team_domain, m.message_id);
}

bool truthy_prop(const json& props, const char* key) {
    auto it = props.find(key);
    if (it == props.end()) return false;
    if (it->is_boolean()) return it->get<bool>();
    return it->is_string() && it->get<std::string>() == "true";
}

Post post_from_json(const json& object) {
    constexpr std::string_view what = "post";
    if (!object.is_object()) throw ParseError("post: not a JSON object");
    Post post;
    post.id = string_field(object, "id", what, true);
    post.channel_id = string_field(object, "channel_id", what, true);
    post.user_id = string_field(object, "user_id", what, false);
    post.root_id = string_field(object, "root_id", what, false);
    post.message = string_field(object, "message", what, false);
    post.type = string_field(object, "type", what, false);
    post.create_at = millis_field(object, "create_at", what, true);
    post.update_at = millis_field(object, "update_at", what, false);
    post.edit_at = millis_field(object, "edit_at", what, false);
    post.delete_at = millis_field(object, "delete_at", what, false);
    if (auto props = object.find("props"); props != object.end() && props->is_object())
        post.from_integration = truthy_prop(*props, "from_bot") || truthy_prop(*props, "from_webhook");
    return post;
}

ChatMessage post_message(const Post& post, const ChannelRef& where, const ParseContext& context) {
    ChatMessage m;
    m.where = where;
    m.message_id = post.id;
    m.user_id = post.user_id;
    m.text = post.message;
    m.thread_parent = post.root_id;
    m.at = from_millis(post.create_at);
    m.permalink = permalink(context, {}, post.id);
    m.origin = post_origin(post, context);
    return m;
}

}  // namespace

CommandRequest parse_slash_command(std::string_view form_text, Timestamp received_at) {
    constexpr std::string_view what = "slash command";
    auto form = http::Form::parse(form_text);
    if (!form) throw ParseError("slash command: malformed form encoding");
    CommandRequest request;
    auto& c = request.command;
    c.where = ChannelRef{Platform::mattermost, required_form(*form, "team_id", what),
                         required_form(*form, "channel_id", what)};
    c.user_id = required_form(*form, "user_id", what);
    request.command_word = required_form(*form, "command", what);
    c.user_name = form->value("user_name");
    c.text = form->value("text");
    c.at = received_at;
    c.response_url = form->value("response_url");
    request.team_domain = form->value("team_domain");
    request.channel_name = form->value("channel_name");
    request.trigger_id = form->value("trigger_id");
    // Parallel lists: the i-th username belongs to the i-th id.
    auto names = form->all("user_mentions");
    auto ids = form->all("user_mentions_ids");
    if (names.size() != ids.size()) throw ParseError("slash command: user_mentions and user_mentions_ids differ in length");
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i].empty() || ids[i].empty()) continue;
        if (request.mentions.emplace(names[i], ids[i]).second) c.mentions.emplace_back(names[i], ids[i]);
    }
    return request;
}

WebhookPost parse_webhook_json(std::string_view body, const ParseContext& context) {
    constexpr std::string_view what = "outgoing webhook";
    auto object = parse_json_object(body, what);
    WebhookPost post;
    auto& m = post.message;
    m.where.team = string_field(object, "team_id", what, true);
    m.where.channel = string_field(object, "channel_id", what, true);
    m.message_id = string_field(object, "post_id", what, true);
    m.user_id = string_field(object, "user_id", what, true);
    m.user_name = string_field(object, "user_name", what, false);
    m.text = string_field(object, "text", what, false);
    m.at = from_millis(millis_field(object, "timestamp", what, true));
    post.team_domain = string_field(object, "team_domain", what, false);
    post.channel_name = string_field(object, "channel_name", what, false);
    post.trigger_word = string_field(object, "trigger_word", what, false);
    post.file_ids = split_ids(string_field(object, "file_ids", what, false));
    finish_webhook(post, context);
    return post;
}

WebhookPost parse_webhook_form(std::string_view body, const ParseContext& context) {
    constexpr std::string_view what = "outgoing webhook";
    auto form = http::Form::parse(body);
    if (!form) throw ParseError("outgoing webhook: malformed form encoding");
    WebhookPost post;
    auto& m = post.message;
    m.where.team = required_form(*form, "team_id", what);
    m.where.channel = required_form(*form, "channel_id", what);
    m.message_id = required_form(*form, "post_id", what);
    m.user_id = required_form(*form, "user_id", what);
    m.user_name = form->value("user_name");
    m.text = form->value("text");
    m.at = parse_seconds(required_form(*form, "timestamp", what), what);
    post.team_domain = form->value("team_domain");
    post.channel_name = form->value("channel_name");
    post.trigger_word = form->value("trigger_word");
    post.file_ids = split_ids(form->value("file_ids"));
    finish_webhook(post, context);
    return post;
}

ActionRequest parse_action(std::string_view body, Timestamp received_at) {
    constexpr std::string_view what = "action";
    auto object = parse_json_object(body, what);
    ActionRequest request;
    auto& a = request.action;
    a.where.platform = Platform::mattermost;
    a.where.team = string_field(object, "team_id", what, false);  // empty in DMs
    a.where.channel = string_field(object, "channel_id", what, true);
    a.user_id = string_field(object, "user_id", what, true);
    a.user_name = string_field(object, "user_name", what, false);
    a.at = received_at;
    request.post_id = string_field(object, "post_id", what, false);
    request.trigger_id = string_field(object, "trigger_id", what, false);
    auto context = object.find("context");
    if (context == object.end() || !context->is_object()) throw ParseError("action: missing context");
    constexpr std::string_view in_context = "action context";
    a.action = string_field(*context, "action", in_context, true);
    a.value = string_field(*context, "value", in_context, false);
    request.team = string_field(*context, "team", in_context, false);
    request.token = string_field(*context, "token", in_context, false);
    if (!request.team.empty()) a.where.team = request.team;
    return request;
}

Post parse_post(std::string_view text) {
    auto value = json::parse(text, nullptr, false);
    if (value.is_discarded()) throw ParseError("post: not valid JSON");
    return post_from_json(value);
}

Origin post_origin(const Post& post, const ParseContext& context) {
    if (post.type.starts_with("system_")) return Origin::system;
    if (post.from_integration) return Origin::bot;
    return user_origin(post.user_id, context);
}

PostList parse_post_list(std::string_view body) {
    constexpr std::string_view what = "post list";
    auto object = parse_json_object(body, what);
    PostList list;
    auto order = object.find("order");
    if (order == object.end() || !order->is_array()) throw ParseError("post list: missing order");
    for (const auto& id : *order) {
        if (!id.is_string()) throw ParseError("post list: order holds a non-string");
        list.order.push_back(id.get<std::string>());
    }
    auto posts = object.find("posts");
    if (posts != object.end() && !posts->is_null()) {
        if (!posts->is_object()) throw ParseError("post list: posts is not an object");
        for (const auto& [id, post] : posts->items()) list.posts.emplace(id, post_from_json(post));
    }
    for (const auto& id : list.order)
        if (!list.posts.contains(id)) throw ParseError("post list: ordered post missing from posts");
    list.next_post_id = string_field(object, "next_post_id", what, false);
    list.prev_post_id = string_field(object, "prev_post_id", what, false);
    return list;
}

std::vector<ChatEvent> post_events(const Post& post, const ChannelRef& where, const ParseContext& context) {
    std::vector<ChatEvent> events;
    events.emplace_back(post_message(post, where, context));
    // A deleted post may come back without its text: don't let that overwrite
    // the recorded text behind the tombstone.
    if (post.edit_at > 0 && post.delete_at == 0)
        events.emplace_back(MessageEdited{where, post.id, post.message, from_millis(post.edit_at)});
    if (post.delete_at > 0)
        events.emplace_back(MessageDeleted{where, post.id, from_millis(post.delete_at)});
    return events;
}

std::vector<ChatEvent> post_list_events(const PostList& list, const ChannelRef& where,
                                        const ParseContext& context, Timestamp created_since) {
    std::vector<const Post*> posts;
    for (const auto& id : list.order) posts.push_back(&list.posts.at(id));
    // `order` is newest first; the bot wants to see them as they happened.
    std::stable_sort(posts.begin(), posts.end(),
                     [](const Post* a, const Post* b) { return a->create_at < b->create_at; });
    // Mattermost keeps milliseconds and the bot's clock microseconds: a post
    // made in the millisecond the incident opened is inside the window.
    const auto since_ms = to_millis(created_since);
    std::vector<ChatEvent> events;
    for (const Post* post : posts) {
        auto these = post_events(*post, where, context);
        if (post->create_at < since_ms) these.erase(these.begin());
        for (auto& e : these) events.push_back(std::move(e));
    }
    return events;
}

void set_team(ChatEvent& event, const std::string& team_id) {
    std::visit([&](auto& e) { e.where.team = team_id; }, event);
}

SocketEvent parse_socket_event(std::string_view frame, const ParseContext& context) {
    constexpr std::string_view what = "websocket event";
    auto object = parse_json_object(frame, what);
    SocketEvent ev;
    if (auto seq = object.find("seq"); seq != object.end() && seq->is_number_integer())
        ev.seq = seq->get<std::int64_t>();
    ev.event = string_field(object, "event", what, false);
    if (ev.event.empty()) return ev;  // a reply to one of our own requests (seq_reply)

    static const json empty_object = json::object();
    auto data_it = object.find("data");
    const json& data = data_it != object.end() && data_it->is_object() ? *data_it : empty_object;
    auto broadcast_it = object.find("broadcast");
    const json& broadcast =
        broadcast_it != object.end() && broadcast_it->is_object() ? *broadcast_it : empty_object;
    ev.channel_id = string_field(broadcast, "channel_id", what, false);
    ev.team_id = string_field(data, "team_id", what, false);

    if (ev.event == "hello") {
        ev.connection_id = string_field(data, "connection_id", what, false);
        return ev;
    }
    if (ev.event == "posted" || ev.event == "post_edited" || ev.event == "post_deleted") {
        // data.post is a JSON document encoded as a string.
        auto post = parse_post(string_field(data, "post", what, true));
        if (ev.channel_id.empty()) ev.channel_id = post.channel_id;
        ev.changed_at = std::max({post.update_at, post.edit_at, post.delete_at, post.create_at});
        ChannelRef where{Platform::mattermost, ev.team_id, ev.channel_id};
        if (ev.event == "posted") {
            auto message = post_message(post, where, context);
            // sender_name is "@username" for people; keep the name only.
            auto sender = string_field(data, "sender_name", what, false);
            if (sender.starts_with('@')) message.user_name = sender.substr(1);
            ev.chat = std::move(message);
        } else if (post_origin(post, context) == Origin::human) {
            if (ev.event == "post_edited")
                ev.chat = MessageEdited{where, post.id, post.message,
                                        from_millis(post.edit_at > 0 ? post.edit_at : post.update_at)};
            else
                ev.chat = MessageDeleted{where, post.id,
                                         from_millis(post.delete_at > 0 ? post.delete_at : post.update_at)};
        }
        return ev;
    }
    if (ev.event == "reaction_added" || ev.event == "reaction_removed") {
        auto text = string_field(data, "reaction", what, true);
        auto reaction = json::parse(text, nullptr, false);
        if (!reaction.is_object()) throw ParseError("websocket event: reaction is not a JSON object");
        constexpr std::string_view in_reaction = "reaction";
        auto emoji = string_field(reaction, "emoji_name", in_reaction, true);
        auto post_id = string_field(reaction, "post_id", in_reaction, true);
        auto user_id = string_field(reaction, "user_id", in_reaction, true);
        auto at = millis_field(reaction, "create_at", in_reaction, false);
        if (emoji == "pushpin" && ev.channel_id.size() > 0 &&
            user_origin(user_id, context) == Origin::human)
            ev.chat = KeyEventMarked{ChannelRef{Platform::mattermost, ev.team_id, ev.channel_id}, post_id,
                                     user_id, ev.event == "reaction_added", from_millis(at)};
        return ev;
    }
    return ev;  // other events (typing, status_change, ...) carry nothing to record
}

}  // namespace hindsight::mattermost
