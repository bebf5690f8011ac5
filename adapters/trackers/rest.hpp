// What the three trackers' clients share: one HTTP client with the tracker's
// credentials on every request, and the reading of an answer into a
// CallResult (docs/trackers.md, "Retries and rate limits"). Internal to
// adapters/trackers.
#pragma once

#include "adapters/outbound/http_client.hpp"
#include "adapters/trackers/client.hpp"
#include "bot/core/time.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hindsight::trackers {

class Rest {
public:
    using Headers = std::vector<std::pair<std::string, std::string>>;
    // `auth`: the headers that carry the credential (never logged).
    Rest(std::string base_url, Headers auth, const outbound::ClientOptions& options, const Clock& clock);
    // A credential that changes (a GitHub App's installation token): asked
    // before each request; `stale` when the last one was answered 401, and
    // the request is then sent once more with the new one. Failing, the
    // request is not sent and the answer is status 0 with its error.
    using Credential = std::function<CallResult(bool stale, Headers& auth)>;
    Rest(std::string base_url, Credential credential, const outbound::ClientOptions& options, const Clock& clock);

    // `path` is appended to the base URL; a JSON body when not empty.
    outbound::ClientResponse call(const std::string& method, const std::string& path,
                                  const nlohmann::json& body = nullptr, Headers extra = {});
    // ok for 2xx and 304; retry for transport errors, 408, 429, 5xx and a
    // 403 that is a rate limit; failed otherwise. `what` names the call in errors.
    CallResult classify(const outbound::ClientResponse& response, const std::string& what) const;

    const std::string& base_url() const { return base_url_; }

    // The path (under the base URL) of the next page named by the answer's
    // `Link: <…>; rel="next"` header (GitHub, GitLab); nullopt on the last
    // page, or when the link leads off the base URL (the credential goes
    // nowhere else).
    std::optional<std::string> next_page(const outbound::ClientResponse& response) const;

    // Each object of a listing answered as a JSON array, page after page
    // (next_page), until `each` returns false or the pages end (at most
    // kMaxPages). The second form starts from a first page already read.
    using Each = std::function<bool(const nlohmann::json& item)>;
    CallResult each_page(const std::string& path, const std::string& what, const Each& each);
    CallResult each_page(outbound::ClientResponse first, const std::string& what, const Each& each);

private:
    outbound::ClientResponse send(const std::string& method, const std::string& path, const nlohmann::json& body,
                                  const Headers& extra, const Headers& auth);

    std::string base_url_;
    Headers auth_;
    Credential credential_;
    outbound::HttpClient http_;
    const Clock& clock_;
};

// How many pages one listing reads at most (100 tickets each): a bound, not
// a limit met in practice; reaching it is logged.
constexpr int kMaxPages = 100;

// The JSON of a body, or an empty object when it is not JSON.
nlohmann::json parse_json(const std::string& body);
// A string member, or "" when absent or not a string.
std::string string_or_empty(const nlohmann::json& j, const char* name);
// "owner/repo#12" (GitHub, GitLab) -> ("owner/repo", "12").
std::pair<std::string, std::string> split_key(const std::string& key);
// Percent-encodes a query value or a path segment.
std::string url_encode(std::string_view text);
// "2026-12-01T17:00:00Z" (UTC, seconds).
std::string iso8601(Timestamp t);
// Whether `text` carries `marker` ("hindsight-action:A-1") as a whole: not
// as the start of another item's ("hindsight-action:A-12").
bool has_marker(std::string_view text, std::string_view marker);
// Constant-time comparison of two secrets or signatures.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace hindsight::trackers
