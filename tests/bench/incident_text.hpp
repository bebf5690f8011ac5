// What the benchmarks' incident channels are made of (docs/performance.md):
// the bench's people and the text of message i, in roughly the proportions
// seen in real incident channels. Shared by bench_draft and bench_close.
#pragma once

#include <cstddef>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace hindsight::bench {

inline std::string user_id(std::size_t n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U0BENCH%04zu", n);
    return buf;
}

// The text of message `i`: what an incident channel is made of, in roughly
// the proportions seen in real ones.
inline std::string message_text(std::size_t i, std::mt19937_64& rng) {
    static const std::vector<std::string> alerts = {
        "FIRING: [P1] api-gateway 5xx rate above 5% for 5m on prod-eu-west-1 (current 7.3%)",
        "FIRING: [P2] orders-db replication lag 45s on replica-2",
        "RESOLVED: [P1] api-gateway 5xx rate back below threshold on prod-eu-west-1",
        "FIRING: [P3] checkout p99 latency 2.4s above SLO (800ms)",
    };
    static const std::vector<std::string> chatter = {
        "looking at the dashboards now",
        "error rate started climbing right after the deploy of checkout-service v2.31.0",
        "I see a lot of timeouts in the client logs, mostly towards orders-db",
        "customers are reporting failed payments on the status page, support has a few dozen tickets",
        "the connection pool on orders-db is at 100% and the queue keeps growing",
        "rollback started, ETA about 6 minutes for all pods to cycle",
        "canary looks healthy again, error rate is down to 0.4%",
        "traffic from the EU region is still elevated, probably clients retrying",
        "did anyone change the feature flags for payments today?",
        "the new release bumped the HTTP client timeout from 2s to 30s, so threads pile up when the db is slow",
        "graphs: https://grafana.example.com/d/abc123/checkout?from=now-3h&to=now",
        "we could also fail over to the secondary region if the rollback does not help",
    };
    static const std::vector<std::string> acks = {"ack", "on it", "+1", "ok", "thanks!", "👀", "looking", "same here"};
    static const std::vector<std::string> actions = {
        "action: add an alert on connection pool saturation",
        "note to self: load test the timeout path before the next release",
        "follow-up: make the deploy pipeline halt when the canary error rate doubles",
    };
    static const std::vector<std::string> decisions = {
        "Decision: we roll back checkout-service to v2.30.4 now and investigate afterwards",
        "decided: keep the feature flag off until the fix is verified in staging",
        "we agreed to fail over the EU traffic to eu-central-1",
    };
    std::uniform_int_distribution<int> pct(0, 99);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    int roll = pct(rng);
    if (roll < 8) return pick(alerts);
    if (roll < 30) return pick(acks);
    if (roll < 33) return pick(actions);
    if (roll < 35) return pick(decisions);
    if (roll < 40) return "@{" + user_id(rng() % 40) + "|} can you take a look at " + pick(chatter);  // a mention token, as adapters hand it over
    if (roll < 44) {
        // Pasted logs and stack traces: the long tail of message sizes.
        std::string text = "here is what I see in the logs:\n```\n";
        int lines = 10 + static_cast<int>(rng() % 40);
        for (int l = 0; l < lines; ++l)
            text += "2026-11-24T14:02:" + std::to_string(10 + l % 50) +
                    "Z ERROR orders.client: timeout after 30000ms calling orders-db:5432 (attempt " +
                    std::to_string(l % 3 + 1) + ", pool 64/64, request " + std::to_string(i * 100 + l) + ")\n";
        return text + "```";
    }
    return pick(chatter) + (roll % 3 == 0 ? " " + pick(chatter) : "");
}

}  // namespace hindsight::bench
