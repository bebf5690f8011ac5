#include "bot/core/tracker.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace hindsight {

namespace {

constexpr std::pair<TrackerJob::Op, std::string_view> kOps[] = {
    {TrackerJob::Op::file, "file"},     {TrackerJob::Op::close, "close"}, {TrackerJob::Op::reopen, "reopen"},
    {TrackerJob::Op::comment, "comment"}, {TrackerJob::Op::fetch, "fetch"},
};

// '*' any run of characters, '?' one character.
bool glob_match(std::string_view pattern, std::string_view text) {
    if (pattern.empty()) return text.empty();
    if (pattern.front() == '*') {
        for (std::size_t i = 0; i <= text.size(); ++i)
            if (glob_match(pattern.substr(1), text.substr(i))) return true;
        return false;
    }
    if (text.empty()) return false;
    if (pattern.front() != '?' && pattern.front() != text.front()) return false;
    return glob_match(pattern.substr(1), text.substr(1));
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "https://host:port/path?query#frag" → ("https://host:port", "/path").
std::pair<std::string_view, std::string_view> split_url(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    auto path = url.find('/', scheme + 3);
    auto origin = url.substr(0, path);
    if (path == std::string_view::npos) return {origin, {}};
    auto rest = url.substr(path);
    rest = rest.substr(0, rest.find_first_of("?#"));
    while (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
    return {origin, rest};
}

// A ticket key from the path of a ticket URL, per kind; "" when the path is not one.
std::string key_from_path(std::string_view kind, std::string_view path) {
    if (kind == "jira") {
        auto at = path.rfind("/browse/");
        if (at == std::string_view::npos) return {};
        auto key = path.substr(at + 8);
        auto dash = key.rfind('-');
        if (dash == std::string_view::npos || dash == 0 || !all_digits(key.substr(dash + 1))) return {};
        return std::string(key);
    }
    const std::string_view marker = kind == "gitlab" ? "/-/issues/" : "/issues/";
    auto at = path.rfind(marker);
    if (at == std::string_view::npos || at == 0) return {};
    auto number = path.substr(at + marker.size());
    auto project = path.substr(1, at - 1);
    if (!all_digits(number) || project.empty()) return {};
    if (kind == "github" && std::count(project.begin(), project.end(), '/') != 1) return {};
    return std::string(project) + "#" + std::string(number);
}

}  // namespace

std::string_view to_string(TrackerJob::Op op) {
    for (const auto& [value, name] : kOps)
        if (value == op) return name;
    return "file";
}

std::string_view to_string(TicketOutcome outcome) {
    switch (outcome) {
        case TicketOutcome::updated: return "updated";
        case TicketOutcome::unchanged: return "unchanged";
        case TicketOutcome::unknown: return "unknown";
    }
    return "unknown";
}

OutboundMessage tracker_message(const TrackerJob& job) {
    nlohmann::json j = {{"op", to_string(job.op)}, {"action", job.action_id}, {"tracker", job.tracker}};
    auto put = [&j](const char* name, const std::string& value) {
        if (!value.empty()) j[name] = value;
    };
    put("project", job.project);
    put("key", job.key);
    put("title", job.title);
    put("body", job.body);
    put("marker", job.marker);
    put("due", job.due_date);
    put("assignee", job.assignee);
    if (job.queued_at)
        j["queued"] = std::chrono::duration_cast<std::chrono::seconds>(job.queued_at->time_since_epoch()).count();
    OutboundMessage m;
    m.platform = Platform::tracker;
    m.team = job.tracker;
    m.channel = "A-" + std::to_string(job.action_id);
    m.text = j.dump();
    return m;
}

std::optional<TrackerJob> parse_tracker_job(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("op") || !j["op"].is_string() || !j.contains("action") ||
        !j["action"].is_number_integer() || !j.contains("tracker") || !j["tracker"].is_string())
        return std::nullopt;
    TrackerJob job;
    auto op = j["op"].get<std::string>();
    auto found = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& o) { return o.second == op; });
    if (found == std::end(kOps)) return std::nullopt;
    job.op = found->first;
    job.action_id = j["action"].get<std::int64_t>();
    job.tracker = j["tracker"].get<std::string>();
    auto get = [&j](const char* name) {
        auto it = j.find(name);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    job.project = get("project");
    job.key = get("key");
    job.title = get("title");
    job.body = get("body");
    job.marker = get("marker");
    job.due_date = get("due");
    job.assignee = get("assignee");
    if (auto it = j.find("queued"); it != j.end() && it->is_number_integer())
        job.queued_at = Timestamp(std::chrono::seconds(it->get<std::int64_t>()));
    return job;
}

std::string ticket_marker(std::int64_t action_id) { return "hindsight-action:A-" + std::to_string(action_id); }

std::string due_line_date(std::string_view body) {
    constexpr std::string_view prefix = "Due: ";
    std::size_t at = 0;
    while (at < body.size()) {
        auto end = body.find('\n', at);
        auto line = body.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with(prefix)) {
            auto date = line.substr(prefix.size(), 10);
            if (date.size() == 10 && date[4] == '-' && date[7] == '-' && all_digits(date.substr(0, 4)) &&
                all_digits(date.substr(5, 2)) && all_digits(date.substr(8, 2)))
                return std::string(date);
        }
        if (end == std::string_view::npos) break;
        at = end + 1;
    }
    return {};
}

const TrackerSettings* find_tracker(const BotSettings& settings, std::string_view name) {
    for (const auto& t : settings.trackers)
        if (t.name == name) return &t;
    return nullptr;
}

std::optional<IncidentTracker> tracker_for(IncidentStore& store, const BotSettings& settings,
                                           const Incident& incident) {
    if (auto chosen = store.incident_tracker(incident.id); chosen && find_tracker(settings, chosen->tracker))
        return chosen;
    for (const auto& t : settings.trackers)
        for (const auto& p : t.projects)
            if (glob_match(p.channel, incident.where.channel)) return IncidentTracker{t.name, p.project};
    return std::nullopt;
}

std::optional<ParsedTicketUrl> parse_ticket_url(const BotSettings& settings, std::string_view url) {
    auto [origin, path] = split_url(url);
    if (origin.empty()) return std::nullopt;
    // A tracker whose web address is this URL's first, then any of the kind.
    std::optional<ParsedTicketUrl> fallback;
    for (const auto& t : settings.trackers) {
        auto key = key_from_path(t.kind, path);
        if (key.empty()) continue;
        auto [web_origin, web_path] = split_url(t.web_url);
        if (!web_origin.empty() && web_origin == origin) return ParsedTicketUrl{t.name, key};
        if (!fallback) fallback = ParsedTicketUrl{t.name, key};
    }
    return fallback;
}

}  // namespace hindsight
