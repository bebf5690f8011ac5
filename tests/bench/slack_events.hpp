// The Slack traffic of the ingest benchmarks (docs/performance.md), shared by
// bench_ingest (signed HTTP requests) and bench_socket (Socket Mode
// envelopes): the bench channel, the message events as Slack sends them, and
// the check of the database afterwards — every acked event stored once.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

namespace hindsight::bench {

inline constexpr const char* team = "T0BENCH001";
inline constexpr const char* channel = "C0BENCH001";

// What people type during an incident, JSON-safe (no quotes or backslashes).
inline constexpr std::array<const char*, 12> texts = {
    "FIRING: [P1] api-gateway 5xx rate above 5% for 5m on prod-eu-west-1 (current 7.3%). Runbook: https://runbooks.example.com/api-gateway/5xx",
    "looking at the dashboards now, error rate started climbing around 14:02 right after the deploy of checkout-service v2.31.0",
    "ack, I'm on it. paging the database on-call as well since replication lag on the primary looks suspicious",
    "<@U0BENCH0007> can you check whether the connection pool on orders-db is saturated? I see a lot of timeouts in the client logs",
    "Decision: we roll back checkout-service to v2.30.4 now and investigate the config change afterwards, no objections heard",
    "rollback started, ETA about 6 minutes for all 48 pods to cycle. I'll post when the canary is healthy again",
    "customers are reporting failed payments on the status page, support has 37 tickets so far, mostly from the EU region",
    "interesting: the new release bumped the HTTP client timeout from 2s to 30s, so threads pile up when orders-db is slow",
    "RESOLVED: [P1] api-gateway 5xx rate back below threshold (0.4%) on prod-eu-west-1 for 10m. Grafana: https://grafana.example.com/d/abc123",
    "action for later: add an alert on connection pool saturation and a load test for the timeout path before the next release",
    "+1, also we should make the deploy pipeline halt automatically when the canary error rate doubles, not only on crashes",
    "status update for stakeholders: impact on checkout in EU for ~25 minutes, mitigation in progress, next update in 15 minutes",
};

// Event i of a run: its message ts is base_us + i microseconds, its event_id
// carries `run`, so two runs never share one.
struct EventSeries {
    long long base_us = 0;  // message ts of index 0, microseconds since the epoch
    std::string run;        // makes event ids unique per run
};

inline std::string message_ts(long long us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", us / 1000000, us % 1000000);
    return buf;
}

// A ~600-byte event_callback as Slack sends it (docs/platforms.md, "Slack: Events API").
inline std::string event_body(const EventSeries& series, std::uint64_t index) {
    auto ts = message_ts(series.base_us + static_cast<long long>(index));
    char buf[2048];
    int n = std::snprintf(
        buf, sizeof buf,
        R"({"token":"vtok0000000000000000000000","team_id":"%s","api_app_id":"A0BENCH001",)"
        R"("event":{"type":"message","channel":"%s","user":"U0BENCH%04llu","text":"%s","ts":"%s",)"
        R"("client_msg_id":"5b3c%08llx-2e1f-4c7a-9d1e-%012llx","event_ts":"%s","channel_type":"channel",)"
        R"("team":"%s"},"type":"event_callback","event_id":"Ev%s%010llu","event_time":%lld,)"
        R"("authorizations":[{"enterprise_id":null,"team_id":"%s","user_id":"U0BOT00001","is_bot":true,)"
        R"("is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"4-eyJldCI6Im1lc3NhZ2UifQ"})",
        team, channel, static_cast<unsigned long long>(index % 40), texts[index % texts.size()], ts.c_str(),
        static_cast<unsigned long long>(index), static_cast<unsigned long long>(index), ts.c_str(), team,
        series.run.c_str(), static_cast<unsigned long long>(index), series.base_us / 1000000, team);
    return std::string(buf, static_cast<std::size_t>(n));
}

struct Verification {
    std::uint64_t stored = 0, distinct = 0, acked_missing = 0, unexpected = 0;
    bool ok() const { return stored == distinct && acked_missing == 0 && unexpected == 0; }
};

inline constexpr const char* kIncidentQuery = "SELECT id FROM incidents WHERE team = $1 AND channel = $2 ORDER BY id DESC LIMIT 1";
inline constexpr const char* kMessagesQuery = "SELECT message_id FROM messages WHERE incident_id = $1";

// The message ids stored in the bench incident of a SQLite file. A stopped
// server: read-write, which recovers its WAL. A running one: read-only,
// seeing what it committed (acked means committed).
inline std::vector<std::string> stored_ids_sqlite(const std::string& db_path, bool read_only) {
    SQLite::Database db(db_path, read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE);
    SQLite::Statement incident(db, kIncidentQuery);
    incident.bind(1, team);
    incident.bind(2, channel);
    if (!incident.executeStep()) throw std::runtime_error("verify: the bench incident is not in the database");
    SQLite::Statement messages(db, kMessagesQuery);
    messages.bind(1, incident.getColumn(0).getInt64());
    std::vector<std::string> ids;
    while (messages.executeStep()) ids.push_back(messages.getColumn(0).getString());
    return ids;
}

// The database after the servers stopped: every acked event once, nothing
// else. (Events that failed in flight may be stored without an ack; they
// count as `unexpected` only when their index was never sent.)
inline Verification verify(const std::vector<std::string>& stored_ids, const EventSeries& series,
                    const std::vector<std::uint64_t>& acked, std::uint64_t sent_ceiling,
                    std::uint64_t& stored_unacked) {
    Verification v;
    std::unordered_set<std::uint64_t> seen;
    for (const auto& id : stored_ids) {
        ++v.stored;
        auto dot = id.find('.');
        long long us = std::stoll(id.substr(0, dot)) * 1000000 + std::stoll(id.substr(dot + 1));
        long long index = us - series.base_us;
        if (index < 0 || static_cast<std::uint64_t>(index) >= sent_ceiling) ++v.unexpected;
        if (seen.insert(static_cast<std::uint64_t>(index)).second) ++v.distinct;
    }
    std::unordered_set<std::uint64_t> acked_set(acked.begin(), acked.end());
    for (auto index : acked)
        if (!seen.count(index)) ++v.acked_missing;
    stored_unacked = 0;
    for (auto index : seen)
        if (!acked_set.count(index)) ++stored_unacked;
    return v;
}

}  // namespace hindsight::bench
