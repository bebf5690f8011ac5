#include "adapters/mattermost/verifier.hpp"

#include "adapters/chat/wire.hpp"
#include "adapters/http/form.hpp"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace hindsight::mattermost {

bool constant_time_equal(std::string_view a, std::string_view b) {
    // The length of a token is not secret; its contents are.
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::optional<std::string> from_form(std::string_view text) {
    auto form = http::Form::parse(text);
    if (!form) return std::nullopt;
    return form->get("token");
}

}  // namespace

std::optional<std::string> presented_token(const http::Request& request) {
    if (auto auth = request.header("Authorization")) {
        constexpr std::string_view scheme = "Token ";
        if (auth->size() > scheme.size() && iequals(auth->substr(0, scheme.size()), scheme)) {
            auto token = auth->substr(scheme.size());
            while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
            while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
            if (!token.empty()) return std::string(token);
        }
    }
    if (request.method == "GET") return from_form(request.query());
    if (request.content_type() == "application/json") {
        auto body = nlohmann::json::parse(request.body, nullptr, false);
        if (body.is_object()) {
            auto it = body.find("token");
            if (it != body.end() && it->is_string()) return it->get<std::string>();
        }
        return std::nullopt;
    }
    return from_form(request.body);
}

TokenVerifier::TokenVerifier(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
    std::erase_if(tokens_, [](const std::string& t) { return t.empty(); });
}

bool TokenVerifier::matches(std::string_view token) const {
    if (token.empty()) return false;
    bool any = false;
    // Compare against every token so the time doesn't reveal which one matched.
    for (const auto& expected : tokens_) any |= constant_time_equal(token, expected);
    return any;
}

bool TokenVerifier::verify(const http::Request& request) const {
    auto token = presented_token(request);
    return token && matches(*token);
}

std::string action_token(std::string_view secret, std::string_view action, std::string_view value,
                         std::string_view team) {
    std::string message;
    message.reserve(action.size() + value.size() + team.size() + 2);
    message.append(action).push_back('\n');
    message.append(value).push_back('\n');
    message.append(team);
    return chat::hmac_sha256_hex(secret, message);
}

bool verify_action_token(std::string_view secret, std::string_view action, std::string_view value,
                         std::string_view team, std::string_view token) {
    if (secret.empty() || token.empty()) return false;
    return constant_time_equal(action_token(secret, action, value, team), token);
}

}  // namespace hindsight::mattermost
