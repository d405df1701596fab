// Deterministic shards of a run (issue 14, docs/scale-out.md when the run takes them): a run's work
// is units of model × task × chunk of documents (the run's own chunks, so a document is scored in
// the same batch whether sharded or not), each unit belongs to exactly one of N shards, and the
// assignment depends only on the units, never on the machine, the time or the order of arrival.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rightsize {

struct Shard {
    int index = 0;  // 0-based, < count
    int count = 1;
    std::string source;  // where it came from: "--shard", "Slurm job array", "Kubernetes Indexed Job"
};

// "I/N" with 0 ≤ I < N (the `--shard` form). Throws rightsize::Error naming the text and the form.
Shard parse_shard(const std::string & text);

// The shard a cluster scheduler gives this process, from its environment (`env` reads a variable,
// null when unset):
//   Slurm job arrays: SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT tasks
//     (an array 1-8 is shards 0..7 of 8);
//   Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX of `count` (--shard-count; the Job's
//     completions, which Kubernetes does not put in the environment).
// nullopt when neither is set. Throws rightsize::Error for values that are not whole numbers, an
// index outside the count, or a Kubernetes index without a count, naming the variable.
std::optional<Shard> shard_from_environment(const std::function<const char *(const char *)> & env, std::optional<int> count);

// The folder of a shard's output inside the run's -o folder: "shard-I-of-N" (I 0-based).
std::string shard_folder_name(const Shard & shard);

// One unit of a run's work and its expected cost (any unit: relative figures only).
struct WorkUnit {
    std::string model;
    std::string task;
    size_t chunk = 0;  // the chunk's index in the task's documents
    double cost = 1.0;
};

// The shard of every unit (in the units' order): the longest-processing-time rule, units taken by
// falling cost (ties by model, task, chunk), each to the shard with the least cost so far (ties to
// the lowest index), so no shard gets all the slow generation tasks and the largest shard's cost is
// at most 4/3 of the best possible. The same units give the same assignment on every machine.
std::vector<int> assign_shards(std::span<const WorkUnit> units, int count);

// The expected cost of a chunk of `documents` documents: scoring requests cost their choices,
// generation the tokens it may produce (max_gen_toks, default 256), each times its repeats.
double expected_cost(size_t documents, bool generates, int choices, int max_gen_tokens, int repeats);

}  // namespace rightsize
