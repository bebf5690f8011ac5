#include "adapters/slack/export_reader.hpp"

#include "adapters/slack/mrkdwn.hpp"

#include <nlohmann/json.hpp>

#include <date/date.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <fstream>
#include <stdexcept>

namespace hindsight::slack {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const fs::path& file, const std::string& problem) {
    throw std::runtime_error("Slack export: " + file.string() + ": " + problem);
}

json load(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(file, "cannot open (missing file?)");
    try {
        return json::parse(in);
    } catch (const json::parse_error& e) {
        fail(file, std::string("malformed JSON: ") + e.what());
    } catch (const json::out_of_range& e) {
        // A number too large for a double ("1e999") fails the parse this way.
        fail(file, std::string("malformed JSON: ") + e.what());
    }
}

std::string string_at(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Slack shows the display name when set, else the full name, else the handle.
std::string display_name_of(const json& user) {
    if (auto profile = user.find("profile"); profile != user.end() && profile->is_object()) {
        if (auto name = string_at(*profile, "display_name"); !name.empty()) return name;
        if (auto name = string_at(*profile, "real_name"); !name.empty()) return name;
    }
    if (auto name = string_at(user, "real_name"); !name.empty()) return name;
    return string_at(user, "name");
}

// Subtypes a person typed; everything else (joins, topics, bots, …) is a notice.
bool is_person_message(const json& message) {
    if (message.contains("bot_id")) return false;
    auto subtype = string_at(message, "subtype");
    return subtype.empty() || subtype == "thread_broadcast" || subtype == "me_message" || subtype == "file_share";
}

bool is_key_event(const json& message) {
    if (auto pinned = message.find("pinned_to"); pinned != message.end() && pinned->is_array() && !pinned->empty())
        return true;
    if (auto reactions = message.find("reactions"); reactions != message.end() && reactions->is_array())
        for (const auto& r : *reactions)
            if (r.is_object() && string_at(r, "name") == "pushpin") return true;
    return false;
}

// People other than the author who reacted (any emoji).
int reactors(const json& message, const std::string& author) {
    std::set<std::string> people;
    if (auto reactions = message.find("reactions"); reactions != message.end() && reactions->is_array())
        for (const auto& r : *reactions) {
            if (!r.is_object()) continue;
            if (auto users = r.find("users"); users != r.end() && users->is_array())
                for (const auto& u : *users)
                    if (u.is_string() && u.get<std::string>() != author) people.insert(u.get<std::string>());
        }
    return static_cast<int>(std::min<std::size_t>(people.size(), 1000));
}

std::string permalink(const std::string& workspace_url, const std::string& channel_id, const std::string& ts,
                      const std::string& thread_ts) {
    if (workspace_url.empty()) return {};
    std::string base = workspace_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string digits;
    for (char c : ts)
        if (c != '.') digits += c;
    auto link = base + "/archives/" + channel_id + "/p" + digits;
    if (!thread_ts.empty()) link += "?thread_ts=" + thread_ts + "&cid=" + channel_id;
    return link;
}

// "2026-11-24.json" → that day; nullopt for other names.
std::optional<date::sys_days> day_of(const fs::path& file) {
    auto name = file.filename().string();
    if (name.size() != 15 || !name.ends_with(".json")) return std::nullopt;
    int y = 0;
    unsigned m = 0, d = 0;
    auto parse = [&](std::size_t at, std::size_t len, auto& out) {
        auto [p, ec] = std::from_chars(name.data() + at, name.data() + at + len, out);
        return ec == std::errc{} && p == name.data() + at + len;
    };
    if (name[4] != '-' || name[7] != '-' || !parse(0, 4, y) || !parse(5, 2, m) || !parse(8, 2, d)) return std::nullopt;
    date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
    if (!ymd.ok()) return std::nullopt;
    return date::sys_days{ymd};
}

// Finds the channel by name in channels.json (public) or groups.json (private).
std::string channel_id_of(const fs::path& dir, std::string_view channel) {
    std::vector<std::string> known;
    for (const char* listing : {"channels.json", "groups.json"}) {
        auto file = dir / listing;
        if (std::string_view(listing) == "groups.json" && !fs::exists(file)) continue;
        auto list = load(file);
        if (!list.is_array()) fail(file, "expected a JSON array of channels");
        for (const auto& c : list) {
            if (!c.is_object()) continue;
            auto name = string_at(c, "name");
            if (name == channel) return string_at(c, "id");
            known.push_back(name);
        }
    }
    std::string names;
    for (std::size_t i = 0; i < known.size() && i < 20; ++i) names += (i ? ", #" : "#") + known[i];
    fail(dir / "channels.json", "no channel named #" + std::string(channel) + (names.empty() ? "" : " (found " + names + ")"));
}

}  // namespace

std::optional<Timestamp> parse_slack_ts(std::string_view ts) {
    auto dot = ts.find('.');
    auto whole = ts.substr(0, dot);
    auto frac = dot == std::string_view::npos ? std::string_view{} : ts.substr(dot + 1);
    if (whole.empty() || frac.size() > 6) return std::nullopt;
    std::int64_t seconds = 0, micros = 0;
    auto [p1, e1] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (e1 != std::errc{} || p1 != whole.data() + whole.size() || seconds < 0) return std::nullopt;
    if (!frac.empty()) {
        auto [p2, e2] = std::from_chars(frac.data(), frac.data() + frac.size(), micros);
        if (e2 != std::errc{} || p2 != frac.data() + frac.size()) return std::nullopt;
        for (auto n = frac.size(); n < 6; ++n) micros *= 10;
    }
    if (seconds > 253402300799) return std::nullopt;  // beyond year 9999
    return from_micros(seconds * 1'000'000 + micros);
}

ExportedChannel read_slack_export(const fs::path& dir, std::string_view channel, const ExportOptions& options) {
    if (!fs::is_directory(dir)) fail(dir, "not a directory (expected an unzipped Slack export)");
    if (!channel.empty() && channel.front() == '#') channel.remove_prefix(1);
    if (channel.empty()) fail(dir, "no channel name given");

    ExportedChannel out;
    auto users_file = dir / "users.json";
    auto users = load(users_file);
    if (!users.is_array()) fail(users_file, "expected a JSON array of users");
    for (const auto& u : users)
        if (u.is_object() && !string_at(u, "id").empty()) out.names[string_at(u, "id")] = display_name_of(u);

    auto channel_id = channel_id_of(dir, channel);
    auto channel_dir = dir / std::string(channel);
    if (!fs::is_directory(channel_dir)) fail(channel_dir, "missing: the export has no messages for #" + std::string(channel));

    // Day files are named by UTC date; a day of margin either side costs little.
    std::vector<fs::path> days;
    for (const auto& entry : fs::directory_iterator(channel_dir)) {
        auto day = day_of(entry.path());
        if (!day || !entry.is_regular_file()) continue;
        if (options.from && *day + date::days{1} < date::floor<date::days>(*options.from)) continue;
        if (options.to && *day > date::floor<date::days>(*options.to) + date::days{1}) continue;
        days.push_back(entry.path());
    }
    std::sort(days.begin(), days.end());

    std::string team;
    for (const auto& file : days) {
        auto list = load(file);
        if (!list.is_array()) fail(file, "expected a JSON array of messages");
        for (const auto& m : list) {
            if (!m.is_object() || string_at(m, "type") != "message" || !is_person_message(m)) continue;
            auto user = string_at(m, "user");
            auto ts = string_at(m, "ts");
            if (user.empty()) continue;
            auto at = parse_slack_ts(ts);
            if (!at) fail(file, "message with an invalid ts '" + ts + "'");
            if ((options.from && *at < *options.from) || (options.to && *at > *options.to)) continue;

            RecordedMessage r;
            r.message_id = ts;
            r.user_id = user;
            if (auto name = out.names.find(user); name != out.names.end()) {
                r.user_name = name->second;
            } else if (auto profile = m.find("user_profile"); profile != m.end() && profile->is_object()) {
                r.user_name = display_name_of(json{{"profile", *profile}});
                if (!r.user_name.empty()) out.names[user] = r.user_name;
            }
            r.text = to_neutral(string_at(m, "text"));  // exports carry the edited text
            r.original_text = r.text;
            if (auto edited = m.find("edited"); edited != m.end() && edited->is_object())
                r.edited_at = parse_slack_ts(string_at(*edited, "ts"));
            auto thread_ts = string_at(m, "thread_ts");
            if (thread_ts != ts) r.thread_parent = thread_ts;
            r.at = *at;
            r.key_event = is_key_event(m);
            r.reactions = reactors(m, user);
            r.permalink = permalink(options.workspace_url, channel_id, ts, r.thread_parent);
            if (team.empty()) team = string_at(m, "team");
            out.messages.push_back(std::move(r));
        }
    }
    std::stable_sort(out.messages.begin(), out.messages.end(), [](const auto& a, const auto& b) {
        return a.at != b.at ? a.at < b.at : a.message_id < b.message_id;
    });
    if (out.messages.empty()) fail(channel_dir, "no messages from people in #" + std::string(channel) + " in the given window");

    auto& inc = out.incident;
    inc.where = ChannelRef{Platform::slack, team, channel_id};
    inc.title = "#" + std::string(channel);
    inc.state = IncidentState::closed;
    inc.opened_at = out.messages.front().at;
    inc.closed_at = out.messages.back().at;
    return out;
}

}  // namespace hindsight::slack
