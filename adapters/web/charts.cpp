#include "adapters/web/charts.hpp"

#include "adapters/web/html.hpp"

#include <algorithm>
#include <cmath>

namespace hindsight::web {

namespace {

constexpr double kWidth = 720;

// The smallest 1, 2 or 5 times a power of ten at or above `value`.
double nice_ceiling(double value) {
    if (value <= 0) return 1;
    double power = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0})
        if (step * power >= value) return step * power;
    return 10 * power;
}

std::string open_svg(double height, const std::string& aria_label, std::string_view css) {
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart ";
    out += css;
    out += "\" viewBox=\"0 0 " + svg_number(kWidth) + " " + svg_number(height) +
           "\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"";
    append_escaped(out, aria_label);
    out += "\">";
    return out;
}

void text(std::string& out, double x, double y, std::string_view anchor, std::string_view css, std::string_view body) {
    out += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" text-anchor=\"";
    out += anchor;
    out += "\" class=\"";
    out += css;
    out += "\">";
    append_escaped(out, body);
    out += "</text>";
}

void rect(std::string& out, double x, double y, double w, double h, std::string_view css, std::string_view title) {
    out += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(std::max(w, 0.5)) +
           "\" height=\"" + svg_number(std::max(h, 0.0)) + "\" class=\"";
    out += css;
    out += "\"><title>";
    append_escaped(out, title);
    out += "</title></rect>";
}

std::string axis_number(double value, const std::string& unit) {
    return svg_number(value) + unit;
}

}  // namespace

std::string phases_svg(const std::vector<Milestone>& milestones, bool open_end) {
    constexpr double height = 160, left = 20, right = kWidth - 20, bar_y = 68, bar_h = 16;
    std::string out = open_svg(height, "Incident phases from impact start to close, to scale", "phases");
    if (milestones.empty()) return out + "</svg>";
    auto sorted = milestones;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Milestone& a, const Milestone& b) { return a.at < b.at; });
    const auto first = sorted.front().at, last = sorted.back().at;
    const double span = std::max<double>(1, std::chrono::duration<double>(last - first).count());
    auto x_of = [&](Timestamp t) {
        return left + (right - left) * std::chrono::duration<double>(t - first).count() / span;
    };
    // The track, then one bar per phase.
    rect(out, left, bar_y, right - left, bar_h, "track", "");
    for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
        const auto& a = sorted[i];
        const auto& b = sorted[i + 1];
        auto took = format_duration(std::chrono::duration_cast<Duration>(b.at - a.at));
        rect(out, x_of(a.at), bar_y, x_of(b.at) - x_of(a.at), bar_h, "phase p-" + a.css,
             a.name + " → " + b.name + ": " + took);
        if (x_of(b.at) - x_of(a.at) > 60)
            text(out, (x_of(a.at) + x_of(b.at)) / 2, bar_y + bar_h - 4, "middle", "on-bar", took);
    }
    if (open_end) {
        auto x = x_of(sorted.back().at);
        out += "<path d=\"M" + svg_number(x) + " " + svg_number(bar_y - 4) + " l8 12 l-8 12\" class=\"open-end\"/>";
    }
    // Markers; each name goes to the first of four lanes (near above, near
    // below, far above, far below) where it clears the previous name.
    constexpr double char_width = 7.5;
    const double lane_y[4] = {bar_y - 10, bar_y + bar_h + 22, bar_y - 38, bar_y + bar_h + 50};
    double lane_end[4] = {-1e9, -1e9, -1e9, -1e9};
    for (const auto& m : sorted) {
        double x = x_of(m.at);
        out += "<circle cx=\"" + svg_number(x) + "\" cy=\"" + svg_number(bar_y + bar_h / 2) +
               "\" r=\"6\" class=\"marker m-" + m.css + "\"><title>";
        append_escaped(out, m.name + ": " + m.time_label);
        out += "</title></circle>";
        const double width = char_width * static_cast<double>(std::max(m.name.size(), m.time_label.size()));
        std::string_view anchor = x < left + width / 2 ? "start" : (x > right - width / 2 ? "end" : "middle");
        double from = anchor == "start" ? x : anchor == "end" ? x - width : x - width / 2;
        int lane = 0;
        while (lane < 3 && lane_end[lane] > from) ++lane;
        lane_end[lane] = from + width + 8;
        const bool above = lane % 2 == 0;
        const double y = lane_y[lane];
        text(out, x, above ? y - 14 : y, anchor, "label", m.name);
        text(out, x, above ? y : y + 14, anchor, "sub", m.time_label);
    }
    return out + "</svg>";
}

std::string bar_chart_svg(const BarChart& chart) {
    constexpr double height = 230, left = 48, right = kWidth - 10, top = 12, bottom = 196;
    std::string out = open_svg(height, chart.aria_label, "bars");
    double max = 0;
    for (const auto& bar : chart.bars) {
        double sum = 0;
        for (double v : bar.values) sum += v;
        max = std::max(max, sum);
    }
    max = nice_ceiling(max);
    // Grid: 0, half, max.
    for (double f : {0.0, 0.5, 1.0}) {
        double y = bottom - (bottom - top) * f;
        out += "<line x1=\"" + svg_number(left) + "\" x2=\"" + svg_number(right) + "\" y1=\"" + svg_number(y) +
               "\" y2=\"" + svg_number(y) + "\" class=\"grid\"/>";
        text(out, left - 6, y + 4, "end", "sub", axis_number(max * f, chart.unit));
    }
    if (chart.bars.empty()) {
        text(out, (left + right) / 2, (top + bottom) / 2, "middle", "sub", "nothing to show yet");
        return out + "</svg>";
    }
    const double slot = (right - left) / static_cast<double>(chart.bars.size());
    const double width = std::clamp(slot * 0.8, 1.0, 60.0);
    const std::size_t label_every = (chart.bars.size() + 7) / 8;
    for (std::size_t i = 0; i < chart.bars.size(); ++i) {
        const auto& bar = chart.bars[i];
        double x = left + slot * static_cast<double>(i) + (slot - width) / 2;
        double y = bottom;
        for (std::size_t s = 0; s < bar.values.size() && s < chart.series.size(); ++s) {
            double v = bar.values[s];
            if (v <= 0) continue;
            double h = (bottom - top) * v / max;
            y -= h;
            rect(out, x, y, width, h, "s-" + chart.series[s].css,
                 bar.title + " — " + chart.series[s].name + ": " + svg_number(v) + chart.unit);
        }
        if (i % label_every == 0) text(out, x + width / 2, bottom + 16, "middle", "sub", bar.label);
    }
    return out + "</svg>";
}

std::string count_chart_svg(const std::string& aria_label, const std::vector<Count>& counts) {
    constexpr double row = 26, left = 230, right = kWidth - 40;
    const double height = std::max(1.0, static_cast<double>(counts.size())) * row + 10;
    std::string out = open_svg(height, aria_label, "counts");
    int max = 1;
    for (const auto& c : counts) max = std::max(max, c.value);
    for (std::size_t i = 0; i < counts.size(); ++i) {
        double y = 6 + row * static_cast<double>(i);
        text(out, left - 8, y + 15, "end", "label", counts[i].label);
        double w = (right - left) * counts[i].value / max;
        rect(out, left, y + 2, w, row - 8, "s-factor", counts[i].label + ": " + std::to_string(counts[i].value));
        text(out, left + w + 6, y + 15, "start", "sub", std::to_string(counts[i].value));
    }
    if (counts.empty()) text(out, kWidth / 2, 20, "middle", "sub", "no factor recurs yet");
    return out + "</svg>";
}

std::string legend_html(const std::vector<Series>& series) {
    std::string out = "<ul class=\"legend\">";
    for (const auto& s : series) {
        out += "<li><span class=\"swatch s-" + s.css + "\"></span>";
        append_escaped(out, s.name);
        out += "</li>";
    }
    return out + "</ul>";
}

}  // namespace hindsight::web
