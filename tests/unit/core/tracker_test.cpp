#include "bot/core/commands.hpp"
#include "bot/core/tracker.hpp"

#include <doctest/doctest.h>

using namespace hindsight;

namespace {

BotSettings three_trackers() {
    BotSettings s;
    s.trackers = {{"gh", "github", "https://github.com", false, {}, {}},
                  {"gl", "gitlab", "https://gitlab.example.com", false, {}, {}},
                  {"jira", "jira", "https://acme.atlassian.net", false, {}, {}}};
    return s;
}

}  // namespace

TEST_CASE("ticket links: each tracker's URL shape, matched to the configured tracker") {
    auto s = three_trackers();
    auto gh = parse_ticket_url(s, "https://github.com/acme/ops/issues/12");
    REQUIRE(gh);
    CHECK(gh->tracker == "gh");
    CHECK(gh->key == "acme/ops#12");
    auto gl = parse_ticket_url(s, "https://gitlab.example.com/platform/sub/ops/-/issues/7#note_1");
    REQUIRE(gl);
    CHECK(gl->tracker == "gl");
    CHECK(gl->key == "platform/sub/ops#7");
    auto jira = parse_ticket_url(s, "https://acme.atlassian.net/browse/OPS-123?focusedCommentId=1");
    REQUIRE(jira);
    CHECK(jira->key == "OPS-123");
    CHECK_FALSE(parse_ticket_url(s, "https://github.com/acme/ops/pull/12"));
    CHECK_FALSE(parse_ticket_url(s, "https://github.com/acme/ops/issues/twelve"));
    CHECK_FALSE(parse_ticket_url(s, "not a url"));
    CHECK_FALSE(parse_ticket_url(BotSettings{}, "https://github.com/acme/ops/issues/12"));
}

TEST_CASE("tracker jobs survive the outbox: every field, in order per action item") {
    TrackerJob job;
    job.op = TrackerJob::Op::comment;
    job.action_id = 42;
    job.tracker = "gh";
    job.key = "acme/ops#3";
    job.body = "Done in chat by alice (A-42).";
    auto m = tracker_message(job);
    CHECK(m.platform == Platform::tracker);
    CHECK(m.team == "gh");
    CHECK(m.channel == "A-42");
    auto back = parse_tracker_job(m.text);
    REQUIRE(back);
    CHECK(back->op == TrackerJob::Op::comment);
    CHECK(back->action_id == 42);
    CHECK(back->key == "acme/ops#3");
    CHECK(back->body == job.body);
    CHECK_FALSE(parse_tracker_job("{\"op\":\"explode\",\"action\":1,\"tracker\":\"gh\"}"));
    CHECK_FALSE(parse_tracker_job("not json"));
}

TEST_CASE("the Due: line of a GitHub body") {
    CHECK(due_line_date("text\n\nDue: 2026-12-01\n\nFiled by Hindsight") == "2026-12-01");
    CHECK(due_line_date("Due: 2026-12-01\r\n") == "2026-12-01");
    CHECK(due_line_date("Due: soon") == "");
    CHECK(due_line_date("Overdue: 2026-12-01") == "");
}

TEST_CASE("commands: tracker, action link, unlink and file") {
    auto link = parse_command("action link A-3 [acme/ops#12](https://github.com/acme/ops/issues/12)");
    REQUIRE(link.command);
    CHECK(link.command->kind == Command::Kind::action_link);
    CHECK(link.command->action_id == 3);
    CHECK(link.command->text == "https://github.com/acme/ops/issues/12");
    auto unlink = parse_command("action unlink a-3");
    REQUIRE(unlink.command);
    CHECK(unlink.command->kind == Command::Kind::action_unlink);
    auto file = parse_command("action file 3");
    REQUIRE(file.command);
    CHECK(file.command->kind == Command::Kind::action_file);
    CHECK_FALSE(parse_command("action link A-3").command);
    CHECK_FALSE(parse_command("action unlink A-3 extra").command);
    auto tracker = parse_command("tracker jira OPS");
    REQUIRE(tracker.command);
    CHECK(tracker.command->kind == Command::Kind::tracker);
    CHECK(tracker.command->text == "jira OPS");
    // An owner is still an owner.
    auto action = parse_command("action @linker fix the link checker so dead links fail CI");
    REQUIRE(action.command);
    CHECK(action.command->kind == Command::Kind::action);
}
