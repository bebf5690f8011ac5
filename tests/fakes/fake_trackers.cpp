#include "tests/fakes/fake_trackers.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace hindsight::fakes {

namespace {

using json = nlohmann::json;

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> query_of(const RecordedRequest& r) {
    std::map<std::string, std::string> out;
    auto q = r.target.find('?');
    if (q == std::string::npos) return out;
    std::string_view rest(r.target);
    rest.remove_prefix(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return out;
}

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t at = 1;
    while (at <= path.size()) {
        auto slash = path.find('/', at);
        out.push_back(path.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
        if (slash == std::string::npos) break;
        at = slash + 1;
    }
    return out;
}

int to_int(const std::string& s) {
    try {
        return std::stoi(s);
    } catch (const std::exception&) {
        return -1;
    }
}

// One page of a listing as GitHub and GitLab answer it: `per_page` (up to
// 100, else `default_size`) items from `page` (1-based), and a
// `Link: <…&page=N+1>; rel="next", <…>; rel="last"` header while more follow.
FakeResponse page_of(const RecordedRequest& r, const std::string& base_url, const json& all, std::size_t default_size) {
    auto q = query_of(r);
    std::size_t size = default_size;
    if (int n = q.count("per_page") ? to_int(q["per_page"]) : 0; n > 0) size = std::min<std::size_t>(n, 100);
    int page = q.count("page") ? std::max(1, to_int(q["page"])) : 1;
    json out = json::array();
    const std::size_t from = (static_cast<std::size_t>(page) - 1) * size;
    for (std::size_t i = from; i < all.size() && i < from + size; ++i) out.push_back(all[i]);
    auto answer = FakeResponse::json(200, out.dump());
    const std::size_t pages = (all.size() + size - 1) / size;
    if (static_cast<std::size_t>(page) < pages) {
        // The request's own query with another page number.
        std::string path = r.path(), kept;
        auto qm = r.target.find('?');
        std::string_view rest = qm == std::string::npos ? std::string_view{} : std::string_view(r.target).substr(qm + 1);
        while (!rest.empty()) {
            auto amp = rest.find('&');
            auto pair = rest.substr(0, amp);
            if (!pair.starts_with("page=")) kept += std::string(pair) + "&";
            if (amp == std::string_view::npos) break;
            rest.remove_prefix(amp + 1);
        }
        auto link = [&](std::size_t n) { return "<" + base_url + path + "?" + kept + "page=" + std::to_string(n) + ">"; };
        answer.headers.emplace_back("Link", link(page + 1) + "; rel=\"next\", " + link(pages) + "; rel=\"last\"");
    }
    return answer;
}

FakeResponse not_found() { return FakeResponse::json(404, R"({"message":"Not Found"})"); }

std::string base64(const std::string& text) {
    std::string out(4 * ((text.size() + 2) / 3), '\0');
    auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// The text of a Jira description: a string or an ADF document.
void adf_text(const json& node, std::string& out) {
    if (node.is_string()) {
        out += node.get<std::string>();
        return;
    }
    if (!node.is_object()) return;
    if (node.contains("text") && node["text"].is_string()) out += node["text"].get<std::string>();
    if (node.contains("content") && node["content"].is_array())
        for (const auto& c : node["content"]) adf_text(c, out);
    if (node.value("type", "") == "paragraph") out += '\n';
}

}  // namespace

std::string sha256_signature(const std::string& secret, const std::string& body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &len);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

// ---- FakeTracker

FakeTracker::FakeTracker(std::string credential_header, std::string credential)
    : credential_header_(std::move(credential_header)), credential_(std::move(credential)) {}

void FakeTracker::set_credential(std::string credential) { credential_ = std::move(credential); }

std::string FakeTracker::now_iso() const { return iso_at(now()); }

void FakeTracker::set_clock(std::function<std::time_t()> now) {
    std::lock_guard lock(mutex_);
    now_ = std::move(now);
}

std::string FakeTracker::iso_at(std::time_t t) const {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool FakeTracker::authorized(const RecordedRequest& r) {
    std::lock_guard lock(mutex_);
    if (r.header(credential_header_) == credential_) return true;
    ++unauthorized_;
    return false;
}

std::vector<FakeIssue> FakeTracker::issues() const {
    std::lock_guard lock(mutex_);
    return issues_;
}

std::optional<FakeIssue> FakeTracker::issue(const std::string& project, int number) const {
    std::lock_guard lock(mutex_);
    for (const auto& i : issues_)
        if (i.project == project && i.number == number) return i;
    return std::nullopt;
}

void FakeTracker::change(const std::string& project, int number, const std::function<void(FakeIssue&)>& edit) {
    std::lock_guard lock(mutex_);
    if (auto* i = find(project, number)) {
        edit(*i);
        i->updated_at = now_iso();
    }
}

int FakeTracker::add_issue(FakeIssue issue) {
    std::lock_guard lock(mutex_);
    return create(std::move(issue)).number;
}

void FakeTracker::delay_next_create(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    create_delay_ = delay;
}

void FakeTracker::add_user(const std::string& email, const std::string& user) {
    std::lock_guard lock(mutex_);
    users_[email] = user;
}

int FakeTracker::unauthorized() const {
    std::lock_guard lock(mutex_);
    return unauthorized_;
}

FakeIssue& FakeTracker::create(FakeIssue issue) {
    int number = 0;
    for (const auto& i : issues_)
        if (i.project == issue.project) number = std::max(number, i.number);
    issue.number = number + 1;
    issue.updated_at = now_iso();
    issues_.push_back(std::move(issue));
    return issues_.back();
}

FakeIssue* FakeTracker::find(const std::string& project, int number) {
    for (auto& i : issues_)
        if (i.project == project && i.number == number) return &i;
    return nullptr;
}

// ---- GitHub

FakeGitHub::FakeGitHub(std::string token) : FakeTracker("Authorization", "Bearer " + token), token_(std::move(token)) {
    server_.fallback([this](const RecordedRequest& r) { return handle(r); });
}

json FakeGitHub::issue_json(const FakeIssue& i) const {
    return {{"number", i.number},
            {"title", i.title},
            {"body", i.body},
            {"state", i.state},
            {"html_url", "https://github.example/" + i.project + "/issues/" + std::to_string(i.number)},
            {"assignee", i.assignee.empty() ? json(nullptr) : json{{"login", i.assignee}}},
            {"assignees", i.assignee.empty() ? json::array() : json::array({{{"login", i.assignee}}})},
            {"updated_at", i.updated_at}};
}

FakeWebhook FakeGitHub::webhook(const std::string& action, const std::string& repo, int number,
                                const std::string& secret, const std::string& sender) const {
    auto i = issue(repo, number);
    json body = {{"action", action},
                 {"issue", i ? issue_json(*i) : json{{"number", number}, {"state", "open"}}},
                 {"repository", {{"full_name", repo}}},
                 {"sender", {{"login", sender}}}};
    FakeWebhook hook;
    hook.body = body.dump();
    hook.headers = {{"X-GitHub-Event", "issues"},
                    {"X-GitHub-Delivery", "d-" + std::to_string(number)},
                    {"X-Hub-Signature-256", sha256_signature(secret, hook.body)}};
    return hook;
}

int FakeGitHub::not_modified() const {
    std::lock_guard lock(mutex_);
    return not_modified_;
}

std::string FakeGitHub::enable_app(const std::string& app_id, const std::string& installation,
                                   std::chrono::seconds lifetime) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), BIO_free), pub(BIO_new(BIO_s_mem()), BIO_free);
    if (!key || !priv || !pub ||
        PEM_write_bio_PrivateKey_traditional(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
        PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1)
        throw std::runtime_error("fake GitHub: making the app key failed");
    auto text = [](BIO* b) {
        char* data = nullptr;
        long n = BIO_get_mem_data(b, &data);
        return std::string(data, static_cast<std::size_t>(n));
    };
    std::lock_guard lock(mutex_);
    app_id_ = app_id;
    installation_ = installation;
    public_pem_ = text(pub.get());
    lifetime_ = lifetime;
    set_credential("no installation token yet");
    return text(priv.get());
}

int FakeGitHub::tokens_minted() const {
    std::lock_guard lock(mutex_);
    return minted_;
}

int FakeGitHub::bad_jwts() const {
    std::lock_guard lock(mutex_);
    return bad_jwts_;
}

void FakeGitHub::revoke_app_tokens() {
    std::lock_guard lock(mutex_);
    set_credential("revoked");
}

bool FakeGitHub::jwt_ok(const std::string& authorization) const {
    if (!authorization.starts_with("Bearer ")) return false;
    const std::string jwt = authorization.substr(7);
    auto dot1 = jwt.find('.');
    auto dot2 = jwt.find('.', dot1 + 1);
    if (dot1 == std::string::npos || dot2 == std::string::npos) return false;
    auto decode = [](std::string s) {
        for (auto& ch : s) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
        while (s.size() % 4) s += '=';
        std::string out(s.size() / 4 * 3, '\0');
        int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
        if (n < 0) return std::string{};
        out.resize(static_cast<std::size_t>(n) - (s.size() - s.find_last_not_of('=') - 1));
        return out;
    };
    auto header = json::parse(decode(jwt.substr(0, dot1)), nullptr, false);
    auto claims = json::parse(decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)), nullptr, false);
    const std::string signature = decode(jwt.substr(dot2 + 1));
    if (!header.is_object() || header.value("alg", "") != "RS256" || !claims.is_object()) return false;
    // The signature over "<header>.<claims>" under the app's public key.
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(public_pem_.data(), static_cast<int>(public_pem_.size())),
                                                  BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                                            EVP_PKEY_free);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    const std::string input = jwt.substr(0, dot2);
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
        return false;
    // GitHub: iss is the app's id; exp at most ten minutes after iat; now within.
    if (!claims.contains("iss") || !claims.contains("iat") || !claims.contains("exp")) return false;
    const std::string iss = claims["iss"].is_string() ? claims["iss"].get<std::string>() : claims["iss"].dump();
    const auto iat = claims["iat"].get<std::int64_t>(), exp = claims["exp"].get<std::int64_t>();
    const auto t = static_cast<std::int64_t>(now());
    return iss == app_id_ && exp - iat <= 600 && iat <= t + 60 && t < exp;
}

FakeResponse FakeGitHub::mint(const RecordedRequest& r) {
    if (!jwt_ok(r.header("Authorization").value_or(""))) {
        ++bad_jwts_;
        return FakeResponse::json(401, R"({"message":"A JSON web token could not be decoded"})");
    }
    ++minted_;
    const std::string token = "ghs_fake_installation_" + std::to_string(minted_);
    token_expires_ = now() + lifetime_.count();
    set_credential("Bearer " + token);
    return FakeResponse::json(201, json{{"token", token}, {"expires_at", iso_at(token_expires_)}}.dump());
}

FakeResponse FakeGitHub::handle(const RecordedRequest& r) {
    {
        std::lock_guard lock(mutex_);
        if (!app_id_.empty()) {
            if (r.method == "POST" && r.path() == "/app/installations/" + installation_ + "/access_tokens") return mint(r);
            if (now() >= token_expires_) set_credential("expired");
        }
    }
    if (!authorized(r)) return FakeResponse::json(401, R"({"message":"Bad credentials"})");
    auto s = segments(r.path());
    if (r.path() == "/search/users" && r.method == "GET") {
        // q=<e-mail> in:email ('+' decodes to a space)
        auto q = query_of(r)["q"];
        auto email = q.substr(0, q.find(' '));
        std::lock_guard lock(mutex_);
        json items = json::array();
        if (auto it = users_.find(email); it != users_.end() && q.ends_with(" in:email"))
            items.push_back({{"login", it->second}, {"type", "User"}});
        return FakeResponse::json(200, json{{"total_count", items.size()}, {"incomplete_results", false}, {"items", items}}.dump());
    }
    if (s.size() < 4 || s[0] != "repos" || s[3] != "issues") return not_found();
    const std::string repo = s[1] + "/" + s[2];
    std::lock_guard lock(mutex_);
    if (s.size() == 4 && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        if (!body.is_object() || !body.contains("title")) return FakeResponse::json(422, R"({"message":"Validation Failed"})");
        FakeIssue i;
        i.project = repo;
        i.title = body.value("title", "");
        i.body = body.value("body", "");
        if (body.contains("assignees") && body["assignees"].is_array() && !body["assignees"].empty())
            i.assignee = body["assignees"][0].get<std::string>();
        auto answer = FakeResponse::json(201, issue_json(create(std::move(i))).dump());
        answer.delay = std::exchange(create_delay_, std::chrono::milliseconds{0});
        return answer;
    }
    if (s.size() == 4 && r.method == "GET") {
        auto q = query_of(r);
        std::vector<FakeIssue> list;
        for (const auto& i : issues_) {
            if (i.project != repo) continue;
            if (q.count("since") && i.updated_at < q["since"]) continue;
            if (q["state"] != "all" && i.state != (q["state"].empty() ? "open" : q["state"])) continue;
            list.push_back(i);
        }
        if (q["sort"] == "updated")
            std::stable_sort(list.begin(), list.end(),
                             [](const FakeIssue& a, const FakeIssue& b) { return a.updated_at < b.updated_at; });
        if (q["direction"] == "desc") std::reverse(list.begin(), list.end());
        json all = json::array();
        for (const auto& i : list) all.push_back(issue_json(i));
        auto answer = page_of(r, server_.base_url(), all, 30);
        const std::string etag = "\"" + std::to_string(std::hash<std::string>{}(answer.body)) + "\"";
        if (r.header("If-None-Match") == etag) {
            ++not_modified_;
            FakeResponse unchanged = FakeResponse::text(304, "");
            unchanged.content_type.clear();
            unchanged.headers = {{"ETag", etag}};
            return unchanged;
        }
        answer.headers.emplace_back("ETag", etag);
        return answer;
    }
    FakeIssue* i = s.size() >= 5 ? find(repo, to_int(s[4])) : nullptr;
    if (!i) return not_found();
    if (s.size() == 5 && r.method == "GET") return FakeResponse::json(200, issue_json(*i).dump());
    if (s.size() == 5 && r.method == "PATCH") {
        auto body = json::parse(r.body, nullptr, false);
        if (body.is_object() && body.contains("state")) i->state = body["state"].get<std::string>();
        i->updated_at = now_iso();
        return FakeResponse::json(200, issue_json(*i).dump());
    }
    if (s.size() == 6 && s[5] == "comments" && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        i->comments.push_back(body.is_object() ? body.value("body", "") : "");
        i->updated_at = now_iso();
        return FakeResponse::json(201, json{{"id", i->comments.size()}, {"body", i->comments.back()}}.dump());
    }
    return not_found();
}

// ---- GitLab

FakeGitLab::FakeGitLab(std::string token) : FakeTracker("PRIVATE-TOKEN", token), token_(std::move(token)) {
    server_.fallback([this](const RecordedRequest& r) { return handle(r); });
}

json FakeGitLab::issue_json(const FakeIssue& i) const {
    return {{"iid", i.number},
            {"title", i.title},
            {"description", i.body},
            {"state", i.state == "closed" ? "closed" : "opened"},
            {"web_url", "https://gitlab.example/" + i.project + "/-/issues/" + std::to_string(i.number)},
            {"assignees", i.assignee.empty() ? json::array()
                                             : json::array({{{"id", std::stoll(i.assignee)}, {"username", "u" + i.assignee}}})},
            {"due_date", i.due_date.empty() ? json(nullptr) : json(i.due_date)},
            {"updated_at", i.updated_at}};
}

FakeWebhook FakeGitLab::webhook(const std::string& project, int number, const std::string& secret) const {
    auto i = issue(project, number);
    json attributes = i ? issue_json(*i) : json{{"iid", number}, {"state", "opened"}};
    attributes["url"] = attributes.value("web_url", "");
    attributes.erase("web_url");
    json assignees = attributes.value("assignees", json::array());
    attributes.erase("assignees");
    json body = {{"object_kind", "issue"},
                 {"event_type", "issue"},
                 {"user", {{"username", "gitlab-user"}}},
                 {"project", {{"path_with_namespace", project}}},
                 {"object_attributes", attributes},
                 {"assignees", assignees}};
    FakeWebhook hook;
    hook.body = body.dump();
    hook.headers = {{"X-Gitlab-Event", "Issue Hook"}, {"X-Gitlab-Token", secret}};
    return hook;
}

FakeResponse FakeGitLab::handle(const RecordedRequest& r) {
    if (!authorized(r)) return FakeResponse::json(401, R"({"message":"401 Unauthorized"})");
    // The project path arrives URL-encoded in one segment: /api/v4/projects/group%2Fproject/issues…
    auto raw = segments(r.path());
    if (raw.size() == 3 && raw[0] == "api" && raw[1] == "v4" && raw[2] == "users" && r.method == "GET") {
        std::lock_guard lock(mutex_);
        json out = json::array();
        if (auto it = users_.find(query_of(r)["search"]); it != users_.end())
            out.push_back({{"id", to_int(it->second)}, {"username", "user" + it->second}});
        return FakeResponse::json(200, out.dump());
    }
    if (raw.size() < 5 || raw[0] != "api" || raw[1] != "v4" || raw[2] != "projects" || raw[4] != "issues")
        return not_found();
    const std::string project = percent_decode(raw[3]);
    std::lock_guard lock(mutex_);
    if (raw.size() == 5 && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        if (!body.is_object() || !body.contains("title")) return FakeResponse::json(400, R"({"error":"title is missing"})");
        FakeIssue i;
        i.project = project;
        i.title = body.value("title", "");
        i.body = body.value("description", "");
        i.due_date = body.value("due_date", "");
        if (body.contains("assignee_ids") && body["assignee_ids"].is_array() && !body["assignee_ids"].empty())
            i.assignee = std::to_string(body["assignee_ids"][0].get<long long>());
        auto answer = FakeResponse::json(201, issue_json(create(std::move(i))).dump());
        answer.delay = std::exchange(create_delay_, std::chrono::milliseconds{0});
        return answer;
    }
    if (raw.size() == 5 && r.method == "GET") {
        auto q = query_of(r);
        json all = json::array();
        for (const auto& i : issues_) {
            if (i.project != project) continue;
            if (q.count("updated_after") && i.updated_at < q["updated_after"]) continue;
            if (q.count("search") && i.body.find(q["search"]) == std::string::npos &&
                i.title.find(q["search"]) == std::string::npos)
                continue;
            all.push_back(issue_json(i));
        }
        return page_of(r, server_.base_url(), all, 20);
    }
    FakeIssue* i = find(project, to_int(raw[5]));
    if (!i) return FakeResponse::json(404, R"({"message":"404 Not found"})");
    if (raw.size() == 6 && r.method == "GET") return FakeResponse::json(200, issue_json(*i).dump());
    if (raw.size() == 6 && r.method == "PUT") {
        auto body = json::parse(r.body, nullptr, false);
        auto event = body.is_object() ? body.value("state_event", "") : "";
        if (event == "close") i->state = "closed";
        if (event == "reopen") i->state = "open";
        i->updated_at = now_iso();
        return FakeResponse::json(200, issue_json(*i).dump());
    }
    if (raw.size() == 7 && raw[6] == "notes" && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        i->comments.push_back(body.is_object() ? body.value("body", "") : "");
        return FakeResponse::json(201, json{{"id", i->comments.size()}}.dump());
    }
    return not_found();
}

// ---- Jira

FakeJira::FakeJira(bool cloud, std::string email, std::string token)
    : FakeTracker("Authorization", cloud ? "Basic " + base64(email + ":" + token) : "Bearer " + token),
      cloud_(cloud),
      token_(std::move(token)) {
    server_.fallback([this](const RecordedRequest& r) { return handle(r); });
}

json FakeJira::issue_json(const FakeIssue& i) const {
    const bool done = i.state == "closed";
    json assignee = nullptr;
    if (!i.assignee.empty())
        assignee = cloud_ ? json{{"accountId", i.assignee}} : json{{"name", i.assignee}};
    return {{"key", i.project + "-" + std::to_string(i.number)},
            {"fields",
             {{"summary", i.title},
              {"description", i.body},
              {"status",
               {{"name", done ? "Done" : "To Do"}, {"statusCategory", {{"key", done ? "done" : "new"}}}}},
              {"assignee", assignee},
              {"duedate", i.due_date.empty() ? json(nullptr) : json(i.due_date)},
              {"updated", i.updated_at}}}};
}

FakeWebhook FakeJira::webhook(const std::string& key, const std::string& secret) const {
    auto dash = key.rfind('-');
    auto i = issue(key.substr(0, dash), to_int(key.substr(dash + 1)));
    json body = {{"webhookEvent", "jira:issue_updated"},
                 {"issue", i ? issue_json(*i) : json{{"key", key}, {"fields", json::object()}}},
                 {"user", {{"displayName", "Jira User"}}}};
    FakeWebhook hook;
    hook.body = body.dump();
    hook.headers = {{"X-Hub-Signature", sha256_signature(secret, hook.body)}};
    return hook;
}

FakeResponse FakeJira::handle(const RecordedRequest& r) {
    if (!authorized(r)) return FakeResponse::json(401, R"({"errorMessages":["You are not authenticated."]})");
    const std::string api = cloud_ ? "/rest/api/3" : "/rest/api/2";
    const std::string path = r.path();
    if (!path.starts_with(api + "/")) return not_found();
    auto s = segments(path.substr(api.size()));
    std::lock_guard lock(mutex_);
    if (s.size() == 2 && s[0] == "user" && s[1] == "search" && r.method == "GET") {
        // Cloud: query (e-mail or name); Data Center: username.
        auto q = query_of(r);
        json out = json::array();
        if (auto it = users_.find(q[cloud_ ? "query" : "username"]); it != users_.end())
            out.push_back(cloud_ ? json{{"accountId", it->second}, {"accountType", "atlassian"}} : json{{"name", it->second}});
        return FakeResponse::json(200, out.dump());
    }
    auto key_of = [](const std::string& key) -> std::pair<std::string, int> {
        auto dash = key.rfind('-');
        if (dash == std::string::npos) return {key, -1};
        return {key.substr(0, dash), to_int(key.substr(dash + 1))};
    };
    if (s.size() == 1 && s[0] == "issue" && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        if (!body.is_object() || !body.contains("fields")) return FakeResponse::json(400, R"({"errorMessages":["no fields"]})");
        const auto& f = body["fields"];
        FakeIssue i;
        i.project = f.value("project", json::object()).value("key", "");
        i.title = f.value("summary", "");
        if (f.contains("description")) adf_text(f["description"], i.body);
        i.due_date = f.value("duedate", "");
        if (f.contains("assignee") && f["assignee"].is_object())
            i.assignee = f["assignee"].value(cloud_ ? "accountId" : "name", "");
        auto& made = create(std::move(i));
        const std::string key = made.project + "-" + std::to_string(made.number);
        auto answer = FakeResponse::json(201, json{{"id", "100" + std::to_string(made.number)}, {"key", key}}.dump());
        answer.delay = std::exchange(create_delay_, std::chrono::milliseconds{0});
        return answer;
    }
    if (!s.empty() && s[0] == "search" && r.method == "GET") {
        if (cloud_ != (s.size() == 2 && s[1] == "jql")) return not_found();  // v3: /search/jql; v2: /search
        auto q = query_of(r);
        const std::string& jql = q["jql"];
        auto quote = jql.find("project = \"");
        std::string project = quote == std::string::npos ? "" : jql.substr(quote + 11, jql.find('"', quote + 11) - quote - 11);
        json all = json::array();
        for (const auto& i : issues_) {
            if (i.project != project) continue;
            if (auto text = jql.find("text ~ \"\\\""); text != std::string::npos) {
                auto start = text + 10;
                auto marker = jql.substr(start, jql.find("\\\"", start) - start);
                if (i.body.find(marker) == std::string::npos) continue;
            }
            if (auto updated = jql.find("updated >= -"); updated != std::string::npos) {
                auto minutes = to_int(jql.substr(updated + 12, jql.find('m', updated + 12) - updated - 12));
                if (i.updated_at < iso_at(now() - 60 * static_cast<std::time_t>(minutes))) continue;
            }
            all.push_back(issue_json(i));
        }
        // Pages of maxResults (at most 100). Cloud's /search/jql: an opaque
        // nextPageToken while more follow, isLast; Data Center: startAt and total.
        std::size_t size = 50;
        if (int n = q.count("maxResults") ? to_int(q["maxResults"]) : 0; n > 0) size = std::min<std::size_t>(n, 100);
        std::size_t from = 0;
        if (cloud_ && q.count("nextPageToken")) {
            if (!q["nextPageToken"].starts_with("tok-"))
                return FakeResponse::json(400, R"({"errorMessages":["Invalid nextPageToken."]})");
            from = static_cast<std::size_t>(std::max(0, to_int(q["nextPageToken"].substr(4))));
        }
        if (!cloud_ && q.count("startAt")) from = static_cast<std::size_t>(std::max(0, to_int(q["startAt"])));
        json out = json::array();
        for (std::size_t k = from; k < all.size() && k < from + size; ++k) out.push_back(all[k]);
        json answer = {{"issues", out}};
        const bool last = from + size >= all.size();
        if (cloud_) {
            answer["isLast"] = last;
            if (!last) answer["nextPageToken"] = "tok-" + std::to_string(from + size);
        } else {
            answer["startAt"] = from;
            answer["maxResults"] = size;
            answer["total"] = all.size();
        }
        return FakeResponse::json(200, answer.dump());
    }
    if (s.size() < 2 || s[0] != "issue") return not_found();
    auto [project, number] = key_of(s[1]);
    FakeIssue* i = find(project, number);
    if (!i) return FakeResponse::json(404, R"({"errorMessages":["Issue does not exist or you do not have permission to see it."]})");
    if (s.size() == 2 && r.method == "GET") return FakeResponse::json(200, issue_json(*i).dump());
    if (s.size() == 3 && s[2] == "transitions" && r.method == "GET")
        return FakeResponse::json(200, json{{"transitions",
                                             {{{"id", "11"}, {"name", "To Do"}, {"to", {{"statusCategory", {{"key", "new"}}}}}},
                                              {{"id", "21"}, {"name", "In Progress"},
                                               {"to", {{"statusCategory", {{"key", "indeterminate"}}}}}},
                                              {{"id", "31"}, {"name", "Done"}, {"to", {{"statusCategory", {{"key", "done"}}}}}}}}}
                                           .dump());
    if (s.size() == 3 && s[2] == "transitions" && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        auto id = body.is_object() ? body.value("transition", json::object()).value("id", "") : "";
        if (id != "11" && id != "21" && id != "31") return FakeResponse::json(400, R"({"errorMessages":["bad transition"]})");
        i->state = id == "31" ? "closed" : "open";
        i->updated_at = now_iso();
        FakeResponse done = FakeResponse::text(204, "");
        done.content_type.clear();
        return done;
    }
    if (s.size() == 3 && s[2] == "comment" && r.method == "POST") {
        auto body = json::parse(r.body, nullptr, false);
        std::string text;
        if (body.is_object() && body.contains("body")) adf_text(body["body"], text);
        i->comments.push_back(text);
        return FakeResponse::json(201, json{{"id", std::to_string(i->comments.size())}}.dump());
    }
    return not_found();
}

}  // namespace hindsight::fakes
