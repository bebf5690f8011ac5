#include "tests/unit/config/support.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace hindsight::config;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                ("hindsight-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path write(const std::string& name, const std::string& content) const {
        auto p = path_ / name;
        std::ofstream(p) << content;
        return p;
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string load_error(const std::string& path) {
    try {
        load(path, {});
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

fs::path source_dir() {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    REQUIRE_MESSAGE(data != nullptr, "HINDSIGHT_TEST_DATA is not set; run through ctest");
    return fs::path(data) / ".." / "..";
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> sorted_leaf_keys(const std::string& json_text) {
    std::vector<std::string> keys;
    config_test::leaf_keys(nlohmann::json::parse(json_text), "", keys);
    std::sort(keys.begin(), keys.end());
    return keys;
}

}  // namespace

TEST_CASE("load reads and validates a file, environment on top") {
    TempDir dir;
    auto p = dir.write("hindsight.json", R"({"listen": {"port": 9999}, "api": {"token": "file"}})");
    auto c = load(p.string(), {{"HINDSIGHT_API_TOKEN", "env"}});
    CHECK(c.listen.port == 9999);
    CHECK(c.api_token == "env");
}

TEST_CASE("a missing or unreadable file is an error naming the path") {
    TempDir dir;
    auto missing = (dir.path() / "nope.json").string();
    auto message = load_error(missing);
    CHECK(message.starts_with(missing + ": cannot read config file"));

    message = load_error(dir.path().string());
    CHECK(message.starts_with(dir.path().string() + ": cannot read config file"));
}

TEST_CASE("an invalid file's error names both the path and the key") {
    TempDir dir;
    auto p = dir.write("bad.json", R"({"listen": {"prot": 1}})").string();
    CHECK(load_error(p) == p + ": unknown key: listen.prot");
    auto empty = dir.write("empty.json", "").string();
    CHECK(load_error(empty).starts_with(empty + ": malformed JSON: "));
}

TEST_CASE("config/example.json is valid and documents every key") {
    auto example = source_dir() / "config" / "example.json";
    const Config c = load(example.string(), {});  // a throw fails the test with its message
    const Config defaults;
    CHECK(c.bot.timezone != "");
    CHECK(sorted_leaf_keys(read_all(example)) == sorted_leaf_keys(redacted_json(defaults)));
}

TEST_CASE("config/README.md has a row for every key") {
    auto readme = read_all(source_dir() / "config" / "README.md");
    const Config defaults;
    for (const auto& key : sorted_leaf_keys(redacted_json(defaults))) {
        CAPTURE(key);
        CHECK(readme.find("`" + key + "`") != std::string::npos);
    }
}
