// Platform faults through the real binary: the fake Slack Web API answers
// 429 with Retry-After, 5xx, malformed JSON, ok:false, hangs past the client
// timeout or resets the connection mid-response. The outbox retries what may
// work later, dead-letters what will not (kept, counted in /metrics), logs
// both, and ingest is never blocked meanwhile.
//
// Most cases run with the default retry policy (first retry after ~1 s, 8
// attempts, 15 s request timeout). The faults that never end run with a short
// `outbound` policy from the config file, so the row reaches its dead letter
// within the test: through the binary, the policy keys are what is tested.
#include "tests/integration/slack_service.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <tuple>

using namespace std::chrono_literals;
using namespace hindsight;
using hindsight::test::SlackService;
using hindsight::test::unix_now;
using nlohmann::json;

namespace {

const std::string post_path = "/api/chat.postMessage";

struct Faults : SlackService {
    // `outbound`: the retry policy section of the config file (none: the defaults).
    explicit Faults(json outbound = nullptr)
        : SlackService(outbound.is_null() ? json::object() : json{{"outbound", outbound}}) {}

    // (state, attempts, last_error) of every outbox row, read once the service stopped.
    std::vector<std::tuple<std::string, int, std::string>> outbox_rows() {
        SQLite::Database db(database(), SQLite::OPEN_READONLY);
        SQLite::Statement q(db, "SELECT state, attempts, coalesce(last_error, '') FROM outbox ORDER BY id");
        std::vector<std::tuple<std::string, int, std::string>> rows;
        while (q.executeStep()) rows.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt(), q.getColumn(2).getString());
        return rows;
    }

    outbound::ClientResponse command(const std::string& channel, const std::string& text) {
        return SlackService::command(text, "U0ALICE", channel);
    }

    outbound::ClientResponse message(const std::string& channel, int n) {
        auto said = test::user_message(std::to_string(unix_now()) + "." + std::to_string(100000 + n), "U0BOB",
                                       "message " + std::to_string(n));
        said["channel"] = channel;
        return event("Ev" + channel + std::to_string(n), said);
    }

    // Opens and closes an incident: the close posts the draft through the outbox.
    void incident_with_draft(const std::string& channel, const std::string& title) {
        REQUIRE(command(channel, "open " + title).status == 200);
        REQUIRE(message(channel, 1).status == 200);
        REQUIRE(command(channel, "close").status == 200);
    }

    std::size_t drafts_posted(const std::string& title) {
        std::size_t n = 0;
        for (const auto& p : slack.posted())
            if (p.dump().find("Draft timeline") != std::string::npos && p.dump().find(title) != std::string::npos) ++n;
        return n;
    }
};

}  // namespace

TEST_CASE("platform faults: 429 with Retry-After, 500 and 503 are retried until the post is delivered once") {
    Faults f;
    f.slack.server().fail_next(post_path, {[] {
                                               auto r = fakes::FakeResponse::json(429, R"({"ok":false,"error":"ratelimited"})");
                                               r.headers = {{"Retry-After", "1"}};
                                               return r;
                                           }(),
                                           fakes::FakeResponse::json(500, "{}"),
                                           fakes::FakeResponse::text(503, "Service Unavailable")});
    f.incident_with_draft("C0RETRY", "Retried draft");
    CHECK(f.slack.server().wait_for_requests(post_path, 4, 30s));
    CHECK(test::wait_until([&] { return f.drafts_posted("Retried draft") == 1; }, 30s));
    CHECK(f.logged("rate limited (429)"));
    CHECK(f.logged("HTTP 500"));
    CHECK(f.logged("HTTP 503"));
    CHECK(f.logged("retrying in"));
    CHECK(f.metric("hindsight_outbox_dead") == 0);
    CHECK(f.metric("hindsight_outbox_pending") == 0);
}

TEST_CASE("platform faults: malformed JSON and ok:false are dead-lettered, kept and counted") {
    Faults f;
    f.slack.server().fail_next(post_path, {fakes::FakeResponse::json(200, "{\"ok\": tru")});
    f.incident_with_draft("C0MALFORMED", "Malformed answer");
    CHECK(f.logged("response is not a JSON object"));
    f.slack.error_next("chat.postMessage", "channel_not_found");
    f.incident_with_draft("C0NOTFOUND", "Channel gone");
    CHECK(f.logged("channel_not_found"));
    CHECK(f.logged("dead-lettered"));
    CHECK(test::wait_until([&] { return f.metric("hindsight_outbox_dead") == 2; }, 10s));
    CHECK(f.drafts_posted("Malformed answer") == 0);
    CHECK(f.drafts_posted("Channel gone") == 0);
    // Later posts are not held up by the dead letters.
    f.incident_with_draft("C0FINE", "Fine afterwards");
    CHECK(test::wait_until([&] { return f.drafts_posted("Fine afterwards") == 1; }, 10s));
}

TEST_CASE("platform faults: a reset mid-response is retried") {
    Faults f;
    auto reset = fakes::FakeResponse::json(200, R"({"ok":true,"channel":"C0RESET","ts":"1.000001","message":{}})");
    reset.reset_connection = true;
    f.slack.server().fail_next(post_path, {reset});
    f.incident_with_draft("C0RESET", "Reset answer");
    CHECK(test::wait_until([&] { return f.drafts_posted("Reset answer") == 1; }, 30s));
    CHECK(f.slack.calls("chat.postMessage").size() == 2);
    CHECK(f.metric("hindsight_outbox_dead") == 0);
}

TEST_CASE("platform faults: while Slack hangs past the client timeout, events keep being acked") {
    Faults f;
    auto hang = fakes::FakeResponse::json(200, R"({"ok":true})");
    hang.delay = 20s;  // past the outbound client's 15 s request timeout
    f.slack.server().fail_next(post_path, {hang});
    f.incident_with_draft("C0HANG", "Hanging slack");
    REQUIRE(f.slack.server().wait_for_requests(post_path, 1, 10s));
    // Delivery is stuck in the hanging call; ingest goes on.
    REQUIRE(f.command("C0HANG", "reopen").status == 200);
    for (int i = 2; i < 22; ++i) CHECK(f.message("C0HANG", i).status == 200);
    CHECK(f.metric("hindsight_outbox_pending") >= 1);
    // The timed-out call is retried and the draft goes out once.
    CHECK(test::wait_until([&] { return f.drafts_posted("Hanging slack") == 1; }, 40s));
    CHECK(f.logged("timeout"));
}

TEST_CASE("platform faults: a Slack that answers 500 forever dead-letters the post after outbound.max_attempts") {
    Faults f({{"max_attempts", 3}, {"backoff_base_s", 0.05}, {"backoff_max_s", 0.2}});
    f.slack.server().route("POST", post_path, [](const fakes::RecordedRequest&) {
        return fakes::FakeResponse::json(500, R"({"ok":false})");
    });
    f.incident_with_draft("C0DOWN", "Slack down for good");
    REQUIRE(f.slack.server().wait_for_requests(post_path, 1, 10s));
    // Inbound acks go on while delivery retries.
    for (int i = 2; i < 12; ++i) CHECK(f.message("C0DOWN", i).status == 200);
    CHECK(test::wait_until([&] { return f.metric("hindsight_outbox_dead") == 1; }, 30s));
    CHECK(f.metric("hindsight_outbox_failed") == 1);
    CHECK(f.metric("hindsight_outbox_pending") == 0);
    CHECK(f.logged("chat.postMessage: HTTP 500 (gave up after 3 attempts)"));
    CHECK(f.logged("dead-lettered"));
    // Exactly max_attempts calls, none after the dead letter.
    CHECK(f.slack.calls("chat.postMessage").size() == 3);
    CHECK(f.command("C0DOWN", "reopen").status == 200);  // commands are answered after the dead letter too
    f.stop();
    CHECK(f.slack.calls("chat.postMessage").size() == 3);
    // The draft is the dead letter (the reply to `close` was its answer).
    auto rows = f.outbox_rows();
    REQUIRE(rows.size() == 1);
    CHECK(std::get<0>(rows[0]) == "dead");
    CHECK(std::get<1>(rows[0]) == 3);
    CHECK(std::get<2>(rows[0]).find("HTTP 500") != std::string::npos);
}

TEST_CASE("platform faults: a Slack that hangs past outbound.timeout_s on every call dead-letters the post") {
    // Without the configured timeout (15 s by default) three hanging calls
    // would take 45 s, past the bounded wait below.
    Faults f({{"max_attempts", 3}, {"backoff_base_s", 0.05}, {"backoff_max_s", 0.2}, {"timeout_s", 0.5}});
    f.slack.server().route("POST", post_path, [](const fakes::RecordedRequest&) {
        auto r = fakes::FakeResponse::json(200, R"({"ok":true,"channel":"C0HUNG","ts":"1.000001"})");
        r.delay = 60s;
        return r;
    });
    f.incident_with_draft("C0HUNG", "Slack hangs for good");
    REQUIRE(f.slack.server().wait_for_requests(post_path, 1, 10s));
    for (int i = 2; i < 12; ++i) CHECK(f.message("C0HUNG", i).status == 200);
    CHECK(test::wait_until([&] { return f.metric("hindsight_outbox_dead") == 1; }, 30s));
    CHECK(f.metric("hindsight_outbox_failed") == 1);
    // Read, as the fake answers nothing; on a loaded machine the connect or write
    // can be the step that runs out of the 0.5 s instead.
    CHECK(f.logged(": timeout (gave up after 3 attempts)"));
    CHECK(f.logged("chat.postMessage: "));
    CHECK(f.slack.calls("chat.postMessage").size() == 3);
    f.stop();
    // The draft is the dead letter (the reply to `close` was its answer).
    auto rows = f.outbox_rows();
    REQUIRE(rows.size() == 1);
    CHECK(std::get<0>(rows[0]) == "dead");
    CHECK(std::get<1>(rows[0]) == 3);
    CHECK(std::get<2>(rows[0]).find("timeout") != std::string::npos);
}
