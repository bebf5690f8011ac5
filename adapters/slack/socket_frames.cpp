#include "adapters/slack/socket_frames.hpp"

#include "adapters/http/form.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <limits>

namespace hindsight::slack {

namespace {

using nlohmann::json;

// Deeper than any frame Slack sends (a rich-text block inside an event inside
// the payload is about ten levels). It bounds what a crafted frame can make
// the parsers and dumps after us recurse through.
constexpr int max_depth = 64;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A DOM, or a discarded value when the text is not JSON or nests deeper than
// max_depth.
json read(std::string_view text) {
    bool too_deep = false;
    auto parsed = json::parse(
        text,
        [&too_deep](int depth, json::parse_event_t, json&) {
            if (depth > max_depth) too_deep = true;
            return !too_deep;
        },
        false);
    return too_deep ? json(json::value_t::discarded) : parsed;
}

// A character iterator over the frame that leaves, in *mark, how far the
// parser has read: nlohmann's lexer reads one character at a time and calls
// the SAX handler as soon as a token is complete, so at start_object the mark
// is just past the `{`, and at end_object just past the `}`.
struct TrackedChars {
    using iterator_category = std::forward_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char* at = nullptr;
    const char** mark = nullptr;

    reference operator*() const { return *at; }
    TrackedChars& operator++() {
        *mark = ++at;
        return *this;
    }
    TrackedChars operator++(int) {
        auto before = *this;
        ++*this;
        return before;
    }
    bool operator==(const TrackedChars& other) const { return at == other.at; }
    bool operator!=(const TrackedChars& other) const { return at != other.at; }
};

// The frame through nlohmann's SAX parser: a DOM of the top-level members
// only (a container member is kept empty, but for debug_info's own scalars),
// and where the payload — the bulk of an envelope — lies in the text. Its
// bytes, validated by the parser, are then handed on as they are: no DOM of
// the event is built here only to be dumped again and parsed once more by the
// endpoint.
class FrameReader {
public:
    using string_t = json::string_t;

    explicit FrameReader(const char* const& mark) : mark_(mark) {}

    json& root() { return root_; }
    bool too_deep() const { return too_deep_; }
    // The payload's text when its (last) value was an object or an array.
    std::optional<std::string_view> payload() const { return payload_; }

    bool null() { return scalar(nullptr); }
    bool boolean(bool v) { return scalar(v); }
    bool number_integer(json::number_integer_t v) { return scalar(v); }
    bool number_unsigned(json::number_unsigned_t v) { return scalar(v); }
    bool number_float(json::number_float_t v, const string_t&) { return scalar(v); }
    bool string(string_t& v) { return scalar(std::move(v)); }
    bool binary(json::binary_t&) { return scalar(nullptr); }  // JSON text has no binary values
    bool key(string_t& k) {
        if (depth_ == 1) top_key_ = std::move(k);
        if (depth_ == 2 && in_debug_info_) inner_key_ = std::move(k);
        return true;
    }
    bool start_object(std::size_t) { return open(json::value_t::object); }
    bool start_array(std::size_t) { return open(json::value_t::array); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

private:
    bool member_of_root() const { return depth_ == 1 && root_.is_object(); }

    // A value is built only where it is kept: the payload's many are not.
    template <class T>
    bool scalar(T&& v) {
        if (depth_ == 0) {
            root_ = json(std::forward<T>(v));
        } else if (member_of_root()) {
            if (top_key_ == "payload") payload_.reset();
            root_[top_key_] = json(std::forward<T>(v));
        } else if (depth_ == 2 && in_debug_info_) {
            root_["debug_info"][inner_key_] = json(std::forward<T>(v));
        }
        return true;
    }

    bool open(json::value_t kind) {
        if (depth_ == max_depth) {
            too_deep_ = true;
            return false;  // stops the parse
        }
        if (depth_ == 0) {
            root_ = json(kind);
        } else if (member_of_root()) {
            root_[top_key_] = json(kind);
            in_debug_info_ = top_key_ == "debug_info" && kind == json::value_t::object;
            if (top_key_ == "payload") payload_start_ = mark_ - 1;
        }
        ++depth_;
        return true;
    }

    bool close() {
        --depth_;
        if (member_of_root()) {
            if (top_key_ == "payload") payload_ = std::string_view(payload_start_, static_cast<std::size_t>(mark_ - payload_start_));
            in_debug_info_ = false;
        }
        return true;
    }

    const char* const& mark_;
    json root_;
    int depth_ = 0;
    bool too_deep_ = false;
    std::string top_key_, inner_key_;
    bool in_debug_info_ = false;
    const char* payload_start_ = nullptr;
    std::optional<std::string_view> payload_;
};

Frame malformed(std::string problem) {
    Frame f;
    f.kind = Frame::Kind::malformed;
    f.problem = std::move(problem);
    return f;
}

// An optional member: absent or null is `fallback`; of another kind, an error.
template <class Check>
bool member(const json& object, const char* key, Check&& is_kind, const json*& out) {
    out = nullptr;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!is_kind(*it)) return false;
    out = &*it;
    return true;
}

bool is_string(const json& j) { return j.is_string(); }
bool is_boolean(const json& j) { return j.is_boolean(); }
bool is_integer(const json& j) { return j.is_number_integer(); }

int clamp_to_int(const json& number) {
    if (number.is_number_unsigned()) {
        return static_cast<int>(std::min<json::number_unsigned_t>(number.get<json::number_unsigned_t>(),
                                                                  std::numeric_limits<int>::max()));
    }
    auto v = number.get<json::number_integer_t>();
    return static_cast<int>(std::clamp<json::number_integer_t>(v, 0, std::numeric_limits<int>::max()));
}

Frame hello(const json& j) {
    Frame f;
    f.kind = Frame::Kind::hello;
    f.type = "hello";
    if (auto d = j.find("debug_info"); d != j.end() && d->is_object()) {
        if (auto t = d->find("approximate_connection_time"); t != d->end() && t->is_number_integer() && *t >= 0)
            f.refresh_in_s = t->is_number_unsigned()
                                 ? static_cast<long long>(std::min<json::number_unsigned_t>(
                                       t->get<json::number_unsigned_t>(), std::numeric_limits<long long>::max()))
                                 : t->get<long long>();
    }
    return f;
}

Frame disconnect(const json& j) {
    const json* reason = nullptr;
    if (!member(j, "reason", is_string, reason)) return malformed("disconnect with a `reason` that is not a string");
    Frame f;
    f.kind = Frame::Kind::disconnect;
    f.type = "disconnect";
    if (reason) f.reason = reason->get<std::string>();
    f.disconnect = classify_disconnect(f.reason);
    return f;
}

Frame envelope(json& j, std::string type, std::optional<std::string_view> payload_text) {
    const json *accepts = nullptr, *retry = nullptr, *retry_reason = nullptr;
    if (!member(j, "accepts_response_payload", is_boolean, accepts) || !member(j, "retry_attempt", is_integer, retry) ||
        !member(j, "retry_reason", is_string, retry_reason))
        return malformed("envelope of type '" + type + "' with a member of the wrong kind");
    Frame f;
    f.kind = Frame::Kind::envelope;
    f.type = type;
    auto& e = f.envelope;
    e.envelope_id = j["envelope_id"].get<std::string>();
    e.type = std::move(type);
    auto payload = j.find("payload");
    e.payload = payload_text ? std::string(*payload_text) : payload == j.end() ? "{}" : dump(*payload);
    if (accepts) e.accepts_response_payload = accepts->get<bool>();
    if (retry) e.retry_attempt = clamp_to_int(*retry);
    if (retry_reason) e.retry_reason = retry_reason->get<std::string>();
    return f;
}

// A slash command's fields, as a JSON object, back to the form an HTTP command
// POST carries.
std::string form_of(const json& fields) {
    std::string body;
    for (const auto& [key, value] : fields.items()) {
        if (!body.empty()) body += '&';
        body += http::url_encode(key) + '=' + http::url_encode(value.is_string() ? value.get<std::string>() : dump(value));
    }
    return body;
}

}  // namespace

DisconnectReason classify_disconnect(std::string_view reason) {
    if (reason == "warning" || reason == "refresh_requested") return DisconnectReason::refresh;
    if (reason == "too_many_websockets") return DisconnectReason::too_many_websockets;
    if (reason == "link_disabled") return DisconnectReason::link_disabled;
    return DisconnectReason::unknown;
}

Frame parse_frame(std::string_view text) {
    const char* mark = text.data();
    FrameReader reader(mark);
    const bool parsed = json::sax_parse(TrackedChars{text.data(), &mark}, TrackedChars{text.data() + text.size(), &mark},
                                        &reader);
    if (reader.too_deep()) return malformed("nested deeper than " + std::to_string(max_depth) + " levels");
    if (!parsed) return malformed("not JSON");
    auto& j = reader.root();
    if (!j.is_object()) return malformed("not a JSON object");
    const json* type_member = nullptr;
    if (!member(j, "type", is_string, type_member)) return malformed("a `type` that is not a string");
    std::string type = type_member ? type_member->get<std::string>() : std::string{};
    if (type == "hello") return hello(j);
    if (type == "disconnect") return disconnect(j);
    auto id = j.find("envelope_id");
    if (id == j.end() || id->is_null()) {
        Frame f;
        f.kind = Frame::Kind::ignored;
        f.type = std::move(type);
        return f;
    }
    if (!id->is_string() || id->get_ref<const std::string&>().empty())
        return malformed("an `envelope_id` that is not a non-empty string");
    return envelope(j, std::move(type), reader.payload());
}

std::string ack_frame(std::string_view envelope_id, std::string_view payload) {
    json ack{{"envelope_id", envelope_id}};
    if (!payload.empty()) {
        auto p = read(payload);
        if (p.is_object()) ack["payload"] = std::move(p);
    }
    return dump(ack);
}

OpenAnswer parse_open_answer(int http_status, std::string_view body) {
    const std::string what = "apps.connections.open: ";
    if (http_status != 200) return {{}, what + "HTTP " + std::to_string(http_status)};
    auto j = read(body);
    if (!j.is_object()) return {{}, what + "not JSON"};
    auto ok = j.find("ok");
    if (ok == j.end() || !ok->is_boolean() || !ok->get<bool>()) {
        auto error = j.find("error");
        return {{}, what + (error != j.end() && error->is_string() ? error->get<std::string>() : "no error given")};
    }
    auto url = j.find("url");
    if (url == j.end() || !url->is_string() || !url->get_ref<const std::string&>().starts_with("wss://"))
        return {{}, what + "no wss:// URL in the answer"};
    return {url->get<std::string>(), {}};
}

EndpointRequest endpoint_request(const Envelope& envelope) {
    EndpointRequest r;
    if (envelope.type == "events_api") {
        r.route = EndpointRequest::Route::events;
        r.content_type = "application/json";
        r.body = envelope.payload;
        return r;
    }
    const bool command = envelope.type == "slash_commands";
    if (!command && envelope.type != "interactive") return r;
    r.route = command ? EndpointRequest::Route::commands : EndpointRequest::Route::interactions;
    r.content_type = "application/x-www-form-urlencoded";
    auto payload = read(envelope.payload);
    if (!payload.is_object()) {
        r.problem = envelope.type + " envelope without a payload object";
        return r;
    }
    r.body = command ? form_of(payload) : "payload=" + http::url_encode(envelope.payload);
    return r;
}

}  // namespace hindsight::slack
