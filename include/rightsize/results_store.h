// The SQLite results store: every run's configuration, per model × task results and
// efficiency, each metric as a row, and every scored sample. Runs accumulate in one file; a run
// is keyed by a generated id and by the hash of its configuration, so re-running an interrupted
// command finds its unfinished run and continues it. Schema: docs/results.md.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

struct sqlite3;

namespace rightsize {

struct RunInfo {
    std::string run_id;
    std::string config_hash;
    nlohmann::json config;    // what was asked: models, tasks, limit, few-shot, options
    std::string git_hash;
    std::string llama_cpp;
    nlohmann::json hardware;
};

class ResultsStore {
public:
    // Opens (creating if needed) the database. Throws rightsize::Error naming the path.
    explicit ResultsStore(const std::string & path);
    ~ResultsStore();
    ResultsStore(const ResultsStore &) = delete;
    ResultsStore & operator=(const ResultsStore &) = delete;

    static constexpr int kSchemaVersion = 1;

    // The newest unfinished run with this configuration hash, if there is one.
    std::optional<std::string> unfinished_run(const std::string & config_hash);
    void begin_run(const RunInfo & run);   // inserts (or keeps) the run row, status 'running'
    void finish_run(const std::string & run_id);

    // Samples already scored for (run, model, task), keyed by doc_id.
    std::map<size_t, nlohmann::json> samples(const std::string & run_id, const std::string & model, const std::string & task);
    // Appends samples in one transaction: after a crash either all of them are there or none.
    void add_samples(const std::string & run_id, const std::string & model, const std::string & task,
                     std::span<const nlohmann::json> samples);

    // A finished model × task: results (lm-eval block) and efficiency, plus one row per metric.
    void put_task_result(const std::string & run_id, const std::string & model, const std::string & task,
                         const nlohmann::json & model_facts, const nlohmann::json & results,
                         const nlohmann::json & efficiency);
    std::optional<nlohmann::json> task_result(const std::string & run_id, const std::string & model, const std::string & task);

    // Runs, newest first: run_id, config_hash, status, started_at, finished_at.
    nlohmann::json runs();

private:
    void exec(const char * sql);
    void transaction(const std::function<void()> & body);  // all of body's writes, or none
    sqlite3 * db_ = nullptr;
    std::string path_;
};

}  // namespace rightsize
