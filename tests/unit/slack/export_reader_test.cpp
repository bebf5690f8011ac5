#include "adapters/slack/export_reader.hpp"
#include "bot/core/postmortem.hpp"
#include "tests/support/temp_dir.hpp"

#include <date/date.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

using namespace hindsight;
using namespace hindsight::slack;
namespace fs = std::filesystem;

namespace {

fs::path export_dir() {
    const char* data = std::getenv("HINDSIGHT_TEST_DATA");
    fs::path base = data ? fs::path(data) : fs::path(__FILE__).parent_path().parent_path().parent_path() / "data";
    return base / "slack_export";
}

Timestamp utc(int day, int h, int m, int s = 0) {
    using namespace std::chrono;
    return Timestamp{date::sys_days{date::year{2026} / 11 / day}.time_since_epoch() + hours{h} + minutes{m} +
                     seconds{s} + microseconds{100}};
}

const RecordedMessage& by_text(const ExportedChannel& e, std::string_view start) {
    for (const auto& m : e.messages)
        if (m.text.starts_with(start)) return m;
    FAIL("no message starting with " << start);
    throw std::logic_error("unreachable");
}

std::string error_of(const fs::path& dir, std::string_view channel, const ExportOptions& options = {}) {
    try {
        read_slack_export(dir, channel, options);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("parse_slack_ts keeps microseconds and refuses junk") {
    CHECK(parse_slack_ts("1700000000.000100") == from_micros(1'700'000'000'000'100));
    CHECK(parse_slack_ts("1700000000.5") == from_micros(1'700'000'000'500'000));
    CHECK(parse_slack_ts("1700000000") == from_micros(1'700'000'000'000'000));
    CHECK_FALSE(parse_slack_ts("").has_value());
    CHECK_FALSE(parse_slack_ts("abc.def").has_value());
    CHECK_FALSE(parse_slack_ts("1700000000.1234567").has_value());
    CHECK_FALSE(parse_slack_ts("-5.0").has_value());
}

TEST_CASE("export: people's messages of one channel over two days, in order") {
    auto e = read_slack_export(export_dir(), "inc-checkout-500s");
    // 31 entries in the files: 4 joins, a PagerDuty bot post, a topic change and
    // an app post (bot_id) are not people talking.
    CHECK(e.messages.size() == 24);
    CHECK(e.incident.title == "#inc-checkout-500s");
    CHECK(e.incident.where.platform == Platform::slack);
    CHECK(e.incident.where.channel == "C07INC");
    CHECK(e.incident.where.team == "T0ACME");
    CHECK(e.incident.state == IncidentState::closed);
    CHECK(e.incident.opened_at == utc(24, 22, 52, 10));
    CHECK(e.incident.closed_at == utc(25, 0, 40));
    CHECK(e.messages.front().text.starts_with("PagerDuty alert: checkout-api 5xx at 8%"));
    CHECK(e.messages.back().text == "closing out, postmortem tomorrow");
    // Slack's markup is translated into neutral text as for live messages.
    CHECK(by_text(e, "cc ").text == "cc @{U03CAROL|} can you check the payments db?");
    CHECK(by_text(e, "looking at the grafana board").text ==
          "looking at the grafana board [checkout overview](https://grafana.acme.example/d/checkout)");
    for (std::size_t i = 1; i < e.messages.size(); ++i) CHECK(e.messages[i - 1].at <= e.messages[i].at);
    for (const auto& m : e.messages) {
        CHECK(m.text.find("has joined the channel") == std::string::npos);
        CHECK(m.text != "Message from the bot");
        CHECK(m.user_id != "");
    }
}

TEST_CASE("export: display names from users.json with Slack's preference order") {
    auto e = read_slack_export(export_dir(), "#inc-checkout-500s");
    CHECK(e.names.at("U01ALICE") == "Alice");       // display name
    CHECK(e.names.at("U02BOB") == "Bob Stone");     // no display name: real name
    CHECK(e.names.at("U03CAROL") == "carol.dba");   // display name, no real name
    CHECK(e.names.at("U04DAN") == "Dan");           // deactivated users keep their name
    CHECK(by_text(e, "connection pool").user_name == "carol.dba");
}

TEST_CASE("export: reactions count the people who reacted, not the author") {
    auto e = read_slack_export(export_dir(), "inc-checkout-500s");
    auto find = [&](std::string_view text) -> const RecordedMessage& {
        for (const auto& m : e.messages)
            if (m.text.find(text) != std::string::npos) return m;
        FAIL("no message " << text);
        throw std::logic_error("unreachable");
    };
    CHECK(find("checkout back to normal for 20 min").reactions == 1);  // Bob's white_check_mark
    CHECK(find("payments here. db looks healthy").reactions == 0);
}

TEST_CASE("export: edits, threads, pins and pushpins, ts as id") {
    ExportOptions options;
    options.workspace_url = "https://acme.slack.com/";
    auto e = read_slack_export(export_dir(), "inc-checkout-500s", options);
    auto edited = by_text(e, "I think the 22:30 deploy");
    REQUIRE(edited.edited_at.has_value());
    CHECK(*edited.edited_at == utc(24, 23, 4) - std::chrono::microseconds{100});

    const auto& parent = by_text(e, "rollback done");
    CHECK(parent.thread_parent.empty());
    const auto& reply = by_text(e, "connections dropping");
    CHECK(reply.thread_parent == parent.message_id);
    CHECK(reply.permalink == "https://acme.slack.com/archives/C07INC/p" + std::string("1795561980000100") +
                                 "?thread_ts=" + parent.message_id + "&cid=C07INC");
    CHECK(parent.permalink == "https://acme.slack.com/archives/C07INC/p1795561920000100");
    CHECK(parent.message_id == "1795561920.000100");

    CHECK(by_text(e, "let's roll back").key_event);     // pinned_to
    CHECK(by_text(e, "PagerDuty alert").key_event);     // pushpin reaction
    CHECK_FALSE(by_text(e, "checkout back to normal").key_event);  // another reaction
    CHECK(by_text(e, "/me files").user_id == "U02BOB");  // me_message is a person talking
    CHECK(by_text(e, "max_connections is 200").text == "max_connections is 200 & we have 240 clients");

    auto plain = read_slack_export(export_dir(), "inc-checkout-500s");
    CHECK(plain.messages.front().permalink.empty());
}

TEST_CASE("export: a time window selects messages and the incident bounds") {
    ExportOptions window;
    window.from = utc(24, 23, 0);
    window.to = utc(24, 23, 30);
    auto e = read_slack_export(export_dir(), "inc-checkout-500s", window);
    CHECK(e.messages.size() == 11);  // 23:30 inclusive, the topic change skipped
    CHECK(e.incident.opened_at == utc(24, 23, 0));
    CHECK(e.incident.closed_at == utc(24, 23, 30));

    ExportOptions day_two;
    day_two.from = utc(25, 0, 0);
    auto d = read_slack_export(export_dir(), "inc-checkout-500s", day_two);
    CHECK(d.messages.size() == 7);
    CHECK(d.messages.front().user_id == "U04DAN");
}

TEST_CASE("export: drafts into a postmortem with names, kinds and noise dropped") {
    auto e = read_slack_export(export_dir(), "inc-checkout-500s");
    DraftInput in;
    in.incident = e.incident;
    in.messages = e.messages;
    in.display_name = [&](const std::string& id) {
        auto it = e.names.find(id);
        return it == e.names.end() ? id : it->second;
    };
    in.now = utc(26, 9, 0);
    auto t = draft_timeline(in);
    CHECK(t.spans_days);
    CHECK(t.dropped_noise == 6);  // on it, :eyes:, +1, thanks, 👍, ty all
    auto doc = render_postmortem(in, t);
    CHECK(doc.starts_with("# Postmortem: #inc-checkout-500s\n"));
    CHECK(doc.find("- **2026-11-24 22:56 UTC** · escalation · Alice — cc carol.dba can you check the payments db?\n") !=
          std::string::npos);
    CHECK(doc.find("· key event · Alice — let's roll back checkout to v41\n") != std::string::npos);
    CHECK(doc.find("· resolution · Alice — checkout back to normal for 20 min, declaring all clear\n") != std::string::npos);
    CHECK(doc.find("- **Participants:** Alice, Bob Stone, carol.dba, Dan\n") != std::string::npos);
}

TEST_CASE("export errors name the file and the problem") {
    auto dir = export_dir();
    CHECK(error_of(dir / "nope", "x").find("nope: not a directory") != std::string::npos);
    auto missing_channel = error_of(dir, "inc-nothing");
    CHECK(missing_channel.find("channels.json: no channel named #inc-nothing") != std::string::npos);
    CHECK(missing_channel.find("#inc-checkout-500s") != std::string::npos);
    auto broken = error_of(dir, "broken");
    CHECK(broken.find("2026-11-24.json: malformed JSON") != std::string::npos);

    ExportOptions empty_window;
    empty_window.from = utc(20, 0, 0);
    empty_window.to = utc(20, 1, 0);
    CHECK(error_of(dir, "inc-checkout-500s", empty_window).find("no messages from people in #inc-checkout-500s") !=
          std::string::npos);
}

TEST_CASE("export errors: missing users.json and a channel without a directory") {
    hindsight::test::TempDir dir;
    const auto& tmp = dir.path();
    std::ofstream(tmp / "channels.json") << R"([{"id":"C1","name":"inc-1"}])";
    CHECK(error_of(tmp, "inc-1").find("users.json: cannot open") != std::string::npos);
    std::ofstream(tmp / "users.json") << R"([{"id":"U1","name":"alice"}])";
    CHECK(error_of(tmp, "inc-1").find("inc-1: missing") != std::string::npos);
    std::ofstream(tmp / "users.json") << R"({"not": "an array"})";
    CHECK(error_of(tmp, "inc-1").find("users.json: expected a JSON array") != std::string::npos);
}
