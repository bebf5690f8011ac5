// The parts of the configuration the domain uses. config/ fills them from the
// JSON file; the defaults here are the documented defaults (config/README.md).
#pragma once

#include "bot/core/time.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace hindsight {

struct ReminderSettings {
    Duration check_interval = std::chrono::seconds{60};
    Duration repeat_every = std::chrono::hours{24};
    int escalate_after = 3;
    std::string default_due = "+7d";
};

struct PostmortemSettings {
    Duration schedule_within = std::chrono::hours{48};
    std::vector<std::string> facilitators;
    int max_timeline_entries = 100;
};

// One issue tracker as the domain sees it (trackers.<name> in the
// configuration; docs/trackers.md). Credentials and wire details stay with
// the adapter (config::TrackerConfig).
struct TrackerProject {
    std::string channel;  // glob over the channel id ('*' and '?'); "*" matches every channel
    std::string project;  // "acme/ops" (GitHub, GitLab) or "OPS" (Jira)
};

struct TrackerSettings {
    std::string name;  // the key under trackers.*
    std::string kind;  // github | gitlab | jira
    std::string web_url;  // where its tickets are opened by people, for `/incident action link`
    bool comment_on_done = false;  // done in chat: comment on the ticket instead of closing it
    std::vector<TrackerProject> projects;  // first match files; none: not filed
    std::map<std::string, std::string> users;  // chat user id -> tracker user (login, Jira account id)
    // Owners not in `users` are looked up by e-mail (trackers.*.match_email)
    // and the matches stored. Then an assignee neither in `users` nor matched
    // by e-mail is nobody known: it leaves the owner alone instead of making
    // the login the owner.
    bool match_email = false;
};

struct BotSettings {
    std::string timezone = "UTC";  // IANA name, validated against the tz database
    ReminderSettings reminders;
    PostmortemSettings postmortem;
    int patterns_window = 10;
    std::vector<TrackerSettings> trackers;  // in name order
    std::string public_url;  // base URL for links to /incidents/{id}/postmortem.md, may be empty
};

}  // namespace hindsight
