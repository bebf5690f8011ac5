#include "bot/core/time.hpp"

#include <date/date.h>

#include <cctype>
#include <cstdint>
#include <sstream>

namespace hindsight {

Timestamp SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

ManualClock::ManualClock(Timestamp start) : now_(start) {}

Timestamp ManualClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

void ManualClock::advance(Duration d) {
    std::lock_guard lock(mutex_);
    now_ += d;
}

void ManualClock::set(Timestamp t) {
    std::lock_guard lock(mutex_);
    now_ = t;
}

std::int64_t to_micros(Timestamp t) { return t.time_since_epoch().count(); }

Timestamp from_micros(std::int64_t us) { return Timestamp{Duration{us}}; }

std::string format_rfc3339(Timestamp t) {
    auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    std::string out = date::format("%FT%T", seconds);
    auto frac = (t - seconds).count();
    if (frac != 0) {
        // floor() above makes frac non-negative and below one second.
        auto millis = static_cast<int>(frac / 1000 % 1000);
        out += '.';
        out += static_cast<char>('0' + millis / 100);
        out += static_cast<char>('0' + millis / 10 % 10);
        out += static_cast<char>('0' + millis % 10);
    }
    out += 'Z';
    return out;
}

std::optional<Duration> parse_duration(std::string_view text) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    Duration total{0};
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t value = 0;
        std::size_t digits = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            value = value * 10 + (text[i] - '0');
            if (value > 1'000'000) return std::nullopt;  // guards overflow; 1e6 days is plenty
            ++i;
            ++digits;
        }
        if (digits == 0 || i == text.size()) return std::nullopt;
        using namespace std::chrono;
        switch (std::tolower(static_cast<unsigned char>(text[i]))) {
            case 's': total += duration_cast<Duration>(seconds{value}); break;
            case 'm': total += duration_cast<Duration>(minutes{value}); break;
            case 'h': total += duration_cast<Duration>(hours{value}); break;
            case 'd': total += duration_cast<Duration>(hours{24 * value}); break;
            case 'w': total += duration_cast<Duration>(hours{24 * 7 * value}); break;
            default: return std::nullopt;
        }
        ++i;
    }
    return total;
}

std::string format_duration(Duration d) {
    using namespace std::chrono;
    bool negative = d < Duration{0};
    if (negative) d = -d;
    auto total = duration_cast<seconds>(d).count();
    auto days = total / 86400;
    auto hours_ = (total % 86400) / 3600;
    auto minutes_ = (total % 3600) / 60;
    auto secs = total % 60;
    std::ostringstream out;
    if (negative) out << '-';
    if (days > 0) {
        out << days << 'd';
        if (hours_ > 0) out << ' ' << hours_ << 'h';
    } else if (hours_ > 0) {
        out << hours_ << 'h';
        if (minutes_ > 0) out << ' ' << minutes_ << 'm';
    } else if (minutes_ > 0) {
        out << minutes_ << 'm';
    } else {
        out << secs << 's';
    }
    return out.str();
}

}  // namespace hindsight
