// The behaviour-probe sections as Markdown: per family the readings, one table per figure group
// (rows are figures, columns the models, then the reference) and the votes with their intervals.
#include "report_probes.h"

#include "report_format.h"
#include "../core/table.h"

#include <cstdio>
#include <sstream>
#include <vector>

using nlohmann::json;

namespace rightsize {

namespace {

using report_format::num;

std::string md(const std::string & s) { return report_format::md_cell(s); }

std::string pct(double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f %%", v * 100);
    return buf;
}

std::string figure(const std::string & format, const json & cl) {
    const auto v = num(cl, "value");
    return v ? report_format::probe_figure(format, *v, num(cl, "stderr")) : "–";
}


}  // namespace

std::string render_probes_markdown(const nlohmann::json & probes) {
    std::ostringstream o;
    for (const auto & f : probes.value("families", json::array())) {
        o << "## Behaviour: " << md(f["title"]) << "\n\n*" << md(f["paper"]) << "*\n\n";
        const std::string status = f.value("status", "ok");
        if (status == "unreliable") {
            o << "> **Unreliable.** Every model failed the reliability screen: the figures are shown, not read as a personality.\n\n";
        } else if (status == "insufficient") {
            o << "> **Not enough data to read.** See below.\n\n";
        }
        for (const auto & r : f["readings"]) o << "- " << md(r) << "\n";
        if (!f["readings"].empty()) o << "\n";
        for (const auto & t : f["tables"]) {
            if (t["rows"].empty()) continue;
            o << "### " << md(t["title"]) << "\n\n";
            Table tab;
            tab.header = {"figure", "task"};
            const auto models = report_format::models_with_figures(t["rows"]);
            for (size_t i : models) tab.header.push_back(md(t["rows"][0]["cells"][i]["model"]));
            tab.header.push_back("reference");
            tab.right_align.assign(tab.header.size(), true);
            tab.right_align[0] = tab.right_align[1] = tab.right_align.back() = false;
            for (const auto & r : t["rows"]) {
                const bool derived = r["source"] == "derived";
                std::string label = md(r["label"]);
                if (derived) label = "*" + label + "*";
                std::vector<std::string> row = {label, derived ? "computed" : md(r["task"])};
                for (size_t i : models) row.push_back(figure(r.value("format", "number"), r["cells"][i]));
                row.push_back(r["reference"].is_object() ? md(r["reference"].value("text", "")) : "");
                tab.rows.push_back(row);
            }
            o << tab.to_markdown() << "\n" << md(t.value("caption", "")) << "\n\n";
        }
        for (const auto & t : f.value("votes", json::array())) {
            if (t["pairs"].empty()) continue;
            o << "### Votes on " << md(t["task"]) << " (run " << md(t["run_id"]) << ")\n\n";
            Table tab;
            tab.header = {"model A", "model B", "voters", "A's win rate [95 % Wilson]", "votes", "A wins", "B wins", "ties", "Answer 1 share",
                          "order consistency"};
            tab.right_align.assign(tab.header.size(), true);
            tab.right_align[0] = tab.right_align[1] = tab.right_align[2] = false;
            for (const auto & p : t["pairs"]) {
                auto opt = [&](const char * k) { return p[k].is_number() ? p[k].dump() : std::string("–"); };
                auto share = [&](const char * k) { return p[k].is_number() ? pct(p[k].get<double>()) : std::string("–"); };
                tab.rows.push_back({md(p["model_a"]), md(p["model_b"]), md(p["voters"]),
                                    p["rate"].is_number() ? pct(p["rate"]) + " [" + pct(p["lo"]) + ", " + pct(p["hi"]) + "]" : "–",
                                    opt("n_votes"), opt("a_wins"), opt("b_wins"), opt("ties"), share("left_share"), share("order_consistency")});
            }
            o << tab.to_markdown() << "\n";
        }
        for (const auto & r : f["references"]) {
            o << "- Reference, " << md(r.value("label", "")) << ": " << md(r.value("text", ""));
            if (!r.value("source", "").empty()) o << ". Source: " << md(r.value("source", ""));
            o << "\n";
        }
        for (const auto & n : f["notes"]) o << "- " << md(n) << "\n";
        o << "\n";
    }
    return o.str();
}

}  // namespace rightsize
