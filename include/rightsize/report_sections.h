// Sections a probe adds to the report. Each registered section reads the results (and votes) of a
// report's input into one "family" of figures (tables with standard errors, references, plain
// readings; the layout in src/report/report_probes.h) that the HTML and Markdown renderers draw
// like every other family, and may add HTML of its own after the tables (a chart). The behaviour
// probes register theirs from src/probes; the report never names them.
#pragma once

#include <rightsize/report.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rightsize {

struct ReportSection {
    std::string id;  // the family's id ("probe-<id>" in the HTML)
    // The family, or null when the input holds nothing for it. model_keys[i] names input.models[i].
    std::function<nlohmann::json(const ReportInput & input, const std::vector<std::string> & model_keys)> analyse;
    // Optional: HTML placed after the family's tables (empty: nothing).
    std::function<std::string(const nlohmann::json & family)> html_after_tables;
};

// Adds a section after those registered before it (the report's order); an id registered again
// replaces the earlier section in its place.
void register_report_section(ReportSection section);
const std::vector<ReportSection> & report_sections();
const ReportSection * find_report_section(const std::string & id);

}  // namespace rightsize
