// The one analysis of a comparison: per task, PER, the Pareto sets and the recommendation, over
// the models measured on it. `rightsize run`, `rightsize per` and `rightsize report` all call
// compare_models, so for the same figures they name the same Pareto sets and the same
// recommendation. Definitions: docs/per.md.
#pragma once

#include <rightsize/per.h>
#include <rightsize/per_input.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rightsize {

struct ComparisonOptions {
    PerOptions per;             // the PER variant shown first (relative by default)
    double delta = 0.02;        // the recommendation's quality margin (2 points)
    // With the relative variant, also energy-aware PER beside it on tasks where every model has
    // energy (report.json's "per_energy").
    bool energy_aware_beside = true;
    // Energy-aware PER on a task where some model lacks energy: fall back to relative with a note
    // (a report), or let compute_per's Error name the model (a user who asked for energy-aware).
    bool energy_fallback = true;
    // With fewer than three models the relative variant degenerates (each model is the worst of the
    // set on some dimension, so PER is 0): when set, such a task shows the fixed-bounds variant with
    // few_model_bounds() instead, and a note says so. Relative stays available by not setting it.
    bool few_models_fixed_bounds = false;
    // The machine's RAM: memory's bound for few_models_fixed_bounds (0: the records' machine_memory_mb;
    // none known: twice the largest model's memory).
    double memory_total_mb = 0;
};

// The bounds PER uses for a task of one or two models: accuracy 0–1; throughput 0 to the best
// model's; latency (and energy) from the best model's to twice the worst's (the best gets 1, the
// worst at least 0.5); memory 0 to the machine's RAM (`memory_total_mb`; when unknown or smaller,
// twice the largest model's).
PerBounds few_model_bounds(const std::vector<PerInput> & inputs, double memory_total_mb);

// Non-dominated models, by view. Each lists model names in input order.
struct ParetoSets {
    std::vector<std::string> quality_latency;   // quality ↑, latency ↓
    std::vector<std::string> quality_memory;    // quality ↑, memory ↓
    std::optional<std::vector<std::string>> quality_energy;  // quality ↑, energy ↓ (every model has energy)
    std::vector<std::string> all_dimensions;    // quality ↑, throughput/device ↑, latency ↓, memory ↓[, energy ↓]
    std::string all_dimensions_names;           // "quality, throughput, latency, memory[, energy]"
    // Models outside all_dimensions that no model dominates by more than noise: every dimension on
    // which a dominating model is better differs by less than 1.96·√(se₁² + se₂²) (memory, with no
    // standard error, counts as exact). With standard errors unknown, empty.
    std::vector<std::string> within_noise;
    nlohmann::json to_json() const;
};

struct TaskComparison {
    std::string task;
    std::string granularity;                 // "samples" | "tokens" (of the task's first record)
    std::vector<std::string> models;         // input order
    PerVariant per_variant = PerVariant::Relative;  // the variant used (energy-aware falls back to relative without energy)
    std::vector<PerRow> per;                 // one per model, input order
    std::vector<PerRow> per_energy;          // energy-aware beside relative (empty when not computed)
    bool per_fixed_for_few_models = false;   // fixed-bounds shown because the task has fewer than 3 models
    bool energy_for_all = false;             // every model of the task has energy
    ParetoSets pareto;
    std::optional<Recommendation> recommendation;
    std::string no_recommendation;           // why there is none ("no recommendation: …."), when there is none
    std::vector<std::string> notes;          // what a reader must know to read the figures
};

// Compares the models of every task in `records` (tasks in order of first appearance). A task
// gets no recommendation when its records say their quality is descriptive (a behaviour measure,
// PerRecord::descriptive) or when some model's quality has no standard error (then noise cannot
// be told from a difference). Throws Error as compute_per does (bounds, energy, granularity).
std::vector<TaskComparison> compare_models(const std::vector<PerRecord> & records, const ComparisonOptions & options = {});

// per.csv: variant, normalisation, task, model, per, acc_n, thr_n, lat_n, mem_n, energy_n,
// per_ci95_lo, per_ci95_hi (six decimals; energy_n empty when energy took no part, the interval
// empty when no bootstrap was run), one line per row.
std::string per_rows_csv(const std::vector<PerRow> & rows);

}  // namespace rightsize
