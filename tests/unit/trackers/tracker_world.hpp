// A real Bot on a real SQLite file, the real outbox delivery worker (driven
// pass by pass on a ManualClock) with the tracker Sender, the Poller and
// the webhook handler, against a fake tracker on 127.0.0.1. Chat messages
// land in a recording sender. The way the service wires them (bot/service/trackers.cpp).
#pragma once

#include "adapters/outbound/delivery.hpp"
#include "adapters/outbound/http_client.hpp"
#include "adapters/trackers/sync.hpp"
#include "bot/core/bot.hpp"
#include "bot/core/when.hpp"
#include "config/config.hpp"
#include "storage/database.hpp"
#include "tests/fakes/fake_trackers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace hindsight::test {

class ChatRecorder final : public ChatSender {
public:
    SendResult send(const OutboundMessage& message) override {
        std::lock_guard lock(mutex_);
        sent_.push_back(message);
        return {};
    }
    std::vector<OutboundMessage> sent() const {
        std::lock_guard lock(mutex_);
        return sent_;
    }
    // Posts whose text contains `needle`.
    std::size_t count(const std::string& needle) const {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& m : sent_)
            if (m.text.find(needle) != std::string::npos) ++n;
        return n;
    }

private:
    mutable std::mutex mutex_;
    std::vector<OutboundMessage> sent_;
};

// Tuesday 2026-11-24 09:10 UTC: polls that follow each other within the hour
// ask GitHub the same question (its `since` is cut to the hour).
inline Timestamp tracker_epoch() {
    using namespace std::chrono;
    return time_point_cast<microseconds>(sys_days{year{2026} / 11 / 24} + hours{9} + minutes{10});
}

inline const ChannelRef kChannel{Platform::slack, "T1", "C1"};

class TrackerWorld {
public:
    TrackerWorld(config::TrackerConfig wire, TrackerSettings domain, BotSettings base = {})
        : wire_(std::move(wire)), settings_(std::move(base)) {
        settings_.trackers.push_back(std::move(domain));
        start();
    }

    // A restart: everything the process held in memory is gone (the e-mail
    // directory's caches, the poller's state); the database file stays.
    void restart() {
        delivery_.reset();
        hooks_.reset();
        hook_client_.reset();
        poller_.reset();
        sender_.reset();
        people_.reset();
        bot_.reset();
        db_.reset();
        start();
    }

    // What the store holds of owners matched by e-mail.
    std::vector<TrackerUserMatch> matches() {
        std::vector<TrackerUserMatch> out;
        db_->writes().run([&] { out = db_->store().tracker_matches(); });
        return out;
    }

    CommandReply command(const std::string& text, const std::string& user = "U1") {
        SlashCommand c;
        c.where = kChannel;
        c.user_id = user;
        c.user_name = user == "U1" ? "alice" : user;
        c.text = text;
        c.at = clock.now();
        CommandReply reply;
        db_->writes().run([&] { reply = bot_->handle_command(c); });
        return reply;
    }

    // A few delivery passes: what a tracker job enqueues (the link, a
    // warning) goes out on the next one.
    void deliver() {
        for (int pass = 0; pass < 3; ++pass) delivery_->deliver_due();
    }

    std::size_t remind() {
        std::size_t sent = 0;
        db_->writes().run([&] { sent = bot_->run_reminders(); });
        return sent;
    }

    // The webhook handler's answer to a delivery.
    http::Response webhook(const fakes::FakeWebhook& hook) {
        http::Request request;
        request.method = "POST";
        request.target = "/trackers/" + wire_.name + "/webhook";
        request.headers = hook.headers;
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = hook.body;
        request.remote = "127.0.0.1";
        std::promise<http::Response> answer;
        hooks_->handle(request, [&answer](http::Response r) { answer.set_value(std::move(r)); });
        auto future = answer.get_future();
        REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        return future.get();
    }

    std::size_t poll() { return poller_->poll_due(); }

    std::optional<ActionItem> action(std::int64_t id) {
        std::optional<ActionItem> out;
        db_->writes().run([&] { out = db_->store().find_action(id); });
        return out;
    }

    std::string document() {
        std::string out;
        db_->writes().run([&] {
            auto incident = db_->store().latest_incident(kChannel);
            out = draft_postmortem_document(db_->store(), settings_, *incident, clock.now());
        });
        return out;
    }

    std::int64_t dead_letters() {
        std::int64_t n = 0;
        db_->writes().run([&] { n = db_->outbox().dead_count(); });
        return n;
    }
    std::int64_t pending() {
        std::int64_t n = 0;
        db_->writes().run([&] { n = db_->outbox().pending_count(); });
        return n;
    }

    ManualClock clock{tracker_epoch()};

    // What the chat platform says a user's e-mail is.
    void chat_email(const std::string& user, const std::string& email) {
        std::lock_guard lock(emails_mutex_);
        chat_emails_[user] = email;
    }
    int email_lookups() const {
        std::lock_guard lock(emails_mutex_);
        return email_lookups_;
    }

    // The fake tracker's time is this clock.
    void share_clock(fakes::FakeTracker& tracker) {
        tracker.set_clock([this] {
            return static_cast<std::time_t>(
                std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count());
        });
    }
    ChatRecorder chat;

private:
    void start() {
        db_ = std::make_unique<storage::Database>(dir_.file("hindsight.db"));
        bot_ = std::make_unique<Bot>(db_->store(), db_->outbox(), clock, settings_);
        outbound::Delivery::Options options;
        options.max_attempts = 5;
        options.base_backoff = std::chrono::seconds(1);
        options.max_backoff = std::chrono::seconds(60);
        delivery_ = std::make_unique<outbound::Delivery>(db_->writes(), db_->outbox(), clock, options);
        trackers::SyncDeps deps{db_->writes(), *bot_, clock, [] {}};
        // Owners matched by e-mail: the chat platform's answers are chat_emails.
        if (settings_.trackers.front().match_email) {
            people_ = std::make_unique<trackers::EmailDirectory>(
                [this](const ChannelRef&, const std::string& user) {
                    std::lock_guard lock(emails_mutex_);
                    ++email_lookups_;
                    auto it = chat_emails_.find(user);
                    return trackers::EmailLookup{false, it == chat_emails_.end() ? "" : it->second, {}};
                },
                clock);
            deps.people = people_.get();
        }
        sender_ = std::make_unique<trackers::Sender>(deps);
        sender_->add(wire_.name, trackers::make_client(wire_, client_options_, clock));
        poller_ = std::make_unique<trackers::Poller>(deps);
        poller_->add(wire_.name, trackers::make_client(wire_, client_options_, clock), wire_.poll_interval);
        hook_client_ = trackers::make_client(wire_, client_options_, clock);
        hooks_ = std::make_unique<trackers::Webhooks>(deps, wire_.name, *hook_client_);
        delivery_->add_sender(Platform::tracker, *sender_);
        delivery_->add_sender(Platform::slack, chat);
    }

    mutable std::mutex emails_mutex_;
    std::map<std::string, std::string> chat_emails_;
    int email_lookups_ = 0;
    std::unique_ptr<trackers::EmailDirectory> people_;
    TempDir dir_;
    config::TrackerConfig wire_;
    BotSettings settings_;
    outbound::ClientOptions client_options_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<Bot> bot_;
    std::unique_ptr<outbound::Delivery> delivery_;
    std::unique_ptr<trackers::Sender> sender_;
    std::unique_ptr<trackers::Poller> poller_;
    std::unique_ptr<trackers::TrackerClient> hook_client_;
    std::unique_ptr<trackers::Webhooks> hooks_;
};

}  // namespace hindsight::test
