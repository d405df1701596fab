// A run's energy bookkeeping (see energy_attribution.h).
#include "energy_attribution.h"

#include <rightsize/stats.h>

#include <map>
#include <set>

namespace rightsize {

namespace {

// Several windows with different sources: the labels joined, e.g. "measured:rapl+estimated:tdp".
std::string join_sources(const std::set<std::string> & sources) {
    std::set<std::string> parts;
    for (const auto & s : sources) {
        size_t start = 0;
        while (start <= s.size()) {
            const auto plus = s.find('+', start);
            const auto one = s.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
            if (!one.empty() && one != "none") parts.insert(one);
            if (plus == std::string::npos) break;
            start = plus + 1;
        }
    }
    std::string out;
    for (const auto & p : parts) out += (out.empty() ? "" : "+") + p;
    return out.empty() ? "none" : out;
}

// json.value() throws when the key holds null (hardware facts that could not be read).
double num(const nlohmann::json & j, const char * key, double fallback = 0) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::string str(const nlohmann::json & j, const char * key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void attribute_energy(const EnergyReading & lap, std::span<nlohmann::json> records) {
    double total_ms = 0;
    for (const auto & r : records) total_ms += r.value("cost_ms", 0.0);
    for (auto & r : records) {
        const double share = total_ms > 0 ? r.value("cost_ms", 0.0) / total_ms : 1.0 / double(records.size());
        r["energy"] = {{"cpu_j", lap.cpu_j * share}, {"ram_j", lap.ram_j * share}, {"gpu_j", lap.gpu_j * share},
                       {"source", lap.source}};
    }
}

nlohmann::json task_energy(std::span<const nlohmann::json> samples, const std::vector<EnergyReading> & laps,
                           const nlohmann::json & efficiency) {
    double cpu = 0, ram = 0, gpu = 0;
    std::set<std::string> sources;
    size_t with_energy = 0;
    for (const auto & s : samples) {
        if (!s.contains("energy")) continue;
        const auto & e = s["energy"];
        cpu += e.value("cpu_j", 0.0);
        ram += e.value("ram_j", 0.0);
        gpu += e.value("gpu_j", 0.0);
        sources.insert(e.value("source", std::string("none")));
        ++with_energy;
    }
    const std::string source = with_energy ? join_sources(sources) : "none";
    // The breakdown by RAPL zone / GPU, summed over this process's windows.
    std::map<std::string, EnergyPart> parts;
    double load_weighted = 0, load_seconds = 0;
    for (const auto & lap : laps) {
        for (const auto & p : lap.parts) {
            auto & acc = parts[p.name];
            acc.name = p.name;
            acc.source = p.source;
            acc.inside = p.inside;
            acc.joules += p.joules;
        }
        if (lap.cpu_load >= 0) {
            load_weighted += lap.cpu_load * lap.seconds;
            load_seconds += lap.seconds;
        }
    }
    nlohmann::json jparts = nlohmann::json::array();
    // `inside`: already counted in another part (core and uncore inside their package), not added.
    for (const auto & [name, p] : parts) {
        jparts.push_back({{"name", name}, {"joules", p.joules}, {"source", p.source}, {"inside", p.inside}});
    }
    const double total = cpu + ram + gpu;
    const double n = efficiency.value("n_samples", 0.0);
    const auto & gen = efficiency.contains("generated_tokens") ? efficiency["generated_tokens"] : nlohmann::json();
    nlohmann::json j = {{"seconds", efficiency.value("wall_s", 0.0)},
                        {"cpu_j", cpu},
                        {"ram_j", ram},
                        {"gpu_j", gpu},
                        {"total_j", total},
                        {"kwh", total / 3.6e6},
                        {"source", source},
                        {"measured", source.find("estimated") == std::string::npos && source != "none"},
                        {"parts", jparts},
                        {"cpu_load", load_seconds > 0 ? nlohmann::json(load_weighted / load_seconds) : nlohmann::json(nullptr)},
                        {"documents_with_energy", with_energy},
                        {"j_per_sample", n > 0 && with_energy ? nlohmann::json(total / n) : nlohmann::json(nullptr)},
                        {"j_per_token", gen.is_number() && gen.get<double>() > 0 ? nlohmann::json(total / gen.get<double>())
                                                                                  : nlohmann::json(nullptr)}};
    if (with_energy == samples.size() && !samples.empty()) {
        // J per document (and per generated token) with its bootstrap interval over the documents.
        std::vector<double> joules, one(samples.size(), 1.0), generated;
        std::vector<long long> unit;
        for (const auto & s : samples) {
            const auto & e = s["energy"];
            joules.push_back(num(e, "cpu_j") + num(e, "ram_j") + num(e, "gpu_j"));
            generated.push_back(num(s, "generated_tokens"));
            const auto c = s.find("chunk");
            unit.push_back(c != s.end() && c->is_number_integer() ? c->get<long long>() : -1 - (long long)(unit.size()));
        }
        const auto to_json = [](const RatioInterval & r) { return nlohmann::json{{"se", r.stderr_}, {"ci95", {r.lo, r.hi}}}; };
        j["uncertainty"] = {{"method", "bootstrap over the measured batches (1000 resamples, seed 1234), as efficiency.uncertainty"},
                            {"j_per_sample", to_json(bootstrap_ratio_by_unit(joules, one, unit))}};
        if (gen.is_number() && gen.get<double>() > 0) j["uncertainty"]["j_per_token"] = to_json(bootstrap_ratio_by_unit(joules, generated, unit));
    }
    if (with_energy && with_energy < samples.size()) {
        j["note"] = std::to_string(samples.size() - with_energy) + " document(s) were scored without an energy meter";
    }
    return j;
}

nlohmann::json task_co2e(const nlohmann::json & energy, const nlohmann::json & efficiency, double headline_acc,
                         const CarbonIntensity & ci, double pue, const LifecycleOptions & o, const std::string & model_key,
                         double n_params) {
    if (energy.value("source", std::string("none")) == "none") return nullptr;
    const double n = num(efficiency, "n_samples");
    // A merge across hardware classes has no one token rate: it states the tokens processed.
    const double tokens = efficiency.contains("processed_tokens") ? num(efficiency, "processed_tokens")
                                                                  : num(efficiency, "processed_tokens_per_s") * num(efficiency, "wall_s");
    const auto f = co2e_figures(num(energy, "kwh"), ci, pue, n, headline_acc * n, tokens);
    nlohmann::json j = f.to_json();
    j["intensity_g_per_kwh"] = ci.g_per_kwh;
    j["intensity_origin"] = ci.origin;
    j["intensity_source"] = ci.source;
    j["pue"] = pue;
    j["energy_source"] = energy["source"];
    // CO2e per query is proportional to energy per document: the same interval, scaled.
    const auto u = energy.find("uncertainty");
    const double jps = num(energy, "j_per_sample");
    if (u != energy.end() && u->is_object() && u->contains("j_per_sample") && jps > 0 && j["g_per_1000_queries"].is_number()) {
        const double k = j["g_per_1000_queries"].get<double>() / jps;
        const auto & ci = (*u)["j_per_sample"]["ci95"];
        j["g_per_1000_queries_ci95"] = {ci[0].get<double>() * k, ci[1].get<double>() * k};
    }
    if (o.expected_queries > 0) {
        TrainingFootprint t;
        const auto kg = o.training_kg.find(model_key);
        const auto tok = o.training_tokens.find(model_key);
        if (kg != o.training_kg.end()) t.kg_co2e = kg->second;
        if (tok != o.training_tokens.end()) {
            t.n_params = n_params;
            t.n_tokens = tok->second;
        }
        if (t.kg_co2e || t.n_tokens > 0) {
            j["lifecycle"] = amortise(t, o.expected_queries, n > 0 ? f.co2e_g / n : 0.0).to_json();
        }
    }
    return j;
}

std::string emissions_csv(const std::vector<nlohmann::json> & results_docs, const CarbonOptions & carbon,
                          const nlohmann::json & hardware) {
    std::string out = emissions_csv_header();
    for (const auto & doc : results_docs) {
        if (!doc.contains("efficiency")) continue;
        for (const auto & [task, eff] : doc["efficiency"].items()) {
            if (!eff.contains("energy") || !eff["energy"].is_object()) continue;
            const auto & e = eff["energy"];
            EmissionsRow r;
            r.timestamp = doc.value("date", "");
            r.run_id = doc.value("run_id", "");
            // A folder's results gather tasks from several runs: each row names the run it comes from.
            if (doc.contains("task_runs") && doc["task_runs"].contains(task)) {
                r.run_id = doc["task_runs"][task].value("run_id", r.run_id);
                r.timestamp = doc["task_runs"][task].value("finished_at", r.timestamp);
            }
            r.model = doc.contains("model") ? doc["model"].value("path", "") : "";
            if (doc.contains("model")) {
                // Adapters are part of the model's identity: "base.gguf + lora adapter.gguf@4".
                for (const auto & a : doc["model"].value("adapters", nlohmann::json::array())) {
                    r.model += " + lora " + a.value("path", "") + "@" + nlohmann::json(a.value("scale", 1.0)).dump();
                }
            }
            r.task = task;
            r.duration_s = e.value("seconds", 0.0);
            r.cpu_j = e.value("cpu_j", 0.0);
            r.ram_j = e.value("ram_j", 0.0);
            r.gpu_j = e.value("gpu_j", 0.0);
            r.energy_source = e.value("source", "none");
            // A merge of incomplete shards says so on every row (merge.json lists what is missing).
            if (doc.contains("rightsize_merge") && doc["rightsize_merge"].is_object() && doc["rightsize_merge"].value("partial", false)) {
                r.project_name = "rightsize (PARTIAL merge: see merge.json)";
            }
            r.scope = str(e, "scope");
            if (eff.contains("co2e") && eff["co2e"].is_object()) {
                r.intensity.g_per_kwh = eff["co2e"].value("intensity_g_per_kwh", kWorldAverageIntensity);
                r.intensity.origin = eff["co2e"].value("intensity_origin", "");
                r.intensity.source = eff["co2e"].value("intensity_source", "");
            }
            r.pue = carbon.pue;
            r.country_iso = carbon.country;
            if (const auto colon = carbon.cloud.find(':'); colon != std::string::npos) {
                r.cloud_provider = carbon.cloud.substr(0, colon);
                r.cloud_region = carbon.cloud.substr(colon + 1);
            }
            r.os = str(hardware, "os") + " " + str(hardware, "kernel");
            r.cpu_model = str(hardware, "cpu_model");
            r.cpu_count = int(num(hardware, "logical_cpus"));
            r.ram_total_gb = num(hardware, "memory_total_mb") / 1024.0;
            out += emissions_csv_line(r);
        }
    }
    return out;
}

}  // namespace rightsize
