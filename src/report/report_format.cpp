// The report's number and text formats (report_format.h).
#include "report_format.h"

#include <cmath>
#include <cstdio>

namespace rightsize {

namespace report_format {

std::string sig(double v) {
    char buf[64];
    const double a = std::fabs(v);
    const int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : a >= 0.01 ? 4 : a == 0 ? 0 : 6;
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string plain(double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string quality(double v, std::optional<double> se) {
    char buf[96];
    // Perplexities and other unbounded metrics are large: three significant digits read better.
    if (std::fabs(v) > 10) return sig(v) + (se ? " ± " + sig(*se) : "");
    if (se) snprintf(buf, sizeof buf, "%.3f ± %.3f", v, *se);
    else snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

std::string text_at(const nlohmann::json & j, const char * key) {
    if (!j.is_object()) return "";
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const nlohmann::json & member(const nlohmann::json & j, const std::string & key) {
    static const nlohmann::json none;
    if (!j.is_object()) return none;
    const auto it = j.find(key);
    return it != j.end() ? *it : none;
}

std::string energy_source_label(const std::string & source) {
    if (source.find("estimated") != std::string::npos) return "estimated";
    if (source.find("rapl") != std::string::npos && source.find("nvml") != std::string::npos) return "measured (RAPL+NVML)";
    if (source.find("rapl") != std::string::npos) return "measured (RAPL)";
    if (source.find("nvml") != std::string::npos) return "measured (NVML)";
    if (source.find("prometheus") != std::string::npos) return "measured (prometheus)";
    return source.empty() ? "unknown source" : source;
}

std::string md_cell(const std::string & s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += ' ';
        else out += c;
    }
    return out;
}

std::string probe_figure(const std::string & format, double v, std::optional<double> se) {
    if (format != "percent") return quality(v, se);
    char buf[64];
    if (se) snprintf(buf, sizeof buf, "%.1f %% ± %.1f", v * 100, *se * 100);
    else snprintf(buf, sizeof buf, "%.1f %%", v * 100);
    return buf;
}

std::vector<size_t> models_with_figures(const nlohmann::json & rows) {
    std::vector<size_t> out;
    if (!rows.is_array() || rows.empty()) return out;
    for (size_t i = 0; i < rows[0]["cells"].size(); ++i) {
        for (const auto & r : rows)
            if (r["cells"][i]["value"].is_number()) {
                out.push_back(i);
                break;
            }
    }
    return out;
}

}  // namespace report_format

}  // namespace rightsize
