#include "adapters/slack/inbound.hpp"

#include "adapters/slack/message_json.hpp"
#include "adapters/slack/mrkdwn.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace hindsight::slack {

using nlohmann::json;

namespace {

// Field readers that tolerate wrong types: Slack adds and changes fields, and
// a string where an object is expected must read as "absent", not throw.
const json* member(const json& j, std::string_view key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::string text_of(const json& j, std::string_view key) {
    const json* m = member(j, key);
    return m && m->is_string() ? m->get<std::string>() : std::string{};
}

const json& object_of(const json& j, std::string_view key) {
    static const json empty = json::object();
    const json* m = member(j, key);
    return m && m->is_object() ? *m : empty;
}

bool has(const json& j, std::string_view key) {
    const json* m = member(j, key);
    return m && !m->is_null() && !(m->is_string() && m->get_ref<const std::string&>().empty());
}

// Mentions arrive escaped as <@U123|name> with should_escape; hand the
// resolved pairs to the core like Mattermost's user_mentions.
std::vector<std::pair<std::string, std::string>> mentions_in(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t pos = 0;
    while ((pos = text.find("<@", pos)) != std::string_view::npos) {
        auto end = text.find('>', pos);
        if (end == std::string_view::npos) break;
        auto inner = text.substr(pos + 2, end - pos - 2);
        auto bar = inner.find('|');
        if (bar != std::string_view::npos && bar > 0 && bar + 1 < inner.size())
            out.emplace_back(std::string(inner.substr(bar + 1)), std::string(inner.substr(0, bar)));
        pos = end + 1;
    }
    return out;
}

std::string user_name_of(const json& event) {
    const json& profile = object_of(event, "user_profile");
    for (auto key : {"display_name", "real_name", "name"}) {
        auto v = text_of(profile, key);
        if (!v.empty()) return v;
    }
    return {};
}

// ---- the Events API body, read into a DOM of only the members parse_events
// and its helpers read. A message event is ~600 bytes of which the bot uses a
// tenth; building the whole DOM (blocks, authorizations' extra fields,
// attachments, bot_profile, ...) was most of the cost of an event on the I/O
// threads. nlohmann's own lexer still checks the whole body, so what is valid
// JSON is unchanged; a kept member holding a container the reader does not
// descend into keeps its kind (an empty object or array), so "wrong type
// reads as absent" and `has` behave as on the full DOM.

// Where a value sits, by what the readers do with it.
enum class Shape {
    drop,          // never read: skipped with its whole subtree
    leaf,          // read as a scalar: a container here is kept empty
    root,
    authorizations,
    authorization,
    event,
    message,           // event.message (message_changed)
    previous_message,  // event.previous_message
    user_profile,
    item,          // reaction / pin item
    item_message,  // pin item.message
};

bool one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
    for (auto k : keys)
        if (key == k) return true;
    return false;
}

Shape member_shape(Shape parent, std::string_view key) {
    switch (parent) {
        case Shape::root:
            if (key == "event") return Shape::event;
            if (key == "authorizations") return Shape::authorizations;
            return one_of(key, {"type", "challenge", "team_id", "minute_rate_limited", "event_id"}) ? Shape::leaf
                                                                                                    : Shape::drop;
        case Shape::authorization: return key == "user_id" ? Shape::leaf : Shape::drop;
        case Shape::event:
            if (key == "message") return Shape::message;
            if (key == "previous_message") return Shape::previous_message;
            if (key == "user_profile") return Shape::user_profile;
            if (key == "item") return Shape::item;
            return one_of(key, {"type", "subtype", "channel", "ts", "deleted_ts", "user", "text", "thread_ts", "bot_id",
                                "team", "reaction", "event_ts", "channel_id"})
                       ? Shape::leaf
                       : Shape::drop;
        case Shape::message: return one_of(key, {"ts", "text"}) ? Shape::leaf : Shape::drop;
        case Shape::previous_message: return key == "text" ? Shape::leaf : Shape::drop;
        case Shape::user_profile:
            return one_of(key, {"display_name", "real_name", "name"}) ? Shape::leaf : Shape::drop;
        case Shape::item:
            if (key == "message") return Shape::item_message;
            return one_of(key, {"type", "channel", "ts"}) ? Shape::leaf : Shape::drop;
        case Shape::item_message: return key == "ts" ? Shape::leaf : Shape::drop;
        case Shape::drop:
        case Shape::leaf:
        case Shape::authorizations: return Shape::drop;
    }
    return Shape::drop;
}

Shape element_shape(Shape parent) { return parent == Shape::authorizations ? Shape::authorization : Shape::drop; }

// nlohmann SAX handler building that DOM. Values arrive in document order;
// `stack_` holds the open containers that are kept, `skipping_` counts the
// open ones that are not.
class EventsBodyReader {
public:
    using string_t = json::string_t;

    json take() { return std::move(root_); }

    bool null() { return value(nullptr); }
    bool boolean(bool v) { return value(v); }
    bool number_integer(json::number_integer_t v) { return value(v); }
    bool number_unsigned(json::number_unsigned_t v) { return value(v); }
    bool number_float(json::number_float_t v, const string_t&) { return value(v); }
    bool string(string_t& v) {
        if (skipping_ == 0 && next_shape() != Shape::drop) place(json(std::move(v)));
        return true;
    }
    bool binary(json::binary_t&) { return value(nullptr); }  // JSON text has no binary values
    bool key(string_t& k) {
        if (skipping_ == 0) {
            key_shape_ = member_shape(stack_.back().shape, k);
            if (key_shape_ != Shape::drop) key_ = std::move(k);
        }
        return true;
    }
    bool start_object(std::size_t) { return open(json::value_t::object); }
    bool start_array(std::size_t) { return open(json::value_t::array); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

private:
    struct Open {
        json* container;
        Shape shape;
    };

    // The shape of the value about to arrive.
    Shape next_shape() const {
        if (stack_.empty()) return Shape::root;
        const auto& top = stack_.back();
        return top.container->is_array() ? element_shape(top.shape) : key_shape_;
    }

    json* place(json v) {
        if (stack_.empty()) {
            root_ = std::move(v);
            return &root_;
        }
        json& container = *stack_.back().container;
        if (container.is_array()) {
            container.push_back(std::move(v));
            return &container.back();
        }
        // Assignment: a repeated key keeps the last value, as the full DOM did.
        return &(container[key_] = std::move(v));
    }

    template <class T>
    bool value(T&& v) {
        if (skipping_ == 0 && next_shape() != Shape::drop) place(json(std::forward<T>(v)));
        return true;
    }

    bool open(json::value_t kind) {
        const Shape shape = skipping_ == 0 ? next_shape() : Shape::drop;
        if (shape == Shape::drop) {
            ++skipping_;
            return true;
        }
        json* placed = place(json(kind));
        // A leaf holding a container keeps it empty: under Shape::drop every
        // member and element is dropped.
        stack_.push_back({placed, shape == Shape::leaf ? Shape::drop : shape});
        return true;
    }

    bool close() {
        if (skipping_ > 0) {
            --skipping_;
            return true;
        }
        stack_.pop_back();
        return true;
    }

    json root_;
    std::vector<Open> stack_;
    std::string key_;
    Shape key_shape_ = Shape::drop;
    std::size_t skipping_ = 0;
};

// The pruned DOM, or a discarded value when the body is not valid JSON.
json read_events_body(std::string_view body) {
    EventsBodyReader reader;
    if (!json::sax_parse(body, &reader)) return json(json::value_t::discarded);
    return reader.take();
}

using EventResult = Parsed<std::optional<ChatEvent>>;

// Parsed fine, nothing to record (the outer optional is engaged).
EventResult none() { return {std::optional<std::optional<ChatEvent>>(std::in_place), {}}; }

EventResult some(ChatEvent e) {
    return {std::optional<std::optional<ChatEvent>>(std::in_place, std::move(e)), {}};
}

}  // namespace

namespace detail {

EventResult translate_message(const json& event, const std::string& team,
                              const std::string& default_channel, const std::string& bot_user,
                              const DomainLookup& domains, std::string& kind) {
    auto subtype = text_of(event, "subtype");
    if (!subtype.empty()) kind += "/" + subtype;
    auto channel = text_of(event, "channel");
    if (channel.empty()) channel = default_channel;
    if (channel.empty()) return EventResult::fail("message event without channel");
    ChannelRef where{Platform::slack, team, channel};

    if (subtype == "message_changed") {
        const json& message = object_of(event, "message");
        auto id = text_of(message, "ts");
        if (id.empty()) return EventResult::fail("message_changed without message.ts");
        auto at = parse_ts(text_of(event, "ts"));
        if (!at) return EventResult::fail("message_changed with malformed ts");
        auto new_text = to_neutral(text_of(message, "text"));
        // Unfurls and metadata updates arrive as message_changed too; only a
        // changed text is an edit.
        const json* previous = member(event, "previous_message");
        if (previous && previous->is_object() && to_neutral(text_of(*previous, "text")) == new_text) {
            kind += " (text unchanged)";
            return none();
        }
        return some(MessageEdited{where, id, std::move(new_text), *at});
    }
    if (subtype == "message_deleted") {
        auto id = text_of(event, "deleted_ts");
        if (id.empty()) return EventResult::fail("message_deleted without deleted_ts");
        auto at = parse_ts(text_of(event, "ts"));
        if (!at) return EventResult::fail("message_deleted with malformed ts");
        return some(MessageDeleted{where, id, *at});
    }

    auto ts = text_of(event, "ts");
    auto at = parse_ts(ts);
    if (!at) return EventResult::fail("message event with missing or malformed ts");

    ChatMessage m;
    m.where = where;
    m.message_id = ts;
    m.user_id = text_of(event, "user");
    m.user_name = user_name_of(event);
    // Slack's markup and escapes become neutral text: the core stores what
    // people typed, mentions as tokens.
    m.text = to_neutral(text_of(event, "text"));
    m.at = *at;
    auto thread_ts = text_of(event, "thread_ts");
    if (!thread_ts.empty() && thread_ts != ts) m.thread_parent = thread_ts;

    // The bot's own posts carry bot_id but no subtype: filter on bot_id and
    // on our user id, not only on bot_message.
    if (subtype == "bot_message" || has(event, "bot_id") ||
        (!bot_user.empty() && m.user_id == bot_user)) {
        m.origin = Origin::bot;
        if (m.user_id.empty()) m.user_id = text_of(event, "bot_id");
    } else if (subtype.empty() || subtype == "thread_broadcast" || subtype == "file_share" ||
               subtype == "me_message") {
        m.origin = Origin::human;
    } else {
        // channel_join / channel_leave, topic and purpose changes, ...
        m.origin = Origin::system;
    }

    if (domains) {
        auto domain = domains(team);
        if (!domain.empty()) m.permalink = permalink(domain, channel, ts, m.thread_parent);
    }
    return some(std::move(m));
}

}  // namespace detail

namespace {

EventResult reaction_event(const json& event, const std::string& team, bool added) {
    if (text_of(event, "reaction") != "pushpin") return none();
    const json* item_member = member(event, "item");
    if (!item_member || !item_member->is_object()) return EventResult::fail("reaction without item");
    const json& item = *item_member;
    if (text_of(item, "type") != "message") return none();
    auto channel = text_of(item, "channel");
    auto id = text_of(item, "ts");
    if (channel.empty() || id.empty()) return EventResult::fail("reaction without item.channel/item.ts");
    auto at = parse_ts(text_of(event, "event_ts"));
    if (!at) return EventResult::fail("reaction with malformed event_ts");
    return some(KeyEventMarked{{Platform::slack, team, channel}, id, text_of(event, "user"), added, *at});
}

EventResult pin_event(const json& event, const std::string& team, bool added) {
    const json* item_member = member(event, "item");
    if (!item_member || !item_member->is_object()) return EventResult::fail("pin without item");
    const json& item = *item_member;
    if (text_of(item, "type") != "message") return none();
    auto channel = text_of(event, "channel_id");
    if (channel.empty()) channel = text_of(item, "channel");
    auto id = text_of(object_of(item, "message"), "ts");
    if (id.empty()) id = text_of(item, "ts");
    if (channel.empty() || id.empty()) return EventResult::fail("pin without channel/message ts");
    auto at = parse_ts(text_of(event, "event_ts"));
    if (!at) return EventResult::fail("pin with malformed event_ts");
    return some(KeyEventMarked{{Platform::slack, team, channel}, id, text_of(event, "user"), added, *at});
}

}  // namespace

std::optional<Timestamp> parse_ts(std::string_view ts) {
    auto dot = ts.find('.');
    auto whole = ts.substr(0, dot);
    auto fraction = dot == std::string_view::npos ? std::string_view{} : ts.substr(dot + 1);
    if (whole.empty() || whole.size() > 12 || fraction.size() > 6) return std::nullopt;
    if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (ec != std::errc{} || end != whole.data() + whole.size() || seconds < 0) return std::nullopt;
    std::int64_t micros = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        int digit = 0;
        if (i < fraction.size()) {
            if (fraction[i] < '0' || fraction[i] > '9') return std::nullopt;
            digit = fraction[i] - '0';
        }
        micros = micros * 10 + digit;
    }
    return Timestamp{std::chrono::seconds{seconds}} + std::chrono::microseconds{micros};
}

std::string permalink(std::string_view team_domain, std::string_view channel, std::string_view ts,
                      std::string_view thread_ts) {
    std::string id;
    for (char c : ts)
        if (c != '.') id += c;
    std::string out = "https://";
    out.append(team_domain).append(".slack.com/archives/").append(channel).append("/p").append(id);
    if (!thread_ts.empty() && thread_ts != ts)
        out.append("?thread_ts=").append(thread_ts).append("&cid=").append(channel);
    return out;
}

Parsed<CommandRequest> parse_command(const http::Form& form, Timestamp received_at) {
    CommandRequest r;
    if (form.value("ssl_check") == "1") {
        r.ssl_check = true;
        return {std::move(r), {}};
    }
    for (auto key : {"team_id", "channel_id", "user_id", "command"})
        if (form.value(key).empty())
            return Parsed<CommandRequest>::fail(std::string("slash command without ") + key);
    r.team_domain = form.value("team_domain");
    r.command_name = form.value("command");
    auto& c = r.command;
    c.where = {Platform::slack, form.value("team_id"), form.value("channel_id")};
    c.user_id = form.value("user_id");
    c.user_name = form.value("user_name");
    c.text = to_neutral(form.value("text"));
    c.at = received_at;
    c.response_url = form.value("response_url");
    c.mentions = mentions_in(unescape(form.value("text")));
    return {std::move(r), {}};
}

Parsed<EventsPayload> parse_events(std::string_view json_body, const DomainLookup& domains) {
    using Result = Parsed<EventsPayload>;
    json body = read_events_body(json_body);
    if (body.is_discarded()) return Result::fail("body is not valid JSON");
    if (!body.is_object()) return Result::fail("body is not a JSON object");

    auto type = text_of(body, "type");
    if (type == "url_verification") {
        auto challenge = text_of(body, "challenge");
        if (challenge.empty()) return Result::fail("url_verification without challenge");
        return {UrlVerification{std::move(challenge)}, {}};
    }
    if (type == "app_rate_limited") {
        const json* minute = member(body, "minute_rate_limited");
        AppRateLimited r{text_of(body, "team_id"), 0};
        if (minute && minute->is_number_integer()) r.minute_rate_limited = minute->get<std::int64_t>();
        return {r, {}};
    }
    if (type != "event_callback") return {UnknownEnvelope{type}, {}};

    EventCallback cb;
    cb.team_id = text_of(body, "team_id");
    cb.event_id = text_of(body, "event_id");
    if (cb.event_id.empty()) return Result::fail("event_callback without event_id");
    const json* event = member(body, "event");
    if (!event || !event->is_object()) return Result::fail("event_callback without an event object");
    if (cb.team_id.empty()) cb.team_id = text_of(*event, "team");
    if (cb.team_id.empty()) return Result::fail("event_callback without team_id");

    std::string bot_user;
    const json* auths = member(body, "authorizations");
    if (auths && auths->is_array() && !auths->empty()) bot_user = text_of((*auths)[0], "user_id");

    cb.kind = text_of(*event, "type");
    EventResult r = none();
    if (cb.kind == "message")
        r = detail::translate_message(*event, cb.team_id, {}, bot_user, domains, cb.kind);
    else if (cb.kind == "reaction_added" || cb.kind == "reaction_removed")
        r = reaction_event(*event, cb.team_id, cb.kind == "reaction_added");
    else if (cb.kind == "pin_added" || cb.kind == "pin_removed")
        r = pin_event(*event, cb.team_id, cb.kind == "pin_added");
    if (!r) return Result::fail(cb.kind + ": " + r.error);
    cb.event = std::move(*r.value);
    return {std::move(cb), {}};
}

Parsed<InteractionRequest> parse_interaction(const http::Form& form, Timestamp received_at) {
    using Result = Parsed<InteractionRequest>;
    auto text = form.get("payload");
    if (!text) return Result::fail("interaction without payload field");
    json payload = json::parse(*text, nullptr, false);
    if (payload.is_discarded() || !payload.is_object())
        return Result::fail("interaction payload is not a JSON object");

    InteractionRequest r;
    r.type = text_of(payload, "type");
    if (r.type.empty()) return Result::fail("interaction payload without type");
    if (r.type != "block_actions") return {std::move(r), {}};

    const json* actions = member(payload, "actions");
    if (!actions || !actions->is_array() || actions->empty() || !(*actions)[0].is_object())
        return Result::fail("block_actions without actions");
    const json& first = (*actions)[0];
    const json& user = object_of(payload, "user");

    ButtonAction a;
    a.where = {Platform::slack, text_of(object_of(payload, "team"), "id"),
               text_of(object_of(payload, "channel"), "id")};
    if (a.where.team.empty()) a.where.team = text_of(user, "team_id");
    a.user_id = text_of(user, "id");
    a.user_name = text_of(user, "username");
    if (a.user_name.empty()) a.user_name = text_of(user, "name");
    a.action = text_of(first, "action_id");
    a.value = text_of(first, "value");
    a.at = parse_ts(text_of(first, "action_ts")).value_or(received_at);
    a.response_url = text_of(payload, "response_url");
    if (a.where.team.empty() || a.user_id.empty() || a.action.empty())
        return Result::fail("block_actions without team, user or action_id");
    r.action = std::move(a);
    return {std::move(r), {}};
}

}  // namespace hindsight::slack
