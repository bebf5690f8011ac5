#include "bot/service/cli.hpp"

#include "adapters/console/console.hpp"
#include "adapters/slack/export_reader.hpp"
#include "adapters/trackers/github_app.hpp"
#include "adapters/web/page.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/when.hpp"
#include "bot/service/database.hpp"
#include "bot/service/links.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/ops.hpp"
#include "bot/service/service.hpp"
#include "config/config.hpp"
#include "storage/database.hpp"

#include <spdlog/spdlog.h>

#include <date/date.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::service {

namespace {

constexpr const char* usage_text = R"(hindsight — blameless postmortems in your incident channels

Usage:
  hindsight demo [--out FILE]                     play a bundled incident end to end (no network) and write
                                                  its postmortem page (default: hindsight-demo.html in the temp dir)
  hindsight console [--config FILE] [--db PATH]   chat with the bot in the terminal (script on stdin works too)
  hindsight serve [--config FILE]                 run the HTTP service (defaults: 127.0.0.1:8080, ./hindsight.db)
  hindsight check-config --config FILE            validate and print the effective config, secrets redacted
  hindsight export <incident-id> [--config FILE]  print the postmortem Markdown of an incident
  hindsight draft --slack-export DIR --channel NAME [--from T] [--to T] [--workspace-url URL] [--config FILE]
                  [--explain | --explain-json]
                                                  draft a postmortem from a Slack workspace export;
                                                  --workspace-url https://acme.slack.com links entries to their messages;
                                                  --explain shows why each message is kept or left out
                                                  (--explain-json: one JSON object per message, every feature)
  hindsight backup <file> [--config FILE]         online, integrity-checked copy of the database
  hindsight restore <file> [--config FILE]        replace the database with a backup (service stopped)
  hindsight rotate-link-secret [--config FILE]    new secret for page links: every link posted so far stops working
  hindsight migrate-store --from sqlite:PATH --to postgres:URL [--force]
                                                  copy a SQLite database into PostgreSQL, counts verified
  hindsight --version | --help

Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
)";

// One sub-command's part of usage_text: its line and the indented lines
// under it. Empty for a name usage_text does not list.
std::string sub_command_usage(const std::string& name) {
    std::istringstream in(usage_text);
    std::string line, out;
    bool inside = false;
    const std::string head = "  hindsight " + name;
    while (std::getline(in, line)) {
        if (line.rfind(head + " ", 0) == 0 || line == head) {
            inside = true;
            out += "Usage:\n" + line + "\n";
        } else if (inside && line.rfind("      ", 0) == 0) {
            out += line + "\n";
        } else {
            inside = false;
        }
    }
    return out;
}

// argv after the sub-command: positional words and --flag value pairs.
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> flags;
    std::string error;

    std::optional<std::string> flag(const std::string& name) const {
        auto it = flags.find(name);
        if (it == flags.end()) return std::nullopt;
        return it->second;
    }
};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& known,
                const std::vector<std::string>& switches = {}) {
    Args args;
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0) {
            auto eq = a.find('=');
            std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            bool is_switch = std::find(switches.begin(), switches.end(), name) != switches.end();
            if (!is_switch && std::find(known.begin(), known.end(), name) == known.end()) {
                args.error = "unknown option --" + name;
                return args;
            }
            if (is_switch) {
                args.flags[name] = "1";
            } else if (eq != std::string::npos) {
                args.flags[name] = a.substr(eq + 1);
            } else if (i + 1 < argc) {
                args.flags[name] = argv[++i];
            } else {
                args.error = "--" + name + " needs a value";
                return args;
            }
        } else {
            args.positional.push_back(a);
        }
    }
    return args;
}

int usage_error(const std::string& message) {
    std::cerr << "hindsight: " << message << "\n\n" << usage_text;
    return 2;
}

std::optional<config::Config> load_config(const std::optional<std::string>& path) {
    try {
        auto config = config::load(path, config::process_environment());
        // What the config layer cannot tell without OpenSSL.
        for (const auto& t : config.trackers)
            if (!t.app_id.empty())
                if (auto why = trackers::check_app_private_key(t.app_private_key); !why.empty())
                    throw config::ConfigError("trackers." + t.name + ".app_private_key: " + why);
        return config;
    } catch (const config::ConfigError& e) {
        std::cerr << "hindsight: invalid configuration: " << e.what() << "\n";
        return std::nullopt;
    }
}

// A scratch database for the demo and the console, removed afterwards.
class ScratchDatabase {
public:
    ScratchDatabase() {
        auto dir = std::filesystem::temp_directory_path() /
                   ("hindsight-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        std::filesystem::create_directories(dir);
        dir_ = dir;
    }
    ~ScratchDatabase() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    std::string path() const { return (dir_ / "hindsight.db").string(); }

private:
    static inline int counter_ = 0;
    std::filesystem::path dir_;
};

// `after`: called with the database and the clock once the session ends.
int run_console_session(const config::Config& cfg, const std::string& db_path, std::istream& in, bool interactive,
                        bool echo, Timestamp start,
                        const std::function<void(storage::Database&, const Clock&)>& after = {}) {
    storage::Database db(db_path);
    ManualClock clock(start);
    Bot bot(db.store(), db.outbox(), clock, cfg.bot);
    console::ConsoleOptions options;
    options.echo = echo;
    console::Console chat(bot, db.writes(), db.outbox(), clock, std::cout, options);
    if (interactive)
        std::cout << "Hindsight console — you are `you` in #incident. Type messages or `/incident help`; "
                     ":user NAME, :channel NAME, :advance 2h, :quit.\n";
    chat.run(in, interactive);
    if (after) after(db, clock);
    return 0;
}

Timestamp demo_start() {
    using namespace date;
    return Timestamp{sys_days{2026_y / November / 18} + std::chrono::hours{14} + std::chrono::minutes{25}};
}

// The demo incident's page and its Markdown, side by side.
void write_demo_page(storage::Database& db, const Clock& clock, const config::Config& cfg,
                     const std::filesystem::path& out) {
    auto reader = db.open_reader();
    auto incidents = reader->list_incidents();
    if (incidents.empty()) throw std::runtime_error("the demo left no incident");
    auto draft = draft_postmortem(*reader, cfg.bot, incidents.front(), clock.now());
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    auto markdown_path = std::filesystem::path(out).replace_extension(".md");
    web::PageLinks links;
    links.markdown = markdown_path.filename().string();
    std::ofstream(markdown_path, std::ios::binary) << draft.markdown;
    std::ofstream html(out, std::ios::binary);
    html << web::render_incident_page(draft, links);
    if (!html.flush()) throw std::runtime_error("cannot write " + out.string());
}

int cmd_demo(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"out"});
    if (!args.error.empty() || !args.positional.empty()) return usage_error(args.error.empty() ? "demo takes no arguments but --out FILE" : args.error);
    configure_logging("warn", "text");
    config::Config cfg;
    auto out = std::filesystem::path(
        args.flag("out").value_or((std::filesystem::temp_directory_path() / "hindsight-demo.html").string()));
    ScratchDatabase scratch;
    std::istringstream script(console::demo_script());
    std::cout << "Hindsight demo: a checkout outage, played through the console adapter with a simulated clock.\n"
                 "Everything below is what the channel would see. No network is used.\n\n";
    int rc = run_console_session(cfg, scratch.path(), script, false, true, demo_start(),
                                 [&](storage::Database& db, const Clock& clock) { write_demo_page(db, clock, cfg, out); });
    std::cout << "\nThe postmortem as a web page: " << std::filesystem::absolute(out).string()
              << "\n\nThat was the demo. Next: `hindsight console` to try it yourself, or `hindsight serve` "
                 "to connect Slack or Mattermost (see README.md).\n";
    return rc;
}

// Commands that read or change an existing store never create one: a SQLite
// file that is not there is a wrong --config, said once here.
bool database_exists(const config::Config& cfg) {
    if (cfg.storage.postgres() || std::filesystem::exists(cfg.storage_path)) return true;
    std::cerr << "hindsight: no database at " << cfg.storage_path << "\n";
    return false;
}

int cmd_rotate_link_secret(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"config"});
    if (!args.error.empty() || !args.positional.empty())
        return usage_error(args.error.empty() ? "rotate-link-secret takes --config FILE" : args.error);
    auto cfg = load_config(args.flag("config"));
    if (!cfg) return 2;
    configure_logging("warn", cfg->log.format);
    if (!database_exists(*cfg)) return 1;
    SystemClock clock;
    storage::Database db = open_database(*cfg, clock);
    db.writes().run([&] { db.store().replace_link_secret(new_link_secret()); });
    std::cout << "Link secret replaced in " << db.path()
              << ": every page link posted so far now answers 401. New links come with the next "
                 "/incident postmortem or /incident stats.\n";
    return 0;
}

int cmd_console(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"config", "db"});
    if (!args.error.empty() || !args.positional.empty()) return usage_error(args.error.empty() ? "console takes no positional arguments" : args.error);
    auto cfg = load_config(args.flag("config"));
    if (!cfg) return 2;
    configure_logging("warn", "text");
    std::optional<ScratchDatabase> scratch;
    std::string path;
    if (auto db = args.flag("db")) {
        path = *db;
    } else {
        scratch.emplace();
        path = scratch->path();
    }
    bool interactive = ::isatty(STDIN_FILENO) != 0;
    return run_console_session(*cfg, path, std::cin, interactive, !interactive, SystemClock{}.now());
}

int cmd_check_config(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"config"});
    if (!args.error.empty() || !args.positional.empty()) return usage_error(args.error.empty() ? "check-config takes --config FILE" : args.error);
    auto cfg = load_config(args.flag("config"));
    if (!cfg) return 2;
    std::cout << config::redacted_json(*cfg) << "\n";
    for (const auto& w : config::warnings(*cfg)) std::cerr << "warning: " << w << "\n";
    std::cerr << "configuration OK\n";
    return 0;
}

int cmd_export(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"config"});
    if (!args.error.empty()) return usage_error(args.error);
    if (args.positional.size() != 1) return usage_error("export needs exactly one incident id");
    std::int64_t id = 0;
    try {
        id = std::stoll(args.positional[0]);
    } catch (const std::exception&) {
        return usage_error("incident id must be a number");
    }
    auto cfg = load_config(args.flag("config"));
    if (!cfg) return 2;
    configure_logging("warn", cfg->log.format);
    if (!database_exists(*cfg)) return 1;
    SystemClock clock;
    storage::Database db = open_database(*cfg, clock);
    auto reader = db.open_reader();
    auto incident = reader->find_incident(id);
    if (!incident) {
        std::cerr << "hindsight: no incident " << id << " in " << db.path() << "\n";
        return 1;
    }
    std::cout << draft_postmortem_document(*reader, cfg->bot, *incident, SystemClock{}.now());
    return 0;
}

// An export carries no workspace address, so permalinks need it from the
// user: "https://acme.slack.com" (a trailing '/' is fine), nothing else.
bool is_workspace_url(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (!url.starts_with(scheme)) return false;
    auto host = url.substr(scheme.size());
    if (host.ends_with('/')) host.remove_suffix(1);
    if (host.empty() || host.front() == '.' || host.front() == '-' || host.back() == '.' ||
        host.find("..") != std::string_view::npos || host.find('.') == std::string_view::npos)
        return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
}

int cmd_draft(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"slack-export", "channel", "from", "to", "workspace-url", "config"},
                           {"explain", "explain-json"});
    if (!args.error.empty()) return usage_error(args.error);
    auto dir = args.flag("slack-export");
    auto channel = args.flag("channel");
    if (!dir || !channel) return usage_error("draft needs --slack-export DIR and --channel NAME");
    auto workspace_url = args.flag("workspace-url");
    if (workspace_url && !is_workspace_url(*workspace_url))
        return usage_error("--workspace-url: expected the workspace's https address, e.g. https://acme.slack.com (got '" +
                           *workspace_url + "')");
    auto cfg = load_config(args.flag("config"));
    if (!cfg) return 2;
    configure_logging("warn", "text");
    auto now = SystemClock{}.now();
    std::optional<Timestamp> from, to;
    if (auto f = args.flag("from")) {
        from = parse_when(*f, now, cfg->bot.timezone);
        if (!from) return usage_error("--from: unreadable time '" + *f + "'");
    }
    if (auto t = args.flag("to")) {
        to = parse_when(*t, now, cfg->bot.timezone);
        if (!to) return usage_error("--to: unreadable time '" + *t + "'");
    }
    try {
        slack::ExportOptions options;
        options.from = from;
        options.to = to;
        if (workspace_url) options.workspace_url = *workspace_url;
        auto exported = slack::read_slack_export(*dir, *channel, options);
        ScratchDatabase scratch;
        storage::Database db(scratch.path());
        std::string document;
        db.writes().run([&] {
            auto& store = db.store();
            auto incident = exported.incident;
            incident.id = store.create_incident(incident);
            for (const auto& [id, name] : exported.names) store.remember_user(incident.where, id, name);
            for (auto m : exported.messages) {
                m.incident_id = incident.id;
                store.insert_message(m);
            }
            if (args.flag("explain") || args.flag("explain-json"))
                document = explain_draft(store, cfg->bot, incident, now, args.flag("explain-json").has_value());
            else
                document = draft_postmortem_document(store, cfg->bot, incident, now);
        });
        std::cout << document;
    } catch (const std::exception& e) {
        std::cerr << "hindsight: draft failed: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

int cmd_serve(int argc, char** argv) {
    auto args = parse_args(argc, argv, 2, {"config"});
    if (!args.error.empty() || !args.positional.empty()) return usage_error(args.error.empty() ? "serve takes --config FILE" : args.error);
    auto cfg = load_config(args.flag("config"));
    if (!cfg) return 2;
    configure_logging(cfg->log.level, cfg->log.format);
    try {
        Service service(*cfg);
        return service.run();
    } catch (const config::ConfigError& e) {
        // Found only when serving starts, e.g. certificate files that cannot be used.
        spdlog::critical("serve: invalid configuration: {}", e.what());
        return 2;
    } catch (const std::exception& e) {
        spdlog::critical("serve: {}", e.what());
        return 1;
    }
}

}  // namespace

int run_cli(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << usage_text;
        return 2;
    }
    std::string command = argv[1];
    try {
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << usage_text;
            return 0;
        }
        if (command == "--version" || command == "version") {
            std::cout << "hindsight " << version_string() << "\n";
            return 0;
        }
        // `hindsight <command> --help`: that command's usage, exit 0.
        for (int i = 2; i < argc; ++i) {
            std::string_view a = argv[i];
            if (a != "--help" && a != "-h") continue;
            auto usage = sub_command_usage(command);
            if (usage.empty()) break;
            std::cout << usage;
            return 0;
        }
        if (command == "demo") return cmd_demo(argc, argv);
        if (command == "console") return cmd_console(argc, argv);
        if (command == "serve") return cmd_serve(argc, argv);
        if (command == "check-config") return cmd_check_config(argc, argv);
        if (command == "export") return cmd_export(argc, argv);
        if (command == "draft") return cmd_draft(argc, argv);
        if (command == "backup") return cmd_backup(argc, argv);
        if (command == "restore") return cmd_restore(argc, argv);
        if (command == "migrate-store") return cmd_migrate_store(argc, argv);
        if (command == "rotate-link-secret") return cmd_rotate_link_secret(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "hindsight: " << e.what() << "\n";
        return 1;
    }
    return usage_error("unknown command '" + command + "'");
}

}  // namespace hindsight::service
