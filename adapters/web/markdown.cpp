#include "adapters/web/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace hindsight::web {

namespace {

struct ParserFree {
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeFree {
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};

// Never CMARK_OPT_UNSAFE: raw HTML becomes a comment, bad URLs empty.
// Validating UTF-8 turns bytes that are not into U+FFFD.
constexpr int kOptions = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;

}  // namespace

std::string markdown_to_html(std::string_view markdown) {
    static std::once_flag registered;
    std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });

    std::unique_ptr<cmark_parser, ParserFree> parser(cmark_parser_new(kOptions));
    if (!parser) throw std::runtime_error("markdown: cannot create a parser");
    for (const char* name : {"table", "strikethrough", "autolink", "tagfilter"}) {
        if (auto* extension = cmark_find_syntax_extension(name))
            cmark_parser_attach_syntax_extension(parser.get(), extension);
    }
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    std::unique_ptr<cmark_node, NodeFree> document(cmark_parser_finish(parser.get()));
    if (!document) throw std::runtime_error("markdown: cannot parse");
    char* html = cmark_render_html(document.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get()));
    std::string out = html ? html : "";
    std::free(html);
    return out;
}

}  // namespace hindsight::web
