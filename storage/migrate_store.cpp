#include "storage/migrate_store.hpp"

#include "bot/core/connection_url.hpp"
#include "storage/migrations.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_session.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <set>
#include <stdexcept>

namespace hindsight::storage {
namespace {

struct Table {
    const char* name;
    std::vector<const char*> columns;
    std::set<std::string> booleans;  // INTEGER 0/1 in SQLite, BOOLEAN in PostgreSQL
    bool identity;                   // an `id` column backed by a sequence
    // A one-row setting (the link secret): the source's row replaces the
    // target's, and a target holding only settings counts as empty.
    bool setting = false;
};

// Parents before children (foreign keys), every column of the PostgreSQL schema
// except the outbox and history-merge claims (a copy starts unclaimed).
const std::vector<Table> kTables = {
    {"incidents",
     {"id", "platform", "team", "channel", "title", "severity", "commander_id", "commander_name", "state",
      "opened_at", "closed_at", "started_at", "meeting_at", "meeting_reminded_at", "summary", "impact", "root_cause",
      "facilitator_id", "postmortem_md"},
     {},
     true},
    {"messages",
     {"id", "incident_id", "message_id", "user_id", "user_name", "text", "original_text", "thread_parent", "at_us",
      "edited_at", "deleted", "deleted_at", "key_event", "permalink", "reactions"},
     {"deleted", "key_event"},
     true},
    {"key_events", {"id", "incident_id", "at_us", "author_id", "author_name", "text"}, {}, true},
    {"timeline_curations",
     {"id", "incident_id", "kind", "entry_key", "text", "at_us", "author_id", "author_name", "created_at"},
     {},
     true},
    {"whys", {"incident_id", "n", "answer", "author_id", "at_us"}, {}, false},
    {"factors", {"id", "incident_id", "tag"}, {}, true},
    {"action_items",
     {"id", "incident_id", "owner_id", "owner_name", "text", "due_at", "created_at", "created_by", "state", "done_by",
      "done_at", "snoozed_until", "nudges", "last_nudged_at", "ticket_status", "ticket_tracker", "ticket_key",
      "ticket_url"},
     {},
     true},
    {"incident_trackers", {"incident_id", "tracker", "project"}, {}, false},
    {"users", {"platform", "team", "user_id", "display_name"}, {}, false},
    {"tracker_user_matches", {"tracker", "platform", "team", "user_id", "tracker_user", "found_at"}, {}, false},
    {"deliveries", {"key", "at"}, {}, false},
    {"outbox",
     {"id", "platform", "team", "channel", "to_user", "thread", "text", "response_url", "ephemeral", "buttons",
      "created_at", "attempts", "next_attempt_at", "state", "delivered_at", "last_error", "posted_id", "edit_of",
      "reply_to"},
     {"ephemeral"},
     true},
    // A history merge owed after a close still happens after the move; unclaimed.
    {"history_merges", {"incident_id", "draft_row", "attempts", "next_attempt_at", "last_error"}, {}, false},
    // Signed web links keep working after the move (hindsight rotate-link-secret ends them).
    {"link_secret", {"id", "secret"}, {}, false, true},
};

std::string joined(const std::vector<const char*>& columns, const std::string& prefix = "") {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += ", ";
        out += prefix + columns[i];
    }
    return out;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::int64_t pg_count(pg::Session& pg, const std::string& table) {
    return pg.run("SELECT count(*) FROM " + table)[0][0].as<std::int64_t>();
}

}  // namespace

StoreCopy copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& postgres_url, bool force) {
    const std::string shown = redact_connection_url(postgres_url);
    if (!std::filesystem::exists(sqlite_path)) throw std::runtime_error("no SQLite database at " + sqlite_path);
    // The source at the current schema, as `serve` would leave it.
    {
        SQLite::Database upgrade(sqlite_path, SQLite::OPEN_READWRITE, 5000);
        migrate(upgrade);
    }
    SQLite::Database source(sqlite_path, SQLite::OPEN_READONLY, 5000);
    // One read transaction: every table from the same snapshot.
    source.exec("BEGIN");
    struct EndRead {
        SQLite::Database& db;
        ~EndRead() {
            try {
                db.exec("COMMIT");
            } catch (...) {
            }
        }
    } end_read{source};

    try {
        migrate_postgres(postgres_url);
    } catch (const std::exception& e) {
        throw std::runtime_error(e.what());
    }

    StoreCopy result;
    try {
        pg::Session pg(postgres_url);
        pg.run("BEGIN");
        std::int64_t existing = 0;
        std::string what;
        for (const auto& t : kTables) {
            if (t.setting) continue;
            const auto n = pg_count(pg, t.name);
            existing += n;
            if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + t.name;
        }
        if (existing > 0 && !force)
            throw std::runtime_error("the target database is not empty (" + what +
                                     "); nothing was copied. Use --force to replace its contents");
        if (existing > 0) {
            std::vector<const char*> names;
            for (const auto& t : kTables)
                if (!t.setting) names.push_back(t.name);
            pg.run("TRUNCATE " + joined(names) + " RESTART IDENTITY");
        }

        for (const auto& t : kTables) {
            std::string placeholders;
            for (std::size_t i = 0; i < t.columns.size(); ++i)
                placeholders += (i ? ",$" : "$") + std::to_string(i + 1);
            // Prepared once per table, run per row; ids are copied as they are.
            std::string insert = "INSERT INTO " + std::string(t.name) + " (" + joined(t.columns) + ") VALUES (" +
                                 placeholders + ")";
            if (t.setting) {
                insert += " ON CONFLICT (id) DO UPDATE SET ";
                for (std::size_t i = 1; i < t.columns.size(); ++i)
                    insert += std::string(i > 1 ? ", " : "") + t.columns[i] + " = excluded." + t.columns[i];
            }
            const std::string statement = std::string("copy_") + t.name;
            SQLite::Statement rows(source, "SELECT " + joined(t.columns) + " FROM " + t.name);
            std::int64_t copied = 0;
            while (rows.executeStep()) {
                pg::Args args;
                for (int i = 0; i < static_cast<int>(t.columns.size()); ++i) {
                    const auto column = rows.getColumn(i);
                    if (column.isNull())
                        args.null();
                    else if (t.booleans.count(t.columns[i]))
                        args.boolean(column.getInt64() != 0);
                    else if (column.isInteger())
                        args.integer(column.getInt64());
                    else
                        args.text(column.getString());
                }
                pg.exec_named(statement, insert, args);
                ++copied;
            }
            // Ids are never handed out twice: past the highest copied id and
            // past SQLite's own high-water mark (rows deleted since count too).
            if (t.identity) {
                std::int64_t high = 0;
                SQLite::Statement max_id(source, "SELECT coalesce(max(id), 0) FROM " + std::string(t.name));
                if (max_id.executeStep()) high = max_id.getColumn(0).getInt64();
                SQLite::Statement seq(source, "SELECT seq FROM sqlite_sequence WHERE name = ?");
                seq.bind(1, t.name);
                if (seq.executeStep()) high = std::max<std::int64_t>(high, seq.getColumn(0).getInt64());
                if (high > 0)
                    pg.run("SELECT setval(pg_get_serial_sequence('" + std::string(t.name) + "', 'id'), " +
                           std::to_string(high) + ")");
            }
            result.tables.emplace_back(t.name, copied);
        }

        // Verify before COMMIT: source and target row counts, table by table.
        for (std::size_t k = 0; k < kTables.size(); ++k) {
            const auto& [table, copied] = result.tables[k];
            // A setting the source lacks leaves the target's in place.
            if (kTables[k].setting && copied == 0) continue;
            SQLite::Statement count(source, "SELECT count(*) FROM " + quoted(table));
            count.executeStep();
            const auto in_source = count.getColumn(0).getInt64();
            const auto in_target = pg_count(pg, table);
            if (in_source != in_target || copied != in_source)
                throw std::runtime_error("count mismatch in " + table + ": " + std::to_string(in_source) +
                                         " in SQLite, " + std::to_string(in_target) +
                                         " in PostgreSQL; nothing was copied");
        }
        pg.run("COMMIT");
    } catch (const std::exception& e) {
        // The session's destructor drops the connection: an open transaction rolls back.
        throw std::runtime_error("migrate-store to " + shown + ": " + scrub_password(e.what(), postgres_url));
    }
    return result;
}

}  // namespace hindsight::storage
