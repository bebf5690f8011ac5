#include "storage/backup.hpp"

#include "storage/migrations.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace hindsight::storage {
namespace {

namespace fs = std::filesystem;

// 1024 pages of 4 KiB: 4 MiB per sqlite3_backup_step call.
constexpr int kPagesPerStep = 1024;
constexpr int kBusyTimeoutMs = 5000;

std::runtime_error failure(const std::string& step, const std::string& detail) {
    return std::runtime_error(step + ": " + detail);
}

std::string errno_text() { return std::strerror(errno); }

// Copies every page of `from` into `to`. The caller decides what snapshot of
// `from` is read and what locks `to` holds.
void copy_pages(SQLite::Database& to, SQLite::Database& from) {
    SQLite::Backup copy(to, from);
    for (;;) {
        const int rc = copy.executeStep(kPagesPerStep);
        if (rc == SQLITE_DONE) return;
        if (rc != SQLITE_OK) throw std::runtime_error(sqlite3_errstr(rc));
    }
}

// PRAGMA integrity_check answers a single row "ok", or up to 100 problems.
void check_integrity(SQLite::Database& db, const std::string& what) {
    SQLite::Statement check(db, "PRAGMA integrity_check");
    std::vector<std::string> problems;
    while (check.executeStep()) {
        std::string row = check.getColumn(0).getString();
        if (row != "ok") problems.push_back(std::move(row));
    }
    if (!problems.empty()) {
        std::string detail = problems.front();
        if (problems.size() > 1) detail += " (and " + std::to_string(problems.size() - 1) + " more)";
        throw failure("integrity check of " + what, detail);
    }
}

void fsync_path(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw failure("sync " + path.string(), errno_text());
    const int rc = ::fsync(fd);
    const std::string error = rc != 0 ? errno_text() : "";
    ::close(fd);
    if (rc != 0) throw failure("sync " + path.string(), error);
}

// A temporary file next to the destination (same file system, so the final
// rename is atomic), removed with SQLite's side files unless kept.
class TempCopy {
public:
    explicit TempCopy(const fs::path& destination) {
        std::string pattern = (destination.parent_path() / ("." + destination.filename().string() + ".tmp-XXXXXX")).string();
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw failure("create a temporary file in " + destination.parent_path().string(), errno_text());
        ::close(fd);
        path_ = pattern;
    }
    ~TempCopy() {
        if (kept_) return;
        std::error_code ignored;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path_.string() + suffix, ignored);
    }
    TempCopy(const TempCopy&) = delete;
    TempCopy& operator=(const TempCopy&) = delete;

    const fs::path& path() const { return path_; }
    void keep() { kept_ = true; }

private:
    fs::path path_;
    bool kept_ = false;
};

fs::path directory_of(const fs::path& file) {
    return file.has_parent_path() ? file.parent_path() : fs::path(".");
}

void require_file(const std::string& path, const std::string& what) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status)) throw std::runtime_error("no " + what + " at " + path);
    if (!fs::is_regular_file(status)) throw std::runtime_error(what + " " + path + " is not a regular file");
}

void write_backup(const std::string& source_db, const fs::path& destination) {
    require_file(source_db, "database");
    const fs::path dir = directory_of(destination);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw std::runtime_error("directory " + dir.string() + " does not exist");
    if (fs::is_directory(destination, ec)) throw std::runtime_error(destination.string() + " is a directory");
    if (fs::exists(destination, ec) && fs::equivalent(source_db, destination, ec))
        throw std::runtime_error("the destination is the database itself");

    // Read-write, like any other connection: it can recover a WAL left by a
    // crash, and being a normal participant it checkpoints and removes the
    // -wal/-shm files it created when it is the last connection to close.
    SQLite::Database source(source_db, SQLite::OPEN_READWRITE, kBusyTimeoutMs);
    TempCopy temp(destination);
    {
        SQLite::Database copy(temp.path().string(), SQLite::OPEN_READWRITE, kBusyTimeoutMs);
        // One read transaction around the whole copy pins a WAL snapshot: the
        // copy is exactly what was committed when it began, the service's
        // writer is never blocked (WAL readers don't block writers), and the
        // backup never restarts — without the snapshot, every commit by
        // another connection between two steps would start it over, and under
        // steady writes it might never finish. The cost: checkpoints can't go
        // past the snapshot until the copy ends, so the WAL grows meanwhile.
        SQLite::Transaction snapshot(source);
        source.execAndGet("SELECT count(*) FROM sqlite_schema");
        try {
            copy_pages(copy, source);
        } catch (const std::exception& e) {
            throw failure("copy", e.what());
        }
        snapshot.commit();
        // The pages carry the source's WAL flag; make the copy one file.
        copy.exec("PRAGMA journal_mode = DELETE");
    }
    {
        SQLite::Database check(temp.path().string(), SQLite::OPEN_READONLY);
        check_integrity(check, "the copy");
    }
    fsync_path(temp.path(), O_RDONLY);
    if (::rename(temp.path().c_str(), destination.c_str()) != 0)
        throw failure("rename " + temp.path().string() + " to " + destination.string(), errno_text());
    temp.keep();
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

void check_backup_file(const std::string& backup_file) {
    require_file(backup_file, "backup");
    SQLite::Database backup(backup_file, SQLite::OPEN_READONLY);
    check_integrity(backup, "the backup");
    const int version = backup.execAndGet("PRAGMA user_version").getInt();
    if (version < 1 || !backup.tableExists("incidents"))
        throw std::runtime_error(backup_file + " is not a Hindsight database");
    if (version > latest_schema_version())
        throw std::runtime_error(backup_file + " has schema version " + std::to_string(version) +
                                 ", newer than this build knows (" + std::to_string(latest_schema_version()) +
                                 "): restore it with a newer hindsight");
}

void write_restore(const std::string& backup_file, const std::string& db_path) {
    check_backup_file(backup_file);
    const fs::path dir = directory_of(db_path);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw std::runtime_error("directory " + dir.string() + " does not exist");
    if (fs::exists(db_path, ec) && fs::equivalent(backup_file, db_path, ec))
        throw std::runtime_error("the backup is the database itself");

    SQLite::Database backup(backup_file, SQLite::OPEN_READONLY);
    // No busy timeout: a lock held by anyone else means "in use", now.
    SQLite::Database target(db_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0);
    // In exclusive locking mode the lock taken by the first write is kept
    // until the connection closes. A WAL database in this mode works without
    // the shared-memory index, which needs an exclusive lock on the file
    // itself — so this fails while any other connection, in any process,
    // has the database open, even an idle one.
    target.exec("PRAGMA locking_mode = EXCLUSIVE");
    try {
        target.exec("BEGIN EXCLUSIVE");
        target.exec("COMMIT");
    } catch (const SQLite::Exception& e) {
        if (e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED)
            throw std::runtime_error("database " + db_path +
                                     " is in use (is the service running? stop it before restoring)");
        throw failure("lock " + db_path, e.what());
    }
    // The backup API writes the destination in one transaction: interrupted,
    // the database keeps its old contents.
    try {
        copy_pages(target, backup);
    } catch (const std::exception& e) {
        throw failure("copy", e.what());
    }
    check_integrity(target, "the restored database");
}

}  // namespace

void backup(const std::string& source_db, const std::string& destination) {
    try {
        write_backup(source_db, destination);
    } catch (const std::exception& e) {
        throw std::runtime_error("backup of " + source_db + " to " + destination + " failed: " + e.what());
    }
}

void restore(const std::string& backup_file, const std::string& db_path) {
    try {
        write_restore(backup_file, db_path);
    } catch (const std::exception& e) {
        throw std::runtime_error("restore of " + backup_file + " to " + db_path + " failed: " + e.what());
    }
}

}  // namespace hindsight::storage
