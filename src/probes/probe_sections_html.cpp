// The probes' HTML after their tables: BBQ's bias scores as an interval chart, and the
// human-likeness votes (win rates with Wilson intervals per voter group) with theirs.
#include "probe_sections.h"

#include "report/report_format.h"
#include "report/report_probes_html.h"
#include "report/report_svg.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

using nlohmann::json;

namespace rightsize::probes {

namespace {

using report_format::num;
using report_html::full;
using report_html::interval_chart;
using report_html::Mark;
using report_html::swatch;
using report_svg::esc;

std::string bias_chart(const json & f) {
    std::vector<Mark> marks;
    for (const auto & t : f["tables"]) {
        const bool has_overall = std::any_of(t["rows"].begin(), t["rows"].end(), [](const json & r) { return r["task"] == "bbq"; });
        for (const auto & r : t["rows"]) {
            const std::string metric = r["metric"];
            if (metric.rfind("bias_score", 0) != 0 || (has_overall && r["task"] != "bbq")) continue;
            for (const auto & cl : r["cells"]) {
                const auto v = num(cl, "value");
                if (!v) continue;
                const double se = num(cl, "stderr").value_or(0);
                // Short labels: the category (none for the overall figure), the context, the model.
                const std::string task = r["task"];
                const std::string label = (task == "bbq" ? "" : task.substr(4) + " ") +
                                          (metric.rfind("bias_score_ambig", 0) == 0 ? "ambiguous" : "disambiguated");
                marks.push_back({label + " · " + cl["model"].get<std::string>(), cl["index"], *v, *v - se, *v + se});
            }
        }
    }
    if (marks.empty()) return "";
    return interval_chart("chart-bbq-bias", "BBQ bias scores ± one standard error; 0 is unbiased, +1 always the stereotyped answer, −1 always "
                                            "the anti-stereotyped one.",
                          marks, -1, 1, {0.0}, false);
}

std::string vote_cell(const json & tally, const json & p, const std::string & metric, const json & v, const std::string & text,
                      const std::string & extra = "") {
    if (!v.is_number()) return "<td class=\"num na\">–</td>";
    return "<td class=\"num\" data-source=\"votes\" data-task=\"" + esc(tally["task"].get<std::string>()) + "\" data-run=\"" +
           esc(tally["run_id"].get<std::string>()) + "\" data-model-a=\"" + esc(p["model_a"].get<std::string>()) + "\" data-model-b=\"" +
           esc(p["model_b"].get<std::string>()) + "\" data-voters=\"" + esc(p["voters"].get<std::string>()) + "\" data-metric=\"" + metric +
           "\" data-value=\"" + full(v) + "\"" + extra + ">" + text + "</td>";
}

std::string votes_section(const json & f) {
    std::ostringstream o;
    for (const auto & t : f.value("votes", json::array())) {
        if (t["pairs"].empty()) continue;
        o << "<h3>Votes on " << esc(t["task"].get<std::string>()) << " <span class=\"unit\">run " << esc(t["run_id"].get<std::string>())
          << "</span></h3><div class=\"scroll\"><table class=\"probe votes\"><thead><tr><th>model A</th><th>model B</th><th>voters</th>"
             "<th class=\"num\">A's win rate<span class=\"unit\">95 % Wilson interval</span></th><th class=\"num\">votes</th>"
             "<th class=\"num\">A wins</th><th class=\"num\">B wins</th><th class=\"num\">ties</th>"
             "<th class=\"num\">Answer 1 share<span class=\"unit\">decisive votes</span></th><th class=\"num\">order consistency</th>"
             "</tr></thead><tbody>";
        std::vector<Mark> marks;
        bool single_pair = true;
        for (const auto & p : t["pairs"])
            single_pair = single_pair && p["model_a"] == t["pairs"][0]["model_a"] && p["model_b"] == t["pairs"][0]["model_b"];
        for (const auto & p : t["pairs"]) {
            auto pct = [](const json & v) {
                char buf[32];
                snprintf(buf, sizeof buf, "%.1f %%", v.get<double>() * 100);
                return std::string(buf);
            };
            o << "<tr><td>" << swatch(p["index_a"]) << esc(p["model_a"].get<std::string>()) << "</td><td>" << swatch(p["index_b"])
              << esc(p["model_b"].get<std::string>()) << "</td><td>" << esc(p["voters"].get<std::string>()) << "</td>";
            const std::string ci = p["rate"].is_number() ? pct(p["rate"]) + " [" + pct(p["lo"]) + ", " + pct(p["hi"]) + "]" : "";
            o << vote_cell(t, p, "win_rate_a.rate", p["rate"], ci, " data-lo=\"" + full(p["lo"]) + "\" data-hi=\"" + full(p["hi"]) + "\"");
            for (const char * k : {"n_votes", "a_wins", "b_wins", "ties"}) o << vote_cell(t, p, k, p[k], p[k].is_number() ? p[k].dump() : "");
            o << vote_cell(t, p, "left_share", p["left_share"], p["left_share"].is_number() ? pct(p["left_share"]) : "");
            o << vote_cell(t, p, "order_consistency", p["order_consistency"],
                           p["order_consistency"].is_number() ? pct(p["order_consistency"]) : "");
            o << "</tr>";
            if (p["rate"].is_number()) {
                // One model pair (the usual case): the voters name the bar; otherwise the pair too.
                const std::string voters = p["voters"] == "human" ? "people" : p["voters"].get<std::string>();
                marks.push_back({single_pair ? voters : p["model_a"].get<std::string>() + " vs " + p["model_b"].get<std::string>() + " · " + voters,
                                 p["index_a"], p["rate"].get<double>(), p["lo"].get<double>(), p["hi"].get<double>()});
            }
        }
        o << "</tbody></table></div>";
        if (!marks.empty()) {
            o << "<div class=\"charts\">"
              << interval_chart("chart-winrate-" + t["task"].get<std::string>(),
                                std::string("Win rate of ") + (single_pair ? t["pairs"][0]["model_a"].get<std::string>() + " over " +
                                                                                t["pairs"][0]["model_b"].get<std::string>()
                                                                          : std::string("model A over model B")) +
                                    " (a tie counts half) with its 95 % Wilson interval; the dashed line is 50 %, where the voters "
                                    "cannot tell the two apart.",
                                marks, 0, 1, {0.5}, true)
              << "</div>";
        }
    }
    return o.str();
}

}  // namespace

std::string bias_chart_html(const json & family) {
    const auto chart = bias_chart(family);
    return chart.empty() ? "" : "<div class=\"charts\">" + chart + "</div>\n";
}

std::string votes_html(const json & family) { return votes_section(family) + "\n"; }

}  // namespace rightsize::probes
