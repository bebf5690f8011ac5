// Reads a standard Slack workspace export (users.json, channels.json,
// <channel>/<YYYY-MM-DD>.json) into the records the drafting engine uses, for
// `hindsight draft --slack-export`.
#pragma once

#include "bot/core/incident.hpp"
#include "bot/core/time.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::slack {

struct ExportOptions {
    std::optional<Timestamp> from;  // inclusive
    std::optional<Timestamp> to;    // inclusive
    // "https://acme.slack.com" to build permalinks; empty: no permalinks.
    std::string workspace_url;
};

struct ExportedChannel {
    Incident incident;  // title "#<channel>", opened_at = first message, closed_at = last, state closed
    std::vector<RecordedMessage> messages;      // chronological; user messages only
    std::map<std::string, std::string> names;   // user id → display name
};

// Throws std::runtime_error naming the file on a missing directory, file or
// channel, malformed JSON, or no messages in the window.
ExportedChannel read_slack_export(const std::filesystem::path& dir, std::string_view channel,
                                  const ExportOptions& options = {});

// "1700000000.000100" → timestamp; nullopt when malformed.
std::optional<Timestamp> parse_slack_ts(std::string_view ts);

}  // namespace hindsight::slack
