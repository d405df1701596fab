// The run: every model × task of a comparison, evaluated, measured and written, resumable.
//
// A RunSession is what `rightsize run` is, as a library object a program can embed:
//
//     rightsize::RunOptions o;
//     o.models = {"a.gguf", "b.gguf"};
//     o.tasks = {"arc_easy", "boolq"};
//     o.output_dir = "results";
//     rightsize::RunSession session(o);       // resolves tasks, checks inputs; writes nothing
//     rightsize::RunOutcome r = session.run(); // evaluates, measures, writes every output file
//
// It resolves the tasks, identifies the run by everything that changes its numbers (the run
// configuration and its hash: model and adapter checksums, task YAML, data checksums, options) and
// resumes an unfinished run with exactly the same configuration from the SQLite store (never one
// that differs: that one is kept and a new run starts beside it); it locks the output folder; around each model × task it measures energy; it evaluates in checkpointed chunks
// (each chunk committed to the store before the next starts, so a killed run loses at most the
// chunk in flight); it aggregates groups; and it writes OUTPUT/<model>/results.json,
// samples_<task>.jsonl, emissions.csv, report.json, per.csv, report.html and report.md
// (layouts in docs/results.md). The folder is a collection of runs: results.json, emissions.csv
// and the report cover the newest result of every model × task finished in it, by any run. What happens is reported through RunEvents; the library prints
// nothing itself.
#pragma once

#include <rightsize/carbon.h>
#include <rightsize/endpoint_backend.h>
#include <rightsize/energy.h>
#include <rightsize/prometheus.h>
#include <rightsize/evaluator.h>
#include <rightsize/llama_backend.h>
#include <rightsize/shard.h>
#include <rightsize/task.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

// Everything a run is asked to do. Defaults are `rightsize run`'s.
struct RunOptions {
    std::vector<std::string> models;         // GGUF files (filed under the file name without .gguf), or endpoints
                                             // http(s)://host:port/v1[#NAME] (filed under NAME@host_port)
    std::vector<std::string> tasks;          // task names, tags, groups or task YAML files
    std::vector<std::string> include_paths;  // more folders of task YAML, searched after the built-in tasks
    std::string output_dir = "rightsize-results";
    std::string db_path;                     // SQLite store; empty: <output_dir>/rightsize.sqlite
    bool fresh = false;                      // start a new run even if an unfinished one matches
    EvalOptions eval;                        // prompts, few-shot, --limit, data
    std::map<std::string, double> task_limits;  // one task's document limit (overrides eval.limit)
    LlamaOptions llama;                      // every local model is loaded with these (model_path is ignored)
    EndpointOptions endpoint;                // every served model (a -m http(s)://…/v1[#NAME]) is reached with these (url is ignored)
    EnergyOptions energy;                    // the meter around each model × task
    PrometheusOptions prometheus;            // served models' energy and memory from their server's Prometheus (url empty: none)
    // A served model's memory in MiB, declared (labelled "declared", never "measured"): keyed by its
    // -m argument or served name, or "" for every served model.
    std::map<std::string, double> declared_memory_mb;
    CarbonOptions carbon;                    // grid intensity and PUE for CO2e
    LifecycleOptions lifecycle;              // training footprints amortised over a deployment
    // One shard of the run (shard.h, docs/scale-out.md): only its share of the model × task × chunk
    // units is evaluated, into <output_dir>/shard-I-of-N (its own store, samples, results.json per
    // model marked "rightsize_shard", and shard.json); `rightsize merge` joins the shards. The
    // shard is not part of the run's identity: every shard has the unsharded run's configuration hash.
    std::optional<Shard> shard;
    // ≥ 0: before starting, wait up to this many seconds for a quiet machine (interference.h), then
    // refuse; < 0: start at once (busy windows are still measured and labelled disturbed).
    double require_quiet_s = -1;
    // Two or more local models that fit in memory together (their GGUF files take at most half of
    // MemAvailable at the start) are loaded together and take turns chunk by chunk (A, B, A, B …,
    // task by task), so drift and bursts of outside load fall on every model alike; scores,
    // resume and files are the same as one model after another. false: one model after another.
    bool interleave = true;
    bool wait_for_lock = false;              // another run holds the folder: wait for it (default: fail at once)
    // Set (to a signal number) from a signal handler or another thread: the run finishes the chunk in
    // flight, saves it and throws RunInterrupted. Never set: the run goes to the end.
    const std::atomic<int> * stop = nullptr;

    RunOptions();  // llama.n_ctx 8192, flash attention off (see docs/tasks.md, speed and exactness), energy scope process
};

// Where the run reports what it does. Every callback is optional.
struct RunEvents {
    // A line of status meant for a person: the meter's notes, task-resolution warnings, the run id,
    // "resuming", "finished earlier in this run", how an unfinished run in the folder differs.
    std::function<void(const std::string & line)> message;
    // A model × task starts: `total` documents, `done` of them already scored by an earlier,
    // interrupted invocation of this run.
    std::function<void(const std::string & model, const std::string & task, size_t done, size_t total)> task_started;
    // Documents finished so far in the current model × task (counting those resumed).
    std::function<void(size_t finished)> progress;
    // Interleaved runs: the model × task whose documents the following `progress` calls count, each
    // time the turn comes back to it from another model.
    std::function<void(const std::string & model, const std::string & task)> turn;
    // The current model × task is finished and written.
    std::function<void(const std::string & model, const std::string & task)> task_finished;
    // A chunk was committed to the store; `count` chunks so far in this invocation.
    std::function<void(long count)> checkpoint;
};

// What a finished run produced.
struct RunOutcome {
    std::string run_id;
    std::string config_hash;
    bool resumed = false;                    // continued an unfinished run from the store
    std::vector<nlohmann::json> results;     // this run's results.json document per model, in -m order
    std::vector<nlohmann::json> folder;      // the folder's results.json documents (every run's newest results)
    nlohmann::json analysis;                 // report.json over the folder: PER, Pareto sets, recommendation
    nlohmann::json hardware;                 // hardware_info() of this machine
    std::string energy_source;               // the meter's label ("measured:rapl", "estimated:tdp", "none")
    CarbonIntensity intensity;               // the grid intensity CO2e used
    nlohmann::json shard;                    // a shard's plan (index, count, source, its chunks); null unsharded
    struct Files {
        std::string db, emissions_csv, report_html, report_md, report_json, per_csv;
    } files;
};

class RunSession {
public:
    // Checks the options and inputs (model files are GGUF, data files exist, --limit names a task
    // of the run), resolves the tasks and computes the run's identity. Writes nothing. Throws
    // OptionError for options that cannot be honoured and Error for bad input, naming the file,
    // line or field and the fix.
    explicit RunSession(RunOptions options, RunEvents events = {});
    ~RunSession();
    RunSession(const RunSession &) = delete;
    RunSession & operator=(const RunSession &) = delete;

    const RunOptions & options() const;
    const std::vector<TaskConfig> & tasks() const;  // resolved, groups expanded into their members
    const std::vector<TaskGroup> & groups() const;
    // The run's identity: everything that changes its numbers, and the hash resume matches on.
    const nlohmann::json & config() const;
    const std::string & config_hash() const;
    // A shard's plan: its units and their expected cost (null when the run is not sharded).
    nlohmann::json shard_plan() const;
    // Where the run writes: options().output_dir, or its shard-I-of-N folder.
    const std::string & output_dir() const;

    // Evaluates every model × task not finished yet, writes every output file and returns what was
    // written. Call once.
    RunOutcome run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rightsize
