// A real Bot on a real SQLite file with a ManualClock: commands, chat
// messages, reminder runs and button clicks each run as one write-queue item,
// the way the service runs them. Used by the follow-up tests.
#pragma once

#include "bot/core/bot.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace hindsight::test {

// Tuesday 2026-11-24 09:00 UTC.
inline Timestamp follow_up_epoch() {
    using namespace std::chrono;
    return time_point_cast<microseconds>(sys_days{year{2026} / 11 / 24} + hours{9});
}

inline ChannelRef slack_channel(std::string channel = "C1", std::string team = "T1") {
    return ChannelRef{Platform::slack, std::move(team), std::move(channel)};
}

class FollowUpWorld {
public:
    explicit FollowUpWorld(BotSettings settings = {}) : settings_(std::move(settings)) { open(); }

    // A restart: the database is closed (pending writes committed) and opened again.
    void restart() {
        bot_.reset();
        db_.reset();
        open();
    }

    CommandReply command(const ChannelRef& where, const std::string& user_id, const std::string& text,
                         std::vector<std::pair<std::string, std::string>> mentions = {},
                         const std::string& user_name = {}) {
        SlashCommand c;
        c.where = where;
        c.user_id = user_id;
        c.user_name = user_name;
        c.text = text;
        c.at = clock.now();
        c.mentions = std::move(mentions);
        CommandReply reply;
        db_->writes().run([&] { reply = bot_->handle_command(c); });
        return reply;
    }

    void say(const ChannelRef& where, const std::string& user_id, const std::string& user_name,
             const std::string& text) {
        ChatMessage m;
        m.where = where;
        m.message_id = "m" + std::to_string(++messages_);
        m.user_id = user_id;
        m.user_name = user_name;
        m.text = text;
        m.at = clock.now();
        db_->writes().run([&] { bot_->handle_event(m); });
    }

    std::size_t remind() {
        std::size_t sent = 0;
        db_->writes().run([&] { sent = bot_->run_reminders(); });
        return sent;
    }

    CommandReply click(const ChannelRef& where, const std::string& user_id, const std::string& action,
                       const std::string& value) {
        ButtonAction a;
        a.where = where;
        a.user_id = user_id;
        a.action = action;
        a.value = value;
        a.at = clock.now();
        CommandReply reply;
        db_->writes().run([&] { reply = bot_->handle_action(a); });
        return reply;
    }

    // Outbox rows not yet taken, oldest first; taking marks them delivered.
    std::vector<OutboundMessage> take_outbox() {
        std::vector<OutboundMessage> out;
        db_->writes().run([&] {
            auto& outbox = db_->outbox();
            for (auto& item : outbox.due_messages(Timestamp::max(), 10000)) {
                outbox.mark_delivered(item.id, clock.now());
                out.push_back(std::move(item.message));
            }
        });
        return out;
    }

    // Reads the store on the writer connection, between work items.
    template <typename F>
    auto read(F&& f) {
        decltype(f(std::declval<IncidentStore&>())) result;
        db_->writes().run([&] { result = f(db_->store()); });
        return result;
    }

    std::optional<Incident> incident(const ChannelRef& where) {
        return read([&](IncidentStore& s) { return s.latest_incident(where); });
    }
    std::vector<ActionItem> actions(const ChannelRef& where) {
        return read([&](IncidentStore& s) {
            auto i = s.latest_incident(where);
            return i ? s.actions(i->id) : std::vector<ActionItem>{};
        });
    }
    // (Reads must not nest: each waits for the single writer.)
    std::vector<WhyStep> whys(const ChannelRef& where) {
        return read([&](IncidentStore& s) {
            auto i = s.latest_incident(where);
            return i ? s.whys(i->id) : std::vector<WhyStep>{};
        });
    }
    std::vector<std::string> factors(const ChannelRef& where) {
        return read([&](IncidentStore& s) {
            auto i = s.latest_incident(where);
            return i ? s.factors(i->id) : std::vector<std::string>{};
        });
    }
    std::optional<ActionItem> action(std::int64_t id) {
        return read([&](IncidentStore& s) { return s.find_action(id); });
    }

    ManualClock clock{follow_up_epoch()};
    storage::Database& db() { return *db_; }
    Bot& bot() { return *bot_; }

private:
    void open() {
        db_ = std::make_unique<storage::Database>(dir_.file("hindsight.db"));
        bot_ = std::make_unique<Bot>(db_->store(), db_->outbox(), clock, settings_);
    }

    TempDir dir_;
    BotSettings settings_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<Bot> bot_;
    int messages_ = 0;
};

}  // namespace hindsight::test
