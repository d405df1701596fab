// A shard's share of a run (run_shard.h).
#include "run_shard.h"

#include <rightsize/evaluator.h>

#include <algorithm>

namespace rightsize {

using nlohmann::json;

namespace {

// A unit's cost scales with its model's size: a bigger model costs more per token. Served models
// (size unknown here) count as one GiB.
double model_weight(const json & identity) {
    const double bytes = identity.value("bytes", 0.0);
    return bytes > 0 ? std::max(0.01, bytes / 1073741824.0) : 1.0;
}

double task_unit_cost(const TaskConfig & t, size_t documents) {
    const bool generates = t.output_type == OutputType::GenerateUntil;
    const int choices = t.output_type == OutputType::MultipleChoice ? 4 : 1;  // a typical question's choices
    return expected_cost(documents, generates, choices, t.generation.max_gen_toks, t.repeats);
}

}  // namespace

bool ShardPlan::has(const std::string & model, const std::string & task) const {
    const auto m = chunks.find(model);
    return m != chunks.end() && m->second.count(task) > 0;
}

bool ShardPlan::selects(const std::string & model, const std::string & task, size_t chunk) const {
    if (!has(model, task)) return false;
    const auto & list = chunks.at(model).at(task);
    return std::binary_search(list.begin(), list.end(), chunk);
}

size_t ShardPlan::documents_of(const std::string & model, const std::string & task) const {
    if (!has(model, task)) return 0;
    const size_t n = documents.at(task);
    size_t total = 0;
    for (size_t c : chunks.at(model).at(task)) total += std::min(n, (c + 1) * chunk_docs) - std::min(n, c * chunk_docs);
    return total;
}

json ShardPlan::to_json() const {
    return {{"index", shard.index}, {"count", shard.count}, {"source", shard.source}, {"chunk_docs", chunk_docs},
            {"documents", documents}, {"chunks", chunks}, {"groups", groups}, {"units", units_mine}, {"units_total", units_total},
            {"expected_cost_share", cost_total > 0 ? cost_mine / cost_total : 0.0}};
}

ShardPlan plan_shard(const Shard & shard, const json & config, const std::vector<TaskConfig> & tasks,
                     const std::vector<TaskGroup> & groups, const RunOptions & o) {
    ShardPlan plan;
    for (const auto & g : groups) plan.groups.push_back({{"name", g.name}, {"members", g.members}});
    plan.shard = shard;
    plan.chunk_docs = std::max<size_t>(1, o.eval.chunk_docs);
    std::vector<WorkUnit> units;
    for (const auto & t : tasks) {
        EvalOptions eval = o.eval;
        if (const auto lim = o.task_limits.find(t.task); lim != o.task_limits.end()) eval.limit = lim->second;
        plan.documents[t.task] = evaluated_document_count(t, eval);
    }
    for (const auto & m : config.at("models")) {
        const std::string key = m.at("key");
        for (const auto & t : tasks) {
            const size_t n = plan.documents[t.task];
            for (size_t c = 0; c * plan.chunk_docs < n; ++c) {
                const size_t docs = std::min(n, (c + 1) * plan.chunk_docs) - c * plan.chunk_docs;
                units.push_back({key, t.task, c, task_unit_cost(t, docs) * model_weight(m)});
            }
        }
    }
    const std::vector<int> owner = assign_shards(units, shard.count);
    plan.units_total = units.size();
    for (size_t u = 0; u < units.size(); ++u) {
        plan.cost_total += units[u].cost;
        if (owner[u] != shard.index) continue;
        plan.chunks[units[u].model][units[u].task].push_back(units[u].chunk);
        ++plan.units_mine;
        plan.cost_mine += units[u].cost;
    }
    return plan;
}

}  // namespace rightsize
