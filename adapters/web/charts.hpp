// The pictures on the pages, as inline SVG drawn from plain numbers. Colours
// come from CSS classes (style.cpp), so light and dark themes both work and
// no style attribute is needed (the Content-Security-Policy allows none).
#pragma once

#include "bot/core/time.hpp"

#include <string>
#include <vector>

namespace hindsight::web {

// One moment of the incident-phases strip.
struct Milestone {
    std::string name;        // "Impact start", "Detection", ...
    std::string css;         // class suffix: "start", "detection", ...
    Timestamp at{};
    std::string time_label;  // as the page shows times
};

// The strip from impact start to close, to scale: a bar per phase between
// consecutive milestones (in time order), each labelled with its duration.
// `open_end`: the last milestone is "now", the incident is still open.
std::string phases_svg(const std::vector<Milestone>& milestones, bool open_end);

// Stacked vertical bars: one bar per label, one segment per series.
struct Bar {
    std::string label;           // under the bar (some are skipped when many)
    std::string title;           // tooltip of the whole bar
    std::vector<double> values;  // one per series
};
struct Series {
    std::string name;  // legend
    std::string css;   // class suffix of its colour
};
struct BarChart {
    std::string aria_label;
    std::vector<Series> series;
    std::vector<Bar> bars;
    std::string unit;  // after the axis numbers ("", "h", "%")
};
std::string bar_chart_svg(const BarChart& chart);

// Horizontal bars with their label on the left (contributing factors).
struct Count {
    std::string label;
    int value = 0;
};
std::string count_chart_svg(const std::string& aria_label, const std::vector<Count>& counts);

// The legend of a chart as HTML.
std::string legend_html(const std::vector<Series>& series);

}  // namespace hindsight::web
