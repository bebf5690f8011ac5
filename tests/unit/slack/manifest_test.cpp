// The app manifest must ask for what the adapter uses: the scopes behind each
// API call and event, the events it parses, and the endpoint paths it serves.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string manifest() {
    // ctest sets HINDSIGHT_TEST_DATA (tests/data); __FILE__ is relative to
    // the build directory, so it only serves a binary run from there.
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    std::string here = __FILE__;
    std::string path = data ? std::string(data) + "/../../deploy/slack-app-manifest.yml"
                            : here.substr(0, here.rfind('/')) + "/../../../deploy/slack-app-manifest.yml";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        auto start = l.find_first_not_of(' ');
        if (start != std::string::npos && l.substr(start) == line) return true;
    }
    return false;
}

// The "- item" lines of the YAML list under the line `key:`.
std::set<std::string> list_under(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::set<std::string> items;
    bool inside = false;
    for (std::string l; std::getline(in, l);) {
        auto start = l.find_first_not_of(' ');
        if (start == std::string::npos) continue;
        auto line = l.substr(start);
        if (line == key + ":") {
            inside = true;
        } else if (inside && line.rfind("- ", 0) == 0) {
            items.insert(line.substr(2));
        } else if (inside) {
            break;
        }
    }
    return items;
}

}  // namespace

TEST_CASE("manifest: exactly the scopes and events the adapter uses, no more") {
    auto m = manifest();
    // commands: /incident · chat:write: chat.postMessage · chat:write.public: the draft in a public channel
    // the bot was not invited to · im:write: conversations.open for reminder DMs · channels:history,
    // groups:history: message events and conversations.history backfill · users:read: users.info names ·
    // users:read.email: users.info profile.email, to assign tracker tickets by e-mail ·
    // reactions:read, pins:read: pushpin reactions and pins mark key events.
    CHECK(list_under(m, "bot") == std::set<std::string>{"commands", "chat:write", "chat:write.public", "im:write",
                                                       "channels:history", "groups:history", "users:read",
                                                       "users:read.email", "reactions:read", "pins:read"});
    // What adapters/slack/inbound.cpp translates.
    CHECK(list_under(m, "bot_events") == std::set<std::string>{"message.channels", "message.groups", "reaction_added",
                                                              "reaction_removed", "pin_added", "pin_removed"});
}

TEST_CASE("manifest: scopes, events, command and URLs") {
    auto m = manifest();
    for (auto scope : {"commands", "chat:write", "chat:write.public", "im:write", "channels:history",
                       "groups:history", "users:read", "users:read.email", "reactions:read", "pins:read"})
        CHECK_MESSAGE(has_line(m, std::string("- ") + scope), scope);
    for (auto event : {"message.channels", "message.groups", "reaction_added", "reaction_removed", "pin_added",
                       "pin_removed"})
        CHECK_MESSAGE(has_line(m, std::string("- ") + event), event);
    CHECK(has_line(m, "name: Hindsight"));
    CHECK(has_line(m, "display_name: hindsight"));
    CHECK(has_line(m, "- command: /incident"));
    CHECK(has_line(m, "should_escape: true"));
    CHECK(has_line(m, "url: https://hindsight.example.com/slack/commands"));
    CHECK(has_line(m, "request_url: https://hindsight.example.com/slack/events"));
    CHECK(has_line(m, "request_url: https://hindsight.example.com/slack/interactions"));
    CHECK(has_line(m, "socket_mode_enabled: false"));
}
