// Maps (method, path) to a Handler. Exact paths first, then the longest
// matching prefix; 404 for an unknown path, 405 with Allow for a known path
// asked with another method. No sockets here: routes are testable as functions.
#pragma once

#include "adapters/http/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hindsight::http {

class Router {
public:
    // Exact path match (the query string is ignored).
    void add(std::string method, std::string path, Handler handler);
    // Paths starting with `prefix`, e.g. "/incidents/"; the handler parses the rest.
    void add_prefix(std::string method, std::string prefix, Handler handler);

    // Calls the matching handler, or answers 404/405 itself. A handler that
    // throws gets a 500 answer (and an error log line naming the route).
    void handle(const Request& request, Responder respond) const;

    // The matched route pattern (path or prefix as registered), or "unmatched":
    // a bounded set of labels for metrics.
    std::string route_label(const Request& request) const;
    // The same without a copy; valid as long as the router.
    std::string_view route_label_view(const Request& request) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        bool prefix = false;
        Handler handler;
    };
    struct Match {
        const Route* route = nullptr;       // method and path matched
        const Route* path_match = nullptr;  // path matched (any method)
    };
    Match match(std::string_view method, std::string_view path) const;
    std::string allowed_methods(std::string_view pattern, bool prefix) const;

    std::vector<Route> routes_;  // exact routes first, then prefixes longest first
};

}  // namespace hindsight::http
