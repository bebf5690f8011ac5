// The web pages end to end: `hindsight serve` with the Slack and the
// Mattermost fakes, the link the bot posts on close opened over HTTP, and
// the same pages loaded by a real headless Chromium (DOM, CSP, screenshots,
// PDF). Chromium is Debian's `chromium` (scripts/dev.sh installs it): without
// it the browser test is skipped locally and fails under CI=true.
#include "tests/integration/mattermost_service.hpp"
#include "tests/integration/slack_service.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

using namespace hindsight;
using namespace hindsight::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

#ifndef HINDSIGHT_ARTIFACTS
#define HINDSIGHT_ARTIFACTS "artifacts"
#endif

namespace {

// The path and query of the first page link in `text` ("&" may come as
// "&amp;" where the platform escapes it).
std::string page_link(const std::string& text) {
    static const std::regex re(R"(hindsight\.invalid(/incidents(?:/[0-9]+)?)\?exp=([0-9]+)(?:&amp;|&|\\u0026)sig=([0-9a-f]{64}))");
    std::smatch m;
    if (!std::regex_search(text, m, re)) return {};
    return m[1].str() + "?exp=" + m[2].str() + "&sig=" + m[3].str();
}

std::string link_in(const std::vector<json>& posts) {
    for (const auto& p : posts)
        if (auto link = page_link(p.dump()); !link.empty()) return link;
    return {};
}

// A Slack incident worked through and closed; returns the page link posted.
std::string slack_incident(SlackService& svc) {
    REQUIRE(svc.command("open Checkout errors after deploy sev:2").status == 200);
    // Impact began 40 minutes ago; the channel talked from 30 minutes ago.
    REQUIRE(svc.command("started -40m").status == 200);
    auto t = unix_now() - 1800;
    auto at = [&](int minutes) { return std::to_string(t + minutes * 60) + ".000100"; };
    const std::vector<std::pair<std::string, std::string>> talk = {
        {"U0ALICE", "alert fired: checkout 5xx errors above 20%"},
        {"U0BOB", "I think it is the 14:10 deploy of checkout-api"},
        {"U0ALICE", "paging the payments on-call, escalating"},
        {"U0BOB", "rolling back checkout-api to v41"},
        {"U0BOB", "<script>alert('xss')</script> <img src=x onerror=alert(1)> [x](javascript:alert(2))"},
        {"U0ALICE", "error rate back to normal, mitigated"},
        {"U0ALICE", "resolved: all green for 15 minutes"},
    };
    for (std::size_t i = 0; i < talk.size(); ++i)
        REQUIRE(svc.event("Ev" + std::to_string(i), user_message(at(static_cast<int>(i) * 3), talk[i].first,
                                                                  talk[i].second))
                    .status == 200);
    REQUIRE(svc.command("action @U0BOB add a canary stage to the checkout deploy due:+7d").status == 200);
    REQUIRE(svc.command("factor missing-canary").status == 200);
    REQUIRE(svc.command("close A bad deploy of checkout-api").status == 200);
    std::string link;
    bool posted = wait_until(
        [&] {
            link = link_in(svc.slack.posted());
            if (link.empty()) link = link_in(svc.slack.responses());
            return !link.empty();
        },
        20s);
    REQUIRE_MESSAGE(posted, svc.process->err());
    return link;
}

outbound::ClientResponse browser_get(outbound::HttpClient& client, const std::string& url) {
    return client.send({"GET", url, {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}}, {}});
}

const json kPublicUrl = {{"public_url", "http://hindsight.invalid"}};

}  // namespace

TEST_CASE("web pages: the link Slack gets on close opens the page, and /incident stats links the index") {
    SlackService svc(kPublicUrl);
    auto link = slack_incident(svc);
    REQUIRE(link.starts_with("/incidents/1?exp="));
    auto page = browser_get(svc.client, svc.base + link);
    CHECK(page.status == 200);
    CHECK(page.body.find("<h1>Checkout errors after deploy</h1>") != std::string::npos);
    CHECK(page.body.find("<script") == std::string::npos);
    // Tampered: the 401 page.
    auto tampered = link;
    tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
    CHECK(browser_get(svc.client, svc.base + tampered).status == 401);

    auto stats = svc.command("stats");
    auto index = page_link(stats.body);
    REQUIRE_MESSAGE(index.starts_with("/incidents?exp="), stats.body);
    auto list = browser_get(svc.client, svc.base + index);
    CHECK(list.status == 200);
    CHECK(list.body.find("Checkout errors after deploy") != std::string::npos);
    // Scripts still get today's JSON with the API token.
    CHECK(json::parse(svc.get("/incidents").body)["incidents"].size() == 1);
}

TEST_CASE("web pages: the link Mattermost gets on close opens the page") {
    mm::MattermostService svc;
    REQUIRE(svc.command("open Search is slow sev:3").status == 200);
    REQUIRE(svc.command("close An index was dropped").status == 200);
    std::string link;
    bool posted = wait_until(
        [&] {
            link = link_in(svc.posts_in(mm::channel_id));
            return !link.empty();
        },
        20s);
    REQUIRE_MESSAGE(posted, svc.process->err());
    auto page = browser_get(svc.client, svc.base + link);
    CHECK(page.status == 200);
    CHECK(page.body.find("<h1>Search is slow</h1>") != std::string::npos);
    svc.stop();
}

// ---- in a real browser

namespace {

std::optional<std::string> chromium_binary() {
    if (const char* env = std::getenv("HINDSIGHT_CHROMIUM")) return std::string(env);
    for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
        if (std::filesystem::exists(candidate)) return std::string(candidate);
    return std::nullopt;
}

// What a page load must never log: a CSP violation, a blocked or failed
// resource, a script error. Chromium logs every console message, these
// included, as "INFO:CONSOLE:<line>] …" with --enable-logging=stderr --v=0.
void check_clean_log(const std::string& log) {
    for (const char* bad : {"CONSOLE", "Content Security Policy", "Refused to", "net::ERR_", "Uncaught"})
        CHECK_MESSAGE(log.find(bad) == std::string::npos, bad << " in the browser log:\n" << log);
}

struct Browser {
    std::string binary;
    std::filesystem::path dir;
    int runs = 0;

    // One headless launch, bounded; stdout (the DOM) and stderr (the log)
    // come back.
    struct Run {
        std::optional<int> status;
        std::string out, err;
    };
    Run load(const std::string& url, std::vector<std::string> extra) {
        auto run_dir = dir / ("chromium-" + std::to_string(++runs));
        std::filesystem::create_directories(run_dir);
        std::vector<std::string> args = {"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                                         "--disable-background-networking", "--disable-sync", "--hide-scrollbars",
                                         "--enable-logging=stderr", "--v=0",
                                         "--user-data-dir=" + (run_dir / "profile").string()};
        for (auto& e : extra) args.push_back(std::move(e));
        args.push_back(url);
        // No session bus here: say so rather than let Chromium look for one.
        ChildProcess chromium(binary, args, run_dir,
                              {"HOME=" + run_dir.string(), "DBUS_SESSION_BUS_ADDRESS=disabled:"});
        Run run;
        run.status = chromium.wait(60s);
        run.out = chromium.out();
        run.err = chromium.err();
        return run;
    }

    // Writes `file` with `option` (--screenshot, --print-to-pdf) and checks
    // the load was clean.
    void write(const std::string& url, const std::string& option, const std::filesystem::path& file,
               std::vector<std::string> extra = {}) {
        std::filesystem::remove(file);
        extra.push_back(option + "=" + file.string());
        auto run = load(url, std::move(extra));
        CHECK_MESSAGE(run.status == 0, run.err);
        CHECK_MESSAGE(std::filesystem::exists(file), file.string());
        check_clean_log(run.err);
    }
};


}  // namespace

namespace {

// Chromium, or nullopt after a skip message (a failure under CI=true).
std::optional<std::string> chromium_or_skip() {
    auto binary = chromium_binary();
    if (!binary) {
        const char* ci = std::getenv("CI");
        if (ci && std::string(ci) == "true") FAIL("chromium not found (apt-get install chromium; scripts/dev.sh does)");
        MESSAGE("skipped: chromium not found (apt-get install chromium)");
    }
    return binary;
}

std::filesystem::path artifacts_dir() {
    const std::filesystem::path artifacts = HINDSIGHT_ARTIFACTS;
    std::filesystem::create_directories(artifacts);
    return artifacts;
}

// A closed Slack incident behind `hindsight serve`, its page link, Chromium.
struct BrowserSite {
    explicit BrowserSite(std::string binary) : link(slack_incident(svc)), browser{std::move(binary), svc.dir.path()} {}
    SlackService svc{kPublicUrl};
    std::string link;
    Browser browser;
    std::filesystem::path artifacts = artifacts_dir();
};

}  // namespace

// Each test case launches Chromium at most twice (a launch takes seconds).
TEST_CASE("web pages in headless Chromium: the DOM holds the sections and the charts, nothing is blocked, a PDF prints") {
    auto binary = chromium_or_skip();
    if (!binary) return;
    BrowserSite site(*binary);
    const auto url = site.svc.base + site.link;

    auto dom = site.browser.load(url, {"--dump-dom"});
    REQUIRE_MESSAGE(dom.status == 0, dom.err);
    for (const char* id : {"id=\"phases\"", "id=\"activity\"", "id=\"summary\"", "id=\"timeline\"",
                           "id=\"action-items\"", "id=\"blameless-check\""})
        CHECK_MESSAGE(dom.out.find(id) != std::string::npos, id);
    CHECK(std::regex_search(dom.out, std::regex("<svg[^>]*class=\"chart phases\"")));
    CHECK(std::regex_search(dom.out, std::regex("<svg[^>]*class=\"chart bars\"")));
    CHECK(dom.out.find("<script") == std::string::npos);  // the message's script stayed text
    CHECK(dom.out.find("&lt;script&gt;alert") != std::string::npos);
    check_clean_log(dom.err);

    auto pdf = site.artifacts / "incident.pdf";
    site.browser.write(url, "--print-to-pdf", pdf, {"--no-pdf-header-footer"});
    CHECK(read_file(pdf).starts_with("%PDF"));
}

TEST_CASE("web pages in headless Chromium: screenshots of the incident page and of the index on a phone") {
    auto binary = chromium_or_skip();
    if (!binary) return;
    BrowserSite site(*binary);
    site.browser.write(site.svc.base + site.link, "--screenshot", site.artifacts / "incident.png",
                       {"--window-size=1280,2600"});

    // The index, as /incident stats links it, on a phone-sized window.
    auto index = page_link(site.svc.command("stats").body);
    REQUIRE_FALSE(index.empty());
    site.browser.write(site.svc.base + index, "--screenshot", site.artifacts / "index-phone.png",
                       {"--window-size=390,1800"});
}

TEST_CASE("hindsight demo writes the demo incident's page, which Chromium renders") {
    TempDir dir;
    auto out = artifacts_dir() / "demo.html";
    ChildProcess demo(HINDSIGHT_BINARY, {"demo", "--out", out.string()}, dir.path());
    REQUIRE(demo.wait(60s) == 0);
    CHECK(demo.out().find("The postmortem as a web page: " + std::filesystem::absolute(out).string()) !=
          std::string::npos);
    auto html = read_file(out);
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("id=\"phases\"") != std::string::npos);
    CHECK(std::filesystem::exists(artifacts_dir() / "demo.md"));

    auto binary = chromium_or_skip();
    if (!binary) return;
    Browser browser{*binary, dir.path()};
    browser.write("file://" + std::filesystem::absolute(out).string(), "--screenshot", artifacts_dir() / "demo.png",
                  {"--window-size=1280,3200"});
}
