// The pieces of the probe sections' HTML a section's own chart may reuse (report_sections.h's
// html_after_tables): numbers in data attributes, the model's colour swatch, interval charts.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rightsize::report_html {

// A number as data-* attributes carry it (full precision); "" for anything else.
std::string full(const nlohmann::json & v);
// The model's colour as a small square (index: the model's position in the report).
std::string swatch(const nlohmann::json & index);

// One mark of an interval chart: a bar (or a dot) at value with a whisker from lo to hi.
struct Mark {
    std::string label;
    nlohmann::json index;  // colour
    double value, lo, hi;
};
// Horizontal marks over a fixed axis [x0, x1] with dashed reference lines at refs; bars or dots.
std::string interval_chart(const std::string & id, const std::string & caption, const std::vector<Mark> & marks, double x0, double x1,
                           const std::vector<double> & refs, bool bars);

}  // namespace rightsize::report_html
