// The SQLite results store: every run's configuration, per model × task results and
// efficiency, each metric as a row, every scored sample, and the human-likeness votes cast on the
// samples. Runs accumulate in one file; a run is keyed by a generated id and by the hash of its
// configuration, so re-running an interrupted command finds its unfinished run and continues it.
// All of rightsize's SQL lives behind this class. Schema and versions: docs/results.md.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

struct sqlite3;

namespace rightsize {

struct RunInfo {
    std::string run_id;
    std::string config_hash;
    nlohmann::json config;    // what was asked: models, tasks, limit, few-shot, options
    std::string git_hash;
    std::string llama_cpp;
    nlohmann::json hardware;
    nlohmann::json provenance = nlohmann::json::object();  // energy_meter and carbon, as results.json repeats them
};

// A run as the store holds it.
struct StoredRun {
    RunInfo info;
    std::string status;        // "running" | "complete"
    std::string started_at;    // ISO 8601, UTC
    std::string finished_at;   // empty while running
};

// A finished model × task of a run.
struct StoredTaskResult {
    std::string model, task;
    nlohmann::json model_facts, results, efficiency;
    nlohmann::json task_facts;  // null in stores written before version 2
    std::string run_id;
    std::string finished_at;    // ISO 8601, UTC
};

// One vote on a pair of answers (rightsize vote): a person's, or a model judge's ("judge:<model>").
struct StoredVote {
    std::string run_id, task;
    long long doc_id = 0;
    std::string model_left, model_right;  // shown as "Answer 1" and "Answer 2"
    std::string choice;                   // "left" | "right" | "tie"
    std::string voter;
    std::string created_at;               // set by add_vote when empty
    std::optional<double> margin;         // a judge's log P("1") - log P("2"); none for people
};

class ResultsStore {
public:
    enum class Access {
        Create,    // read and write; a new database is created when the file does not exist
        Existing,  // read and write an existing database (a mistyped path fails, it does not create one)
        ReadOnly,  // read only (a report next to a running run); never migrates, never writes
    };

    // Opens the database, bringing an older schema forward (Create, Existing). Throws
    // rightsize::Error naming the path: not a database, not a rightsize store, or written by a newer
    // rightsize.
    explicit ResultsStore(const std::string & path, Access access = Access::Create);
    ~ResultsStore();
    ResultsStore(const ResultsStore &) = delete;
    ResultsStore & operator=(const ResultsStore &) = delete;

    // 1: runs, task_results, metrics, samples. 2: votes (with judges' margins) join the schema;
    // runs.provenance_json (energy meter, carbon) and task_results.task_json (task facts) are added.
    static constexpr int kSchemaVersion = 2;
    int schema_version() const { return schema_version_; }
    const std::string & path() const { return path_; }

    // Every time this store writes from now on (a run's start and finish, a result's, a vote's) is
    // `iso` instead of the clock: a merge of shards stamps its rows with the shards' last finish, so
    // merging again gives the same store. Empty: the clock again.
    void use_fixed_time(std::string iso) { fixed_time_ = std::move(iso); }

    // ---- runs ----
    // The newest unfinished run with this configuration hash, if there is one.
    std::optional<std::string> unfinished_run(const std::string & config_hash);
    // Removes a run that holds no sample and no result (one that failed before its first document).
    // Returns whether it was removed.
    bool discard_empty_run(const std::string & run_id);
    void begin_run(const RunInfo & run);   // inserts (or keeps) the run row, status 'running'
    void finish_run(const std::string & run_id);
    // Every run, newest first (by start time, then insertion).
    std::vector<StoredRun> list_runs();
    // Runs, newest first: run_id, config_hash, status, started_at, finished_at (as JSON).
    nlohmann::json runs();

    // ---- samples ----
    // Samples already scored for (run, model, task), keyed by doc_id.
    std::map<size_t, nlohmann::json> samples(const std::string & run_id, const std::string & model, const std::string & task);
    // Appends samples in one transaction: after a crash either all of them are there or none.
    void add_samples(const std::string & run_id, const std::string & model, const std::string & task,
                     std::span<const nlohmann::json> samples);
    // Models with samples of `task` in `run_id`, sorted.
    std::vector<std::string> sample_models(const std::string & run_id, const std::string & task);
    // The newest run (by start time) with samples of `task`; runs without a `runs` row sort last.
    std::optional<std::string> latest_run_with_samples(const std::string & task);

    // ---- finished model × task results ----
    // results (lm-eval block) and efficiency, plus one row per metric; `task_facts` is what
    // results.json records of the task besides its scores (TaskFacts, document counts, shots).
    void put_task_result(const std::string & run_id, const std::string & model, const std::string & task,
                         const nlohmann::json & model_facts, const nlohmann::json & results,
                         const nlohmann::json & efficiency, const nlohmann::json & task_facts = nlohmann::json());
    std::optional<nlohmann::json> task_result(const std::string & run_id, const std::string & model, const std::string & task);
    // Every finished model × task of a run, in the order they finished.
    std::vector<StoredTaskResult> task_results(const std::string & run_id);
    // The newest finished result of every model × task in the store, whichever run finished it
    // (newest by finish time, then by insertion), in the order they were written.
    std::vector<StoredTaskResult> latest_task_results();

    // ---- votes ----
    // Writes a vote in one transaction. Returns false and writes nothing when this voter already
    // voted on this document with the same two models in the same positions.
    bool add_vote(const StoredVote & vote);
    // The votes of (run, task) in the order they were cast. Empty for a read-only store without votes.
    std::vector<StoredVote> votes(const std::string & run_id, const std::string & task);
    // The tasks of a run that have votes, sorted.
    std::vector<std::string> voted_tasks(const std::string & run_id);

private:
    void exec(const char * sql);
    void transaction(const std::function<void()> & body);  // all of body's writes, or none
    void migrate(int from);
    std::vector<StoredTaskResult> read_task_results(const std::string & sql, const std::string & run_id);
    bool has_table(const char * name);
    sqlite3 * db_ = nullptr;
    std::string stamp() const;  // now (ISO 8601, UTC), or the fixed time
    std::string path_;
    std::string fixed_time_;
    int schema_version_ = 0;
};

}  // namespace rightsize
