// The behaviour-probe sections of the HTML report: per family its readings, tables whose every
// figure carries its raw number (data-value, data-stderr), references, and inline SVG interval
// charts (BBQ bias scores, human-likeness win rates with their Wilson intervals).
#include "report_probes.h"
#include "report_probes_html.h"

#include <rightsize/report_sections.h>

#include "report_format.h"
#include "report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

using nlohmann::json;

namespace rightsize {

namespace report_html {

using report_format::num;
using report_svg::colour;
using report_svg::esc;

std::string full(const json & v) { return v.is_number() ? json(v.get<double>()).dump() : ""; }

std::string swatch(const json & index) {
    return index.is_number() ? "<span class=\"swatch\" style=\"background:" + std::string(colour(index.get<size_t>())) + "\"></span>" : "";
}

std::string figure_cell(const json & row, const json & cl) {
    const auto v = num(cl, "value");
    if (!v) return "<td class=\"num na\">–</td>";
    const auto se = num(cl, "stderr");
    std::string s = "<td class=\"num\" data-model=\"" + esc(cl["model"].get<std::string>()) + "\" data-task=\"" + esc(row["task"].get<std::string>()) +
                    "\" data-metric=\"" + esc(row["metric"].get<std::string>()) + "\" data-source=\"" + esc(row["source"].get<std::string>()) +
                    "\" data-value=\"" + full(cl["value"]) + "\"";
    if (se) s += " data-stderr=\"" + full(cl["stderr"]) + "\"";
    if (num(cl, "n")) s += " data-n=\"" + full(cl["n"]) + "\"";
    return s + ">" + report_format::probe_figure(row.value("format", "number"), *v, se) + "</td>";
}

std::string figures_table(const json & t) {
    const json & rows = t["rows"];
    if (rows.empty()) return "";
    std::ostringstream o;
    o << "<h3>" << esc(t["title"].get<std::string>()) << "</h3><div class=\"scroll\"><table class=\"probe\" data-probe-table=\""
      << esc(t["id"].get<std::string>()) << "\"><thead><tr><th>figure</th><th>task</th>";
    const auto models = report_format::models_with_figures(rows);
    for (size_t i : models) {
        const auto & cl = rows[0]["cells"][i];
        o << "<th class=\"num\">" << swatch(cl["index"]) << esc(cl["model"].get<std::string>()) << "</th>";
    }
    o << "<th>reference</th></tr></thead><tbody>";
    for (const auto & r : rows) {
        const bool derived = r["source"] == "derived";
        o << "<tr" << (derived ? " class=\"derived\"" : "") << "><td class=\"label\">" << esc(r["label"].get<std::string>());
        const std::string better = r.value("better", "");
        if (!better.empty()) o << " <span class=\"unit\">(" << (better == "higher" ? "higher is better" : "lower is better") << ")</span>";
        o << "</td><td class=\"task\">" << (derived ? "computed" : esc(r["task"].get<std::string>())) << "</td>";
        for (size_t i : models) o << figure_cell(r, r["cells"][i]);
        o << "<td class=\"ref\">" << (r["reference"].is_object() ? esc(r["reference"].value("text", "")) : "") << "</td></tr>";
    }
    o << "</tbody></table></div><p class=\"caption\">" << esc(t.value("caption", "")) << "</p>";
    return o.str();
}

std::string tick(double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
    return buf;
}

// Horizontal marks over a fixed axis [x0, x1] with dashed reference lines.
std::string interval_chart(const std::string & id, const std::string & caption, const std::vector<Mark> & marks, double x0, double x1,
                           const std::vector<double> & refs, bool bars) {
    // The label column grows with the longest label (about 6.5 px per character at 11.5 px).
    size_t longest = 0;
    for (const auto & m : marks) longest = std::max(longest, m.label.size());
    const int left = std::clamp(int(longest * 6.5) + 14, 120, 380), width = left + 330, right = 16, top = 10, row_h = 22, bottom = 30;
    const int height = top + int(marks.size()) * row_h + bottom;
    auto x = [&](double v) { return left + (std::clamp(v, x0, x1) - x0) / (x1 - x0) * (width - left - right); };
    auto f1 = [](double v) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.1f", v);
        return std::string(buf);
    };
    std::ostringstream o;
    o << "<figure class=\"" << esc(id) << "\"><svg class=\"chart\" id=\"" << esc(id) << "\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
      << width << " " << height << "\" role=\"img\" aria-label=\"" << esc(caption) << "\">";
    const double plot_bottom = top + marks.size() * row_h;
    for (int k = 0; k <= 4; ++k) {
        const double v = x0 + (x1 - x0) * k / 4;
        o << "<line x1=\"" << f1(x(v)) << "\" y1=\"" << top << "\" x2=\"" << f1(x(v)) << "\" y2=\"" << f1(plot_bottom) << "\" stroke=\"#e6e9ed\"/>"
          << "<text x=\"" << f1(x(v)) << "\" y=\"" << f1(plot_bottom + 16) << "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6673\">"
          << tick(v) << "</text>";
    }
    for (double r : refs) {
        o << "<line class=\"ref-line\" x1=\"" << f1(x(r)) << "\" y1=\"" << top - 4 << "\" x2=\"" << f1(x(r)) << "\" y2=\"" << f1(plot_bottom)
          << "\" stroke=\"#1d232b\" stroke-dasharray=\"4 3\"/>";
    }
    for (size_t k = 0; k < marks.size(); ++k) {
        const auto & m = marks[k];
        const double cy = top + k * row_h + row_h / 2.0;
        const char * c = m.index.is_number() ? colour(m.index.get<size_t>()) : "#666666";
        o << "<text x=\"" << left - 8 << "\" y=\"" << f1(cy + 4) << "\" font-size=\"11.5\" text-anchor=\"end\" fill=\"#1d232b\">" << esc(m.label)
          << "</text>";
        if (bars) {
            const double a = x(std::min(0.0, m.value)), b = x(std::max(0.0, m.value));
            o << "<rect class=\"bar\" x=\"" << f1(a) << "\" y=\"" << f1(cy - 7) << "\" width=\"" << f1(std::max(1.0, b - a))
              << "\" height=\"14\" fill=\"" << c << "\" data-value=\"" << full(json(m.value)) << "\"/>";
        } else {
            o << "<circle cx=\"" << f1(x(m.value)) << "\" cy=\"" << f1(cy) << "\" r=\"5\" fill=\"" << c << "\" data-value=\""
              << full(json(m.value)) << "\"/>";
        }
        o << "<g class=\"whisker\" stroke=\"#1d232b\" stroke-width=\"1.4\" data-lo=\"" << full(json(m.lo)) << "\" data-hi=\"" << full(json(m.hi))
          << "\"><line x1=\"" << f1(x(m.lo)) << "\" y1=\"" << f1(cy) << "\" x2=\"" << f1(x(m.hi)) << "\" y2=\"" << f1(cy) << "\"/>"
          << "<line x1=\"" << f1(x(m.lo)) << "\" y1=\"" << f1(cy - 5) << "\" x2=\"" << f1(x(m.lo)) << "\" y2=\"" << f1(cy + 5) << "\"/>"
          << "<line x1=\"" << f1(x(m.hi)) << "\" y1=\"" << f1(cy - 5) << "\" x2=\"" << f1(x(m.hi)) << "\" y2=\"" << f1(cy + 5) << "\"/></g>";
    }
    o << "</svg><figcaption>" << esc(caption) << "</figcaption></figure>";
    return o.str();
}

}  // namespace report_html

using namespace report_html;

const char * probes_css() {
    return R"css(
section.probe .readings p { margin: 5px 0; }
table.probe td.label { white-space: normal; min-width: 230px; }
table.probe td.label .unit, h3 .unit { color: var(--muted); font-weight: 400; font-size: 11.5px; }
table.probe td.task { color: var(--muted); font-size: 12px; }
table.probe td.ref { white-space: normal; color: var(--muted); font-size: 12px; min-width: 150px; }
table.probe tr.derived td { background: #fafbfc; }
table.probe tr.derived td.label { font-style: italic; }
)css";
}

std::string render_probes_html(const nlohmann::json & probes) {
    std::ostringstream o;
    for (const auto & f : probes.value("families", json::array())) {
        const std::string id = f["id"];
        o << "<section class=\"probe\" id=\"probe-" << esc(id) << "\"><h2>Behaviour: " << esc(f["title"].get<std::string>()) << "</h2>"
          << "<p class=\"sub\">" << esc(f["paper"].get<std::string>()) << "</p>\n";
        const std::string status = f.value("status", "ok");
        if (status == "unreliable") {
            o << "<div class=\"banner\" id=\"probe-" << esc(id) << "-unreliable\"><strong>Unreliable.</strong> Every model failed the "
                 "reliability screen: the figures below are shown, not read as a personality.</div>";
        } else if (status == "insufficient") {
            o << "<div class=\"banner\" id=\"probe-" << esc(id) << "-insufficient\"><strong>Not enough data to read.</strong> See the "
                 "readings below.</div>";
        }
        if (!f["readings"].empty()) {
            o << "<div class=\"rec readings\">";
            for (const auto & r : f["readings"]) o << "<p>" << esc(r.get<std::string>()) << "</p>";
            o << "</div>\n";
        }
        for (const auto & t : f["tables"]) o << figures_table(t) << "\n";
        if (const ReportSection * section = find_report_section(id); section && section->html_after_tables) {
            o << section->html_after_tables(f);
        }
        if (!f["references"].empty() || !f["notes"].empty()) {
            o << "<ul class=\"notes\">";
            for (const auto & r : f["references"]) {
                o << "<li>Reference, " << esc(r.value("label", "")) << ": " << esc(r.value("text", ""));
                if (!r.value("source", "").empty()) o << ". <span class=\"na\">Source: " << esc(r.value("source", "")) << "</span>";
                o << "</li>";
            }
            for (const auto & n : f["notes"]) o << "<li>" << esc(n.get<std::string>()) << "</li>";
            o << "</ul>";
        }
        o << "</section>\n";
    }
    return o.str();
}

}  // namespace rightsize
