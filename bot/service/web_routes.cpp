// The web pages of ApiRoutes (docs/web.md): the incident page, the index in
// a browser and the Markdown download, each opened by the API token or by a
// signed link (bot/service/links.hpp). Rendering is adapters/web's.
#include "adapters/http/form.hpp"
#include "adapters/web/page.hpp"
#include "adapters/web/style.hpp"
#include "bot/core/bot.hpp"
#include "bot/service/links.hpp"
#include "bot/service/routes.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <string_view>

namespace hindsight::service {

namespace {

// The q= weight of one media range ("text/html;q=0.9"), 1 without one.
double weight(std::string_view range) {
    auto q = range.find(";q=");
    if (q == std::string_view::npos) q = range.find("; q=");
    if (q == std::string_view::npos) return 1;
    auto value = range.substr(range.find('=', q) + 1);
    try {
        return std::stod(std::string(value));
    } catch (...) {
        return 0;
    }
}

}  // namespace

bool wants_html(const http::Request& request) {
    auto accept = request.header("Accept");
    if (!accept) return false;
    // Only an explicit text/html that outweighs application/json: scripts
    // sending */* or nothing keep today's JSON.
    double html = 0, json = 0;
    std::size_t html_at = 0, json_at = 0, index = 0;
    std::string_view rest = *accept;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto range = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
        auto type = range.substr(0, range.find(';'));
        while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
        ++index;
        if (type == "text/html") html = weight(range), html_at = index;
        else if (type == "application/json") json = weight(range), json_at = index;
    }
    return html > 0 && (html > json || (html == json && (json_at == 0 || html_at < json_at)));
}

http::Response html_response(int status, std::string body) {
    http::Response response;
    response.status = status;
    response.content_type = "text/html; charset=utf-8";
    response.body = std::move(body);
    response.headers.emplace_back("Content-Security-Policy", web::content_security_policy());
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    response.headers.emplace_back("X-Frame-Options", "DENY");
    // Pages carry the incident and their links a token: no shared caches.
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("Vary", "Accept");
    return response;
}

ApiRoutes::Access ApiRoutes::page_access(const http::Request& request, std::string_view path) {
    Access access;
    if (authorized(request)) {
        access.granted = true;
        return access;
    }
    std::string secret;
    {
        std::lock_guard lock(reader_mutex_);
        secret = reader_->link_secret();
    }
    std::int64_t expires = 0;
    auto check = check_link(secret, path, request.query(), clock_.now(), &expires);
    if (check == LinkCheck::ok) {
        access.granted = true;
        access.secret = std::move(secret);
        access.expires = expires;
        return access;
    }
    // Why, for the log; never the token itself.
    spdlog::warn("web: unauthenticated {} {} from {}: {}", request.method, path, request.remote, to_string(check));
    return access;
}

std::string ApiRoutes::Access::sign(std::string_view path) const {
    return expires ? link_query(secret, path, *expires) : std::string{};
}

http::Response ApiRoutes::unauthorized_page() {
    auto response = html_response(
        401, web::render_error_page(401, "This link does not open the page",
                                    "It has expired, was revoked, or is not a link Hindsight made. Ask in the "
                                    "incident channel: /incident postmortem posts a fresh one."));
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
}

http::Response ApiRoutes::incident_page(const http::Request& request, std::int64_t id) {
    const std::string path = "/incidents/" + std::to_string(id);
    auto access = page_access(request, path);
    if (!access.granted) return unauthorized_page();
    std::optional<PostmortemDraft> draft;
    {
        std::lock_guard lock(reader_mutex_);
        auto incident = reader_->find_incident(id);
        if (incident) draft = draft_postmortem(*reader_, config_.bot, *incident, clock_.now());
    }
    if (!draft) return html_response(404, web::render_error_page(404, "No such incident", "Nothing is stored under " + path + "."));
    web::PageLinks links;
    // Relative, so the pages work under a proxy's path prefix too.
    links.markdown = std::to_string(id) + "/postmortem.md" + access.sign(path + "/postmortem.md");
    if (!access.expires) links.index = "../incidents";  // the API token opens the index too
    return html_response(200, web::render_incident_page(*draft, links));
}

http::Response ApiRoutes::index_page(const http::Request& request) {
    auto access = page_access(request, "/incidents");
    if (!access.granted) return unauthorized_page();
    auto query = http::Form::parse(request.query()).value_or(http::Form{});
    web::IndexInput in;
    in.filter.query = query.value("q");
    in.filter.state = query.value("state");
    in.filter.platform = query.value("platform");
    in.filter.channel = query.value("channel");
    auto severity = query.value("severity");
    std::from_chars(severity.data(), severity.data() + severity.size(), in.filter.severity);
    in.now = clock_.now();
    in.timezone = config_.bot.timezone;
    in.form_action = "incidents";
    if (access.expires) {
        in.keep = {{"exp", std::to_string(*access.expires)}, {"sig", query.value("sig")}};
    }
    in.incident_link = [&access](std::int64_t id) {
        auto path = "/incidents/" + std::to_string(id);
        return "incidents/" + std::to_string(id) + access.sign(path);
    };
    {
        std::lock_guard lock(reader_mutex_);
        in.incidents = reader_->list_incidents();
        in.actions = reader_->all_actions();
        for (const auto& i : in.incidents)
            if (i.closed_at) in.factors[i.id] = reader_->factors(i.id);
    }
    return html_response(200, web::render_index_page(in));
}

}  // namespace hindsight::service
