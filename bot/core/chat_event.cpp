#include "bot/core/chat_event.hpp"
#include "bot/core/incident.hpp"

#include <stdexcept>

namespace hindsight {

std::string_view to_string(Platform p) {
    switch (p) {
        case Platform::slack: return "slack";
        case Platform::mattermost: return "mattermost";
        case Platform::console: return "console";
        case Platform::tracker: return "tracker";
    }
    return "unknown";
}

Platform platform_from_string(std::string_view s) {
    if (s == "slack") return Platform::slack;
    if (s == "mattermost") return Platform::mattermost;
    if (s == "console") return Platform::console;
    if (s == "tracker") return Platform::tracker;
    throw std::invalid_argument("unknown platform: " + std::string(s));
}

std::string_view to_string(TicketStatus s) {
    switch (s) {
        case TicketStatus::none: return "";
        case TicketStatus::held: return "held";
        case TicketStatus::filing: return "filing";
        case TicketStatus::delayed: return "delayed";
        case TicketStatus::failed: return "failed";
        case TicketStatus::open: return "open";
        case TicketStatus::closed: return "closed";
    }
    return "";
}

TicketStatus ticket_status_from_string(std::string_view s) {
    for (auto status : {TicketStatus::held, TicketStatus::filing, TicketStatus::delayed, TicketStatus::failed,
                        TicketStatus::open, TicketStatus::closed})
        if (s == to_string(status)) return status;
    return TicketStatus::none;
}

std::string_view to_string(IncidentState s) {
    return s == IncidentState::open ? "open" : "closed";
}

}  // namespace hindsight
