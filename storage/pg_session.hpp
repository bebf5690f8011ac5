// Internal to storage/pg_*.cpp: one PostgreSQL connection with its prepared
// statements. The only header that includes libpqxx; nothing outside storage/
// includes it.
#pragma once

#include "bot/core/time.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hindsight::storage::pg {

// Statement parameters, all sent as text ($1, $2, … in order); a missing
// optional is NULL.
class Args {
public:
    Args& text(std::string value) {
        values_.push_back(std::move(value));
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

inline std::optional<Timestamp> optional_time(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return from_micros(f.as<std::int64_t>());
}
inline Timestamp time_of(const pqxx::field& f) { return from_micros(f.as<std::int64_t>()); }
inline std::string text_of(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

// A connection opened on first use and again after it broke (reset()).
// Statements are prepared on the connection the first time they run. Used by
// one thread at a time.
class Session {
public:
    // `read_only`: every transaction on it is READ ONLY (the pooled readers).
    explicit Session(std::string url, bool read_only = false) : url_(std::move(url)), read_only_(read_only) {}
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
        if (read_only_) work_->exec("SET default_transaction_read_only = on");
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
        ensure();
        return guarded([&] { return work_->exec(sql); });
    }

    // A statement built at run time, prepared under `name` on first use.
    pqxx::result exec_named(const std::string& name, const std::string& sql, const Args& args) {
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

    // `sql` is a string constant: its address names the prepared statement.
    pqxx::result exec(const char* sql, const Args& args = Args{}) {
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

private:
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
    bool read_only_;
    std::unique_ptr<pqxx::connection> connection_;
    std::unique_ptr<pqxx::nontransaction> work_;
    std::map<const char*, std::string> prepared_;
    std::set<std::string> named_;
};

}  // namespace hindsight::storage::pg
