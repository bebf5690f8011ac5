// The neutral vocabulary between platform adapters and the domain: what
// happened in a channel, and what a user asked for. Adapters translate wire
// payloads into these; the core never sees Slack or Mattermost JSON.
#pragma once

#include "bot/core/time.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace hindsight {

// `tracker`: not a chat platform but the outbox's queue of issue-tracker
// calls (bot/core/tracker.hpp); its rows are delivered by the tracker sender.
enum class Platform { slack, mattermost, console, tracker };

std::string_view to_string(Platform p);
// Accepts "slack", "mattermost", "console"; throws std::invalid_argument otherwise.
Platform platform_from_string(std::string_view s);

// Where something happened. An incident belongs to exactly one ChannelRef;
// lookups are always scoped by all three fields.
struct ChannelRef {
    Platform platform = Platform::console;
    std::string team;     // Slack team id, Mattermost team id, console: "console"
    std::string channel;  // channel id

    friend bool operator==(const ChannelRef&, const ChannelRef&) = default;
};

// Who wrote a message, as the adapter could tell.
enum class Origin {
    human,   // a person
    bot,     // another bot/integration, or this bot echoed back
    system,  // join/leave notices and other platform-generated posts
};

struct ChatMessage {
    ChannelRef where;
    std::string message_id;     // Slack ts, Mattermost post id
    std::string user_id;
    std::string user_name;      // display name when the payload carries one, else empty
    std::string text;
    std::string thread_parent;  // parent message id for thread replies, else empty
    Timestamp at{};             // when it was posted (platform time)
    std::string permalink;      // link back to the original, when known
    Origin origin = Origin::human;
};

struct MessageEdited {
    ChannelRef where;
    std::string message_id;  // the ORIGINAL message's id
    std::string new_text;
    Timestamp at{};          // when the edit happened
};

struct MessageDeleted {
    ChannelRef where;
    std::string message_id;
    Timestamp at{};
};

// A pushpin reaction or a pin: marks (or unmarks) a message as a key event.
struct KeyEventMarked {
    ChannelRef where;
    std::string message_id;
    std::string user_id;
    bool marked = true;
    Timestamp at{};
};

using ChatEvent = std::variant<ChatMessage, MessageEdited, MessageDeleted, KeyEventMarked>;

// A `/incident ...` invocation. `text` is everything after the command word.
struct SlashCommand {
    ChannelRef where;
    std::string user_id;
    std::string user_name;
    std::string text;
    Timestamp at{};
    std::string response_url;  // platform webhook for delayed replies, may be empty
    // Mentions the platform resolved for us: (username, user id), e.g. from
    // Mattermost's user_mentions / user_mentions_ids. May be empty.
    std::vector<std::pair<std::string, std::string>> mentions;
};

// The immediate answer to a command. Markdown; adapters render it for their
// platform (Slack mrkdwn, Mattermost Markdown, plain console).
struct CommandReply {
    std::string text;
    bool in_channel = false;  // false: only the invoker sees it (ephemeral)
    // The outbox row of the draft post a `close` made (0: none), so the draft
    // can be updated in place once the channel history has been merged.
    std::int64_t draft_row = 0;
};

}  // namespace hindsight

namespace hindsight {

// A click on an interactive button the bot posted (reminder DMs: Done, Snooze).
struct ButtonAction {
    ChannelRef where;          // where the button was (a DM channel for reminders)
    std::string user_id;
    std::string user_name;
    std::string action;        // OutboundButton::action, e.g. "done", "snooze"
    std::string value;         // OutboundButton::value, e.g. "A-12"
    Timestamp at{};
    std::string response_url;  // may be empty
};

}  // namespace hindsight
