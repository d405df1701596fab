// The probes' report sections (probe_sections.cpp, probe_sections_behaviour.cpp,
// probe_sections_html.cpp), registered with register_probe_sections.
#pragma once

#include "report/report_probes_common.h"

#include <nlohmann/json.hpp>

#include <string>

namespace rightsize::report_probes {

// The families analysed in probe_sections_behaviour.cpp (null when absent from the input).
nlohmann::json deception_family(const Ctx & c);
nlohmann::json bias_family(const Ctx & c);
nlohmann::json humanlike_family(const Ctx & c);

}  // namespace rightsize::report_probes

namespace rightsize::probes {

// Registers the sections in the report's order: character composition, personality, deception
// and sycophancy, bias, human-likeness.
void register_probe_sections();
// HTML after the bias tables: the BBQ bias scores as an interval chart ("" without any).
std::string bias_chart_html(const nlohmann::json & family);
// HTML after the human-likeness tables: each task's votes, win rates and their interval chart.
std::string votes_html(const nlohmann::json & family);

}  // namespace rightsize::probes
