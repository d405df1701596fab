// The report as Markdown (for a README, an issue or a pull request) and the recommendation as
// terminal text; both read the same analysis as the HTML report.
#include "report_format.h"
#include "report_probes.h"
#include "../core/table.h"

#include <rightsize/report.h>

#include <sstream>

using nlohmann::json;

namespace rightsize {

namespace {

using report_format::num;
using report_format::sig;

std::string md(const std::string & s) { return report_format::md_cell(s); }

std::string joined(const json & list) {
    std::string s;
    for (const auto & x : list) s += (s.empty() ? "" : ", ") + x.get<std::string>();
    return s;
}

std::string opt(const json & j, const char * key) {
    const auto v = num(j, key);
    return v ? sig(*v) : "–";
}

void write_title(std::ostream & o, const json & a) {
    const json & p = a["provenance"];
    o << "# " << md(a.value("title", "rightsize report")) << "\n\n";
    o << a["models"].size() << " model(s) × " << a["tasks"].size() << " task(s)";
    if (!p["run_ids"].empty()) o << " · run " << md(joined(p["run_ids"]));
    if (!p["dates"].empty()) o << " · " << md(joined(p["dates"]));
    o << "\n\n";
    if (a["energy"]["estimated"].get<bool>()) {
        o << "> **Energy is estimated, not measured.** No readable energy counters on this machine: energy and CO2e come from a "
             "power model of the CPU's TDP and load, and are marked *estimated* below.\n\n";
    } else if (!a["energy"]["any"].get<bool>()) {
        o << "> **Energy was not measured in this run.** Energy and CO2e show \"not measured\".\n\n";
    }
    for (const auto & b : a.value("banners", json::array())) {
        o << "> **" << md(b.value("title", "")) << "** " << md(b.value("text", "")) << "\n\n";
    }
}

void write_recommendations(std::ostream & o, const json & a) {
    o << "## Recommendation\n\n";
    for (const auto & t : a["tasks"]) {
        if (t.contains("recommendation")) {
            o << "- **" << md(t["task"]) << "**: " << md(t["recommendation"]["text"]) << " Pareto-optimal: "
              << md(joined(t["recommendation"]["pareto"])) << ".\n";
        } else {
            o << "- **" << md(t["task"]) << "**: " << md(t.value("no_recommendation", std::string("no model has complete figures."))) << "\n";
        }
    }
    o << "\n";
}

// The Pareto fronts a model is on, in words ("all, latency"), or "–".
std::string fronts_of(const json & r) {
    std::string fronts;
    if (r.contains("pareto")) {
        for (const auto & [k, label] : {std::pair{"all_dimensions", "all"}, {"quality_latency", "latency"},
                                        {"quality_energy", "energy"}, {"quality_memory", "memory"}}) {
            if (r["pareto"].value(k, false)) fronts += (fronts.empty() ? "" : ", ") + std::string(label);
        }
    }
    return fronts.empty() ? "–" : fronts;
}

// Peak RSS, or the served model's memory with where it comes from (declared, prometheus).
std::string memory_cell(const json & r) {
    if (!num(r, "peak_rss_mb")) return "not measured";
    const std::string source = r.value("memory_source", std::string("measured:process"));
    return opt(r, "peak_rss_mb") + (source == "declared" ? " (declared)" : source == "measured:prometheus" ? " (prometheus)" : "");
}

// " ± SE" of an efficiency figure (bootstrap over documents), when known.
std::string se_text(const json & j, const char * key) { return num(j, key) ? " ± " + opt(j, key) : ""; }

std::vector<std::string> model_row(const json & r, bool has_pe) {
    const auto q = num(r["quality"], "value");
    std::vector<std::string> row = {md(r["model"]), q ? report_format::quality(*q, num(r["quality"], "stderr")) : "–",
                                    opt(r, "thr") + se_text(r, "thr_se"), opt(r, "lat_ms") + se_text(r, "lat_se"), memory_cell(r),
                                    opt(r, "model_mb")};
    if (r["energy"].is_object()) {
        row.push_back(opt(r["energy"], "j_per_unit") + se_text(r["energy"], "se") + " (" + r["energy"]["label"].get<std::string>() + ")");
        row.push_back(opt(r["energy"], "total_j"));
    } else {
        row.insert(row.end(), {"not measured", "not measured"});
    }
    row.push_back(r["co2e"].is_object() ? opt(r["co2e"], "g_per_1000_queries") : "not measured");
    std::string per_ci;
    if (r.contains("per") && r["per"].contains("ci95") && r["per"]["ci95"].is_array() && r["per"]["ci95"].size() == 2) {
        per_ci = " [" + sig(r["per"]["ci95"][0].get<double>()) + "–" + sig(r["per"]["ci95"][1].get<double>()) + "]";
    }
    row.push_back(r.contains("per") ? opt(r["per"], "per") + per_ci : "–");
    if (has_pe) row.push_back(r.contains("per_energy") ? opt(r["per_energy"], "per") : "–");
    row.push_back(fronts_of(r));
    return row;
}

Table task_table(const json & t, bool has_pe) {
    Table tab;
    tab.header = {"model",
                  md(t["headline"]["key"]) + " ± se",
                  "THR " + t["thr_unit"].get<std::string>(),
                  "LAT " + t["lat_unit"].get<std::string>(),
                  "MEM MiB",
                  "model MiB",
                  "energy " + t["energy_unit"].get<std::string>(),
                  "energy J",
                  "CO2e g/1000 q",
                  "PER (" + t["per_variant"].get<std::string>() + ")"};
    if (has_pe) tab.header.push_back("PER (energy-aware)");
    tab.header.push_back("Pareto");
    tab.right_align.assign(tab.header.size(), true);
    tab.right_align[0] = false;
    tab.right_align.back() = false;
    for (const auto & r : t["rows"]) tab.rows.push_back(model_row(r, has_pe));
    return tab;
}

void write_task(std::ostream & o, const json & t) {
    const bool has_pe = std::any_of(t["rows"].begin(), t["rows"].end(), [](const json & r) { return r.contains("per_energy"); });
    o << "## " << md(t["task"]) << "\n\n";
    o << task_table(t, has_pe).to_markdown() << "\n";
    o << "PER variant: **" << md(t["per_variant"]) << "**" << (has_pe ? " (and energy-aware)" : "")
      << ", min-max normalised over the models in this table.";
    if (t.contains("pareto")) {
        const auto & pf = t["pareto"];
        o << " Pareto fronts — quality vs latency: " << md(joined(pf["quality_latency"])) << "; vs memory: "
          << md(joined(pf["quality_memory"]));
        if (pf["quality_energy"].is_array()) o << "; vs energy: " << md(joined(pf["quality_energy"]));
        o << "; all of " << md(pf["all_dimensions_names"]) << ": " << md(joined(pf["all_dimensions"]));
        if (pf.contains("within_noise") && !pf["within_noise"].empty()) {
            o << " (off it only within noise: " << md(joined(pf["within_noise"])) << ")";
        }
        o << ".";
    }
    o << "\n\n";
    for (const auto & n : t["notes"]) o << "- " << md(n) << "\n";
    if (!t["notes"].empty()) o << "\n";
}

// The machine, the energy meter, the carbon intensity and the settings the figures come from.
void write_setup(std::ostream & o, const json & p) {
    if (p.contains("hardware")) {
        const auto & h = p["hardware"];
        o << "- hardware: " << md(h.value("cpu_model", "unknown CPU")) << ", " << h.value("logical_cpus", 0) << " logical CPUs, "
          << sig(h.value("memory_total_mb", 0.0)) << " MB RAM, " << md(h.value("os", "")) << " " << md(h.value("kernel", "")) << "\n";
    }
    if (p.contains("energy_meter")) {
        o << "- energy meter: " << md(p["energy_meter"].value("source", ""));
        if (p["energy_meter"].contains("notes")) {
            for (const auto & n : p["energy_meter"]["notes"]) o << "; " << md(n.is_string() ? n.get<std::string>() : n.dump());
        }
        o << "\n";
    } else {
        o << "- energy meter: not measured\n";
    }
    if (p.contains("carbon")) {
        const auto & c = p["carbon"];
        o << "- carbon intensity: " << opt(c, "g_per_kwh") << " gCO2e/kWh, " << md(c.value("origin", "")) << " ("
          << md(c.value("source", "")) << "), PUE " << opt(c, "pue") << "\n";
    }
    if (p.contains("config")) {
        const auto & c = p["config"];
        o << "- settings: limit " << (c["limit"].is_number() ? report_format::plain(c["limit"].get<double>()) : "none") << ", num_fewshot "
          << (c["num_fewshot"].is_null() ? "task default" : c["num_fewshot"].dump()) << ", few-shot seed " << c["fewshot_seed"].dump() << "\n";
    }
}

void write_provenance(std::ostream & o, const json & p) {
    o << "## Provenance\n\n";
    o << "- input: " << md(p.value("origin", "")) << "\n";
    // A version written by rightsize run already names its commit ("0.1.0 (git abc1234)").
    const std::string version = joined(p["rightsize_versions"]);
    o << "- rightsize: " << md(version);
    if (version.find("(git ") == std::string::npos) o << " (git " << md(joined(p["git_hashes"])) << ")";
    o << "\n";
    o << "- llama.cpp: " << md(joined(p["llama_cpp_versions"])) << "\n";
    write_setup(o, p);
    for (const auto & [task, pt] : p["tasks"].items()) {
        o << "- " << md(task) << ": headline " << md(pt.value("headline", ""));
        if (pt.contains("n_shot")) o << ", " << pt["n_shot"].dump() << "-shot";
        if (pt.contains("n_samples") && pt["n_samples"].is_object()) {
            o << ", " << pt["n_samples"].value("effective", json()).dump() << " of " << pt["n_samples"].value("original", json()).dump()
              << " documents";
        }
        o << "\n";
    }
}

}  // namespace

std::string render_markdown(const nlohmann::json & a) {
    std::ostringstream o;
    write_title(o, a);
    write_recommendations(o, a);
    for (const auto & t : a["tasks"]) write_task(o, t);
    if (a.contains("probes")) o << render_probes_markdown(a["probes"]);
    write_provenance(o, a["provenance"]);
    o << "\n## Notes\n\n";
    for (const auto & n : a["notes"]) o << "- " << md(n) << "\n";
    o << "\nGenerated by " << md(a.value("generator", "rightsize")) << ".\n";
    return o.str();
}

std::string render_recommendation_text(const nlohmann::json & a) {
    std::ostringstream o;
    if (a["energy"]["estimated"].get<bool>()) o << "Note: energy figures are ESTIMATED from the CPU's TDP, not measured.\n\n";
    for (const auto & b : a.value("banners", json::array())) {
        o << "WARNING: " << b.value("title", "") << " " << b.value("text", "") << "\n\n";
    }
    for (const auto & t : a["tasks"]) {
        if (!t.contains("recommendation")) {
            o << t["task"].get<std::string>() << ": " << t.value("no_recommendation", std::string("no model has complete figures.")) << "\n\n";
            continue;
        }
        const auto & r = t["recommendation"];
        o << r["text"].get<std::string>() << "\n";  // it names the task
        o << "  Pareto-optimal (quality, latency, memory" << (t["energy_for_all"].get<bool>() ? ", energy" : "") << "): " << joined(r["pareto"]);
        if (t.contains("pareto") && t["pareto"].contains("within_noise") && !t["pareto"]["within_noise"].empty()) {
            o << "; off the front only within noise (95 %): " << joined(t["pareto"]["within_noise"]);
        }
        o << "\n";
        std::string per;
        for (const auto & row : t["rows"]) {
            if (!row.contains("per")) continue;
            per += (per.empty() ? "" : ", ") + row["model"].get<std::string>() + " " + sig(row["per"]["per"].get<double>());
            if (row.contains("per_energy")) per += " (energy-aware " + sig(row["per_energy"]["per"].get<double>()) + ")";
        }
        o << "  PER (" << t["per_variant"].get<std::string>() << "): " << per << "\n\n";
    }
    return o.str();
}

}  // namespace rightsize
