// The results.json document of one model (lm-eval's layout plus rightsize's model facts,
// efficiency, energy and provenance; docs/results.md), built in one place: by a run as it
// finishes tasks, and from the store for a run recorded there.
#pragma once

#include <rightsize/results_store.h>
#include <rightsize/task.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rightsize {

// What results.json records of a task besides its scores: the merged YAML ("configs"), its version,
// each metric's direction and the headline quality ({metric, filter}: what PER, the report and the
// recommendation compare; null when no metric was computed).
struct TaskFacts {
    nlohmann::json config = nlohmann::json::object();
    nlohmann::json version;
    nlohmann::json higher_is_better = nlohmann::json::object();
    nlohmann::json headline;

    static TaskFacts of(const TaskConfig & task, const nlohmann::json & task_results);
    nlohmann::json to_json() const;
    // What to_json wrote; for a store written before task facts were kept, what the task's YAML
    // (`config`) says: first metric and filter, directions as written (default higher-is-better).
    static TaskFacts from_json(const nlohmann::json & j, const nlohmann::json & config, const nlohmann::json & task_results);
};

// One model's results as they accumulate, task by task.
struct ModelResults {
    std::string key;                      // model_key(path): its folder and the store's model column
    nlohmann::json facts;                 // model_facts_json()
    nlohmann::json results = nlohmann::json::object();
    nlohmann::json efficiency = nlohmann::json::object();
    nlohmann::json configs = nlohmann::json::object();
    nlohmann::json versions = nlohmann::json::object();
    nlohmann::json n_shot = nlohmann::json::object();
    nlohmann::json n_samples = nlohmann::json::object();
    nlohmann::json higher_is_better = nlohmann::json::object();
    nlohmann::json group_subtasks = nlohmann::json::object();
    nlohmann::json headline = nlohmann::json::object();

    // Files a finished task: its facts, scores, efficiency, document counts and shots.
    void add_task(const std::string & task, const TaskFacts & facts, const nlohmann::json & task_results,
                  nlohmann::json task_efficiency, size_t n_original, size_t n_effective, int shots);
    // A group's score over the members this model has (aggregate_group).
    void add_group(const TaskGroup & group);
};

// What every results.json of a run shares: its identity and provenance (energy meter, carbon).
struct RunProvenance {
    RunInfo run;
    std::string date;  // ISO 8601, UTC; empty: now
};

// The results.json document of one model; the "config" block comes from the run's configuration.
nlohmann::json results_document(const ModelResults & m, const RunProvenance & p);

// The headline's value when it is a proportion of documents (an accuracy, not a perplexity): what
// "per correct answer" multiplies by the document count. 0 otherwise.
double headline_proportion(const nlohmann::json & task_results, const nlohmann::json & headline);

// Every model's results.json document of a stored run, rebuilt from its rows, in the order the
// run finished them; each carries "rightsize_store_key" (the model column). Throws Error when the
// run has no finished model × task yet.
std::vector<nlohmann::json> stored_results_documents(ResultsStore & store, const StoredRun & run);

// An output folder's results: every model's results.json document holding, for each of its tasks,
// the newest finished result in the store, whichever run finished it ("task_runs" names that run,
// its configuration hash and finish time per task). Groups are aggregated over the members present.
// Nothing finished in the folder is left out by running other tasks into it later.
std::vector<nlohmann::json> collected_results_documents(ResultsStore & store, const std::vector<TaskGroup> & groups = {});

}  // namespace rightsize
