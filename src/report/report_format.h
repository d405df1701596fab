// Formatting shared by the report renderers (HTML, Markdown, terminal): numbers at a legible
// precision, the energy label, and reading optional numbers out of an analysis (rightsize::analyse).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rightsize::report_format {

// The number if j[key] is one, else nullopt (missing, null, "N/A").
inline std::optional<double> num(const nlohmann::json & j, const char * key) {
    if (!j.is_object()) return std::nullopt;
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

// Three significant digits for figures whose scale varies by orders of magnitude (J, ms, MB);
// no exponent notation, which reads badly in a table.
std::string sig(double v);
// j[key] when j is an object whose key holds text, else "" (files read by report may hold anything).
std::string text_at(const nlohmann::json & j, const char * key);
// j[key] when j is an object that holds key, else null (never throws, whatever the file holds).
const nlohmann::json & member(const nlohmann::json & j, const std::string & key);
// Short "%g" form for parameters the user typed (0.02, 100).
std::string plain(double v);
// Quality values: fixed decimals ("0.520 ± 0.050").
std::string quality(double v, std::optional<double> stderr_value);
// The label an energy figure carries: "estimated" when any part was estimated from TDP,
// "measured (RAPL)" / "measured (NVML)" / "measured (RAPL+NVML)" otherwise.
std::string energy_source_label(const std::string & source);
// A Markdown table cell: a pipe would end the cell, a newline the row.
std::string md_cell(const std::string & s);
// A probe table's figure: quality() for numbers, "52.0 % ± 5.0" for format "percent".
std::string probe_figure(const std::string & format, double v, std::optional<double> stderr_value);
// The columns of a probe table (analyse_probes' rows of cells, one per model) worth showing: the
// models with at least one figure; the others would be a column of dashes.
std::vector<size_t> models_with_figures(const nlohmann::json & rows);

}  // namespace rightsize::report_format
