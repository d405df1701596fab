// A merged model × task's efficiency (merge_efficiency.h).
#include "merge_efficiency.h"

#include "measure/energy_attribution.h"
#include <rightsize/interference.h>

#include <algorithm>
#include <map>

namespace rightsize {

using nlohmann::json;

namespace {

// The machine figures a shard recorded beside its timings, copied as they are.
const char * const kMachineKeys[] = {"n_devices", "peak_rss_scope", "memory_source", "model_mb", "model_mb_source", "threads",
                                     "hardware_threads", "oversubscribed", "served_by", "not_measured", "n_original", "n_shot"};

// The figures that are a property of one machine: null when a model × task spans several classes.
const char * const kPerClassKeys[] = {"samples_per_s", "ms_per_sample", "processed_tokens_per_s", "tokens_per_s", "ms_per_token",
                                      "ttft_ms", "tpot_ms", "peak_rss_mb", "server_timings"};

std::vector<SampleRecord> samples_of(std::span<const ShardPart * const> parts) {
    std::vector<SampleRecord> all;
    for (const ShardPart * p : parts) all.insert(all.end(), p->samples.begin(), p->samples.end());
    std::sort(all.begin(), all.end(), [](const json & a, const json & b) { return a["doc_id"].get<size_t>() < b["doc_id"].get<size_t>(); });
    return all;
}

// The energy block of these parts' documents: task_energy's sums, with the parts' component
// breakdown added up and their CPU load weighted by their seconds. Null when no part has energy.
json merged_energy(std::span<const ShardPart * const> parts, std::span<const SampleRecord> samples, const json & efficiency) {
    std::map<std::string, json> components;
    double load_weighted = 0, load_seconds = 0;
    bool any = false;
    std::string query;
    for (const ShardPart * p : parts) {
        if (!p->efficiency.is_object()) continue;
        const json & e = p->efficiency.value("energy", json());
        if (!e.is_object()) continue;
        any = true;
        if (e.contains("query")) query = e["query"];
        for (const auto & c : e.value("parts", json::array())) {
            json & acc = components[c.value("name", "")];
            if (acc.is_null()) acc = c;
            else acc["joules"] = acc.value("joules", 0.0) + c.value("joules", 0.0);
        }
        if (e["cpu_load"].is_number()) {
            load_weighted += e["cpu_load"].get<double>() * e.value("seconds", 0.0);
            load_seconds += e.value("seconds", 0.0);
        }
    }
    if (!any) return nullptr;
    json energy = task_energy(samples, {}, efficiency);
    energy["parts"] = json::array();
    for (auto & [name, c] : components) energy["parts"].push_back(c);
    energy["cpu_load"] = load_seconds > 0 ? json(load_weighted / load_seconds) : json(nullptr);
    if (!query.empty()) energy["query"] = query;
    return energy;
}

// One class's figures: the timings over its documents, the machine figures its shards recorded
// (peak memory: the largest), its energy.
json class_efficiency(const TaskConfig & task, std::span<const ShardPart * const> parts) {
    const auto samples = samples_of(parts);
    json e = task_sample_efficiency(task, samples);
    json peak = nullptr;
    for (const ShardPart * p : parts) {
        if (!p->efficiency.is_object()) continue;
        for (const char * k : kMachineKeys) {
            if (p->efficiency.contains(k) && !e.contains(k)) e[k] = p->efficiency[k];
        }
        const json & rss = p->efficiency.value("peak_rss_mb", json());
        if (rss.is_number() && (peak.is_null() || rss.get<double>() > peak.get<double>())) peak = rss;
    }
    e["peak_rss_mb"] = peak;
    e["energy"] = merged_energy(parts, samples, e);
    e["interference"] = summarise_interference(samples);
    e["hardware_class"] = parts.front()->class_label;
    return e;
}

}  // namespace

json hardware_class(const json & hardware, const std::string & llama_cpp) {
    json gpus = json::array();
    for (const auto & d : hardware.value("devices", json::array())) {
        if (d.value("type", "cpu") != "cpu") gpus.push_back(d.value("description", d.value("name", "")));
    }
    return {{"cpu_model", hardware.value("cpu_model", json())}, {"logical_cpus", hardware.value("logical_cpus", json())},
            {"threads", hardware.value("threads", json())}, {"gpus", gpus}, {"llama_cpp", llama_cpp}};
}

std::string hardware_class_label(const json & c) {
    const auto text = [](const json & v) { return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string("?") : v.dump(); };
    std::string label = c["cpu_model"].is_string() ? c["cpu_model"].get<std::string>() : std::string("unknown CPU");
    label += " · " + text(c["logical_cpus"]) + " CPUs · " + text(c["threads"]) + " threads";
    for (const auto & g : c["gpus"]) label += " · " + text(g);
    return label + " · llama.cpp " + text(c["llama_cpp"]);
}

json merged_efficiency(const TaskConfig & task, std::span<const ShardPart> parts) {
    std::map<std::string, std::vector<const ShardPart *>> by_class;
    std::vector<const ShardPart *> all;
    for (const auto & p : parts) {
        by_class[p.class_label].push_back(&p);
        all.push_back(&p);
    }
    json e;
    if (by_class.size() == 1) {
        e = class_efficiency(task, all);
    } else {
        e = task_sample_efficiency(task, samples_of(all));
        for (const char * k : kPerClassKeys) {
            if (e.contains(k)) e[k] = nullptr;
        }
        e["peak_rss_mb"] = nullptr;
        e["mixed_hardware"] = true;
        e["hardware_class"] = nullptr;
        e["by_hardware_class"] = json::array();
        double tokens = 0;
        for (const auto & [label, members] : by_class) {
            json c = class_efficiency(task, members);
            tokens += c.value("processed_tokens_per_s", 0.0) * c.value("wall_s", 0.0);
            e["by_hardware_class"].push_back(std::move(c));
        }
        e["processed_tokens"] = tokens;
        const json & first = e["by_hardware_class"][0];
        for (const char * k : kMachineKeys) {
            if (first.contains(k) && !e.contains(k)) e[k] = first[k];
        }
        e["energy"] = merged_energy(all, samples_of(all), e);
        e["interference"] = summarise_interference(samples_of(all));
        e["note"] = "measured on " + std::to_string(by_class.size()) +
                    " hardware classes: throughput, latency and memory are given per class (by_hardware_class), never "
                    "averaged across them; energy and CO2e are the sum over every class";
    }
    e["shards"] = json::array();
    for (const auto & p : parts) e["shards"].push_back({{"index", p.index}, {"hardware_class", p.class_label}, {"n_samples", p.samples.size()}});
    return e;
}

}  // namespace rightsize
