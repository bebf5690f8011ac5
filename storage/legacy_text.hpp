// Text stored before adapters handed the core neutral text (SQLite schema 11,
// PostgreSQL schema 7): the Slack adapter stored Slack's markup with only its
// escapes undone ("<@U1|bob> see <https://x|the board>"). One migration in
// each store rewrites it into the neutral text the core reads now
// (docs/architecture.md, "Text on the way in"), so old incidents render as
// new ones do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hindsight::storage {

// One stored Slack text in neutral form. A '<' that starts no construct (the
// test the core used to apply: "latency < 100ms" stays) is kept, so no text
// is lost.
std::string neutral_from_stored_slack(std::string_view text);

// What the rewrite needs from a store's connection, inside the migration's
// transaction. Parameters are written ?1, ?2 (SQLite) or $1, $2 (PostgreSQL).
class LegacyTextConnection {
public:
    struct Row {
        std::int64_t incident = 0;
        std::int64_t key = 0;  // the row's id (a why: its number) within the incident
        std::string text;
    };
    virtual ~LegacyTextConnection() = default;
    virtual char parameter_sign() const = 0;
    // The rows `sql` returns: (incident, key, text).
    virtual std::vector<Row> rows(const std::string& sql) = 0;
    // Runs `sql` with parameters 1 = text, 2 = incident, 3 = key.
    virtual void update(const std::string& sql, const Row& row) = 0;
};

// Rewrites every column of people's words (titles, summaries, messages and
// their originals, notes, curations, whys, action items) of the Slack
// incidents, row by row through each table's key; returns how many texts
// changed.
std::size_t rewrite_stored_slack_text(LegacyTextConnection& db);

}  // namespace hindsight::storage
