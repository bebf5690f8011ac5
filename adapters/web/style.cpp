#include "adapters/web/style.hpp"

#include <openssl/evp.h>

namespace hindsight::web {

namespace {

// Light by default, dark by prefers-color-scheme; one column on a phone;
// print: no navigation, black on white, each section on its own page.
constexpr std::string_view kStylesheet = R"css(
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2125;--muted:#5e6c84;--line:#dfe1e6;--card:#f7f8f9;--link:#0b5cad;
--c-message:#b3bac5;--c-key_event:#6554c0;--c-detection:#de350b;--c-escalation:#ff8b00;--c-action:#0065ff;
--c-decision:#00a3bf;--c-hypothesis:#8777d9;--c-mitigation:#36b37e;--c-resolution:#006644;--c-start:#bf2600;
--c-close:#42526e;--c-done:#36b37e;--c-open:#b3bac5;--c-overdue:#de350b;--c-ttc:#0065ff;--c-factor:#6554c0}
@media (prefers-color-scheme:dark){:root{--bg:#1d2125;--fg:#dee4ea;--muted:#9fadbc;--line:#384148;--card:#22272b;
--link:#85b8ff;--c-message:#596773;--c-close:#8c9bab;--c-open:#596773}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
header.top,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}
header.top{padding-top:1rem;border-bottom:1px solid var(--line)}
header.top h1{margin:.3rem 0 .5rem;font-size:1.6rem;line-height:1.25;overflow-wrap:anywhere}
nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem;font-size:.9rem}
.badges{display:flex;flex-wrap:wrap;gap:.4rem;margin:0 0 .8rem;padding:0;list-style:none}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;border:1px solid var(--line);font-size:.85rem;background:var(--card)}
.badge.sev1,.badge.sev2{border-color:var(--c-detection);color:var(--c-detection)}
.badge.open{border-color:var(--c-escalation)}.badge.closed{border-color:var(--c-mitigation)}
section{margin:1.5rem 0}
h2{font-size:1.25rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.05rem}
.figure{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.5rem;overflow-x:auto}
svg.chart{width:100%;min-width:34rem;height:auto;display:block}
svg text{fill:var(--fg);font-size:13px;font-family:inherit}
svg text.sub{fill:var(--muted);font-size:11px}
svg text.on-bar{fill:#fff;font-size:11px}
svg .track{fill:var(--line)}
svg .grid{stroke:var(--line);stroke-width:1}
svg .open-end{fill:none;stroke:var(--muted);stroke-width:2}
svg .marker{stroke:var(--bg);stroke-width:2;fill:var(--fg)}
.p-start,.m-start,.s-start{fill:var(--c-start);background:var(--c-start)}
.p-detection,.m-detection,.s-detection{fill:var(--c-detection);background:var(--c-detection)}
.p-mitigation,.m-mitigation,.s-mitigation{fill:var(--c-mitigation);background:var(--c-mitigation)}
.p-resolution,.m-resolution,.s-resolution{fill:var(--c-resolution);background:var(--c-resolution)}
.m-close,.m-now,.s-close{fill:var(--c-close);background:var(--c-close)}
.s-message{fill:var(--c-message);background:var(--c-message)}
.s-key_event{fill:var(--c-key_event);background:var(--c-key_event)}
.s-escalation{fill:var(--c-escalation);background:var(--c-escalation)}
.s-action{fill:var(--c-action);background:var(--c-action)}
.s-decision{fill:var(--c-decision);background:var(--c-decision)}
.s-hypothesis{fill:var(--c-hypothesis);background:var(--c-hypothesis)}
.s-done{fill:var(--c-done);background:var(--c-done)}
.s-open{fill:var(--c-open);background:var(--c-open)}
.s-overdue{fill:var(--c-overdue);background:var(--c-overdue)}
.s-ttc{fill:var(--c-ttc);background:var(--c-ttc)}
.s-factor{fill:var(--c-factor);background:var(--c-factor)}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;margin:.4rem 0 0;padding:0;font-size:.85rem;color:var(--muted)}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:.2rem;margin-right:.3rem;vertical-align:-.05rem}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--card)}
.status{font-weight:600}.status.done{color:var(--c-done)}.status.overdue{color:var(--c-overdue)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.6rem;margin:1rem 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.5rem .8rem}
.stat b{display:block;font-size:1.4rem}
.stat span{color:var(--muted);font-size:.85rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:1rem 0}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
input,select,button{font:inherit;padding:.3rem .4rem;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:.3rem}
button{background:var(--link);color:var(--bg);border-color:var(--link)}
code{font-size:.9em;background:var(--card);padding:0 .2rem;border-radius:.2rem}
footer{color:var(--muted);font-size:.85rem;padding:1rem;border-top:1px solid var(--line);margin-top:2rem}
.error{max-width:36rem;margin:4rem auto;padding:0 1rem}
@media (max-width:40rem){body{font-size:15px}header.top h1{font-size:1.3rem}th,td{padding:.2rem .3rem}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--card:#fff;--line:#999;--link:#000}
nav,form.filters,.no-print{display:none}
body{font-size:11pt}header.top,main,footer{max-width:none;padding:0}
section.doc{break-before:page}section.doc:first-of-type{break-before:auto}
h2,h3{break-after:avoid}tr,.figure,svg{break-inside:avoid}
a{text-decoration:none}}
)css";

std::string sha256_base64(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    std::string out(4 * ((length + 2) / 3) + 1, '\0');
    auto written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(length));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

}  // namespace

std::string_view stylesheet() { return kStylesheet; }

const std::string& content_security_policy() {
    static const std::string policy = "default-src 'none'; style-src 'sha256-" + sha256_base64(kStylesheet) +
                                      "'; img-src data:; base-uri 'none'; form-action 'self'; "
                                      "frame-ancestors 'none'";
    return policy;
}

}  // namespace hindsight::web
