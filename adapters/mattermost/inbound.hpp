// Mattermost wire payloads → the neutral vocabulary (bot/core/chat_event.hpp).
// Pure functions: no I/O, no clock. Malformed input throws ParseError whose
// message says what was wrong (never the payload itself: it may hold a token).
#pragma once

#include "bot/core/chat_event.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::mattermost {

class ParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Mattermost times are Unix milliseconds.
Timestamp from_millis(std::int64_t ms);
std::int64_t to_millis(Timestamp t);

// What the parser needs to know about this deployment.
struct ParseContext {
    std::string bot_user_id;  // posts by this user are the bot's own (Origin::bot)
    std::string site_url;     // for permalinks; empty: no permalinks
};

// "<site>/<team name>/pl/<post id>", or "<site>/_redirect/pl/<post id>" when the
// team name is unknown (the server redirects to the right team). Empty without a site URL.
std::string permalink(const ParseContext& context, std::string_view team_name, std::string_view post_id);

// --- slash commands (POST form body or GET query string)
struct CommandRequest {
    SlashCommand command;      // where, user, text, response_url, mentions
    std::string command_word;  // e.g. "/incident"
    std::string team_domain;
    std::string channel_name;
    std::string trigger_id;
    std::map<std::string, std::string> mentions;  // username → user id (user_mentions[_ids])
};
CommandRequest parse_slash_command(std::string_view form, Timestamp received_at);

// --- outgoing webhooks
struct WebhookPost {
    ChatMessage message;  // message_id = post_id
    std::string team_domain;
    std::string channel_name;
    std::string trigger_word;
    std::vector<std::string> file_ids;
};
// JSON: `timestamp` is integer milliseconds.
WebhookPost parse_webhook_json(std::string_view body, const ParseContext& context);
// Form: `timestamp` is a decimal string of SECONDS (docs/platforms.md, "Mattermost: outgoing webhooks").
WebhookPost parse_webhook_form(std::string_view body, const ParseContext& context);

// --- interactive message buttons (POST /mattermost/actions)
struct ActionRequest {
    // action/value from the button's integration context. where.team is the
    // context's team when set: Mattermost sends an empty team_id for DM
    // channels, where reminder buttons live, but the item belongs to a team.
    ButtonAction action;
    std::string team;     // context.team as posted (part of the token)
    std::string token;    // context.token, to check with verify_action_token
    std::string post_id;  // the post holding the button
    std::string trigger_id;
};
ActionRequest parse_action(std::string_view body, Timestamp received_at);

// --- posts (REST v4 and the WebSocket stream); all times in ms
struct Post {
    std::string id;
    std::string channel_id;
    std::string user_id;
    std::string root_id;
    std::string message;
    std::string type;  // "" for normal posts, "system_*" for platform notices
    std::int64_t create_at = 0;
    std::int64_t update_at = 0;
    std::int64_t edit_at = 0;    // > 0: edited
    std::int64_t delete_at = 0;  // > 0: deleted
    bool from_integration = false;  // props.from_bot / props.from_webhook
};
Post parse_post(std::string_view json);
Origin post_origin(const Post& post, const ParseContext& context);

struct PostList {
    std::vector<std::string> order;     // newest first
    std::map<std::string, Post> posts;  // may hold extra posts (thread roots) not in order
    std::string next_post_id;
    std::string prev_post_id;
};
PostList parse_post_list(std::string_view body);

// The events one post stands for: the message itself; an edit when edit_at > 0
// (so an earlier recorded text is updated) unless deleted; a deletion when delete_at > 0.
std::vector<ChatEvent> post_events(const Post& post, const ChannelRef& where,
                                   const ParseContext& context);
// Events for the posts listed in `order`, oldest first. Posts created before
// `created_since` contribute only their edits and deletions (they predate the
// window but may have changed inside it); extra posts outside `order` are skipped.
std::vector<ChatEvent> post_list_events(const PostList& list, const ChannelRef& where,
                                        const ParseContext& context, Timestamp created_since = {});

// --- WebSocket event frames
struct SocketEvent {
    std::string event;        // "hello", "posted", ...; empty for replies to our own requests
    std::int64_t seq = -1;    // -1 when the frame has none
    std::string channel_id;   // broadcast.channel_id (or the post's)
    std::string team_id;      // data.team_id when the event carries it
    std::string connection_id;  // hello
    std::int64_t changed_at = 0;  // ms of the post change (update_at), for gap backfill
    std::optional<ChatEvent> chat;  // the neutral event, when the frame stands for one
};
// `where.team` of the chat event is data.team_id when the frame carries it
// (only `posted` does), else empty: the caller resolves the channel's team.
SocketEvent parse_socket_event(std::string_view frame, const ParseContext& context);
void set_team(ChatEvent& event, const std::string& team_id);

}  // namespace hindsight::mattermost
