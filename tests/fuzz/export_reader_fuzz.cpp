// Slack-export reading: the input becomes a small export directory
// (users.json, channels.json and one day file of channel "inc"), split at
// "\n--\n" markers. Refusals are std::runtime_error naming the file;
// anything else is a bug.
#include "adapters/slack/export_reader.hpp"
#include "tests/fuzz/fuzz_input.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

using namespace hindsight;
namespace fs = std::filesystem;

namespace {
const fs::path& export_dir() {
    static const fs::path dir = [] {
        std::string pattern = (fs::temp_directory_path() / "hindsight-fuzz-export-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        fs::create_directories(fs::path(pattern) / "inc");
        return fs::path(pattern);
    }();
    return dir;
}

void write(const fs::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    auto [users, rest] = fuzz::split_once(text, "\n--\n");
    auto [channels, day] = fuzz::split_once(rest, "\n--\n");
    const auto& dir = export_dir();
    write(dir / "users.json", users);
    write(dir / "channels.json", channels);
    write(dir / "inc" / "2026-11-24.json", day);
    try {
        slack::ExportOptions options;
        options.workspace_url = "https://acme.slack.com";
        (void)slack::read_slack_export(dir, "inc", options);
    } catch (const std::runtime_error&) {
    }
    (void)slack::parse_slack_ts(text);
    return 0;
}
