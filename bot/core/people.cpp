#include "bot/core/people.hpp"

#include "bot/core/text.hpp"

#include <algorithm>

namespace hindsight {

bool same_team(const ChannelRef& a, const ChannelRef& b) { return a.platform == b.platform && a.team == b.team; }

bool iequals(std::string_view a, std::string_view b) { return to_lower_ascii(a) == to_lower_ascii(b); }

std::string mention(const std::string& id, const std::string& name) { return mention_token(id, name); }

// An owner or facilitator as typed: a mention token "@{U1|bob}" (the adapter
// knew the id) or "@bob" (Mattermost, which also lists the ids of the
// names mentioned, and the console).
std::optional<Person> resolve_person(CommandContext& ctx, const std::string& typed) {
    auto parsed = parse_mention(typed);
    if (!parsed) return std::nullopt;
    Person p{parsed->first, parsed->second};
    const ChannelRef& where = ctx.command.where;
    if (typed.rfind("@{", 0) == 0) {
        // Without a label the name stays empty (shown through the users cache
        // later) rather than pretending the id is a name.
        if (p.name.empty()) p.name = ctx.store.user_name(where, p.id).value_or("");
        else if (!ctx.store.user_name(where, p.id)) ctx.store.remember_user(where, p.id, p.name);
        return p;
    }
    for (const auto& [username, id] : ctx.command.mentions) {
        std::string_view u = username;
        if (!u.empty() && u.front() == '@') u.remove_prefix(1);
        if (!id.empty() && iequals(u, p.name)) {
            p.id = id;
            // Keep a nicer display name the adapter may have cached already.
            if (!ctx.store.user_name(where, p.id)) ctx.store.remember_user(where, p.id, p.name);
            break;
        }
    }
    return p;
}

}  // namespace hindsight
