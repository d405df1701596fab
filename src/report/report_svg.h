// Inline SVG charts for the HTML report, drawn from one task of rightsize::analyse's output. Every
// chart is a <figure> with a fixed width/height, labelled axes with units and the models' colours.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace rightsize::report_svg {

// HTML/XML text escaping (& < > " ').
std::string esc(const std::string & s);
// The model's colour (by its index in the report), the same in every table and chart.
const char * colour(size_t model_index);

// PER per model as horizontal bars (the table's variant; energy-aware beside it when present).
std::string per_bars(const nlohmann::json & task);

enum class XAxis { Latency, Energy, Memory };
// Quality (± stderr) against latency, energy or memory, with the 2-D Pareto front drawn as a line.
std::string scatter(const nlohmann::json & task, XAxis x);

// Generation: TTFT and TPOT p50/p90/p99 grouped bars; scoring: ms per sample bars.
std::string latency_chart(const nlohmann::json & task);

// Lines through (x, y) points, one per series (in the report's colours, a legend above); axes from
// zero. `caption` is HTML.
struct Series {
    std::string name;
    std::vector<std::pair<double, double>> points;
};
std::string line_chart(const std::string & label, const std::vector<Series> & series, const std::string & x_title,
                       const std::string & y_title, const std::string & caption);

}  // namespace rightsize::report_svg
