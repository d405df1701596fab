// Reading PER's inputs: a CSV the user writes, or the results.json files `rightsize run` writes.
// Each model × task yields both the PER figures and the recommendation's Candidate.
#pragma once

#include <rightsize/per.h>

#include <string>
#include <vector>

namespace rightsize {

struct PerRecord {
    PerInput input;
    Candidate candidate;      // model, acc, stderr, size, energy, latency, memory, n
    bool has_stderr = false;  // the source gave the quality's standard error
    std::string source;       // "per.csv:4" or "out/gemma/results.json", for messages
    // Non-empty: the quality describes behaviour (a personality profile, answer length) rather than
    // a quality to maximise, and says so in words; such a task gets no recommendation.
    std::string descriptive;
    // The RAM of the machine that measured it (results.json's hardware.memory_total_mb; 0 unknown):
    // memory's bound when PER uses fixed bounds for fewer than three models.
    double machine_memory_mb = 0;
};

// The CSV columns. Required: task, model, acc, thr, lat_ms, mem_mb. Optional: energy (J per
// sample or token), n_devices, granularity (samples|tokens), acc_stderr, size_mb, n. Any order;
// other columns are ignored and named in *warnings. Empty optional cells mean "unknown".
// Throws Error naming file, line and column for a bad cell, a missing column, an empty file or
// a model given twice for one task.
std::vector<PerRecord> read_per_csv(const std::string & path, std::vector<std::string> * warnings = nullptr);

// One results.json of `rightsize run`: every task with an efficiency entry (groups have none).
// metrics: "NAME", "NAME,FILTER" (every task) or "TASK=NAME[,FILTER]" (that task; wins over a
// plain one). A task without a named metric is an Error. Otherwise headline.<task> when present,
// else the task's first numeric metric (lm-eval's key order). A lower-is-better metric
// (perplexity) cannot be PER's quality: named, it is an Error; taken by default, the task is
// skipped with a warning. The model is the file name of model.path without .gguf (the key
// `run` files it under), else the folder holding results.json.
std::vector<PerRecord> read_results_json(const std::string & path, const std::vector<std::string> & metrics = {},
                                         std::vector<std::string> * warnings = nullptr);

// Why a task's headline describes behaviour rather than a quality to maximise (a personality
// profile or its consistency, the length of open answers), in words; empty for a quality. Such a
// task gets no recommendation: "the most accurate model" means nothing there.
std::string descriptive_quality(const nlohmann::json & results_doc, const std::string & task, const std::string & metric);

// A path as --input takes it: a folder (its <model>/results.json files, or its own results.json),
// a .json file, a .csv file, or any other file by its first character ('{' is JSON).
std::vector<PerRecord> read_per_inputs(const std::string & path, const std::vector<std::string> & metrics = {},
                                       std::vector<std::string> * warnings = nullptr);

// Throws Error when one model appears twice for one task across records, naming both sources.
void check_unique_models(const std::vector<PerRecord> & records);

// "relative" | "fixed-bounds" | "weighted" | "energy-aware"; Error listing them otherwise.
PerVariant parse_per_variant(const std::string & text);

// "acc=0:1,thr=0:50,lat=0:2000,mem=0:4096,energy=0:10" (commas or new lines between items, '#'
// starts a comment). Dimensions not named keep PerBounds' defaults (acc 0:1, others unset).
PerBounds parse_per_bounds(const std::string & text);

// "acc=2,thr=1,lat=1,mem=1,energy=0" into options' weights; names not given keep theirs.
void parse_per_weights(const std::string & text, PerOptions & options);

}  // namespace rightsize
