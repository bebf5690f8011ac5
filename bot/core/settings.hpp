// The parts of the configuration the domain uses. config/ fills them from the
// JSON file; the defaults here are the documented defaults (config/README.md).
#pragma once

#include "bot/core/time.hpp"

#include <chrono>
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

struct BotSettings {
    std::string timezone = "UTC";  // IANA name, validated against the tz database
    ReminderSettings reminders;
    PostmortemSettings postmortem;
    int patterns_window = 10;
    std::string public_url;  // base URL for links to /incidents/{id}/postmortem.md, may be empty
};

}  // namespace hindsight
