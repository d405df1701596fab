// The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL) that
// opens the same way from a laptop, a CI artefact or an e-mail attachment.
#include "report_format.h"
#include "report_probes.h"
#include "report_svg.h"

#include <rightsize/report.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <sstream>

using nlohmann::json;

namespace rightsize {

namespace {

using report_format::num;
using report_format::sig;
using report_svg::colour;
using report_svg::esc;

const char * kCss = R"css(
:root { --ink: #1d232b; --muted: #5b6673; --line: #d9dee4; --soft: #f4f6f8; --warn: #8a4b00; --warnbg: #fff4e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1220px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0; }
.banner { background: var(--warnbg); border: 1px solid #f0c27a; border-left: 6px solid #e69f00; color: var(--warn);
          padding: 10px 14px; margin: 16px 0; border-radius: 4px; }
.se { color: var(--muted, #666); font-size: 0.85em; }
.banner strong { color: #6b3a00; }
.rec { background: var(--soft); border-radius: 6px; padding: 10px 16px; margin: 10px 0; }
.rec p { margin: 4px 0; }
.rec .task { font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 12px; vertical-align: bottom; }
th .unit { display: block; font-weight: 400; color: var(--muted); }
td { white-space: nowrap; }
td.num, th.num { text-align: right; }
td.fronts { white-space: normal; min-width: 110px; font-size: 12px; }
td.best { font-weight: 700; }
.caption { color: var(--muted); font-size: 12.5px; margin: 2px 0 10px; }
.tag { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px; margin-left: 4px; font-weight: 600; }
.tag.est { background: #ffe2b0; color: #6b3a00; }
.tag.meas { background: #d6f0e3; color: #0b5134; }
.na { color: var(--muted); font-style: italic; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 6px 0 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
figcaption { font-size: 12.5px; color: var(--muted); max-width: 520px; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
dl.prov { display: grid; grid-template-columns: 200px 1fr; gap: 4px 16px; margin: 8px 0; }
dl.prov dt { color: var(--muted); }
dl.prov dd { margin: 0; }
ul.notes li { margin: 4px 0; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
)css";

// Full precision, so a test (or a script) can compare the number with results.json exactly.
std::string value_attr(const json & v) { return v.is_number() ? json(v.get<double>()).dump() : ""; }

std::string data_cell(const std::string & model, const std::string & task, const std::string & metric, const std::string & source,
                      const json & value, const std::string & shown, bool best = false, const std::string & extra = "") {
    if (!value.is_number()) return "<td class=\"num na\">" + (shown.empty() ? std::string("–") : shown) + "</td>";
    return "<td class=\"num" + std::string(best ? " best" : "") + "\" data-model=\"" + esc(model) + "\" data-task=\"" + esc(task) +
           "\" data-metric=\"" + esc(metric) + "\" data-source=\"" + source + "\" data-value=\"" + value_attr(value) + "\"" + extra +
           ">" + shown + "</td>";
}

// " ± SE" after an efficiency figure (its bootstrap standard error over the documents), when known.
std::string with_se(const json & j, const char * key) {
    const auto se = num(j, key);
    return se ? "<span class=\"se\"> ± " + sig(*se) + "</span>" : "";
}

// The 95 % interval as an attribute and a tooltip.
std::string ci_attr(const json & j, const char * key, bool title = true) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number() || !(*it)[1].is_number()) return "";
    const std::string lo = sig((*it)[0].get<double>()), hi = sig((*it)[1].get<double>());
    return " data-ci95=\"" + lo + "," + hi + "\"" + (title ? " title=\"95% interval " + lo + "–" + hi + " (bootstrap)\"" : "");
}

// " [lo–hi]": a 95 % interval after a figure (PER's, from the bootstrap over documents), when known.
std::string ci_text(const json & j, const char * key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number() || !(*it)[1].is_number()) return "";
    return "<span class=\"se\"> [" + sig((*it)[0].get<double>()) + "–" + sig((*it)[1].get<double>()) + "]</span>";
}

// The best value of a column among the rows (max or min), to mark it in bold.
std::optional<double> best_of(const json & rows, const std::function<std::optional<double>(const json &)> & get, bool maximise) {
    std::optional<double> b;
    for (const auto & r : rows) {
        const auto v = get(r);
        if (v && (!b || (maximise ? *v > *b : *v < *b))) b = v;
    }
    // A column where every model ties marks nothing.
    int n = 0;
    for (const auto & r : rows) n += get(r).has_value();
    if (n < 2) return std::nullopt;
    return b;
}

std::string energy_tag(const json & energy) {
    if (!energy.is_object()) return "";
    const bool est = energy.value("estimated", false);
    return std::string("<span class=\"tag ") + (est ? "est" : "meas") + "\" title=\"" + esc(energy.value("source", "")) + "\">" +
           esc(energy.value("label", "")) + "</span>";
}

// A memory figure that is not this process's own peak RSS says where it comes from.
std::string memory_tag(const json & row) {
    const std::string source = row.value("memory_source", std::string("measured:process"));
    if (source == "declared") return "<span class=\"tag est\" title=\"declared with --model-memory-mb, not measured\">declared</span>";
    if (source == "measured:prometheus") return "<span class=\"tag meas\" title=\"the server's memory, from its Prometheus\">prometheus</span>";
    return "";
}

std::string task_table(const json & t) {
    const std::string task = t["task"];
    const json & rows = t["rows"];
    const bool tokens = t["granularity"] == "tokens";
    const bool has_pe = std::any_of(rows.begin(), rows.end(), [](const json & r) { return r.contains("per_energy"); });
    const std::string qkey = t["headline"]["key"];
    std::ostringstream o;
    auto th = [](const std::string & name, const std::string & unit) {
        return "<th class=\"num\">" + esc(name) + "<span class=\"unit\">" + esc(unit) + "</span></th>";
    };
    const json & h = t["headline"];
    o << "<div class=\"scroll\"><table class=\"results\" data-task=\"" << esc(task) << "\"><thead><tr><th>model</th>"
      << th(h["metric"].get<std::string>() + (h["filter"] == "none" ? "" : " (" + h["filter"].get<std::string>() + ")"), "± stderr")
      << th("THR", t["thr_unit"]) << th("LAT", t["lat_unit"]) << th("MEM", "peak RSS MiB") << th("model", "file MiB")
      << th("energy", t["energy_unit"]) << th("energy", "total J") << th("CO2e", "g / 1000 queries") << th("CO2e", "g / correct")
      << th("PER", t["per_variant"]);
    if (has_pe) o << th("PER", "energy-aware");
    o << "<th>Pareto</th></tr></thead><tbody>";

    const bool hib = t["headline"]["higher_is_better"];
    auto q = [](const json & r) { return num(r["quality"], "value"); };
    auto thr = [](const json & r) { return num(r, "thr"); };
    auto lat = [](const json & r) { return num(r, "lat_ms"); };
    auto mem = [](const json & r) { return num(r, "peak_rss_mb"); };
    auto ej = [](const json & r) { return r["energy"].is_object() ? num(r["energy"], "j_per_unit") : std::nullopt; };
    auto per = [](const json & r) { return r.contains("per") ? num(r["per"], "per") : std::nullopt; };
    auto pe = [](const json & r) { return r.contains("per_energy") ? num(r["per_energy"], "per") : std::nullopt; };
    const auto bq = best_of(rows, q, hib), bt = best_of(rows, thr, true), bl = best_of(rows, lat, false), bm = best_of(rows, mem, false),
               be = best_of(rows, ej, false), bp = best_of(rows, per, true), bpe = best_of(rows, pe, true);
    auto is = [](std::optional<double> best, std::optional<double> v) { return best && v && *best == *v; };

    for (const auto & r : rows) {
        const std::string m = r["model"];
        o << "<tr><td><span class=\"swatch\" style=\"background:" << colour(r["index"]) << "\"></span>" << esc(m) << "</td>";
        const auto qv = q(r);
        const auto qse = num(r["quality"], "stderr");
        o << data_cell(m, task, qkey, "results", r["quality"]["value"], qv ? report_format::quality(*qv, qse) : "–", is(bq, qv),
                       qse ? " data-stderr=\"" + value_attr(r["quality"]["stderr"]) + "\"" : "");
        o << data_cell(m, task, r["thr_field"], "efficiency", r["thr"], thr(r) ? sig(*thr(r)) + with_se(r, "thr_se") : "–", is(bt, thr(r)),
                       ci_attr(r, "thr_ci95"));
        o << data_cell(m, task, r["lat_field"], "efficiency", r["lat_ms"], lat(r) ? sig(*lat(r)) + with_se(r, "lat_se") : "–", is(bl, lat(r)),
                       ci_attr(r, "lat_ci95"));
        o << data_cell(m, task, "peak_rss_mb", "efficiency", r["peak_rss_mb"], mem(r) ? sig(*mem(r)) + memory_tag(r) : "not measured",
                       is(bm, mem(r)));
        o << data_cell(m, task, "model_mb", "model", r["model_mb"], num(r, "model_mb") ? sig(*num(r, "model_mb")) : "–");
        if (r["energy"].is_object()) {
            const auto & e = r["energy"];
            o << data_cell(m, task, "energy." + e["field"].get<std::string>(), "efficiency", e["j_per_unit"],
                           sig(*ej(r)) + with_se(e, "se") + energy_tag(e), is(be, ej(r)), ci_attr(e, "ci95"));
            o << data_cell(m, task, "energy.total_j", "efficiency", e["total_j"], num(e, "total_j") ? sig(*num(e, "total_j")) : "–");
        } else {
            o << "<td class=\"num na\">not measured</td><td class=\"num na\">not measured</td>";
        }
        if (r["co2e"].is_object()) {
            const auto & c = r["co2e"];
            o << data_cell(m, task, "co2e.g_per_1000_queries", "efficiency", c.value("g_per_1000_queries", json()),
                           num(c, "g_per_1000_queries") ? sig(*num(c, "g_per_1000_queries")) : "–");
            o << data_cell(m, task, "co2e.g_per_correct", "efficiency", c.value("g_per_correct", json()),
                           num(c, "g_per_correct") ? sig(*num(c, "g_per_correct")) : "–");
        } else {
            o << "<td class=\"num na\">not measured</td><td class=\"num na\">not measured</td>";
        }
        // The tooltip shows the normalised dimensions, which explain a PER of 0.
        auto parts = [](const json & p) {
            std::string s = " title=\"normalised: quality " + sig(p["acc_n"]) + ", throughput " + sig(p["thr_n"]) + ", latency " +
                            sig(p["lat_n"]) + ", memory " + sig(p["mem_n"]);
            if (p["energy_n"].is_number()) s += ", energy " + sig(p["energy_n"]);
            return s + "\"";
        };
        o << data_cell(m, task, "per", "computed", r.contains("per") ? r["per"]["per"] : json(),
                       per(r) ? sig(*per(r)) + ci_text(r["per"], "ci95") : "–", is(bp, per(r)),
                       r.contains("per") ? parts(r["per"]) + ci_attr(r["per"], "ci95", false) : "");
        if (has_pe) {
            o << data_cell(m, task, "per_energy", "computed", r.contains("per_energy") ? r["per_energy"]["per"] : json(),
                           pe(r) ? sig(*pe(r)) : "–", is(bpe, pe(r)), r.contains("per_energy") ? parts(r["per_energy"]) : "");
        }
        std::string fronts;
        if (r.contains("pareto")) {
            for (const auto & [k, label] : {std::pair{"all_dimensions", "all"}, {"within_noise", "all, within noise"},
                                            {"quality_latency", "latency"}, {"quality_energy", "energy"}, {"quality_memory", "memory"}}) {
                if (r["pareto"].value(k, false)) fronts += (fronts.empty() ? "" : ", ") + std::string(label);
            }
        }
        o << "<td class=\"fronts\">" << (fronts.empty() ? "–" : fronts) << "</td></tr>";
    }
    o << "</tbody></table></div>";
    o << "<p class=\"caption\">Quality: " << esc(qkey) << (hib ? " (higher is better)" : " (lower is better)")
      << ", ± one standard error. THR/LAT at the task's granularity (" << (tokens ? "generated tokens" : "samples")
      << "); MEM is the peak resident set during the task. PER variant: <strong>" << esc(t["per_variant"].get<std::string>())
      << "</strong>" << (has_pe ? " and energy-aware" : "")
      << " (min-max over the models in this table). Pareto: the 2-D fronts (quality vs latency / energy / memory) and the "
         "front over "
      << esc(t.contains("pareto") ? t["pareto"].value("all_dimensions_names", "") : "")
      << " (all) the model is on; \"all, within noise\": off that front only by differences within their 95 % intervals.</p>";
    return o.str();
}

// Every numeric metric of the task, not only the headline one.
std::string metrics_table(const json & t) {
    std::vector<std::string> keys;
    for (const auto & r : t["rows"]) {
        for (const auto & m : r["other_metrics"]) {
            if (std::find(keys.begin(), keys.end(), m["key"]) == keys.end()) keys.push_back(m["key"]);
        }
    }
    if (keys.empty()) return "";
    const std::string task = t["task"];
    std::ostringstream o;
    o << "<h3>Other metrics</h3><div class=\"scroll\"><table class=\"metrics\"><thead><tr><th>model</th>";
    for (const auto & k : keys) o << "<th class=\"num\">" << esc(k) << "</th>";
    o << "</tr></thead><tbody>";
    for (const auto & r : t["rows"]) {
        o << "<tr><td><span class=\"swatch\" style=\"background:" << colour(r["index"]) << "\"></span>" << esc(r["model"].get<std::string>())
          << "</td>";
        for (const auto & k : keys) {
            const auto it = std::find_if(r["other_metrics"].begin(), r["other_metrics"].end(), [&](const json & m) { return m["key"] == k; });
            if (it == r["other_metrics"].end()) {
                o << "<td class=\"num na\">–</td>";
                continue;
            }
            const auto se = num(*it, "stderr");
            o << data_cell(r["model"], task, k, "results", (*it)["value"], report_format::quality((*it)["value"].get<double>(), se), false,
                           se ? " data-stderr=\"" + value_attr((*it)["stderr"]) + "\"" : "");
        }
        o << "</tr>";
    }
    o << "</tbody></table></div>";
    return o.str();
}

std::string legend(const json & rows) {
    std::string s = "<div class=\"legend\">";
    for (const auto & r : rows) {
        s += "<span><span class=\"swatch\" style=\"background:" + std::string(colour(r["index"])) + "\"></span>" +
             esc(r["model"].get<std::string>()) + "</span>";
    }
    return s + "</div>";
}

std::string provenance(const json & a) {
    const json & p = a["provenance"];
    auto joined = [](const json & list) {
        std::string s;
        for (const auto & x : list) s += (s.empty() ? "" : ", ") + esc(x.get<std::string>());
        return s.empty() ? std::string("<span class=\"na\">unknown</span>") : s;
    };
    std::ostringstream o;
    o << "<dl class=\"prov\">";
    o << "<dt>input</dt><dd>" << esc(p.value("origin", "")) << "</dd>";
    o << "<dt>run</dt><dd>" << joined(p["run_ids"]) << "</dd>";
    o << "<dt>date</dt><dd>" << joined(p["dates"]) << "</dd>";
    // A version written by rightsize run already names its commit ("0.1.0 (git abc1234)").
    const std::string version = joined(p["rightsize_versions"]);
    o << "<dt>rightsize</dt><dd>" << version;
    if (version.find("(git ") == std::string::npos) o << " (git " << joined(p["git_hashes"]) << ")";
    o << "</dd>";
    o << "<dt>llama.cpp</dt><dd>" << joined(p["llama_cpp_versions"]) << "</dd>";
    if (p.contains("hardware")) {
        const auto & h = p["hardware"];
        o << "<dt>hardware</dt><dd>" << esc(h.value("cpu_model", "unknown CPU")) << ", " << h.value("logical_cpus", 0)
          << " logical CPUs, " << sig(h.value("memory_total_mb", 0.0)) << " MB RAM; " << esc(h.value("os", "")) << " "
          << esc(h.value("kernel", "")) << " " << esc(h.value("machine", "")) << "</dd>";
    }
    o << "<dt>energy meter</dt><dd>";
    if (p.contains("energy_meter")) {
        const auto & e = p["energy_meter"];
        o << esc(e.value("source", "")) << " — " << esc(report_format::energy_source_label(e.value("source", "")));
        if (e.contains("notes") && e["notes"].is_array() && !e["notes"].empty()) {
            o << "<ul>";
            for (const auto & n : e["notes"]) o << "<li>" << esc(n.is_string() ? n.get<std::string>() : n.dump()) << "</li>";
            o << "</ul>";
        }
    } else {
        o << "<span class=\"na\">not measured</span>";
    }
    o << "</dd><dt>carbon intensity</dt><dd>";
    if (p.contains("carbon")) {
        const auto & c = p["carbon"];
        const auto g = num(c, "g_per_kwh");
        o << (g ? report_format::plain(*g) : "?") << " gCO2e/kWh — " << esc(c.value("origin", "")) << " (" << esc(c.value("source", "")) << "); PUE "
          << (num(c, "pue") ? report_format::plain(*num(c, "pue")) : "1");
    } else {
        o << "<span class=\"na\">not given</span>";
    }
    o << "</dd>";
    if (p.contains("config")) {
        const auto & c = p["config"];
        o << "<dt>settings</dt><dd>limit " << (c["limit"].is_number() ? report_format::plain(c["limit"].get<double>()) : "none") << ", num_fewshot "
          << (c["num_fewshot"].is_null() ? "task default" : esc(c["num_fewshot"].dump())) << ", few-shot seed " << esc(c["fewshot_seed"].dump())
          << ", chat template " << (c["apply_chat_template"].is_boolean() && c["apply_chat_template"].get<bool>() ? "on" : "off");
        if (c["llama"].is_object()) {
            o << "; llama.cpp";
            for (const char * k : {"threads", "ctx_size", "batch_size", "ubatch_size", "n_gpu_layers", "parallel", "flash_attn"}) {
                if (c["llama"].contains(k)) o << " " << k << "=" << esc(c["llama"][k].is_string() ? c["llama"][k].get<std::string>() : c["llama"][k].dump());
            }
        }
        o << "</dd>";
    }
    o << "<dt>tasks</dt><dd><ul>";
    for (const auto & [task, pt] : p["tasks"].items()) {
        o << "<li>" << esc(task) << ": headline " << esc(pt.value("headline", ""));
        if (pt.contains("n_shot")) o << ", " << esc(pt["n_shot"].dump()) << "-shot";
        if (pt.contains("runs") && pt["runs"].is_array() && !pt["runs"].empty()) o << ", run " << joined(pt["runs"]);
        if (pt.contains("n_samples") && pt["n_samples"].is_object()) {
            o << ", " << esc(pt["n_samples"].value("effective", json()).dump()) << " of " << esc(pt["n_samples"].value("original", json()).dump())
              << " documents";
        }
        o << "</li>";
    }
    o << "</ul></dd></dl>";
    return o.str();
}

}  // namespace

// The banners under the title: estimated or missing energy, then the analysis's own (a partial
// merge, mixed hardware).
static void write_banners(std::ostream & o, const json & a) {
    if (a["energy"]["estimated"].get<bool>()) {
        o << "<div class=\"banner\" id=\"energy-estimated\"><strong>Energy is estimated, not measured.</strong> This machine exposes no "
             "energy counters rightsize could read, so energy (and CO2e) come from a power model of the CPU's TDP and load. "
             "Figures marked <span class=\"tag est\">estimated</span> are approximate; see the notes.</div>\n";
    } else if (!a["energy"]["any"].get<bool>()) {
        o << "<div class=\"banner\" id=\"energy-missing\"><strong>Energy was not measured in this run.</strong> Energy and CO2e "
             "columns show \"not measured\"; PER uses quality, throughput, latency and memory.</div>\n";
    }

    for (const auto & b : a.value("banners", json::array())) {
        o << "<div class=\"banner\" id=\"" << esc(b.value("id", "")) << "\"><strong>" << esc(b.value("title", "")) << "</strong> "
          << esc(b.value("text", "")) << "</div>\n";
    }
}

std::string render_html(const nlohmann::json & a) {
    std::ostringstream o;
    const std::string title = a.value("title", "rightsize report");
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"" << esc(a.value("generator", "rightsize")) << "\">\n"
      << "<title>" << esc(title) << "</title>\n<style>" << kCss << (a.contains("probes") ? probes_css() : "")
      << "</style>\n</head>\n<body>\n<main>\n";

    const json & p = a["provenance"];
    const json & tasks = a["tasks"];
    std::string runs;
    for (const auto & r : p["run_ids"]) runs += (runs.empty() ? "" : ", ") + r.get<std::string>();
    o << "<header><h1>" << esc(title) << "</h1><p class=\"sub\">" << a["models"].size() << " model(s) × " << tasks.size()
      << " task(s)" << (runs.empty() ? "" : " · run " + esc(runs));
    if (!p["dates"].empty()) o << " · " << esc(p["dates"][0].get<std::string>());
    if (p.contains("hardware")) o << " · " << esc(p["hardware"].value("cpu_model", ""));
    o << "</p></header>\n";

    write_banners(o, a);

    o << "<section id=\"recommendation\"><h2>Recommendation</h2>\n";
    for (const auto & t : tasks) {
        o << "<div class=\"rec\"><p><span class=\"task\">" << esc(t["task"].get<std::string>()) << ".</span> ";
        if (t.contains("recommendation")) {
            const auto & r = t["recommendation"];
            o << esc(r["text"].get<std::string>()) << "</p>";
            std::string front, within;
            for (const auto & m : r["pareto"]) front += (front.empty() ? "" : ", ") + esc(m.get<std::string>());
            for (const auto & m : r["within"]) within += (within.empty() ? "" : ", ") + esc(m.get<std::string>());
            o << "<p class=\"sub\">Within reach of the best (Δ ≤ " << report_format::plain(r["delta"].get<double>()) << " or not significant): " << within
              << ". Not dominated on quality, latency, memory" << (t["energy_for_all"].get<bool>() ? ", energy" : "") << ": " << front
              << ".</p>";
        } else {
            o << "<span class=\"na\">" << esc(t.value("no_recommendation", std::string("no recommendation: no model has complete figures.")))
              << "</span></p>";
        }
        o << "</div>\n";
    }
    o << "</section>\n";

    o << "<section id=\"models\"><h2>Models</h2><table><thead><tr><th>model</th><th>name</th><th>architecture</th><th>quantization</th>"
         "<th class=\"num\">parameters</th><th class=\"num\">file MiB</th></tr></thead><tbody>";
    for (const auto & m : a["models"]) {
        const auto np = num(m, "n_params");
        o << "<tr><td><span class=\"swatch\" style=\"background:" << colour(m["index"]) << "\"></span>" << esc(m["key"].get<std::string>())
          << "</td><td>" << esc(m.value("name", "")) << "</td><td>" << esc(m.value("architecture", "")) << "</td><td>"
          << esc(m.value("quantization", "")) << "</td><td class=\"num\">" << (np ? sig(*np / 1e6) + " M" : "–") << "</td>"
          << "<td class=\"num\">" << (num(m, "model_mb") ? sig(*num(m, "model_mb")) : "–") << "</td></tr>";
    }
    o << "</tbody></table></section>\n";

    for (const auto & t : tasks) {
        const std::string task = t["task"];
        o << "<section class=\"task\" id=\"task-" << esc(task) << "\"><h2>" << esc(task) << "</h2><p class=\"sub\">"
          << (t["granularity"] == "tokens" ? "generation: efficiency per generated token" : "scoring: efficiency per sample") << "; quality "
          << esc(t["headline"]["key"].get<std::string>()) << "</p>\n";
        o << task_table(t) << metrics_table(t) << "\n";
        o << legend(t["rows"]) << "<div class=\"charts\">\n";
        o << report_svg::per_bars(t);
        if (t["energy_for_all"].get<bool>() ||
            std::any_of(t["rows"].begin(), t["rows"].end(), [](const json & r) { return r["energy"].is_object(); })) {
            o << report_svg::scatter(t, report_svg::XAxis::Energy);
        }
        o << report_svg::scatter(t, report_svg::XAxis::Latency);
        o << report_svg::scatter(t, report_svg::XAxis::Memory);
        o << report_svg::latency_chart(t);
        o << "</div>\n";
        if (!t["notes"].empty()) {
            o << "<ul class=\"notes\">";
            for (const auto & n : t["notes"]) o << "<li>" << esc(n.get<std::string>()) << "</li>";
            o << "</ul>";
        }
        o << "</section>\n";
    }

    if (a.contains("probes")) o << render_probes_html(a["probes"]);

    o << "<section id=\"provenance\"><h2>Provenance</h2>" << provenance(a) << "</section>\n";
    o << "<section id=\"notes\"><h2>Notes</h2><ul class=\"notes\">";
    for (const auto & n : a["notes"]) o << "<li>" << esc(n.get<std::string>()) << "</li>";
    if (p.contains("energy_meter") && p["energy_meter"].contains("notes")) {
        for (const auto & n : p["energy_meter"]["notes"]) {
            if (n.is_string()) o << "<li>Energy meter: " << esc(n.get<std::string>()) << "</li>";
        }
    }
    o << "</ul></section>\n<footer>Generated by " << esc(a.value("generator", "rightsize"))
      << ". This file is self-contained: it loads nothing from the network.</footer>\n</main>\n</body>\n</html>\n";
    return o.str();
}

}  // namespace rightsize
