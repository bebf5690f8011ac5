// Parity tests: the close's draft posted at once and updated in place (at
// the end), the reminders and their buttons, and first
// one neutral incident script played through the real binary on Slack
// (signed /slack/commands and /slack/events) and on Mattermost (slash
// commands, outgoing webhooks, edits and deletions over the WebSocket), both
// at once, step by step — including an edit and a deletion made while the bot
// was away (only the channel history shows them) and a 429 on the first
// history page at close. The stored postmortem documents must draft the same
// timeline: entry by entry the same time, kind, author and text, after
// normalising only what must differ (permalinks).
#include "tests/integration/mattermost_service.hpp"
#include "tests/integration/slack_service.hpp"

#include <cstdlib>
#include <ctime>

using namespace hindsight;
using namespace hindsight::test::mm;

namespace {

// The cast: one id per platform, the same person.
struct Person {
    std::string slack_id;
    std::string mattermost_id;
    std::string username;
    std::string first, last;
};
const std::vector<Person> people = {{"U0ALICE", alice, "alice", "Alice", "Liddell"},
                                    {"U0BOB", bob, "bob", "Bob", "Builder"},
                                    {"U0CAROL", carol, "carol", "Carol", "Danvers"}};
const Person& person(const std::string& username) {
    for (const auto& p : people)
        if (p.username == username) return p;
    throw std::logic_error("no such person " + username);
}

// The script, in neutral terms. Message times are offsets from a base the
// test picks, so both platforms report the same instants.
struct Step {
    // edit_away / remove_away: the platform changed, no event reached the bot.
    enum class Kind { command, say, edit, remove, edit_away, remove_away } kind;
    std::string who;
    std::string text;  // command text, message text or the edited text
    int at_s = 0;      // say/edit/remove: seconds after the base
    std::string key;   // which message
    std::string mention;  // say: a person mentioned in the text, written @name in `text`
};

Step command(const std::string& who, const std::string& text) { return {Step::Kind::command, who, text, 0, {}, {}}; }
Step say(const std::string& who, const std::string& text, int at_s, const std::string& key,
         const std::string& mention = {}) {
    return {Step::Kind::say, who, text, at_s, key, mention};
}
Step edit(const std::string& who, const std::string& text, int at_s, const std::string& key) {
    return {Step::Kind::edit, who, text, at_s, key, {}};
}
Step remove(const std::string& who, int at_s, const std::string& key) {
    return {Step::Kind::remove, who, {}, at_s, key, {}};
}
Step edit_away(const std::string& who, const std::string& text, int at_s, const std::string& key) {
    return {Step::Kind::edit_away, who, text, at_s, key, {}};
}
Step remove_away(const std::string& who, int at_s, const std::string& key) {
    return {Step::Kind::remove_away, who, {}, at_s, key, {}};
}

const std::vector<Step> script = {
    command("alice", "open Checkout errors after the 14:20 deploy sev:2"),
    say("alice", "PagerDuty alert fired: checkout 5xx rate at 18%", 0, "m1"),
    say("bob", "customers report payment failed on web and mobile", 40, "m2"),
    say("alice", "looping in @carol from payments", 80, "m3", "carol"),
    say("carol", "payments-db connections at 500/500, the pool is exhausted", 120, "m4"),
    say("bob", "rolling back checkout-api to v2024.11.2", 160, "m5"),
    say("carol", "decided: revert the fraud-service timeout to 1s", 200, "m6"),
    say("alice", "ignore that, wrong dashboard", 240, "m7"),
    command("carol", "note Payments DB pool exhausted by slow fraud-service calls"),
    edit("bob", "rolling back checkout-api to v2024.11.3", 250, "m5"),
    remove("alice", 260, "m7"),
    say("bob", "error rate back to normal, recovered", 300, "m8"),
    say("carol", "restarting the payments-db replica just in case", 310, "m9"),
    say("alice", "mitigated: fraud-service timeout back to 1s, queue drained", 320, "ma"),
    // While the bot was away (down, or the events never came).
    remove_away("carol", 330, "m9"),
    edit_away("alice", "mitigated: fraud-service timeout back to 1s, payments queue drained", 335, "ma"),
    command("alice", "close Slow fraud-service calls exhausted the payments-db pool"),
};

// The Slack run: the service on a fake Slack that knows the cast and answers
// conversations.history with the channel as it stands after each step.
struct SlackSide : test::SlackService {
    int events = 0;
    std::map<std::string, std::string> ts_of;  // script key → ts
    std::map<std::string, json> history;       // ts → message as conversations.history shows it

    // Both runs are read back with the same API token.
    SlackSide() : SlackService(json{{"api", {{"token", test::mm::api_token}}}}) {
        for (const auto& p : people)
            slack.add_user({{"id", p.slack_id},
                            {"name", p.username},
                            {"real_name", p.first + " " + p.last},
                            {"profile", {{"display_name", ""}, {"real_name", p.first + " " + p.last}}}});
        slack.set_history(channel, {});
    }

    outbound::ClientResponse next_event(json inner) { return event("Ev" + std::to_string(++events), std::move(inner)); }

    // Slack escapes a mention to <@U…> in the text it delivers.
    static std::string wire_text(const Step& step) {
        if (step.mention.empty()) return step.text;
        auto text = step.text;
        auto at = text.find("@" + step.mention);
        text.replace(at, step.mention.size() + 1, "<@" + person(step.mention).slack_id + ">");
        return text;
    }

    void play(const Step& step, long long base_s) {
        const auto& who = person(step.who);
        auto ts = [&](int at_s) { return std::to_string(base_s + at_s) + ".000100"; };
        switch (step.kind) {
            case Step::Kind::command:
                REQUIRE(command(step.text, who.slack_id).status == 200);
                break;
            case Step::Kind::say: {
                ts_of[step.key] = ts(step.at_s);
                json message{{"type", "message"}, {"user", who.slack_id}, {"text", wire_text(step)},
                             {"ts", ts_of[step.key]}};
                history[ts_of[step.key]] = message;
                json inner = message;
                inner["event_ts"] = ts_of[step.key];
                REQUIRE(next_event(inner).status == 200);
                break;
            }
            case Step::Kind::edit_away: {
                auto& original = history.at(ts_of.at(step.key));
                original["text"] = step.text;
                original["edited"] = {{"user", who.slack_id}, {"ts", ts(step.at_s)}};
                break;
            }
            case Step::Kind::remove_away:
                history.erase(ts_of.at(step.key));
                break;
            case Step::Kind::edit: {
                auto& original = history.at(ts_of.at(step.key));
                original["text"] = step.text;
                original["edited"] = {{"user", who.slack_id}, {"ts", ts(step.at_s)}};
                json inner{{"type", "message"}, {"subtype", "message_changed"}, {"hidden", true},
                           {"message", original}, {"ts", ts(step.at_s)}, {"event_ts", ts(step.at_s)}};
                REQUIRE(next_event(inner).status == 200);
                break;
            }
            case Step::Kind::remove: {
                auto key_ts = ts_of.at(step.key);
                history.erase(key_ts);
                json inner{{"type", "message"}, {"subtype", "message_deleted"}, {"hidden", true},
                           {"deleted_ts", key_ts}, {"ts", ts(step.at_s)}, {"event_ts", ts(step.at_s)}};
                REQUIRE(next_event(inner).status == 200);
                break;
            }
        }
        // What conversations.history answers at close: the final state.
        std::vector<json> now;
        for (const auto& [ts_key, m] : history) now.push_back(m);
        slack.set_history(channel, now);
    }
};

struct MattermostSide {
    MattermostService svc{Options{.websocket = true}};
    std::map<std::string, fakes::FakeMattermostPost> posts;  // script key → post
    std::int64_t seq = 0;

    MattermostSide() { REQUIRE_MESSAGE(svc.front.wait_for_connections(1, 15s), svc.process->err()); }

    void play(const Step& step, long long base_s) {
        const auto& who = person(step.who);
        auto ms = [&](int at_s) { return (base_s + at_s) * 1000; };
        switch (step.kind) {
            case Step::Kind::command:
                REQUIRE(svc.command(step.text, who.mattermost_id).status == 200);
                break;
            case Step::Kind::say: {
                auto id = "po" + step.key + std::string(24 - step.key.size(), '0');
                fakes::FakeMattermostPost post{id, channel_id, who.mattermost_id, "", step.text, "", ms(step.at_s)};
                posts[step.key] = post;
                REQUIRE(svc.say(id, who.mattermost_id, step.text, ms(step.at_s)).status == 200);
                break;
            }
            case Step::Kind::edit: {
                auto& post = posts.at(step.key);
                post.message = step.text;
                post.edit_at = post.update_at = ms(step.at_s);
                REQUIRE(svc.site.edit_post(post.id, step.text, ms(step.at_s)));
                svc.front.send(fakes::FakeMattermost::post_event("post_edited", post, ++seq));
                break;
            }
            case Step::Kind::remove: {
                auto& post = posts.at(step.key);
                post.delete_at = post.update_at = ms(step.at_s);
                REQUIRE(svc.site.delete_post(post.id, ms(step.at_s)));
                svc.front.send(fakes::FakeMattermost::post_event("post_deleted", post, ++seq));
                break;
            }
            case Step::Kind::edit_away:
                REQUIRE(svc.site.edit_post(posts.at(step.key).id, step.text, ms(step.at_s)));
                break;
            case Step::Kind::remove_away:
                REQUIRE(svc.site.delete_post(posts.at(step.key).id, ms(step.at_s)));
                break;
        }
    }
};

std::string fetch_postmortem(outbound::HttpClient& client, const std::string& base, const test::ChildProcess& process) {
    auto auth = std::vector<std::pair<std::string, std::string>>{{"Authorization", std::string("Bearer ") + api_token}};
    std::string doc;
    bool ready = test::wait_until(
        [&] {
            auto list = client.send({"GET", base + "/incidents", auth, {}});
            if (list.status != 200) return false;
            auto incidents = json::parse(list.body)["incidents"];
            if (incidents.size() != 1 || incidents[0]["state"] != "closed") return false;
            auto r = client.send({"GET", base + "/incidents/" + std::to_string(incidents[0]["id"].get<long long>()) +
                                             "/postmortem.md",
                                  auth, {}});
            if (r.status != 200) return false;
            doc = r.body;
            return true;
        },
        20s);
    REQUIRE_MESSAGE(ready, process.err());
    return doc;
}

struct Entry {
    std::string time, kind, author, text;
    std::string detail;  // the lines under the entry (review questions)
};

std::string normalised(std::string text) {
    // Permalinks point into each platform's own web app.
    static const std::regex link(R"(\(?\[[^\]]*\]\((https?://[^)]*)\)\)?|https?://\S+)");
    text = std::regex_replace(text, link, "<link>");
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// "- **14:25 UTC** · detection · maya — text" entries of the ## Timeline section.
std::vector<Entry> timeline_entries(const std::string& doc) {
    auto start = doc.find("## Timeline");
    REQUIRE(start != std::string::npos);
    auto end = doc.find("\n## ", start + 1);
    std::istringstream section(doc.substr(start, end == std::string::npos ? std::string::npos : end - start));
    static const std::regex entry(R"(^- \*\*([^*]+)\*\* · ([^·]+) · (.+?) — (.*)$)");
    std::vector<Entry> out;
    std::string line;
    while (std::getline(section, line)) {
        std::smatch m;
        if (std::regex_match(line, m, entry)) {
            Entry e;
            e.time = m[1];
            e.kind = m[2];
            e.author = m[3];
            e.text = normalised(m[4]);
            out.push_back(std::move(e));
        } else if (!out.empty() && line.starts_with("  ")) {
            out.back().detail += normalised(line) + "\n";
        }
    }
    return out;
}

int minutes_of(const std::string& time) {  // "14:25 UTC"
    return std::stoi(time.substr(0, 2)) * 60 + std::stoi(time.substr(3, 2));
}

std::vector<std::string> headings(const std::string& doc) {
    std::vector<std::string> out;
    std::istringstream in(doc);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("## ")) out.push_back(line);
    return out;
}

std::string line_starting(const std::string& doc, const std::string& prefix) {
    std::istringstream in(doc);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with(prefix)) return line;
    return {};
}

}  // namespace

TEST_CASE("parity: the same incident script drafts the same timeline on Slack and on Mattermost") {
    SlackSide slack;
    MattermostSide mattermost;
    // Messages two minutes ahead, on a minute boundary, so no step's own
    // wall-clock time can land between two of them.
    const long long base_s = (test::unix_now() / 60 + 2) * 60;
    for (const auto& step : script) {
        if (step.kind == Step::Kind::command && step.text.starts_with("close")) {
            // Both platforms rate-limit the first history page: the close waits and reads again.
            slack.slack.rate_limit_next("conversations.history", 1);
            mattermost.svc.site.rate_limit_next("/api/v4/channels/" + std::string(channel_id) + "/posts", 1, 1);
        }
        slack.play(step, base_s);
        mattermost.play(step, base_s);
    }

    // The close drafts at once; the history (after its 429) updates the draft.
    REQUIRE_MESSAGE(slack.logged("draft updated in place", 20s), slack.process->err());
    REQUIRE_MESSAGE(mattermost.svc.wait_for_log("draft updated in place"), mattermost.svc.process->err());
    auto slack_doc = fetch_postmortem(slack.client, slack.base, *slack.process);
    auto mattermost_doc = fetch_postmortem(mattermost.svc.client, mattermost.svc.base, *mattermost.svc.process);
    auto ours = timeline_entries(slack_doc);
    auto theirs = timeline_entries(mattermost_doc);
    INFO("Slack document:\n" << slack_doc);
    INFO("Mattermost document:\n" << mattermost_doc);

    // The script is not trivially drafted: edits, deletions and names show.
    REQUIRE(ours.size() >= 6);
    CHECK(slack_doc.find("v2024.11.3") != std::string::npos);
    CHECK(slack_doc.find("wrong dashboard") == std::string::npos);
    // What changed while the bot was away came from the history, on both.
    for (const auto* doc : {&slack_doc, &mattermost_doc}) {
        CHECK(doc->find("payments-db replica just in case") == std::string::npos);
        CHECK(doc->find("payments queue drained") != std::string::npos);
    }
    // Each side met the 429 and read the first page again.
    CHECK(slack.slack.calls("conversations.history").size() >= 2);
    CHECK(mattermost.svc.site.requests_to("/api/v4/channels/" + std::string(channel_id) + "/posts").size() >= 2);
    CHECK(slack_doc.find("Carol Danvers") != std::string::npos);

    REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
        CAPTURE(i);
        CHECK(ours[i].kind == theirs[i].kind);
        CHECK(ours[i].author == theirs[i].author);
        CHECK(ours[i].text == theirs[i].text);
        CHECK(ours[i].detail == theirs[i].detail);
        if (ours[i].kind == "key event") {
            // The note is stamped when its command arrived: the two runs are
            // a moment apart, which may cross a minute.
            auto apart = std::abs(minutes_of(ours[i].time) - minutes_of(theirs[i].time));
            CHECK(std::min(apart, 24 * 60 - apart) <= 1);
        } else {
            CHECK(ours[i].time == theirs[i].time);
        }
    }
    CHECK(headings(slack_doc) == headings(mattermost_doc));
    CHECK(line_starting(slack_doc, "- **Participants:**").find("Alice Liddell") != std::string::npos);
    CHECK(line_starting(slack_doc, "- **Participants:**") == line_starting(mattermost_doc, "- **Participants:**"));
    CHECK(line_starting(slack_doc, "- **Commander:**") == line_starting(mattermost_doc, "- **Commander:**"));

    slack.stop();
    mattermost.svc.stop();
}

namespace {

// The action-item row of a postmortem document ("| A-1 | … |"), mentions of
// the owner written the platform's way replaced by the name.
std::string action_row(const std::string& doc, const std::string& ref) {
    return line_starting(doc, "| " + ref + " |");
}

// Direct-message channel ids as the fakes name them.
std::string mattermost_dm(const std::string& bot, const std::string& user) {
    return std::min(bot, user) + "__" + std::max(bot, user);
}

// The DM texts of one platform without its markup: what a person reads.
std::string plain(std::string text) {
    static const std::regex markup(R"(<@[A-Z0-9]+>|@[a-z]+|[*_`]|&[a-z]+;)");
    return std::regex_replace(text, markup, "");
}

}  // namespace

TEST_CASE("parity: reminders and their buttons behave the same on Slack and on Mattermost") {
    const json reminders = {{"check_interval_s", 0.05}, {"repeat_every_s", 30.0}, {"escalate_after", 3}};
    test::SlackService slack(json{{"api", {{"token", api_token}}}, {"reminders", reminders}});
    MattermostService mattermost(Options{.reminders = reminders});
    for (const auto& p : people)
        slack.slack.add_user({{"id", p.slack_id}, {"name", p.username}, {"real_name", p.first + " " + p.last},
                              {"profile", {{"display_name", ""}, {"real_name", p.first + " " + p.last}}}});

    const std::string title = "Checkout errors after the 14:20 deploy";
    const std::string item = "add an alert on payments-db pool saturation";
    REQUIRE(slack.command("open " + title, "U0ALICE").status == 200);
    REQUIRE(mattermost.command("open " + title, alice).status == 200);
    REQUIRE(slack.command("action <@U0BOB|bob> " + item + " due:2020-01-01", "U0ALICE").status == 200);
    REQUIRE(mattermost.command("action @bob " + item + " due:2020-01-01", alice, command_token, false,
                               "&user_mentions=bob&user_mentions_ids=" + std::string(bob))
                .status == 200);

    // The reminder DM: the same words, with Done and Snooze buttons, on both.
    auto slack_dms = [&] {
        std::vector<json> out;
        for (const auto& call : slack.slack.calls("chat.postMessage")) {
            auto body = json::parse(call.body, nullptr, false);
            if (body.is_object() && body.value("channel", "") == "DU0BOB") out.push_back(body);
        }
        return out;
    };
    REQUIRE_MESSAGE(test::wait_until([&] { return !slack_dms().empty(); }, 20s), slack.process->err());
    const auto bob_dm = mattermost_dm(mattermost.site.bot_user_id(), bob);
    REQUIRE_MESSAGE(mattermost.wait_for_post(bob_dm, "A-1"), mattermost.process->err());
    auto slack_dm = slack_dms().front();
    auto mattermost_post = mattermost.posts_in(bob_dm).front();
    std::string slack_text;
    for (const auto& block : slack_dm["blocks"])
        if (block["type"] == "section") slack_text += block["text"]["text"].get<std::string>();
    CHECK(plain(slack_text).find(item) != std::string::npos);
    CHECK(plain(slack_text).find(title) != std::string::npos);
    CHECK(plain(slack_text) == plain(mattermost_post["message"].get<std::string>()));
    std::vector<std::string> slack_buttons, mattermost_buttons;
    for (const auto& e : slack_dm["blocks"].back()["elements"]) slack_buttons.push_back(e["text"]["text"]);
    for (const auto& a : mattermost_post["props"]["attachments"][0]["actions"]) mattermost_buttons.push_back(a["name"]);
    CHECK(slack_buttons == std::vector<std::string>{"Done", "Snooze 1 day"});
    CHECK(slack_buttons == mattermost_buttons);

    // Bob clicks Done on each.
    json slack_click = {{"type", "block_actions"},
                        {"user", {{"id", "U0BOB"}, {"username", "bob"}, {"name", "bob"}, {"team_id", test::SlackService::team}}},
                        {"api_app_id", "A0E2E"},
                        {"token", "vtok"},
                        {"container", {{"type", "message"}, {"message_ts", "1700100000.000100"}, {"channel_id", "DU0BOB"}}},
                        {"trigger_id", "1.2.3"},
                        {"team", {{"id", test::SlackService::team}, {"domain", "e2e"}}},
                        {"channel", {{"id", "DU0BOB"}, {"name", "directmessage"}}},
                        {"response_url", slack.slack.new_response_url()},
                        {"actions", json::array({{{"action_id", "done"},
                                                  {"block_id", "reminder"},
                                                  {"value", "A-1"},
                                                  {"type", "button"},
                                                  {"action_ts", std::to_string(test::unix_now()) + ".000100"}}})}};
    REQUIRE(slack.post("/slack/interactions", "payload=" + http::url_encode(slack_click.dump()),
                       "application/x-www-form-urlencoded")
                .status == 200);
    json done_button;
    for (const auto& a : mattermost_post["props"]["attachments"][0]["actions"])
        if (a["name"] == "Done") done_button = a;
    json mattermost_click{{"user_id", bob},   {"user_name", "bob"}, {"channel_id", bob_dm}, {"channel_name", ""},
                          {"team_id", ""},    {"team_domain", ""},  {"post_id", "fakepost1"}, {"trigger_id", "trig2"},
                          {"type", ""},       {"data_source", ""},  {"context", done_button["integration"]["context"]}};
    auto clicked = mattermost.client.send({"POST", mattermost.base + "/mattermost/actions",
                                           {{"Content-Type", "application/json"}}, mattermost_click.dump()});
    REQUIRE(clicked.status == 200);

    // Both items done by Bob: the documents' action rows agree.
    REQUIRE(slack.command("close", "U0ALICE").status == 200);
    REQUIRE(mattermost.command("close", alice).status == 200);
    auto slack_doc = fetch_postmortem(slack.client, slack.base, *slack.process);
    auto mattermost_doc = fetch_postmortem(mattermost.client, mattermost.base, *mattermost.process);
    INFO("Slack document:\n" << slack_doc);
    INFO("Mattermost document:\n" << mattermost_doc);
    auto slack_row = action_row(slack_doc, "A-1");
    CHECK(slack_row.find("done") != std::string::npos);
    CHECK(slack_row.find(item) != std::string::npos);
    CHECK(plain(slack_row) == plain(action_row(mattermost_doc, "A-1")));
    slack.stop();
    mattermost.stop();
}

namespace {

// One platform's view of the close: where its draft went and what followed.
struct DraftRun {
    std::string draft_id;                  // Slack ts / Mattermost post id of the draft
    std::string draft_text;                // as first posted
    std::vector<std::string> updates;      // texts it was replaced with, in place
    std::vector<std::string> thread_notes;  // replies in the draft's thread
};

DraftRun slack_draft(const test::SlackService& svc) {
    DraftRun run;
    auto posted = svc.slack.posted();
    auto ts = svc.slack.posted_ts();
    for (std::size_t i = 0; i < posted.size(); ++i)
        if (run.draft_id.empty() && posted[i].dump().find("Draft timeline") != std::string::npos) {
            run.draft_id = ts[i];
            run.draft_text = posted[i].dump();
        }
    for (const auto& p : posted)
        if (!run.draft_id.empty() && p.value("thread_ts", "") == run.draft_id) run.thread_notes.push_back(p.dump());
    for (const auto& u : svc.slack.updated()) {
        CHECK(u.value("ts", "") == run.draft_id);
        CHECK(u.value("channel", "") == test::SlackService::channel);
        run.updates.push_back(u.dump());
    }
    return run;
}

DraftRun mattermost_draft(const MattermostService& svc) {
    DraftRun run;
    const auto posts = svc.site.created_posts();
    std::size_t created = 0;
    for (const auto& body : posts) {
        auto post = json::parse(body);
        ++created;
        // The fake numbers the posts it creates: fakepost1, fakepost2, ...
        if (run.draft_id.empty() && post.value("message", "").find("Draft timeline") != std::string::npos) {
            run.draft_id = "fakepost" + std::to_string(created);
            run.draft_text = post.value("message", "");
        } else if (!run.draft_id.empty() && post.value("root_id", "") == run.draft_id) {
            run.thread_notes.push_back(post.value("message", ""));
        }
    }
    for (const auto& [id, body] : svc.site.patches()) {
        CHECK(id == run.draft_id);
        run.updates.push_back(json::parse(body).value("message", ""));
    }
    return run;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("parity: the draft goes out before the history is read, and is updated in place when it changes it") {
    test::SlackService slack(json{{"api", {{"token", api_token}}}});
    MattermostService mattermost;
    const std::string slack_history = "/api/conversations.history";
    const std::string mattermost_history = "/api/v4/channels/" + std::string(channel_id) + "/posts";
    const std::string live = "checkout 5xx rate at 18%, paging payments";
    const std::string missed = "payments-db connections at 500/500, the pool is exhausted";

    REQUIRE(slack.command("open Checkout errors sev:2", "U0ALICE").status == 200);
    REQUIRE(mattermost.command("open Checkout errors sev:2", alice).status == 200);
    // One message recorded live; one the bot never received (it was down).
    auto live_ts = test::slack_ts_now();
    auto live_message = test::user_message(live_ts, "U0ALICE", live);
    auto event = live_message;
    event["event_ts"] = live_ts;
    REQUIRE(slack.event("EvLIVE", event).status == 200);
    REQUIRE(mattermost.say("polive000000000000000000001", alice, live, now_ms()).status == 200);
    slack.slack.set_history(test::SlackService::channel,
                            {live_message, test::user_message(test::slack_ts_now(), "U0BOB", missed)});
    mattermost.site.add_post({"pomissed00000000000000002", channel_id, bob, "", missed, "", now_ms()});

    // The history is slow: held until the test lets it go.
    slack.slack.server().hold(slack_history);
    mattermost.site.server().hold(mattermost_history);
    REQUIRE(slack.command("close", "U0ALICE").status == 200);
    REQUIRE(mattermost.command("close", alice).status == 200);
    REQUIRE(slack.slack.server().wait_for_requests(slack_history, 1, 20s));
    REQUIRE(mattermost.site.server().wait_for_requests(mattermost_history, 1, 20s));

    // The drafts go out from what was recorded live while the history is still being read.
    REQUIRE_MESSAGE(test::wait_until([&] { return !slack_draft(slack).draft_id.empty(); }, 20s), slack.process->err());
    REQUIRE_MESSAGE(mattermost.wait_for_post(channel_id, "Draft timeline"), mattermost.process->err());
    for (const auto& run : {slack_draft(slack), mattermost_draft(mattermost)}) {
        CHECK(contains(run.draft_text, "paging payments"));
        CHECK_FALSE(contains(run.draft_text, "the pool is exhausted"));
        CHECK(run.updates.empty());
    }

    // The history comes: the missed message changes the draft, which is updated in place.
    slack.slack.server().release(slack_history);
    mattermost.site.server().release(mattermost_history);
    auto updated = [](const DraftRun& run) { return run.updates.size() == 1 && run.thread_notes.size() == 1; };
    REQUIRE_MESSAGE(test::wait_until([&] { return updated(slack_draft(slack)); }, 20s), slack.process->err());
    REQUIRE_MESSAGE(test::wait_until([&] { return updated(mattermost_draft(mattermost)); }, 20s),
                    mattermost.process->err());
    for (const auto& run : {slack_draft(slack), mattermost_draft(mattermost)}) {
        CHECK(contains(run.updates[0], "Draft timeline"));
        CHECK(contains(run.updates[0], "the pool is exhausted"));
        CHECK(contains(run.updates[0], "paging payments"));
        CHECK(contains(run.thread_notes[0], "Draft updated"));
        CHECK(contains(run.thread_notes[0], "1 message"));
    }
    // The document tells the same story.
    CHECK(contains(fetch_postmortem(slack.client, slack.base, *slack.process), "the pool is exhausted"));
    CHECK(contains(mattermost.closed_postmortem(), "the pool is exhausted"));
    slack.stop();
    mattermost.stop();
}

TEST_CASE("parity: a history that holds nothing new leaves the posted draft alone") {
    test::SlackService slack(json{{"api", {{"token", api_token}}}});
    MattermostService mattermost;
    const std::string live = "checkout 5xx rate at 18%, paging payments";

    REQUIRE(slack.command("open Checkout errors sev:2", "U0ALICE").status == 200);
    REQUIRE(mattermost.command("open Checkout errors sev:2", alice).status == 200);
    auto live_ts = test::slack_ts_now();
    auto live_message = test::user_message(live_ts, "U0ALICE", live);
    auto event = live_message;
    event["event_ts"] = live_ts;
    REQUIRE(slack.event("EvLIVE", event).status == 200);
    REQUIRE(mattermost.say("polive000000000000000000001", alice, live, now_ms()).status == 200);
    slack.slack.set_history(test::SlackService::channel, {live_message});

    REQUIRE(slack.command("close", "U0ALICE").status == 200);
    REQUIRE(mattermost.command("close", alice).status == 200);
    // The merge has run to the end on both...
    REQUIRE_MESSAGE(slack.logged("draft unchanged", 20s), slack.process->err());
    REQUIRE_MESSAGE(mattermost.wait_for_log("draft unchanged"), mattermost.process->err());
    REQUIRE_MESSAGE(test::wait_until([&] { return !slack_draft(slack).draft_id.empty(); }, 20s), slack.process->err());
    REQUIRE_MESSAGE(mattermost.wait_for_post(channel_id, "Draft timeline"), mattermost.process->err());
    // ...and touched nothing.
    for (const auto& run : {slack_draft(slack), mattermost_draft(mattermost)}) {
        CHECK(contains(run.draft_text, "paging payments"));
        CHECK(run.updates.empty());
        CHECK(run.thread_notes.empty());
    }
    CHECK(slack.slack.calls("chat.update").empty());
    slack.stop();
    mattermost.stop();
}
