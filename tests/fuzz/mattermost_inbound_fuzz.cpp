// Mattermost's payloads: slash commands, outgoing webhooks (form and JSON),
// button actions, posts, post lists and WebSocket frames. ParseError is the
// documented way to refuse input; any other exception or crash is a bug.
#include "adapters/mattermost/inbound.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace hindsight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto text = fuzz::as_text(data + 1, size - 1);
    mattermost::ParseContext context{"botuserid", "https://chat.example.com"};
    ChannelRef where{Platform::mattermost, "team1", "channel1"};
    try {
        switch (data[0] % 7) {
        case 0: (void)mattermost::parse_slash_command(text, fuzz::fixed_now()); break;
        case 1: (void)mattermost::parse_webhook_json(text, context); break;
        case 2: (void)mattermost::parse_webhook_form(text, context); break;
        case 3: (void)mattermost::parse_action(text, fuzz::fixed_now()); break;
        case 4: {
            auto post = mattermost::parse_post(text);
            (void)mattermost::post_origin(post, context);
            (void)mattermost::post_events(post, where, context);
            break;
        }
        case 5: {
            auto list = mattermost::parse_post_list(text);
            (void)mattermost::post_list_events(list, where, context, fuzz::fixed_now());
            break;
        }
        default: {
            auto event = mattermost::parse_socket_event(text, context);
            if (event.chat) mattermost::set_team(*event.chat, "team2");
            break;
        }
        }
    } catch (const mattermost::ParseError&) {
    }
    return 0;
}
