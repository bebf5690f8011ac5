// Internal to storage/pg_*.cpp: one PostgreSQL connection with its prepared
// statements. The only header that includes libpqxx; nothing outside storage/
// includes it.
#pragma once

#include "bot/core/time.hpp"

#include <pqxx/pqxx>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::storage::pg {

// PostgreSQL text cannot hold the NUL character (SQLite's can): it is
// dropped from every text the stores send, rather than failing the write
// (or, sent as a C string, cutting the text short).
inline std::string without_nul(std::string value) {
    std::erase(value, '\0');
    return value;
}

// Statement parameters, all sent as text ($1, $2, … in order); a missing
// optional is NULL.
class Args {
public:
    Args& text(std::string value) {
        values_.push_back(without_nul(std::move(value)));
        pointers_.push_back(values_.back().c_str());
        return *this;
    }
    Args& integer(std::int64_t value) { return text(std::to_string(value)); }
    Args& boolean(bool value) { return text(value ? "true" : "false"); }
    Args& null() {
        pointers_.push_back(nullptr);
        return *this;
    }
    Args& time(Timestamp t) { return integer(to_micros(t)); }
    Args& time(const std::optional<Timestamp>& t) {
        if (!t) {
            pointers_.push_back(nullptr);
            return *this;
        }
        return time(*t);
    }
    const std::vector<const char*>& pointers() const { return pointers_; }

private:
    std::deque<std::string> values_;  // stable addresses
    std::vector<const char*> pointers_;
};

// A PostgreSQL array literal ({"a","b",NULL}), written an element at a time:
// libpqxx 6 reads arrays (array_parser) but does not write them. Texts are
// quoted with their quotes and backslashes escaped; NUL is dropped as in
// without_nul.
class ArrayLiteral {
public:
    ArrayLiteral() : out_("{") {}
    void text(std::string_view value) {
        next();
        out_ += '"';
        for (char ch : value) {
            if (ch == '\0') continue;
            if (ch == '"' || ch == '\\') out_ += '\\';
            out_ += ch;
        }
        out_ += '"';
    }
    void integer(std::int64_t value) {
        next();
        out_ += std::to_string(value);
    }
    void boolean(bool value) {
        next();
        out_ += value ? "t" : "f";
    }
    void time(Timestamp t) { integer(to_micros(t)); }
    void time(const std::optional<Timestamp>& t) {
        if (!t) {
            next();
            out_ += "NULL";
            return;
        }
        time(*t);
    }
    std::string str() const { return out_ + "}"; }

private:
    void next() {
        if (out_.size() > 1) out_ += ',';
    }
    std::string out_;
};

inline std::optional<Timestamp> optional_time(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return from_micros(f.as<std::int64_t>());
}
inline Timestamp time_of(const pqxx::field& f) { return from_micros(f.as<std::int64_t>()); }
inline std::string text_of(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

// How a session's connection is set up each time it connects.
struct SessionSettings {
    bool read_only = false;  // every transaction READ ONLY (the pooled readers)
    // Server-side bounds on one statement and on one wait for a lock; zero is
    // none. A replica's writer or reader never hangs on a stuck query or on a
    // lock another process keeps: the statement fails and the caller hears it.
    std::chrono::milliseconds statement_timeout{0};
    std::chrono::milliseconds lock_timeout{0};
};

// A connection opened on first use and again after it broke (reset()).
// Statements are prepared on the connection the first time they run. Used by
// one thread at a time.
class Session {
public:
    explicit Session(std::string url, SessionSettings settings = {})
        : url_(std::move(url)), settings_(settings) {}
    ~Session() { reset(); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Connects now if not connected. Throws pqxx::broken_connection.
    void ensure() {
        if (work_) return;
        connection_ = std::make_unique<pqxx::connection>(url_);
        work_ = std::make_unique<pqxx::nontransaction>(*connection_);
        prepared_.clear();
        named_.clear();
        // One round trip; values in milliseconds, 0 = none.
        guarded([&] {
            return work_->exec("SET statement_timeout = " + std::to_string(settings_.statement_timeout.count()) +
                               "; SET lock_timeout = " + std::to_string(settings_.lock_timeout.count()) +
                               (settings_.read_only ? "; SET default_transaction_read_only = on" : ""));
        });
    }
    bool connected() const { return work_ != nullptr; }
    // Forgets the connection (after it broke); the next use connects again.
    void reset() {
        work_.reset();
        connection_.reset();
        prepared_.clear();
        named_.clear();
    }

    // A plain statement (transaction control, DDL).
    pqxx::result run(const std::string& sql) {
        return again_if_stale([&] {
            ensure();
            return guarded([&] { return work_->exec(sql); });
        });
    }

    // A statement built at run time, prepared under `name` on first use.
    pqxx::result exec_named(const std::string& name, const std::string& sql, const Args& args) {
        return again_if_stale([&] { return exec_named_once(name, sql, args); });
    }

    // `sql` is a string constant: its address names the prepared statement.
    pqxx::result exec(const char* sql, const Args& args = Args{}) {
        return again_if_stale([&] { return exec_once(sql, args); });
    }

private:
    // A read-only session whose connection broke while it sat idle (the
    // server restarted, a proxy dropped it) runs the statement again on a new
    // one: a read has no effect to repeat, and the caller need not see the
    // old connection's end. The writer never does: its statements belong to
    // a transaction that died with the connection.
    template <class F>
    pqxx::result again_if_stale(F f) {
        const bool was_connected = connected();
        try {
            return f();
        } catch (const pqxx::broken_connection&) {
            if (!settings_.read_only || !was_connected) throw;
            return f();
        }
    }

    pqxx::result exec_named_once(const std::string& name, const std::string& sql, const Args& args) {
        ensure();
        if (named_.insert(name).second) {
            try {
                guarded([&] {
                    connection_->prepare(name, sql);
                    return pqxx::result{};
                });
            } catch (...) {
                named_.erase(name);
                throw;
            }
        }
        return guarded([&] { return work_->exec_prepared(name, pqxx::prepare::make_dynamic_params(args.pointers())); });
    }

    pqxx::result exec_once(const char* sql, const Args& args) {
        ensure();
        auto found = prepared_.find(sql);
        if (found == prepared_.end()) {
            const std::string name = "s" + std::to_string(prepared_.size() + 1);
            guarded([&] {
                connection_->prepare(name, sql);
                return pqxx::result{};
            });
            found = prepared_.emplace(sql, name).first;
        }
        return guarded([&] {
            return work_->exec_prepared(found->second, pqxx::prepare::make_dynamic_params(args.pointers()));
        });
    }

    // A broken connection is forgotten here, so whoever catches the error
    // finds the session ready to reconnect.
    template <class F>
    pqxx::result guarded(F f) {
        try {
            return f();
        } catch (const pqxx::broken_connection&) {
            reset();
            throw;
        }
    }

    std::string url_;
    SessionSettings settings_;
    std::unique_ptr<pqxx::connection> connection_;
    std::unique_ptr<pqxx::nontransaction> work_;
    std::map<const char*, std::string> prepared_;
    std::set<std::string> named_;
};

}  // namespace hindsight::storage::pg
