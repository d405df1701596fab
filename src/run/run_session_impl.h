// RunSession's private state and steps, shared by run_session.cpp (the run, model by model) and
// run_interleave.cpp (the models' chunks in turns).
#pragma once

#include "chunk_turns.h"
#include "run_identity.h"
#include "run_shard.h"

#include "../store/results_document.h"

#include <rightsize/interference.h>
#include <rightsize/results_store.h>
#include <rightsize/run.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

class FolderLock;

struct RunSession::Impl {
    using json = nlohmann::json;
    RunOptions o;
    RunEvents ev;
    std::vector<TaskConfig> tasks;
    std::vector<TaskGroup> groups;
    CarbonIntensity intensity;
    RunInfo info;  // run_id is set when run() opens the store
    std::string db_path;
    bool per_model_rss = false;
    long checkpoints = 0;
    std::optional<ShardPlan> plan;  // a shard's share of the units; none: the whole run

    void say(const std::string & line) const {
        if (ev.message) ev.message(line);
    }
    void stop_if_asked() const {
        if (!o.stop || o.stop->load() == 0) return;
        throw RunInterrupted("run " + info.run_id + " stopped by signal " + std::to_string(o.stop->load()) + " after saving " +
                                 std::to_string(checkpoints) + " chunk(s) in this invocation",
                             o.stop->load());
    }
    std::optional<std::string> find_previous(ResultsStore & store) const;
    void write_folder_results(RunOutcome & out, ResultsStore & store) const;
    std::vector<std::unique_ptr<FolderLock>> lock_folder() const;
    void check_inputs() const;
    void resolve_tasks();
    json run_model(size_t index, ResultsStore & store, EnergyMeter & meter);
    // What is known of a served model beyond the client: its server's Prometheus, a declared memory.
    struct ServedMeasures {
        std::unique_ptr<PrometheusMeter> prometheus;
        std::optional<double> declared_memory_mb;
    };
    void evaluate_task(Backend & backend, ServedMeasures * served, const TaskConfig & task, ModelResults & mr, ResultsStore & store,
                       EnergyMeter & meter, const std::string & dir);
    void restore_task(const TaskConfig & task, ModelResults & mr, const json & done);
    void add_machine_figures(json & efficiency, const Backend & backend, std::span<const SampleRecord> samples,
                             const std::vector<EnergyReading> & laps, std::optional<double> own_peak_mb) const;
    void add_served_figures(json & efficiency, const Backend & backend, ServedMeasures & served, std::span<const SampleRecord> samples,
                            const std::vector<EnergyReading> & laps) const;
    std::optional<double> declared_memory(const std::string & spec, const std::string & served_name) const;
    json with_co2e(json efficiency, const json & results, const json & headline, const ModelResults & mr) const;
    void write_outputs(RunOutcome & out, const EnergyMeter & meter) const;
    void write_shard_outputs(RunOutcome & out, ResultsStore & store) const;
    bool same_shard(const StoredRun & r) const;

    // Interleaving (run_interleave.cpp): the models taking turns and what each holds in memory.
    struct Interleave {
        explicit Interleave(std::vector<size_t> m) : turns(m.size()), models(std::move(m)) {}
        ChunkTurns turns;
        std::vector<size_t> models;                          // -m indices, in turn order
        std::map<std::string, size_t> participant;           // model key → its place in `models`
        // What each loaded model holds: the process's RSS growth over that model's turns (loading,
        // its caches, its data), kept until the model is unloaded.
        std::map<std::string, int64_t> resident;
        uint64_t turn_start_rss = 0;
        std::string holder;                        // the model key that held the last turn
        std::atomic<uint64_t> others_resident{0};  // what the models not holding the turn hold
    };
    std::unique_ptr<Interleave> interleave;  // null: one model after another
    // The -m indices to interleave, or none with the reason (said when there are 2+ local models).
    std::vector<size_t> models_to_interleave();
    std::vector<json> run_interleaved(ResultsStore & store, EnergyMeter & meter);
    // A model's turn starts: what the others hold is measured, the peak RSS reset, `turn` said.
    void begin_turn(const std::string & key, const std::string & task);
    // Ends a model's turn after a chunk (its own peak RSS noted) and waits for its next one.
    void next_turn(const std::string & key, const std::string & task, double & own_peak_mb);
    // The model's peak RSS in this turn less what the other loaded models hold, in MiB.
    double own_peak_mb() const;
    // Forgets what a model held once it is unloaded (the guard's end, after its backend's).
    std::shared_ptr<void> forget_when_unloaded(const std::string & key);
};


}  // namespace rightsize
