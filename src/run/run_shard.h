// A shard's share of a run (shard.h): the run's work units (model × task × chunk), their expected
// cost, which of them this shard evaluates, and the record of it that a merge checks.
#pragma once

#include <rightsize/run.h>
#include <rightsize/shard.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace rightsize {

struct ShardPlan {
    Shard shard;
    size_t chunk_docs = 32;
    std::map<std::string, size_t> documents;  // task → documents the run evaluates (after --limit)
    // model key → task → the chunks this shard evaluates (absent: none of that model × task)
    std::map<std::string, std::map<std::string, std::vector<size_t>>> chunks;
    nlohmann::json groups = nlohmann::json::array();  // the run's groups [{name, members}]: a merge aggregates them
    size_t units_total = 0;   // units of the whole run
    size_t units_mine = 0;    // of them, this shard's
    double cost_mine = 0, cost_total = 0;

    bool has(const std::string & model, const std::string & task) const;
    bool selects(const std::string & model, const std::string & task, size_t chunk) const;
    // The documents of this shard's chunks of `task` (each chunk's whole range, the last one cut at
    // the task's end).
    size_t documents_of(const std::string & model, const std::string & task) const;
    // What the store and shard.json record: index, count, source, chunk_docs, documents, chunks.
    nlohmann::json to_json() const;
};

// Plans `shard` of a run with this configuration (run_config: its models' keys and sizes) and
// these tasks. Every shard of the run computes the same units and the same assignment.
ShardPlan plan_shard(const Shard & shard, const nlohmann::json & config, const std::vector<TaskConfig> & tasks,
                     const std::vector<TaskGroup> & groups, const RunOptions & o);

}  // namespace rightsize
