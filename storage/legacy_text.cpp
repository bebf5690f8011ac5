#include "storage/legacy_text.hpp"

#include "bot/core/neutral_text.hpp"

#include <algorithm>
#include <array>

namespace hindsight::storage {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '.' ||
           c == '-';
}

// The inside of a Slack construct "<...>" starting at s[i] ("" when s[i]
// starts none): <@…>, <#…>, <!…> or <scheme:…>, on one line, with no
// whitespace before its '|'.
std::string_view construct_at(std::string_view s, std::size_t i) {
    auto close = s.find('>', i + 1);
    if (close == std::string_view::npos) return {};
    auto body = s.substr(i + 1, close - i - 1);
    auto target = body.substr(0, body.find('|'));
    if (target.empty() || body.find('\n') != std::string_view::npos ||
        std::any_of(target.begin(), target.end(), is_space))
        return {};
    if (target.front() == '@' || target.front() == '#' || target.front() == '!') return body;
    auto colon = target.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(target.begin(), target.begin() + static_cast<std::ptrdiff_t>(colon), is_scheme_char))
        return {};
    return body;
}

// What the construct became in neutral text (as the Slack adapter now
// translates it on the way in, from Slack's escaped form).
std::string neutral(std::string_view body) {
    auto bar = body.find('|');
    auto target = body.substr(0, bar);
    auto label = bar == std::string_view::npos ? std::string_view{} : body.substr(bar + 1);
    if (target.front() == '@') return neutral_mention(target.substr(1), label);
    if (target.front() == '#') return "#" + std::string(label.empty() ? target.substr(1) : label);
    if (target.front() != '!') return neutral_link(target, label);
    return std::string(label.empty() ? "@" + std::string(target.substr(1, target.find('^') - 1)) : label);
}

struct PeopleText {
    const char* table;
    const char* column;
    const char* incident;  // the column naming the row's incident
    const char* key;       // with it, the row's key
};

constexpr std::array people_text{
    PeopleText{"incidents", "title", "id", "id"},
    PeopleText{"incidents", "summary", "id", "id"},
    PeopleText{"incidents", "impact", "id", "id"},
    PeopleText{"incidents", "root_cause", "id", "id"},
    PeopleText{"messages", "text", "incident_id", "id"},
    PeopleText{"messages", "original_text", "incident_id", "id"},
    PeopleText{"key_events", "text", "incident_id", "id"},
    PeopleText{"timeline_curations", "text", "incident_id", "id"},
    PeopleText{"whys", "answer", "incident_id", "n"},
    PeopleText{"action_items", "text", "incident_id", "id"},
};

}  // namespace

std::string neutral_from_stored_slack(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto next = text.find('<', i);
        if (next == std::string_view::npos) break;
        out.append(text.substr(i, next - i));
        auto body = construct_at(text, next);
        if (body.empty()) {
            out += '<';
            i = next + 1;
        } else {
            out += neutral(body);
            i = next + body.size() + 2;
        }
    }
    out.append(text.substr(i));
    return out;
}

std::size_t rewrite_stored_slack_text(LegacyTextConnection& db) {
    const std::string sign(1, db.parameter_sign());
    std::size_t changed = 0;
    for (const auto& c : people_text) {
        const std::string table = c.table, column = c.column, incident = c.incident, key = c.key;
        auto rows = db.rows("SELECT " + incident + ", " + key + ", " + column + " FROM " + table + " WHERE " + column +
                            " LIKE '%<%' AND " + incident + " IN (SELECT id FROM incidents WHERE platform = 'slack')");
        const std::string update = "UPDATE " + table + " SET " + column + " = " + sign + "1 WHERE " + incident + " = " +
                                   sign + "2 AND " + key + " = " + sign + "3";
        for (auto& row : rows) {
            auto after = neutral_from_stored_slack(row.text);
            if (after == row.text) continue;
            row.text = std::move(after);
            db.update(update, row);
            ++changed;
        }
    }
    return changed;
}

}  // namespace hindsight::storage
