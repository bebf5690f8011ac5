// The Socket Mode manifest (deploy/slack-app-manifest-socket.yml): the same
// app as the HTTP one, with socket mode on and no request URL anywhere.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_deploy(const std::string& name) {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    std::string here = __FILE__;
    std::string path = data ? std::string(data) + "/../../deploy/" + name
                            : here.substr(0, here.rfind('/')) + "/../../../deploy/" + name;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The manifest's YAML without comment lines.
std::string yaml(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string l; std::getline(in, l);) {
        auto start = l.find_first_not_of(' ');
        if (start != std::string::npos && l[start] == '#') continue;
        out += l + "\n";
    }
    return out;
}

// The block from `key:` to the next line indented no deeper.
std::string section(const std::string& text, const std::string& key) {
    auto at = text.find(key + ":");
    REQUIRE(at != std::string::npos);
    auto indent = at - text.rfind('\n', at) - 1;
    std::istringstream in(text.substr(at));
    std::string out, l;
    std::getline(in, l);
    while (std::getline(in, l)) {
        auto start = l.find_first_not_of(' ');
        if (start != std::string::npos && start <= indent) break;
        out += l + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("socket manifest: socket mode on, no request URLs, the same scopes, events and command as the HTTP one") {
    auto socket = yaml(read_deploy("slack-app-manifest-socket.yml"));
    auto http = yaml(read_deploy("slack-app-manifest.yml"));
    CHECK(socket.find("socket_mode_enabled: true") != std::string::npos);
    CHECK(socket.find("url:") == std::string::npos);
    CHECK(socket.find("request_url") == std::string::npos);
    CHECK(section(socket, "oauth_config") == section(http, "oauth_config"));
    CHECK(section(socket, "bot_events") == section(http, "bot_events"));
    CHECK(socket.find("- command: /incident") != std::string::npos);
    CHECK(socket.find("should_escape: true") != std::string::npos);
    CHECK(socket.find("is_enabled: true") != std::string::npos);
    // The app-level token's scope is named where the operator creates it.
    CHECK(read_deploy("slack-app-manifest-socket.yml").find("connections:write") != std::string::npos);
}
