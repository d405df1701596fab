// The report's analysis: one JSON document that every renderer reads, so HTML, Markdown and the
// terminal always agree. Loading the input is in report_load.cpp.
#include "report_format.h"
#include "report_probes.h"
#include "report_section.h"

#include <rightsize/error.h>
#include <rightsize/model_facts.h>
#include <rightsize/comparison.h>
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



using report_format::num;

namespace {

// The key a model is shown under: its file name without .gguf, as `rightsize run` files it.
std::string display_key(const json & r, size_t index) {
    if (r.contains("rightsize_store_key") && r["rightsize_store_key"].is_string()) return r["rightsize_store_key"];
    if (r.contains("model") && r["model"].is_object() && r["model"].contains("key") && r["model"]["key"].is_string()) {
        return r["model"]["key"];
    }
    std::string path;
    if (r.contains("model") && r["model"].is_object()) path = r["model"].value("path", "");
    if (path.empty() && r.contains("config") && r["config"].is_object()) {
        path = r["config"].value("model_args", "");
        const auto eq = path.find("model=");
        path = eq == std::string::npos ? "" : path.substr(eq + 6, path.find(',', eq) - eq - 6);
    }
    std::string stem = rightsize::model_key(path);
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
    const json & iv = report_format::member(report_format::member(e, "uncertainty"), granularity == "tokens" ? "j_per_token" : "j_per_sample");
    return {{"j_per_unit", *per_unit},
            {"se", iv.is_object() ? iv.value("se", json()) : json()},
            {"ci95", iv.is_object() ? iv.value("ci95", json()) : json()},
            {"field", granularity == "tokens" ? "j_per_token" : "j_per_sample"},
            {"unit", granularity == "tokens" ? "J/token" : "J/sample"},
            {"total_j", e.value("total_j", json())},
            {"kwh", e.value("kwh", json())},
            {"seconds", e.value("seconds", json())},
            {"source", source},
            {"scope", e.contains("scope") && e["scope"].is_string() ? e["scope"] : json()},
            {"label", report_format::energy_source_label(source)},
            {"estimated", source.find("estimated") != std::string::npos},
            {"parts", e.value("parts", json::array())}};
}

void add_unique(json & list, const std::string & s) {
    if (std::find(list.begin(), list.end(), json(s)) == list.end()) list.push_back(s);
}

// The models, keyed uniquely (a second file of the same model gets " (2)").
json models_block(const ReportInput & input, std::vector<std::string> & keys) {
    json models = json::array();
    for (size_t i = 0; i < input.models.size(); ++i) {
        const auto & r = input.models[i];
        std::string key = display_key(r, i);
        for (int n = 2; std::find(keys.begin(), keys.end(), key) != keys.end(); ++n) key = display_key(r, i) + " (" + std::to_string(n) + ")";
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
    return models;
}

// Provenance from every file: a report may combine runs (then each differing field lists them).
json provenance_block(const ReportInput & input) {
    json prov = {{"origin", input.origin}, {"run_ids", json::array()}, {"dates", json::array()}, {"git_hashes", json::array()},
                 {"rightsize_versions", json::array()}, {"llama_cpp_versions", json::array()}};
    for (const auto & r : input.models) {
        for (const auto & [field, list] : {std::pair{"run_id", "run_ids"}, {"date", "dates"}, {"git_hash", "git_hashes"},
                                           {"rightsize_version", "rightsize_versions"}, {"llama_cpp_version", "llama_cpp_versions"}}) {
            if (r.contains(field) && r[field].is_string() && !r[field].get<std::string>().empty()) add_unique(prov[list], r[field]);
        }
        if (r.contains("task_runs") && r["task_runs"].is_object()) {
            for (const auto & [task, run] : r["task_runs"].items()) {
                if (const std::string id = report_format::text_at(run, "run_id"); !id.empty()) add_unique(prov["run_ids"], id);
            }
        }
        for (const char * k : {"hardware", "energy_meter", "carbon"}) {
            if (!prov.contains(k) && r.contains(k) && r[k].is_object()) prov[k] = r[k];
        }
        if (!prov.contains("config") && r.contains("config") && r["config"].is_object()) {
            const auto & c = r["config"];
            prov["config"] = {{"limit", c.value("limit", json())}, {"num_fewshot", c.value("num_fewshot", json())},
                              {"fewshot_seed", c.value("fewshot_seed", json())},
                              {"apply_chat_template", c.value("apply_chat_template", json())}, {"llama", c.value("llama", json())}};
        }
    }
    if (!input.run_id.empty()) add_unique(prov["run_ids"], input.run_id);
    return prov;
}

// The runs a task's results come from: a folder's results.json names each task's run
// ("task_runs"); otherwise the document's run.
json runs_of_task(const ReportInput & input, const std::string & task) {
    json runs = json::array();
    for (const auto & r : input.models) {
        if (!r.contains("results") || !r["results"].contains(task)) continue;
        std::string run = report_format::text_at(r, "run_id");
        if (r.contains("task_runs") && r["task_runs"].is_object() && r["task_runs"].contains(task)) {
            run = report_format::text_at(r["task_runs"][task], "run_id");
        }
        if (!run.empty()) add_unique(runs, run);
    }
    return runs;
}

// Tasks in order of first appearance; groups have no efficiency of their own and are left to
// their member tasks.
std::vector<std::string> tasks_of(const ReportInput & input) {
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
    return tasks;
}


// A model's row on a task: the headline quality and the other metrics, efficiency, energy, CO2e.
json model_row(const json & r, const json & res, const json & eff, const json & headline, const std::string & granularity) {
    const std::string key = headline["key"];
    const bool tokens = granularity == "tokens";
    json row;
    const auto q = num(res, key.c_str());
    const std::string metric = headline["metric"], filter = headline["filter"];
    const auto qse = num(res, (metric + "_stderr," + filter).c_str());
    row["quality"] = {{"key", key}, {"value", q ? json(*q) : json()}, {"stderr", qse ? json(*qse) : json()}};
    json others = json::array();
    for (const auto & [k, v] : res.items()) {
        const auto comma = k.find(',');
        if (comma == std::string::npos || k.find("_stderr,") != std::string::npos || !v.is_number() || k == key) continue;
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
    // Their bootstrap intervals over the documents (efficiency.uncertainty), when recorded.
    const json & u = report_format::member(eff, "uncertainty");
    for (const auto & [dim, field] : {std::pair{"thr", row["thr_field"].get<std::string>()}, std::pair{"lat", row["lat_field"].get<std::string>()}}) {
        const json & iv = report_format::member(u, field.c_str());
        if (iv.is_object() && iv.contains("se")) {
            row[std::string(dim) + "_se"] = iv["se"];
            row[std::string(dim) + "_ci95"] = iv.value("ci95", json());
        }
    }
    // Where the memory figure comes from: this process, the server's Prometheus, or a declaration.
    row["memory_source"] = eff.contains("memory_source") && eff["memory_source"].is_string() ? eff["memory_source"]
                                                                                             : json("measured:process");
    const auto mmb = num(report_format::member(r, "model"), "model_mb");
    const auto emb = num(eff, "model_mb");
    row["model_mb"] = mmb ? json(*mmb) : emb ? json(*emb) : json();
    const double devices = num(eff, "n_devices").value_or(1);  // a count; anything else reads as one device
    row["n_devices"] = devices >= 1 && devices <= 1e6 ? static_cast<int>(devices) : 1;
    for (const char * f : {"ttft_ms", "tpot_ms"}) {
        if (eff.contains(f) && eff[f].is_object()) row[f] = eff[f];
    }
    // Merged shards (merge.h): the machine class that measured it, or several (figures per class only).
    row["hardware_class"] = eff.contains("hardware_class") && eff["hardware_class"].is_string() ? eff["hardware_class"] : json();
    row["mixed_hardware"] = eff.contains("mixed_hardware") && eff["mixed_hardware"].is_boolean() && eff["mixed_hardware"].get<bool>();
    const json & interference = report_format::member(eff, "interference");
    row["disturbed"] = interference.is_object() && interference.value("disturbed", false);
    if (row["disturbed"].get<bool>()) row["disturbed_reason"] = interference.value("reason", std::string());
    row["energy"] = energy_of(eff, granularity);
    row["co2e"] = eff.contains("co2e") && eff["co2e"].is_object() && num(eff["co2e"], "co2e_g") && !row["energy"].is_null()
                      ? eff["co2e"] : json();
    return row;
}

// The record PER, Pareto and the recommendation read from a row; nullopt (and a note) when a figure
// is missing.
std::optional<PerRecord> record_of(const json & row, const std::string & task, bool hib, const std::string & granularity,
                                   json & notes) {
    const auto q = num(row["quality"], "value"), qse = num(row["quality"], "stderr");
    const auto thr = num(row, "thr"), lat = num(row, "lat_ms"), mem = num(row, "peak_rss_mb");
    const std::string model = row["model"];
    if (row["mixed_hardware"].get<bool>()) {
        notes.push_back(model + "'s efficiency on " + task + " was measured on several hardware classes (by_hardware_class in its "
                        "results.json); it is left out of PER, Pareto and the recommendation, which compare one class's figures.");
        return std::nullopt;
    }
    if (!q || !thr || !lat || !mem) {
        notes.push_back(model + " lacks " + std::string(!q ? row["quality"]["key"].get<std::string>() : !thr ? row["thr_field"].get<std::string>()
                                                          : !lat ? row["lat_field"].get<std::string>() : "peak_rss_mb") +
                        " on " + task + "; it is left out of PER, Pareto and the recommendation.");
        return std::nullopt;
    }
    PerRecord rec;
    auto & p = rec.input;
    p.task = task;
    p.model = model;
    p.acc = hib ? *q : -*q;  // PER, Pareto and the recommendation treat quality as higher-is-better
    p.thr = *thr;
    p.lat_ms = *lat;
    p.mem_mb = *mem;
    if (!row["energy"].is_null()) p.energy_j = row["energy"]["j_per_unit"].get<double>();
    p.n_devices = std::max(1, row["n_devices"].get<int>());
    p.granularity = granularity;
    rec.has_stderr = qse.has_value();
    rec.candidate = {model, p.acc, qse.value_or(0), row["model_mb"].is_number() ? row["model_mb"].get<double>() : 0,
                     p.energy_j, p.lat_ms, p.mem_mb, row["n_samples"].is_number() ? row["n_samples"].get<int>() : 0, granularity};
    return rec;
}

TaskSection task_section(const ReportInput & input, const std::vector<std::string> & keys, const std::string & task) {
    TaskSection s;
    json & t = s.t;
    t = {{"task", task}, {"rows", json::array()}, {"notes", json::array()}};
    std::string granularity, descriptive;
    json headline;
    bool hib = true;
    for (size_t i = 0; i < input.models.size(); ++i) {
        const auto & r = input.models[i];
        const json & eff = report_format::member(report_format::member(r, "efficiency"), task);
        const json & res = report_format::member(report_format::member(r, "results"), task);
        if (!eff.is_object() || !res.is_object()) {
            t["notes"].push_back(keys[i] + " has no results for " + task + " in this input.");
            continue;
        }
        if (granularity.empty()) {
            granularity = report_format::text_at(eff, "granularity");
            if (granularity.empty()) granularity = "samples";
            const auto [metric, filter] = headline_of(r, task);
            hib = higher_is_better(r, task, metric);
            headline = {{"metric", metric}, {"filter", filter}, {"key", metric + "," + filter}, {"higher_is_better", hib}};
            descriptive = descriptive_quality(r, task, metric);
        }
        json row = model_row(r, res, eff, headline, granularity);
        row["model"] = keys[i];
        row["index"] = i;
        if (auto rec = record_of(row, task, hib, granularity, t["notes"])) {
            rec->descriptive = descriptive;
            rec->machine_memory_mb = num(report_format::member(r, "hardware"), "memory_total_mb").value_or(0.0);
            s.records.push_back(std::move(*rec));
            s.row_of.push_back(t["rows"].size());
        }
        t["rows"].push_back(std::move(row));
    }
    const bool tokens = granularity == "tokens";
    t["granularity"] = granularity;
    t["headline"] = headline.is_null() ? json{{"metric", ""}, {"filter", ""}, {"key", ","}, {"higher_is_better", true}} : headline;
    t["thr_unit"] = tokens ? "tokens/s" : "samples/s";
    t["lat_unit"] = tokens ? "ms/token" : "ms/sample";
    t["energy_unit"] = tokens ? "J/token" : "J/sample";
    if (!hib) {
        const std::string metric = headline["metric"];
        t["notes"].push_back(metric + " is lower-is-better: PER, the Pareto sets and the recommendation use its negative as quality.");
    }
    return s;
}

// The comparison's figures (PER, Pareto sets, recommendation) written into the task's section.
void apply_comparison(TaskSection & s, const ReportOptions & options) {
    json & t = s.t;
    const ComparisonOptions co = comparison_options(options);
    const auto compared = compare_models(s.records, co);
    if (compared.empty()) {
        t["energy_for_all"] = false;
        t["per_variant"] = "relative";
        t["notes"].push_back("No model has complete figures on " + t["task"].get<std::string>() + ": no PER, Pareto sets or recommendation.");
        return;
    }
    const TaskComparison & c = compared.front();
    t["energy_for_all"] = c.energy_for_all;
    t["per_variant"] = per_variant_name(c.per_variant);
    for (const auto & n : c.notes) t["notes"].push_back(n);
    for (size_t k = 0; k < c.per.size(); ++k) t["rows"][s.row_of[k]]["per"] = c.per[k].to_json();
    for (size_t k = 0; k < c.per_energy.size(); ++k) t["rows"][s.row_of[k]]["per_energy"] = c.per_energy[k].to_json();
    const json pareto = c.pareto.to_json();
    t["pareto"] = pareto;
    for (auto & row : t["rows"]) {
        json on = json::object();
        for (const char * v : {"quality_latency", "quality_memory", "quality_energy", "all_dimensions", "within_noise"}) {
            on[v] = pareto[v].is_array() && std::find(pareto[v].begin(), pareto[v].end(), row["model"]) != pareto[v].end();
        }
        row["pareto"] = on;
    }
    if (c.recommendation) t["recommendation"] = c.recommendation->to_json();
    else t["no_recommendation"] = c.no_recommendation;
}

// Older results.json carry no meter or carbon block: they are read from the figures themselves.
void complete_provenance(json & prov, const json & task_docs, bool any_energy) {
    if (!prov.contains("energy_meter") && any_energy) {
        std::set<std::string> sources;
        for (const auto & t : task_docs)
            for (const auto & r : t["rows"])
                if (!r["energy"].is_null()) sources.insert(r["energy"]["source"].get<std::string>());
        std::string s;
        for (const auto & x : sources) s += (s.empty() ? "" : ", ") + x;
        prov["energy_meter"] = {{"source", s}, {"notes", json::array()}};
    }
    for (const auto & t : task_docs) {
        for (const auto & r : t["rows"]) {
            if (prov.contains("carbon") || !r["co2e"].is_object()) continue;
            prov["carbon"] = {{"g_per_kwh", r["co2e"].value("intensity_g_per_kwh", json())},
                              {"origin", r["co2e"].value("intensity_origin", "")},
                              {"source", r["co2e"].value("intensity_source", "")},
                              {"pue", r["co2e"].value("pue", json())}};
        }
    }
}

json report_notes(const json & energy, const json & prov, const ReportOptions & options) {
    json notes = json::array();
    if (energy["estimated"].get<bool>()) {
        notes.push_back("Energy is ESTIMATED, not measured: this machine exposes no energy counters that rightsize could read, so "
                        "power was modelled from the CPU's TDP and its load (and RAM size). Energy and CO2e figures marked "
                        "\"estimated\" are approximations; compare them between models of this run, not with measured figures.");
    }
    if (!energy["any"].get<bool>()) {
        notes.push_back("Energy was not measured for this run (its results carry no energy fields): energy and CO2e show "
                        "\"not measured\" and PER is computed without energy.");
    } else if (!energy["all"].get<bool>()) {
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
    return notes;
}

}  // namespace

nlohmann::json analyse(const ReportInput & input, const ReportOptions & options) {
    if (input.models.empty()) throw Error((input.origin.empty() ? std::string("report") : input.origin) + ": no models to report on");
    if (options.per_variant != "auto" && options.per_variant != "relative" && options.per_variant != "energy-aware") {
        throw Error("PER variant '" + options.per_variant + "' is not available in reports; use auto, relative or energy-aware");
    }
    json out;
    out["title"] = options.title;
    out["generator"] = std::string("rightsize ") + version();
    out["options"] = {{"delta", options.delta}, {"per_variant", options.per_variant}};
    std::vector<std::string> keys;
    out["models"] = models_block(input, keys);
    json prov = provenance_block(input);

    bool any_energy = false, any_estimated = false, all_energy = true;
    json task_docs = json::array();
    json prov_tasks = json::object();
    for (const auto & task : tasks_of(input)) {
        TaskSection s = task_section(input, keys, task);
        for (const auto & row : s.t["rows"]) {
            if (row["energy"].is_null()) {
                all_energy = false;
                continue;
            }
            any_energy = true;
            any_estimated = any_estimated || row["energy"]["estimated"].get<bool>();
        }
        keep_one_hardware_class(s);
        apply_comparison(s, options);
        add_per_uncertainty(s, input, options);
        json pt = json::object();
        const auto & r0 = input.models[s.t["rows"].empty() ? 0 : s.t["rows"][0]["index"].get<size_t>()];
        if (r0.contains("n-shot") && r0["n-shot"].contains(task)) pt["n_shot"] = r0["n-shot"][task];
        if (r0.contains("n-samples") && r0["n-samples"].contains(task)) pt["n_samples"] = r0["n-samples"][task];
        pt["headline"] = s.t["headline"]["key"];
        pt["runs"] = runs_of_task(input, task);
        prov_tasks[task] = pt;
        task_docs.push_back(std::move(s.t));
    }
    out["tasks"] = task_docs;
    prov["tasks"] = prov_tasks;
    complete_provenance(prov, task_docs, any_energy);
    out["provenance"] = prov;
    out["energy"] = {{"any", any_energy}, {"all", any_energy && all_energy}, {"estimated", any_estimated}};
    out["notes"] = report_notes(out["energy"], prov, options);
    std::set<std::string> scopes;
    for (const auto & t : task_docs) {
        for (const auto & r : t["rows"]) {
            if (r["energy"].is_object() && r["energy"]["scope"].is_string()) scopes.insert(r["energy"]["scope"].get<std::string>());
        }
    }
    out["energy"]["scopes"] = scopes;
    for (const auto & sc : scopes) {
        out["notes"].push_back(sc == "process" ? "Energy scope: process — each model is charged its share: RAPL energy in proportion to its share "
                                                 "of the machine's busy CPU time, estimated RAM power for the memory it holds (docs/energy.md)."
                               : sc == "machine" ? "Energy scope: machine — everything the counters see, RAM power for the machine's whole memory "
                                                   "(CodeCarbon's default tracking mode; docs/energy.md)."
                                                 : "Energy scope: " + sc + " — the serving machine's counters (Prometheus).");
    }
    if (scopes.size() > 1) out["notes"].push_back("Models measured in different energy scopes are not comparable on energy.");
    out["banners"] = report_banners(input, task_docs);
    // Behaviour probes: only when the run has some, so a report without them is unchanged.
    json probes = analyse_probes(input, keys);
    if (!probes["families"].empty()) out["probes"] = std::move(probes);
    return out;
}

std::string render_per_csv(const nlohmann::json & analysis) {
    std::vector<PerRow> rows;
    for (const auto & task : analysis.value("tasks", json::array())) {
        for (const auto & row : task.value("rows", json::array())) {
            for (const char * key : {"per", "per_energy"}) {
                if (row.contains(key) && row[key].is_object()) rows.push_back(PerRow::from_json(row[key]));
            }
        }
    }
    return per_rows_csv(rows);
}

}  // namespace rightsize
