// How the bot refers to people in its posts and reads them from commands:
// a mention the platform turns into a notification, an owner or facilitator
// as typed, workspace scoping. Internal to bot/core.
#pragma once

#include "bot/core/handlers.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hindsight {

struct Person {
    std::string id;
    std::string name;
};

// Same platform and workspace: what an action item or a stat is scoped to.
bool same_team(const ChannelRef& a, const ChannelRef& b);
bool iequals(std::string_view a, std::string_view b);
// How to address a person in a post so the platform notifies them: the
// neutral mention token (text.hpp), rendered by each adapter.
std::string mention(const std::string& id, const std::string& name);
// An owner or facilitator as typed in a command; nullopt when it is no mention.
std::optional<Person> resolve_person(CommandContext& ctx, const std::string& typed);

}  // namespace hindsight
