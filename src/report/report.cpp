// The report's analysis: one JSON document that every renderer reads, so HTML, Markdown and the
// terminal always agree. Loading the input is in report_load.cpp.
#include "report_format.h"
#include "report_probes.h"

#include <rightsize/error.h>
#include <rightsize/per.h>
#include <rightsize/report.h>
#include <rightsize/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;

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

std::string energy_source_label(const std::string & source) {
    if (source.find("estimated") != std::string::npos) return "estimated";
    if (source.find("rapl") != std::string::npos && source.find("nvml") != std::string::npos) return "measured (RAPL+NVML)";
    if (source.find("rapl") != std::string::npos) return "measured (RAPL)";
    if (source.find("nvml") != std::string::npos) return "measured (NVML)";
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

using report_format::num;

namespace {

// The key a model is shown under: its file name without .gguf, as `rightsize run` files it.
std::string model_key(const json & r, size_t index) {
    if (r.contains("rightsize_store_key") && r["rightsize_store_key"].is_string()) return r["rightsize_store_key"];
    std::string path;
    if (r.contains("model") && r["model"].is_object()) path = r["model"].value("path", "");
    if (path.empty() && r.contains("config") && r["config"].is_object()) {
        path = r["config"].value("model_args", "");
        const auto eq = path.find("model=");
        path = eq == std::string::npos ? "" : path.substr(eq + 6, path.find(',', eq) - eq - 6);
    }
    std::string stem = fs::path(path).filename().string();
    if (stem.size() > 5 && stem.ends_with(".gguf")) stem.resize(stem.size() - 5);
    if (stem.empty() && r.contains("model") && r["model"].is_object()) stem = r["model"].value("name", "");
    return stem.empty() ? "model " + std::to_string(index + 1) : stem;
}

// The task's headline quality metric: results.json's "headline" when written; otherwise the
// task's first metric and first filter (what `rightsize run` prints first); otherwise the first
// numeric result.
std::pair<std::string, std::string> headline_of(const json & r, const std::string & task) {
    if (r.contains("headline") && r["headline"].contains(task)) {
        const auto & h = r["headline"][task];
        if (h.is_object() && h.value("metric", "") != "") return {h["metric"], h.value("filter", "none")};
    }
    const json & res = r["results"].value(task, json::object());
    if (r.contains("configs") && r["configs"].contains(task)) {
        const auto & c = r["configs"][task];
        std::string metric, filter = "none";
        if (c.contains("metric_list") && c["metric_list"].is_array() && !c["metric_list"].empty())
            metric = c["metric_list"][0].value("metric", "");
        if (c.contains("filter_list") && c["filter_list"].is_array() && !c["filter_list"].empty())
            filter = c["filter_list"][0].value("name", "none");
        if (!metric.empty() && res.contains(metric + "," + filter)) return {metric, filter};
    }
    for (const auto & [k, v] : res.items()) {
        const auto comma = k.find(',');
        if (v.is_number() && comma != std::string::npos && k.find("_stderr,") == std::string::npos)
            return {k.substr(0, comma), k.substr(comma + 1)};
    }
    return {"", ""};
}

bool higher_is_better(const json & r, const std::string & task, const std::string & metric) {
    if (r.contains("higher_is_better") && r["higher_is_better"].contains(task)) {
        const auto & h = r["higher_is_better"][task];
        if (h.contains(metric) && h[metric].is_boolean()) return h[metric];
    }
    return metric.find("perplexity") == std::string::npos && metric != "word_perplexity" && metric != "bits_per_byte";
}

json energy_of(const json & eff, const std::string & granularity) {
    if (!eff.contains("energy") || !eff["energy"].is_object()) return nullptr;
    const auto & e = eff["energy"];
    const std::string source = e.value("source", "");
    const auto per_unit = num(e, granularity == "tokens" ? "j_per_token" : "j_per_sample");
    if (source == "none" || !per_unit) return nullptr;
    return {{"j_per_unit", *per_unit},
            {"field", granularity == "tokens" ? "j_per_token" : "j_per_sample"},
            {"unit", granularity == "tokens" ? "J/token" : "J/sample"},
            {"total_j", e.value("total_j", json())},
            {"kwh", e.value("kwh", json())},
            {"seconds", e.value("seconds", json())},
            {"source", source},
            {"label", report_format::energy_source_label(source)},
            {"estimated", source.find("estimated") != std::string::npos},
            {"parts", e.value("parts", json::array())}};
}

// Tasks whose headline measures behaviour rather than quality: a personality profile or its
// consistency, or the length of open answers. "The most accurate model" means nothing there, so
// they get no recommendation (their reading is in the probe sections). Empty: a quality metric.
std::string descriptive_reason(const json & r, const std::string & task, const std::string & metric) {
    std::string processing;
    if (r.contains("configs") && r["configs"].is_object() && r["configs"].contains(task) && r["configs"][task].is_object())
        processing = r["configs"][task].value("process_results", "");
    if (processing == "personality" || processing == "mpi")
        return "its figures describe a personality (a profile and its consistency), not a quality to maximise; see the personality section";
    if (metric == "response_words")
        return "its only metric, response_words, describes the answers' length, not their quality; human-likeness comes from votes "
               "(rightsize vote), read in the human-likeness section";
    return "";
}

void add_unique(json & list, const std::string & s) {
    if (std::find(list.begin(), list.end(), json(s)) == list.end()) list.push_back(s);
}

}  // namespace

nlohmann::json analyse(const ReportInput & input, const ReportOptions & options) {
    if (input.models.empty()) throw Error((input.origin.empty() ? std::string("report") : input.origin) + ": no models to report on");
    PerVariant variant;
    if (options.per_variant == "relative") variant = PerVariant::Relative;
    else if (options.per_variant == "energy-aware") variant = PerVariant::EnergyAware;
    else throw Error("PER variant '" + options.per_variant + "' is not available in reports; use relative or energy-aware");

    json out;
    out["title"] = options.title;
    out["generator"] = std::string("rightsize ") + version();
    out["options"] = {{"delta", options.delta}, {"per_variant", options.per_variant}};

    // Models, keyed uniquely.
    std::vector<std::string> keys;
    json models = json::array();
    for (size_t i = 0; i < input.models.size(); ++i) {
        const auto & r = input.models[i];
        std::string key = model_key(r, i);
        for (int n = 2; std::find(keys.begin(), keys.end(), key) != keys.end(); ++n) key = model_key(r, i) + " (" + std::to_string(n) + ")";
        keys.push_back(key);
        const json facts = r.value("model", json::object());
        models.push_back({{"key", key},
                          {"index", i},
                          {"name", facts.value("name", "")},
                          {"architecture", facts.value("architecture", "")},
                          {"quantization", facts.value("quantization", "")},
                          {"n_params", facts.value("n_params", json())},
                          {"model_mb", facts.value("model_mb", json())},
                          {"path", facts.value("path", "")}});
    }
    out["models"] = models;

    // Provenance from every file: a report may combine runs (then each differing field lists them).
    json prov = {{"origin", input.origin}, {"run_ids", json::array()}, {"dates", json::array()}, {"git_hashes", json::array()},
                 {"rightsize_versions", json::array()}, {"llama_cpp_versions", json::array()}};
    for (const auto & r : input.models) {
        for (const auto & [field, list] : {std::pair{"run_id", "run_ids"}, {"date", "dates"}, {"git_hash", "git_hashes"},
                                           {"rightsize_version", "rightsize_versions"}, {"llama_cpp_version", "llama_cpp_versions"}}) {
            if (r.contains(field) && r[field].is_string() && !r[field].get<std::string>().empty()) add_unique(prov[list], r[field]);
        }
        if (!prov.contains("hardware") && r.contains("hardware") && r["hardware"].is_object()) prov["hardware"] = r["hardware"];
        if (!prov.contains("energy_meter") && r.contains("energy_meter") && r["energy_meter"].is_object()) prov["energy_meter"] = r["energy_meter"];
        if (!prov.contains("carbon") && r.contains("carbon") && r["carbon"].is_object()) prov["carbon"] = r["carbon"];
        if (!prov.contains("config") && r.contains("config") && r["config"].is_object()) {
            const auto & c = r["config"];
            prov["config"] = {{"limit", c.value("limit", json())}, {"num_fewshot", c.value("num_fewshot", json())},
                              {"fewshot_seed", c.value("fewshot_seed", json())},
                              {"apply_chat_template", c.value("apply_chat_template", json())}, {"llama", c.value("llama", json())}};
        }
    }
    if (!input.run_id.empty()) add_unique(prov["run_ids"], input.run_id);

    // Tasks in order of first appearance; groups have no efficiency of their own and are left to
    // their member tasks.
    std::vector<std::string> tasks;
    for (const auto & r : input.models) {
        if (!r.contains("efficiency") || !r["efficiency"].is_object()) continue;
        for (const auto & [t, _] : r["efficiency"].items()) {
            if (std::find(tasks.begin(), tasks.end(), t) == tasks.end()) tasks.push_back(t);
        }
    }
    if (tasks.empty()) {
        throw Error(input.origin + ": the results hold no per-task efficiency; write them with rightsize run (results.json \"efficiency\")");
    }

    bool any_energy = false, any_estimated = false, all_energy = true;
    json task_docs = json::array();
    json prov_tasks = json::object();
    for (const auto & task : tasks) {
        json t = {{"task", task}, {"rows", json::array()}, {"notes", json::array()}};
        std::string granularity, metric, filter;
        bool hib = true;
        std::vector<PerInput> per_in;
        std::vector<Candidate> cands;
        std::vector<size_t> row_of;  // per_in index → row index
        for (size_t i = 0; i < input.models.size(); ++i) {
            const auto & r = input.models[i];
            const json eff = r.value("efficiency", json::object()).value(task, json());
            const json res = r.value("results", json::object()).value(task, json());
            if (!eff.is_object() || !res.is_object()) {
                t["notes"].push_back(keys[i] + " has no results for " + task + " in this input.");
                continue;
            }
            if (granularity.empty()) {
                granularity = eff.value("granularity", "samples");
                std::tie(metric, filter) = headline_of(r, task);
                hib = higher_is_better(r, task, metric);
            }
            const bool tokens = granularity == "tokens";
            json row = {{"model", keys[i]}, {"index", i}};
            const auto q = num(res, (metric + "," + filter).c_str());
            const auto qse = num(res, (metric + "_stderr," + filter).c_str());
            row["quality"] = {{"key", metric + "," + filter}, {"value", q ? json(*q) : json()}, {"stderr", qse ? json(*qse) : json()}};
            json others = json::array();
            for (const auto & [k, v] : res.items()) {
                const auto comma = k.find(',');
                if (comma == std::string::npos || k.find("_stderr,") != std::string::npos || !v.is_number() || k == metric + "," + filter) continue;
                const auto se = num(res, (k.substr(0, comma) + "_stderr" + k.substr(comma)).c_str());
                others.push_back({{"key", k}, {"value", v}, {"stderr", se ? json(*se) : json()}});
            }
            row["other_metrics"] = others;
            for (const char * f : {"n_samples", "samples_per_s", "ms_per_sample", "tokens_per_s", "ms_per_token", "peak_rss_mb",
                                   "generated_tokens", "wall_s"}) {
                row[f] = eff.value(f, json());
            }
            row["thr_field"] = tokens ? "tokens_per_s" : "samples_per_s";
            row["lat_field"] = tokens ? "ms_per_token" : "ms_per_sample";
            row["thr"] = row[row["thr_field"].get<std::string>()];
            row["lat_ms"] = row[row["lat_field"].get<std::string>()];
            const auto mmb = num(r.value("model", json::object()), "model_mb");
            row["model_mb"] = mmb ? json(*mmb) : eff.value("model_mb", json());
            row["n_devices"] = eff.value("n_devices", 1);
            for (const char * f : {"ttft_ms", "tpot_ms"}) {
                if (eff.contains(f) && eff[f].is_object()) row[f] = eff[f];
            }
            row["energy"] = energy_of(eff, granularity);
            row["co2e"] = eff.contains("co2e") && eff["co2e"].is_object() && num(eff["co2e"], "co2e_g") && !row["energy"].is_null()
                              ? eff["co2e"] : json();
            if (!row["energy"].is_null()) {
                any_energy = true;
                any_estimated = any_estimated || row["energy"]["estimated"].get<bool>();
            } else {
                all_energy = false;
            }

            const auto thr = num(row, "thr"), lat = num(row, "lat_ms"), mem = num(row, "peak_rss_mb");
            if (q && thr && lat && mem) {
                PerInput p;
                p.task = task;
                p.model = keys[i];
                // PER, Pareto and the recommendation treat quality as higher-is-better.
                p.acc = hib ? *q : -*q;
                p.thr = *thr;
                p.lat_ms = *lat;
                p.mem_mb = *mem;
                if (!row["energy"].is_null()) p.energy_j = row["energy"]["j_per_unit"].get<double>();
                p.n_devices = std::max(1, row["n_devices"].get<int>());
                p.granularity = granularity;
                per_in.push_back(p);
                Candidate c;
                c.model = keys[i];
                c.acc = p.acc;
                c.acc_stderr = qse.value_or(0);
                c.size_mb = row["model_mb"].is_number() ? row["model_mb"].get<double>() : 0;
                c.energy_j = p.energy_j;
                c.lat_ms = p.lat_ms;
                c.mem_mb = p.mem_mb;
                c.n = row["n_samples"].is_number() ? row["n_samples"].get<int>() : 0;
                c.granularity = granularity;
                cands.push_back(c);
                row_of.push_back(t["rows"].size());
            } else {
                t["notes"].push_back(keys[i] + " lacks " + std::string(!q ? metric + "," + filter : !thr ? row["thr_field"].get<std::string>()
                                                                                           : !lat ? row["lat_field"].get<std::string>()
                                                                                                  : "peak_rss_mb") +
                                     " on " + task + "; it is left out of PER, Pareto and the recommendation.");
            }
            t["rows"].push_back(row);
        }
        const bool tokens = granularity == "tokens";
        t["granularity"] = granularity;
        t["headline"] = {{"metric", metric}, {"filter", filter}, {"key", metric + "," + filter}, {"higher_is_better", hib}};
        t["thr_unit"] = tokens ? "tokens/s" : "samples/s";
        t["lat_unit"] = tokens ? "ms/token" : "ms/sample";
        t["energy_unit"] = tokens ? "J/token" : "J/sample";
        if (!hib) {
            t["notes"].push_back(metric + " is lower-is-better: PER, the Pareto sets and the recommendation use its negative as quality.");
        }

        bool task_energy = !per_in.empty();
        for (const auto & p : per_in) task_energy = task_energy && p.energy_j.has_value();
        t["energy_for_all"] = task_energy;
        json per_variant = per_variant_name(variant);
        if (variant == PerVariant::EnergyAware && !task_energy) {
            per_variant = "relative";
            t["notes"].push_back("Energy is missing for some model on " + task + ": PER falls back to the relative variant.");
        }
        t["per_variant"] = per_variant;
        if (!per_in.empty()) {
            PerOptions po;
            po.variant = per_variant == "relative" ? PerVariant::Relative : PerVariant::EnergyAware;
            const auto per = compute_per(per_in, po);
            for (size_t k = 0; k < per.size(); ++k) t["rows"][row_of[k]]["per"] = per[k].to_json();
            if (per.size() > 1 && std::all_of(per.begin(), per.end(), [](const PerRow & p) { return p.per == 0; })) {
                t["notes"].push_back("Every model's PER is 0 on " + task + ": each is the worst of this set on at least one dimension "
                                     "(relative PER gives the worst 0 by construction). The Pareto sets and the recommendation "
                                     "tell them apart; PER separates models once more of them are compared.");
            }
            if (task_energy && po.variant == PerVariant::Relative) {
                po.variant = PerVariant::EnergyAware;
                const auto pe = compute_per(per_in, po);
                for (size_t k = 0; k < pe.size(); ++k) t["rows"][row_of[k]]["per_energy"] = pe[k].to_json();
            }

            // Pareto sets: 2-D views and all dimensions at once.
            auto front = [&](const std::vector<std::function<double(const PerInput &)>> & dims, const std::vector<bool> & maximise) {
                std::vector<std::vector<double>> pts;
                for (const auto & p : per_in) {
                    std::vector<double> v;
                    for (const auto & d : dims) v.push_back(d(p));
                    pts.push_back(v);
                }
                json names = json::array();
                for (size_t i : pareto_front(pts, maximise)) names.push_back(per_in[i].model);
                return names;
            };
            auto acc = [](const PerInput & p) { return p.acc; };
            auto lat = [](const PerInput & p) { return p.lat_ms; };
            auto mem = [](const PerInput & p) { return p.mem_mb; };
            auto thr = [](const PerInput & p) { return p.thr / p.n_devices; };
            auto energy = [](const PerInput & p) { return *p.energy_j; };
            json pareto = {{"quality_latency", front({acc, lat}, {true, false})},
                           {"quality_memory", front({acc, mem}, {true, false})}};
            pareto["quality_energy"] = task_energy ? front({acc, energy}, {true, false}) : json();
            pareto["all_dimensions"] = task_energy ? front({acc, thr, lat, mem, energy}, {true, true, false, false, false})
                                                   : front({acc, thr, lat, mem}, {true, true, false, false});
            pareto["all_dimensions_names"] = task_energy ? "quality, throughput, latency, memory, energy"
                                                         : "quality, throughput, latency, memory";
            t["pareto"] = pareto;
            for (auto & row : t["rows"]) {
                json on = json::object();
                for (const char * s : {"quality_latency", "quality_memory", "quality_energy", "all_dimensions"}) {
                    on[s] = pareto[s].is_array() && std::find(pareto[s].begin(), pareto[s].end(), row["model"]) != pareto[s].end();
                }
                row["pareto"] = on;
            }
            std::string descriptive;
            for (const auto & r : input.models) {
                if (r.contains("results") && r["results"].contains(task)) {
                    descriptive = descriptive_reason(r, task, metric);
                    break;
                }
            }
            if (descriptive.empty()) t["recommendation"] = recommend(task, cands, options.delta).to_json();
            else t["no_recommendation"] = "no recommendation: " + descriptive + ".";
        } else {
            t["notes"].push_back("No model has complete figures on " + task + ": no PER, Pareto sets or recommendation.");
        }

        json pt = json::object();
        const auto & r0 = input.models[t["rows"].empty() ? 0 : t["rows"][0]["index"].get<size_t>()];
        if (r0.contains("n-shot") && r0["n-shot"].contains(task)) pt["n_shot"] = r0["n-shot"][task];
        if (r0.contains("n-samples") && r0["n-samples"].contains(task)) pt["n_samples"] = r0["n-samples"][task];
        pt["headline"] = t["headline"]["key"];
        prov_tasks[task] = pt;
        task_docs.push_back(std::move(t));
    }
    out["tasks"] = task_docs;
    prov["tasks"] = prov_tasks;
    if (!prov.contains("energy_meter") && any_energy) {
        // Older results.json: the meter's label comes from the figures themselves.
        std::set<std::string> sources;
        for (const auto & t : task_docs)
            for (const auto & r : t["rows"])
                if (!r["energy"].is_null()) sources.insert(r["energy"]["source"].get<std::string>());
        std::string s;
        for (const auto & x : sources) s += (s.empty() ? "" : ", ") + x;
        prov["energy_meter"] = {{"source", s}, {"notes", json::array()}};
    }
    if (!prov.contains("carbon")) {
        for (const auto & t : task_docs)
            for (const auto & r : t["rows"])
                if (!prov.contains("carbon") && r["co2e"].is_object()) {
                    prov["carbon"] = {{"g_per_kwh", r["co2e"].value("intensity_g_per_kwh", json())},
                                      {"origin", r["co2e"].value("intensity_origin", "")},
                                      {"source", r["co2e"].value("intensity_source", "")},
                                      {"pue", r["co2e"].value("pue", json())}};
                }
    }
    out["provenance"] = prov;
    out["energy"] = {{"any", any_energy}, {"all", any_energy && all_energy}, {"estimated", any_estimated}};

    json notes = json::array();
    if (any_estimated) {
        notes.push_back("Energy is ESTIMATED, not measured: this machine exposes no energy counters that rightsize could read, so "
                        "power was modelled from the CPU's TDP and its load (and RAM size). Energy and CO2e figures marked "
                        "\"estimated\" are approximations; compare them between models of this run, not with measured figures.");
    }
    if (!any_energy) {
        notes.push_back("Energy was not measured for this run (its results carry no energy fields): energy and CO2e show "
                        "\"not measured\" and PER is computed without energy.");
    } else if (!all_energy) {
        notes.push_back("Energy is missing for some model × task pairs (\"not measured\"); energy-aware PER and the "
                        "quality-vs-energy Pareto set are shown only for tasks where every model has it.");
    }
    notes.push_back("PER (Cao et al.) is the geometric mean of quality, throughput, latency and memory (energy too in the "
                    "energy-aware variant), each min-max normalised over the models in this report. It is relative: the "
                    "worst model on any dimension scores 0 there and so has PER 0, and adding or removing a model changes "
                    "every model's PER. Compare PER within one table only.");
    notes.push_back("Throughput and latency are per task granularity: samples/s and ms/sample for scoring tasks, generated "
                    "tokens/s and ms/token for generation. Throughput is per accelerator (divided by the devices used).");
    notes.push_back("A model is within reach of the best when its quality gap is at most delta = " + report_format::plain(options.delta) +
                    " or not significant at 95 % (|gap| < 1.96·√(se₁² + se₂²)).");
    const json limit = prov.contains("config") ? prov["config"].value("limit", json()) : json();
    if (limit.is_number() && limit.get<double>() > 0) {
        notes.push_back("Tasks were evaluated on a limit of " + report_format::plain(limit.get<double>()) +
                        " documents (--limit): the ± figures (standard errors) show how much the quality figures can move.");
    }
    if (prov["run_ids"].size() > 1) {
        notes.push_back("The input combines " + std::to_string(prov["run_ids"].size()) +
                        " runs; efficiency figures are comparable only if they ran on the same machine under the same load.");
    }
    out["notes"] = notes;
    // Behaviour probes: only when the run has some, so a report without them is unchanged.
    json probes = analyse_probes(input, keys);
    if (!probes["families"].empty()) out["probes"] = std::move(probes);
    return out;
}

}  // namespace rightsize
