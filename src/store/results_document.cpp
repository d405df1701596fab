// results.json, built once (results_document.h).
#include "results_document.h"

#include "../core/time_format.h"

#include <rightsize/error.h>
#include <rightsize/evaluator.h>
#include <rightsize/model_facts.h>
#include <rightsize/version.h>

#include <algorithm>
#include <map>

namespace rightsize {

using nlohmann::json;

namespace {

json headline_in(const std::vector<std::pair<std::string, std::string>> & keys, const json & task_results) {
    for (const auto & [metric, filter] : keys) {
        if (task_results.contains(metric + "," + filter)) return {{"metric", metric}, {"filter", filter}};
    }
    return nullptr;
}

// lm-eval's "config" block, from the run's configuration (run_config).
json config_block(const json & config, const json & model) {
    const json limit = config.value("limit", json());
    std::string args = "model=" + model.value("path", "");
    for (const auto & a : model.value("adapters", json::array())) {
        args += ",lora=" + a.value("path", "") + ":" + json(a.value("scale", 1.0)).dump();
    }
    return {{"model", "rightsize-llama.cpp"},
            {"model_args", args},
            {"limit", limit.is_number() && limit.get<double>() > 0 ? limit : json(nullptr)},
            {"task_limits", config.value("task_limits", json::object())},
            {"num_fewshot", config.value("num_fewshot", json())},
            {"apply_chat_template", config.value("apply_chat_template", json())},
            {"system_instruction", config.value("system_prompt", json())},
            {"fewshot_as_multiturn", config.value("fewshot_as_multiturn", json())},
            {"fewshot_seed", config.value("fewshot_seed", json())},
            {"llama", config.value("llama", json())}};
}

}  // namespace

TaskFacts TaskFacts::of(const TaskConfig & task, const json & task_results) {
    TaskFacts f;
    f.config = task.raw;
    f.version = task.version;
    for (const auto & m : task.metrics) f.higher_is_better[m.name] = m.higher_is_better;
    f.headline = headline_in(task.metric_filter_keys(), task_results);
    return f;
}

json TaskFacts::to_json() const {
    return {{"config", config}, {"version", version}, {"higher_is_better", higher_is_better}, {"headline", headline}};
}

TaskFacts TaskFacts::from_json(const json & j, const json & config, const json & task_results) {
    TaskFacts f;
    if (j.is_object() && j.contains("config")) {
        f.config = j["config"];
        f.version = j.value("version", json());
        f.higher_is_better = j.value("higher_is_better", json::object());
        f.headline = j.value("headline", json());
        return f;
    }
    f.config = config.is_object() ? config : json::object();
    std::vector<std::pair<std::string, std::string>> keys;
    std::vector<std::string> filters;
    for (const auto & fl : f.config.value("filter_list", json::array())) filters.push_back(fl.value("name", "none"));
    if (filters.empty()) filters.push_back("none");
    for (const auto & ml : f.config.value("metric_list", json::array())) {
        if (!ml.contains("metric") || !ml["metric"].is_string()) continue;
        f.higher_is_better[ml["metric"].get<std::string>()] = ml.value("higher_is_better", true);
        for (const auto & fl : filters) keys.push_back({ml["metric"], fl});
    }
    f.headline = headline_in(keys, task_results);
    if (f.config.contains("metadata") && f.config["metadata"].is_object()) f.version = f.config["metadata"].value("version", json());
    return f;
}

void ModelResults::add_task(const std::string & task, const TaskFacts & f, const json & task_results, json task_efficiency,
                            size_t n_original, size_t n_effective, int shots) {
    n_samples[task] = {{"original", n_original}, {"effective", n_effective}};
    n_shot[task] = shots;
    headline[task] = f.headline;
    results[task] = task_results;
    efficiency[task] = std::move(task_efficiency);
    configs[task] = f.config;
    versions[task] = f.version;
    higher_is_better[task] = f.higher_is_better;
}

void ModelResults::add_group(const TaskGroup & group) {
    std::vector<std::pair<json, size_t>> members;
    for (const auto & t : group.members) {
        if (results.contains(t)) members.push_back({results[t], n_samples[t]["effective"].get<size_t>()});
    }
    auto agg = aggregate_group(members);
    agg["alias"] = group.name;
    results[group.name] = agg;
    group_subtasks[group.name] = group.members;
}

json results_document(const ModelResults & m, const RunProvenance & p) {
    json j;
    j["results"] = m.results;
    j["headline"] = m.headline;
    j["group_subtasks"] = m.group_subtasks;
    j["configs"] = m.configs;
    j["versions"] = m.versions;
    j["n-shot"] = m.n_shot;
    j["higher_is_better"] = m.higher_is_better;
    j["n-samples"] = m.n_samples;
    j["config"] = config_block(p.run.config, m.facts);
    j["model"] = m.facts;
    j["efficiency"] = m.efficiency;
    j["energy_meter"] = p.run.provenance.value("energy_meter", json());
    j["carbon"] = p.run.provenance.value("carbon", json());
    j["git_hash"] = p.run.git_hash;
    j["rightsize_version"] = version();
    j["llama_cpp_version"] = p.run.llama_cpp;
    j["hardware"] = p.run.hardware;
    j["run_id"] = p.run.run_id;
    j["config_hash"] = p.run.config_hash;
    j["date"] = p.date.empty() ? iso8601_utc() : p.date;
    return j;
}

double headline_proportion(const json & task_results, const json & headline) {
    if (!headline.is_object()) return 0;
    const auto metric = headline["metric"].get<std::string>();
    const auto v = task_results.find(metric + "," + headline["filter"].get<std::string>());
    const bool proportion = metric.find("perplexity") == std::string::npos && metric.find("bits") == std::string::npos;
    if (proportion && v != task_results.end() && v->is_number() && v->get<double>() >= 0 && v->get<double>() <= 1) {
        return v->get<double>();
    }
    return 0;
}

std::vector<json> stored_results_documents(ResultsStore & store, const StoredRun & run) {
    const auto rows = store.task_results(run.info.run_id);
    if (rows.empty()) throw Error(store.path() + ": run " + run.info.run_id + " has no finished model × task results yet");
    const json & config = run.info.config;
    std::vector<std::string> order;
    std::map<std::string, ModelResults> by_model;
    for (const auto & r : rows) {
        if (!by_model.count(r.model)) {
            order.push_back(r.model);
            by_model[r.model].key = r.model;
            by_model[r.model].facts = r.model_facts;
        }
        const json task_config = config.is_object() ? config.value("tasks", json::object()).value(r.task, json()) : json();
        const TaskFacts facts = TaskFacts::from_json(r.task_facts, task_config, r.results);
        const json & eff = r.efficiency;
        by_model[r.model].add_task(r.task, facts, r.results, eff, eff.value("n_original", 0), eff.value("n_samples", 0),
                                   eff.value("n_shot", 0));
    }
    RunProvenance p;
    p.run = run.info;
    p.date = run.finished_at.empty() ? run.started_at : run.finished_at;
    std::vector<json> out;
    for (const auto & k : order) {
        json doc = results_document(by_model[k], p);
        doc["rightsize_store_key"] = k;
        out.push_back(std::move(doc));
    }
    return out;
}

std::vector<json> collected_results_documents(ResultsStore & store, const std::vector<TaskGroup> & groups) {
    const auto rows = store.latest_task_results();
    std::map<std::string, StoredRun> runs;
    for (auto & r : store.list_runs()) runs[r.info.run_id] = std::move(r);
    std::vector<std::string> order;
    std::map<std::string, ModelResults> by_model;
    std::map<std::string, json> task_runs;
    std::map<std::string, const StoredRun *> newest;  // per model: the newest run it has a result of
    for (const auto & r : rows) {
        const auto run = runs.find(r.run_id);
        if (run == runs.end()) continue;  // a result without its run row: not reportable
        ModelResults & mr = by_model[r.model];
        if (mr.key.empty()) {
            order.push_back(r.model);
            mr.key = r.model;
        }
        mr.facts = r.model_facts;  // rows come in the order written: the newest facts win
        const json & config = run->second.info.config;
        const json task_config = config.is_object() ? config.value("tasks", json::object()).value(r.task, json()) : json();
        const TaskFacts facts = TaskFacts::from_json(r.task_facts, task_config, r.results);
        const json & eff = r.efficiency;
        mr.add_task(r.task, facts, r.results, eff, eff.value("n_original", 0), eff.value("n_samples", 0), eff.value("n_shot", 0));
        task_runs[r.model][r.task] = {{"run_id", r.run_id}, {"config_hash", run->second.info.config_hash}, {"finished_at", r.finished_at}};
        const StoredRun *& n = newest[r.model];
        if (!n || n->started_at < run->second.started_at) n = &run->second;
    }
    std::vector<json> out;
    for (const auto & k : order) {
        ModelResults & mr = by_model[k];
        for (const auto & g : groups) {
            if (std::any_of(g.members.begin(), g.members.end(), [&](const std::string & t) { return mr.results.contains(t); })) {
                mr.add_group(g);
            }
        }
        RunProvenance p;
        p.run = newest[k]->info;
        p.date = newest[k]->finished_at.empty() ? newest[k]->started_at : newest[k]->finished_at;
        json doc = results_document(mr, p);
        doc["rightsize_store_key"] = k;
        doc["task_runs"] = task_runs[k];
        out.push_back(std::move(doc));
    }
    return out;
}

}  // namespace rightsize
