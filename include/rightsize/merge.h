// Merging the shards of a run (shard.h, docs/scale-out.md): the stores of `rightsize run --shard
// I/N` (or a scheduler's array) become one run folder with exactly the results one machine would
// have produced: every model × task's lm-eval aggregation and stderr recomputed over all of its
// documents (never averaged per shard), its samples, emissions.csv, the store and the report.
//
// It refuses shards of different run configurations (naming what differs), a missing, duplicated
// or unfinished shard (naming it, so just that one is re-run); with allow_partial it merges what is
// there and every output says what is missing. Efficiency is computed per hardware class (CPU
// model, logical CPUs, threads, GPUs, llama.cpp build): a model × task measured on one class has
// that class's throughput, latency and PER figures; one measured on several has its figures per
// class and none across them; energy and CO2e are summed over every shard. Merging again, or
// the shards in another order, writes the same files.
#pragma once

#include <rightsize/run.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rightsize {

struct MergeOptions {
    std::string output_dir;            // the merged run folder: created, or a previous merge's replaced
    std::vector<std::string> inputs;   // shard folders, their stores, or folders holding shard-I-of-N folders
    bool allow_partial = false;        // merge what is there when shards are missing or unfinished
    LifecycleOptions lifecycle;        // training footprints amortised (as `run`'s options)
    std::function<void(const std::string &)> message;  // status lines for a person
};

struct MergeOutcome {
    std::string run_id;       // "merged-<16 hex>": from the shards' run ids, the same on every merge
    std::string config_hash;  // the shards' (and the unsharded run's) configuration hash
    int shard_count = 0;
    std::vector<int> merged;       // shard indexes merged
    std::vector<int> missing;      // shard indexes absent (allow_partial)
    std::vector<int> unfinished;   // shard indexes merged although unfinished (allow_partial)
    nlohmann::json manifest;       // merge.json: the shards, their hardware classes, what is missing
    std::vector<nlohmann::json> results;  // each model's results.json document
    nlohmann::json analysis;              // report.json
    RunOutcome::Files files;
};

// Throws rightsize::Error naming the input at fault and the fix. Writes nothing on error: the
// folder is built beside `output_dir` and moved into place when complete.
MergeOutcome merge_shards(const MergeOptions & options);

}  // namespace rightsize
