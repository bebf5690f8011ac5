#include "bot/core/chat_event.hpp"
#include "bot/core/incident.hpp"

#include <stdexcept>

namespace hindsight {

std::string_view to_string(Platform p) {
    switch (p) {
        case Platform::slack: return "slack";
        case Platform::mattermost: return "mattermost";
        case Platform::console: return "console";
    }
    return "unknown";
}

Platform platform_from_string(std::string_view s) {
    if (s == "slack") return Platform::slack;
    if (s == "mattermost") return Platform::mattermost;
    if (s == "console") return Platform::console;
    throw std::invalid_argument("unknown platform: " + std::string(s));
}

std::string_view to_string(IncidentState s) {
    return s == IncidentState::open ? "open" : "closed";
}

}  // namespace hindsight
