#include "bot/service/ops.hpp"

#include "config/config.hpp"
#include "storage/backup.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace hindsight::service {
namespace {

struct OpsArgs {
    std::string file;
    std::optional<std::string> config;
};

int usage(const std::string& command, const std::string& message) {
    std::cerr << "hindsight: " << message << "\n\nUsage: hindsight " << command << " <file> [--config FILE]\n";
    return 2;
}

// Exactly one positional <file> and an optional --config FILE (or --config=FILE).
std::optional<OpsArgs> parse(int argc, char** argv, std::string& error) {
    OpsArgs args;
    std::vector<std::string> positional;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--config") {
            if (i + 1 >= argc) {
                error = "--config needs a value";
                return std::nullopt;
            }
            args.config = argv[++i];
        } else if (a.rfind("--config=", 0) == 0) {
            args.config = a.substr(9);
        } else if (a.rfind("--", 0) == 0) {
            error = "unknown option " + a.substr(0, a.find('='));
            return std::nullopt;
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 1) {
        error = "expected exactly one <file>";
        return std::nullopt;
    }
    args.file = positional.front();
    return args;
}

std::optional<std::string> database_path(const std::optional<std::string>& config_path) {
    try {
        auto config = config::load(config_path, config::process_environment());
        if (config.storage.postgres()) {
            std::cerr << "hindsight: backup and restore copy the SQLite file; with storage.backend \"postgres\" "
                         "use pg_dump / pg_restore (docs/operations.md, \"Running several replicas\")\n";
            return std::nullopt;
        }
        return config.storage_path;
    } catch (const config::ConfigError& e) {
        std::cerr << "hindsight: invalid configuration: " << e.what() << "\n";
        return std::nullopt;
    }
}

}  // namespace

int cmd_backup(int argc, char** argv) {
    std::string error;
    auto args = parse(argc, argv, error);
    if (!args) return usage("backup", error);
    auto db = database_path(args->config);
    if (!db) return 2;
    try {
        storage::backup(*db, args->file);
    } catch (const std::exception& e) {
        std::cerr << "hindsight: " << e.what() << "\n";
        return 1;
    }
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(args->file, ec);
    std::cout << "backed up " << *db << " to " << args->file;
    if (!ec) std::cout << " (" << bytes << " bytes)";
    std::cout << ", integrity check ok\n";
    return 0;
}

int cmd_restore(int argc, char** argv) {
    std::string error;
    auto args = parse(argc, argv, error);
    if (!args) return usage("restore", error);
    auto db = database_path(args->config);
    if (!db) return 2;
    try {
        storage::restore(args->file, *db);
    } catch (const std::exception& e) {
        std::cerr << "hindsight: " << e.what() << "\n";
        return 1;
    }
    std::cout << "restored " << *db << " from " << args->file << ", integrity check ok\n";
    return 0;
}

}  // namespace hindsight::service
