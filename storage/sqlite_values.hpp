// Conversions between domain values and SQLite columns, shared by the stores.
#pragma once

#include "bot/core/chat_event.hpp"
#include "bot/core/time.hpp"

#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace hindsight::storage {

inline const char* platform_text(Platform p) {
    switch (p) {
        case Platform::slack: return "slack";
        case Platform::mattermost: return "mattermost";
        case Platform::console: return "console";
        case Platform::tracker: return "tracker";
    }
    return "console";
}

inline void bind_time(SQLite::Statement& s, int index, Timestamp t) {
    s.bind(index, static_cast<std::int64_t>(to_micros(t)));
}

inline void bind_time(SQLite::Statement& s, int index, const std::optional<Timestamp>& t) {
    if (t)
        bind_time(s, index, *t);
    else
        s.bind(index);  // NULL
}

inline void bind_count(SQLite::Statement& s, int index, std::size_t n) {
    constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    s.bind(index, static_cast<std::int64_t>(n > max ? max : n));
}

inline std::string text_at(const SQLite::Statement& s, int index) { return s.getColumn(index).getString(); }

inline std::int64_t int_at(const SQLite::Statement& s, int index) { return s.getColumn(index).getInt64(); }

inline Timestamp time_at(const SQLite::Statement& s, int index) { return from_micros(int_at(s, index)); }

inline std::optional<Timestamp> optional_time_at(const SQLite::Statement& s, int index) {
    if (s.isColumnNull(index)) return std::nullopt;
    return time_at(s, index);
}

}  // namespace hindsight::storage
