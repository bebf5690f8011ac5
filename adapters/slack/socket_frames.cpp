#include "adapters/slack/socket_frames.hpp"

#include "adapters/http/form.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
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

// ---- the fast path ------------------------------------------------------
//
// Nearly every frame is an envelope Slack wrote plainly: string members
// without escapes, a small retry_attempt, an object as the payload. Such a
// frame is read here by a strict validating scanner in one pass over the
// bytes, far cheaper than nlohmann's lexer (which copies every character of
// every token). It is only ever sure or unsure: whatever it is unsure of — a
// hello or disconnect, an escape in a member we keep, a repeated member, an
// exponent, deep nesting, anything invalid — goes to the SAX reader above,
// which decides and words the problem. So it must never accept what nlohmann
// refuses, nor read a member differently; the fuzz target checks both against
// a DOM of the same text.
class Scanner {
public:
    explicit Scanner(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {}

    bool done() const { return at_ == end_; }
    const char* at() const { return at_; }
    void space() {
        while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
    }
    bool eat(char c) {
        if (at_ == end_ || *at_ != c) return false;
        ++at_;
        return true;
    }
    bool next_is(char c) const { return at_ != end_ && *at_ == c; }

    // A string at the cursor, validated as nlohmann's lexer does (UTF-8,
    // escapes, surrogate pairs, no control characters). `raw` is what lies
    // between the quotes — the value itself when `escaped` is false.
    bool string(std::string_view& raw, bool& escaped) {
        if (!eat('"')) return false;
        const char* start = at_;
        escaped = false;
        while (at_ != end_) {
            const auto c = static_cast<unsigned char>(*at_);
            if (c == '"') {
                raw = std::string_view(start, static_cast<std::size_t>(at_ - start));
                ++at_;
                return true;
            }
            if (c == '\\') {
                escaped = true;
                if (!escape()) return false;
            } else if (c < 0x20) {
                return false;
            } else if (c < 0x80) {
                ++at_;
            } else if (!utf8()) {
                return false;
            }
        }
        return false;
    }

    // A number without an exponent and of at most 100 characters (so always
    // finite, as nlohmann requires). `unsigned_digits` is its text when it is
    // a plain non-negative integer.
    bool number(std::string_view& unsigned_digits) {
        const char* start = at_;
        const bool negative = eat('-');
        if (eat('0')) {
        } else if (at_ != end_ && *at_ >= '1' && *at_ <= '9') {
            digits();
        } else {
            return false;
        }
        bool fraction = false;
        if (eat('.')) {
            if (digits() == 0) return false;
            fraction = true;
        }
        if (next_is('e') || next_is('E') || at_ - start > 100) return false;
        unsigned_digits = negative || fraction ? std::string_view{} : std::string_view(start, static_cast<std::size_t>(at_ - start));
        return true;
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - at_) < word.size() || std::string_view(at_, word.size()) != word) return false;
        at_ += word.size();
        return true;
    }

    // Any value, validated; `depth` counts the containers around it.
    bool value(int depth) {
        if (at_ == end_) return false;
        std::string_view ignored;
        bool escaped = false;
        switch (*at_) {
        case '{': return container(depth, '}', true);
        case '[': return container(depth, ']', false);
        case '"': return string(ignored, escaped);
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return number(ignored);
        }
    }

private:
    std::size_t digits() {
        const char* start = at_;
        while (at_ != end_ && *at_ >= '0' && *at_ <= '9') ++at_;
        return static_cast<std::size_t>(at_ - start);
    }

    bool container(int depth, char close, bool object) {
        if (depth + 1 >= max_depth) return false;
        ++at_;
        space();
        if (eat(close)) return true;
        while (true) {
            if (object) {
                std::string_view key;
                bool escaped = false;
                if (!string(key, escaped)) return false;
                space();
                if (!eat(':')) return false;
                space();
            }
            if (!value(depth + 1)) return false;
            space();
            if (eat(close)) return true;
            if (!eat(',')) return false;
            space();
        }
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    // \uXXXX at the cursor (past the backslash's 'u'): the code unit, or -1.
    int code_unit() {
        if (end_ - at_ < 4) return -1;
        int unit = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hex(at_[i]);
            if (h < 0) return -1;
            unit = unit * 16 + h;
        }
        at_ += 4;
        return unit;
    }

    bool escape() {
        ++at_;  // the backslash
        if (at_ == end_) return false;
        const char c = *at_++;
        switch (c) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return true;
        case 'u': break;
        default: return false;
        }
        const int unit = code_unit();
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return false;
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        // A high surrogate: only as the first half of a pair.
        if (!literal("\\u")) return false;
        const int low = code_unit();
        return low >= 0xDC00 && low <= 0xDFFF;
    }

    // One multi-byte UTF-8 sequence at the cursor (RFC 3629: no overlong
    // forms, no surrogates, nothing past U+10FFFF).
    bool utf8() {
        const auto* s = reinterpret_cast<const unsigned char*>(at_);
        const auto left = end_ - at_;
        auto cont = [&](int i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
            return i < left && s[i] >= lo && s[i] <= hi;
        };
        const unsigned char c = s[0];
        int n = 0;
        if (c >= 0xC2 && c <= 0xDF) n = cont(1) ? 2 : 0;
        else if (c == 0xE0) n = cont(1, 0xA0) && cont(2) ? 3 : 0;
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = cont(1) && cont(2) ? 3 : 0;
        else if (c == 0xED) n = cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
        else if (c == 0xF0) n = cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
        else if (c >= 0xF1 && c <= 0xF3) n = cont(1) && cont(2) && cont(3) ? 4 : 0;
        else if (c == 0xF4) n = cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
        at_ += n;
        return n > 0;
    }

    const char* at_;
    const char* end_;
};

// An envelope as the fast path reads it, or nullopt: ask the SAX reader.
std::optional<Frame> plain_envelope(std::string_view text) {
    Scanner s(text);
    s.space();
    if (!s.next_is('{')) return std::nullopt;
    s.eat('{');
    std::optional<std::string_view> id, type, retry_reason, payload;
    std::optional<bool> accepts;
    std::optional<std::string_view> retry;
    // A member we keep, seen twice, is left to the DOM's "last one counts".
    unsigned seen = 0;
    auto first_time = [&seen](unsigned bit) { return !(std::exchange(seen, seen | bit) & bit); };
    // A string member we keep: a plain string (no escapes) or null.
    auto plain_string = [&s](std::optional<std::string_view>& out) {
        if (s.literal("null")) return true;
        std::string_view raw;
        bool escaped = false;
        if (!s.string(raw, escaped) || escaped) return false;
        out = raw;
        return true;
    };
    s.space();
    if (s.next_is('}')) return std::nullopt;
    while (true) {
        std::string_view key;
        bool escaped = false;
        if (!s.string(key, escaped) || escaped) return std::nullopt;
        s.space();
        if (!s.eat(':')) return std::nullopt;
        s.space();
        bool ok = false;
        if (key == "envelope_id") {
            ok = first_time(1) && plain_string(id);
        } else if (key == "type") {
            ok = first_time(2) && plain_string(type);
        } else if (key == "retry_reason") {
            ok = first_time(4) && plain_string(retry_reason);
        } else if (key == "payload") {
            const char* start = s.at();
            ok = first_time(8) && (s.next_is('{') || s.next_is('[')) && s.value(1);
            if (ok) payload = std::string_view(start, static_cast<std::size_t>(s.at() - start));
        } else if (key == "accepts_response_payload") {
            ok = first_time(16);
            if (s.literal("true")) accepts = true;
            else if (s.literal("false")) accepts = false;
            else ok = ok && s.literal("null");
        } else if (key == "retry_attempt") {
            ok = first_time(32);
            std::string_view digits;
            if (s.literal("null")) {
            } else if (s.number(digits) && !digits.empty() && digits.size() <= 18) {
                retry = digits;
            } else {
                ok = false;
            }
        } else {
            ok = s.value(1);
        }
        if (!ok) return std::nullopt;
        s.space();
        if (s.eat('}')) break;
        if (!s.eat(',')) return std::nullopt;
        s.space();
    }
    s.space();
    if (!s.done() || !id || id->empty()) return std::nullopt;
    const std::string_view kind = type.value_or(std::string_view{});
    if (kind == "hello" || kind == "disconnect") return std::nullopt;

    Frame f;
    f.kind = Frame::Kind::envelope;
    f.type = std::string(kind);
    auto& e = f.envelope;
    e.envelope_id = std::string(*id);
    e.type = f.type;
    e.payload = payload ? std::string(*payload) : std::string("{}");
    e.accepts_response_payload = accepts.value_or(false);
    if (retry) {
        std::uint64_t n = 0;
        for (char c : *retry) n = n * 10 + static_cast<std::uint64_t>(c - '0');
        e.retry_attempt = static_cast<int>(std::min<std::uint64_t>(n, std::numeric_limits<int>::max()));
    }
    if (retry_reason) e.retry_reason = std::string(*retry_reason);
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
    if (auto f = plain_envelope(text)) return std::move(*f);
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
