// A terminal chat with the bot: type messages and `/incident ...` commands as
// a user in a channel, with a simulated clock. Drives the same Bot, store and
// outbox as the service; the console itself is the "platform".
#pragma once

#include "bot/core/bot.hpp"
#include "bot/core/ports.hpp"
#include "bot/core/time.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace hindsight::console {

struct ConsoleOptions {
    std::string user = "you";
    std::string channel = "incident";
    bool echo = false;  // print what the users "typed" (scripts, the demo)
};

class Console {
public:
    Console(Bot& bot, WriteQueue& writes, OutboxStore& outbox, ManualClock& clock, std::ostream& out,
            ConsoleOptions options = {});

    // One line of input: a message, a `/incident` command, a `:directive`
    // (`:user NAME`, `:channel NAME`, `:advance 2h`, `:time`, `:help`) or a
    // `#` comment. Returns false for `:quit`.
    bool feed(const std::string& line);

    // Reads lines until end of input or `:quit`; prompts when interactive.
    void run(std::istream& in, bool interactive);

private:
    void message(const std::string& text);
    void command(const std::string& text);
    void directive(const std::string& line);
    void deliver();  // runs due reminders, prints and clears the outbox
    std::string stamp() const;
    ChannelRef where() const;

    Bot& bot_;
    WriteQueue& writes_;
    OutboxStore& outbox_;
    ManualClock& clock_;
    std::ostream& out_;
    ConsoleOptions options_;
    std::int64_t next_message_ = 1;
};

// The bundled incident the demo plays: a script for Console::feed.
const char* demo_script();

}  // namespace hindsight::console
