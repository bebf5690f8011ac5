#include "bot/service/ops.hpp"

#include "config/config.hpp"
#include "bot/core/connection_url.hpp"
#include "storage/backup.hpp"
#include "storage/migrate_store.hpp"

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

int cmd_migrate_store(int argc, char** argv) {
    auto usage_error = [](const std::string& message) {
        std::cerr << "hindsight: " << message
                  << "\n\nUsage: hindsight migrate-store --from sqlite:PATH --to postgres:URL [--force]\n"
                     "       (--to postgres: alone reads the URL from HINDSIGHT_DATABASE_URL)\n";
        return 2;
    };
    std::optional<std::string> from, to;
    bool force = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const std::string& name) -> std::optional<std::string> {
            if (a == name) {
                if (i + 1 >= argc) return std::nullopt;
                return std::string(argv[++i]);
            }
            return a.substr(name.size() + 1);
        };
        if (a == "--force") {
            force = true;
        } else if (a == "--from" || a.rfind("--from=", 0) == 0) {
            from = value("--from");
            if (!from) return usage_error("--from needs a value");
        } else if (a == "--to" || a.rfind("--to=", 0) == 0) {
            to = value("--to");
            if (!to) return usage_error("--to needs a value");
        } else {
            return usage_error("unexpected argument " + a.substr(0, a.find('=')));
        }
    }
    if (!from || from->rfind("sqlite:", 0) != 0 || from->size() == 7)
        return usage_error("--from must be sqlite:PATH");
    if (!to || to->rfind("postgres:", 0) != 0) return usage_error("--to must be postgres:URL");
    const std::string path = from->substr(7);
    std::string url = to->substr(9);
    if (url.empty()) {
        auto env = config::process_environment();
        auto found = env.find("HINDSIGHT_DATABASE_URL");
        if (found == env.end() || found->second.empty())
            return usage_error("--to postgres: without a URL needs HINDSIGHT_DATABASE_URL");
        url = found->second;
    }
    if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
        return usage_error("--to must be postgres:postgresql://user@host/dbname");
    try {
        const auto copy = storage::copy_sqlite_to_postgres(path, url, force);
        std::int64_t total = 0;
        for (const auto& [table, rows] : copy.tables) {
            std::cout << "  " << table << ": " << rows << "\n";
            total += rows;
        }
        std::cout << "copied " << total << " rows from " << path << " to " << redact_connection_url(url)
                  << ", counts verified\n";
    } catch (const std::exception& e) {
        std::cerr << "hindsight: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace hindsight::service
