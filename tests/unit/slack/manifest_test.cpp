// The app manifest must ask for what the adapter uses: the scopes behind each
// API call and event, the events it parses, and the endpoint paths it serves.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string manifest() {
    std::string here = __FILE__;
    std::ifstream in(here.substr(0, here.rfind('/')) + "/../../../deploy/slack-app-manifest.yml");
    REQUIRE(in.good());
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

}  // namespace

TEST_CASE("manifest: scopes, events, command and URLs") {
    auto m = manifest();
    for (auto scope : {"commands", "chat:write", "chat:write.public", "im:write", "channels:history",
                       "groups:history", "users:read", "reactions:read", "pins:read"})
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
