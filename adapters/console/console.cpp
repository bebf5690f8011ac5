#include "adapters/console/console.hpp"

#include "bot/core/text.hpp"

#include <date/date.h>

#include <istream>
#include <ostream>
#include <sstream>

namespace hindsight::console {

namespace {

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// The console shows people as "@name", like Mattermost.
std::string with_console_mentions(const std::string& text) {
    return render_mentions(text, [](const std::string& id, const std::string& name) {
        return "@" + (name.empty() ? id : name);
    });
}

// Indents continuation lines so multi-line bot posts read as one block.
std::string indent(const std::string& raw) {
    const std::string text = with_console_mentions(raw);
    std::string out;
    for (char c : text) {
        out += c;
        if (c == '\n') out += "    ";
    }
    return out;
}

}  // namespace

Console::Console(Bot& bot, WriteQueue& writes, OutboxStore& outbox, ManualClock& clock, std::ostream& out,
                 ConsoleOptions options)
    : bot_(bot), writes_(writes), outbox_(outbox), clock_(clock), out_(out), options_(std::move(options)) {}

ChannelRef Console::where() const { return ChannelRef{Platform::console, "console", options_.channel}; }

std::string Console::stamp() const {
    return date::format("%H:%M", std::chrono::floor<std::chrono::minutes>(clock_.now()));
}

bool Console::feed(const std::string& raw) {
    auto line = trim(raw);
    if (line.empty() || line[0] == '#') return true;
    if (line == ":quit" || line == ":q") return false;
    if (line[0] == ':') {
        directive(line);
    } else if (line.rfind("/incident", 0) == 0) {
        command(trim(line.substr(9)));
    } else {
        message(line);
    }
    deliver();
    return true;
}

void Console::run(std::istream& in, bool interactive) {
    std::string line;
    for (;;) {
        if (interactive) out_ << "[" << stamp() << " #" << options_.channel << " " << options_.user << "] " << std::flush;
        if (!std::getline(in, line)) break;
        if (!feed(line)) break;
    }
}

void Console::message(const std::string& text) {
    ChatMessage m;
    m.where = where();
    m.message_id = "console-" + std::to_string(next_message_++);
    m.user_id = options_.user;
    m.user_name = options_.user;
    m.text = text;
    m.at = clock_.now();
    if (options_.echo) out_ << stamp() << "  " << options_.user << ": " << text << "\n";
    writes_.run([&] { bot_.handle_event(m); });
}

void Console::command(const std::string& text) {
    SlashCommand c;
    c.where = where();
    c.user_id = options_.user;
    c.user_name = options_.user;
    c.text = text;
    c.at = clock_.now();
    if (options_.echo) out_ << stamp() << "  " << options_.user << ": /incident " << text << "\n";
    CommandReply reply;
    writes_.run([&] { reply = bot_.handle_command(c); });
    out_ << "      hindsight" << (reply.in_channel ? "" : " (only you)") << ": " << indent(reply.text) << "\n";
}

void Console::directive(const std::string& line) {
    std::istringstream words(line);
    std::string verb, arg;
    words >> verb;
    std::getline(words, arg);
    arg = trim(arg);
    if (verb == ":user" && !arg.empty()) {
        options_.user = arg;
    } else if (verb == ":channel" && !arg.empty()) {
        options_.channel = arg;
        out_ << "-- now in #" << arg << "\n";
    } else if (verb == ":advance") {
        auto d = parse_duration(arg);
        if (!d) {
            out_ << "-- :advance needs a duration like 90s, 30m, 2h, 3d\n";
            return;
        }
        clock_.advance(*d);
        if (options_.echo) out_ << "-- " << format_duration(*d) << " later\n";
    } else if (verb == ":time") {
        out_ << "-- " << format_rfc3339(clock_.now()) << "\n";
    } else {
        out_ << "-- directives: :user NAME, :channel NAME, :advance 2h, :time, :quit. "
                "Anything else is a message; `/incident help` lists the commands.\n";
    }
}

void Console::deliver() {
    std::vector<OutboxItem> items;
    writes_.run([&] {
        bot_.run_reminders();
        items = outbox_.due_messages(clock_.now(), 1000);
        for (const auto& item : items) outbox_.mark_delivered(item.id, clock_.now());
    });
    for (const auto& item : items) {
        const auto& m = item.message;
        if (!m.to_user.empty())
            out_ << "      hindsight → DM @" << m.to_user << ": ";
        else
            out_ << "      hindsight in #" << m.channel << ": ";
        out_ << indent(m.text) << "\n";
        if (!m.buttons.empty()) {
            out_ << "     ";
            for (const auto& b : m.buttons) out_ << " [" << b.label << "]";
            out_ << "\n";
        }
    }
}

}  // namespace hindsight::console
