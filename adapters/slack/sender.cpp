#include "adapters/slack/sender.hpp"

#include "adapters/chat/wire.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "bot/core/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace hindsight::slack {

using chat::dump;
using nlohmann::json;

namespace {

// A Slack member id ("U0123", "W9AB"): configured facilitators may be ids.
bool looks_like_member_id(std::string_view s) {
    if (s.size() < 2 || (s[0] != 'U' && s[0] != 'W')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// The notification line of a timeline post.
constexpr std::size_t max_fallback_chars = 150;

// Slack caps a message at 50 blocks; keep one for the buttons.
constexpr std::size_t max_blocks = 50;
constexpr std::size_t max_sections = max_blocks - 1;


json section(const std::string& text) {
    return {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}};
}

json actions_block(const std::vector<OutboundButton>& buttons) {
    json elements = json::array();
    for (const auto& b : buttons) {
        elements.push_back({{"type", "button"},
                            {"text", {{"type", "plain_text"}, {"text", b.label}, {"emoji", true}}},
                            {"action_id", b.action},
                            {"value", b.value}});
    }
    return {{"type", "actions"}, {"elements", std::move(elements)}};
}

json divider() { return {{"type", "divider"}}; }

// Sections for a piece of Markdown, each within Slack's 3,000 characters.
void add_sections(json& blocks, std::string_view markdown) {
    for (auto& part : split(to_mrkdwn(markdown), max_section_chars))
        if (!part.empty()) blocks.push_back(section(part));
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "12. 14:03 · action · …": a numbered timeline entry.
bool is_entry(std::string_view line) {
    std::size_t digits = 0;
    while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
    return digits > 0 && starts_with(line.substr(digits), ". ");
}

std::string joined(const std::vector<std::string_view>& lines, std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t i = from; i < to; ++i) {
        if (i > from) out += '\n';
        out += lines[i];
    }
    return out;
}

// The drafted timeline (the core's render_timeline: a "**Timeline — …**"
// heading, numbered entries, notes and a curation hint, then whatever the
// post adds) reads better as blocks: the heading, a divider, the entries in
// sections of up to ten, the notes as small context text, a divider, and
// the rest one section per paragraph. Empty when `markdown` is not a
// timeline post or the layout would not fit in Slack's 50 blocks.
json timeline_blocks(std::string_view markdown) {
    auto lines = lines_of(markdown);
    std::size_t heading = 0;
    while (heading < lines.size() && !starts_with(lines[heading], "**Timeline — ")) ++heading;
    if (heading + 1 >= lines.size() || !is_entry(lines[heading + 1])) return json();

    json blocks = json::array();
    add_sections(blocks, joined(lines, 0, heading + 1));
    blocks.push_back(divider());
    constexpr std::size_t entries_per_section = 10;
    std::size_t i = heading + 1;
    while (i < lines.size() && is_entry(lines[i])) {
        auto end = i;
        while (end < lines.size() && end - i < entries_per_section && is_entry(lines[end])) ++end;
        add_sections(blocks, joined(lines, i, end));
        i = end;
    }
    // Up to the first blank line: notes and the curation hint as context,
    // anything else (the link to the document) as a section.
    json context = json::array();
    std::vector<std::string_view> other;
    for (; i < lines.size() && !lines[i].empty(); ++i) {
        if ((starts_with(lines[i], "_") || starts_with(lines[i], "Curate:")) && context.size() < 10)
            context.push_back({{"type", "mrkdwn"}, {"text", split(to_mrkdwn(lines[i]), max_section_chars).front()}});
        else
            other.push_back(lines[i]);
    }
    if (!context.empty()) blocks.push_back({{"type", "context"}, {"elements", std::move(context)}});
    for (auto line : other) add_sections(blocks, line);
    // The rest, one section per paragraph.
    bool first = true;
    while (i < lines.size()) {
        while (i < lines.size() && lines[i].empty()) ++i;
        auto end = i;
        while (end < lines.size() && !lines[end].empty()) ++end;
        if (end == i) break;
        if (first) blocks.push_back(divider());
        first = false;
        add_sections(blocks, joined(lines, i, end));
        i = end;
    }
    if (blocks.size() > max_blocks) return json();
    return blocks;
}

}  // namespace

std::string with_slack_mentions(std::string_view markdown) {
    return render_mentions(markdown, [](const std::string& id, const std::string& name) {
        if (!id.empty() && (id != name || looks_like_member_id(id))) return "<@" + id + ">";
        return "@" + (name.empty() ? id : name);
    });
}

std::string message_payload(const OutboundMessage& original) {
    OutboundMessage message = original;
    message.text = with_slack_mentions(original.text);
    auto text = to_mrkdwn(message.text);
    json payload = json::object();
    json timeline = message.buttons.empty() ? timeline_blocks(message.text) : json();
    if (timeline.is_array()) {
        payload["blocks"] = std::move(timeline);
        // Notifications and clients without blocks show `text`: one line
        // that says what the post is, not the whole document again.
        auto first_line = text.substr(0, text.find('\n'));
        payload["text"] = first_line.substr(0, chat::utf8_prefix(first_line, max_fallback_chars));
    } else if (text.size() <= max_text_chars && message.buttons.empty()) {
        payload["text"] = text;
    } else {
        json blocks = json::array();
        auto parts = split(text, max_section_chars);
        for (std::size_t i = 0; i < parts.size() && i < max_sections; ++i)
            blocks.push_back(section(parts[i]));
        if (!message.buttons.empty()) blocks.push_back(actions_block(message.buttons));
        payload["blocks"] = std::move(blocks);
        // Notifications and clients without blocks show `text`.
        payload["text"] = parts.empty() ? std::string{} : parts.front();
    }
    if (!message.thread.empty()) payload["thread_ts"] = message.thread;
    return dump(payload);
}

SlackSender::SlackSender(ApiSettings settings, outbound::ClientOptions options)
    : api_(std::move(settings), std::move(options)) {}

SendResult SlackSender::send(const OutboundMessage& message) {
    if (!message.response_url.empty()) {
        json payload = json::parse(message_payload(message));
        payload["response_type"] = message.ephemeral ? "ephemeral" : "in_channel";
        return api_.respond(message.response_url, dump(payload));
    }

    std::string channel;
    if (message.to_user.empty()) {
        channel = message.channel;
    } else {
        auto key = message.team + "/" + message.to_user;
        {
            std::lock_guard lock(mutex_);
            auto it = dm_channels_.find(key);
            if (it != dm_channels_.end()) channel = it->second;
        }
        if (channel.empty()) {
            auto opened = api_.open_dm(message.to_user);
            if (!opened.ok()) return opened.outcome;
            channel = *opened.value;
            std::lock_guard lock(mutex_);
            dm_channels_[key] = channel;
        }
    }
    if (channel.empty()) return {SendResult::Status::failed, "message without channel or user", {}, {}};
    auto sent = message.replaces.empty() ? api_.post_message(channel, message_payload(message))
                                         : api_.update_message(channel, message.replaces, message_payload(message));
    if (sent.ok() && sent.value) sent.outcome.posted_id = *sent.value;
    return sent.outcome;
}

}  // namespace hindsight::slack
