// The web pages (docs/web.md): an incident's postmortem, the incident index
// and the error page, as complete HTML documents built from plain data. No
// script anywhere; every piece of user text is escaped or goes through
// cmark-gfm's safe mode.
#pragma once

#include "bot/core/bot.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::web {

struct PageLinks {
    std::string index;     // the incident list; "" when the reader may not see it
    std::string markdown;  // the document as Markdown
};

// `GET /incidents/{id}`: the header (title, severity, state, channel), the
// phases strip and the channel-activity chart, then the postmortem document
// in sections (details, summary, impact, timeline with links to the chat
// messages, five whys, factors, action items with their status now, lessons,
// blameless check).
std::string render_incident_page(const PostmortemDraft& draft, const PageLinks& links);

struct IndexFilter {
    std::string query;     // words of the title, case-insensitive
    std::string state;     // "", "open", "closed"
    int severity = 0;      // 0 = any
    std::string platform;  // "", "slack", "mattermost", "console"
    std::string channel;   // "" = any
};

struct IndexInput {
    std::vector<Incident> incidents;  // every incident, newest first
    std::vector<ActionItem> actions;  // every action item
    std::map<std::int64_t, std::vector<std::string>> factors;  // by incident id
    Timestamp now{};
    std::string timezone = "UTC";
    IndexFilter filter;
    // The address of an incident's page (signed like the index when it was).
    std::function<std::string(std::int64_t id)> incident_link;
    std::string form_action = "/incidents";
    // Hidden fields the filter form carries along (the index link's token).
    std::vector<std::pair<std::string, std::string>> keep;
};

// `GET /incidents` in a browser: stats, charts (time to close, action-item
// completion, recurring factors) and the table, all over the incidents the
// filter keeps.
std::string render_index_page(const IndexInput& input);

// Whether an incident passes the filter.
bool matches(const Incident& incident, const IndexFilter& filter);

// A small page for 401, 404 and the like.
std::string render_error_page(int status, std::string_view title, std::string_view message);

}  // namespace hindsight::web
