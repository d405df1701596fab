// PER (Cao et al.), Pareto fronts and the recommendation (GUIDE §3).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

// One model on one task. thr is per accelerator already divided by n_devices by compute_per
// (give the raw figure and n_devices). Granularity is the caller's: samples/s + ms/sample for
// classification and multiple choice, tokens/s + ms/token for generation.
struct PerInput {
    std::string task, model;
    double acc = 0;                  // quality in [0,1] (higher is better)
    double thr = 0;                  // throughput (higher is better)
    double lat_ms = 0;               // latency (lower is better)
    double mem_mb = 0;               // memory (lower is better)
    std::optional<double> energy_j;  // energy per sample or per token (lower is better)
    int n_devices = 1;
    std::string granularity = "samples";  // "samples" | "tokens"
    // Standard errors of the efficiency figures (results.json's efficiency.uncertainty; 0 unknown):
    // what tells a real difference from noise in the Pareto sets and the energy advice.
    double acc_se = 0, thr_se = 0, lat_se = 0, energy_se = 0;
};

enum class PerVariant { Relative, FixedBounds, Weighted, EnergyAware };
const char * per_variant_name(PerVariant v);  // "relative", "fixed-bounds", "weighted", "energy-aware"

struct PerBounds {  // for FixedBounds: min/max per dimension; values outside are clamped
    double acc_min = 0, acc_max = 1;
    double thr_min = 0, thr_max = 0;
    double lat_min = 0, lat_max = 0;
    double mem_min = 0, mem_max = 0;
    double energy_min = 0, energy_max = 0;
};

struct PerOptions {
    PerVariant variant = PerVariant::Relative;
    // Required by FixedBounds. Weighted and EnergyAware normalise with these bounds too when they are
    // given (min-max over the task's models otherwise); Relative with bounds is an Error. Only
    // EnergyAware (and Weighted, when energy is present) reads energy_min/energy_max.
    std::optional<PerBounds> bounds;
    // Weighted: PER = Π xᵢ^(wᵢ/Σw) (weighted geometric mean); weights for acc, thr, lat, mem, energy.
    // Energy takes part when every model of the task has energy_j; weights must be ≥ 0, Σ > 0.
    double w_acc = 1, w_thr = 1, w_lat = 1, w_mem = 1, w_energy = 1;
};

struct PerRow {
    std::string task, model;
    double per = 0;
    double acc_n = 0, thr_n = 0, lat_n = 0, mem_n = 0;
    std::optional<double> energy_n;  // set when energy took part
    PerVariant variant = PerVariant::Relative;
    bool fixed_bounds = false;       // normalised with PerOptions::bounds, not min-max over the task
    // PER's 95 % interval from the bootstrap over documents (report.json's per.ci95), when computed.
    std::optional<std::array<double, 2>> ci95;
    nlohmann::json to_json() const;
    static PerRow from_json(const nlohmann::json & j);  // what to_json wrote
};

// PER per task over the models given for that task (inputs may hold several tasks; rows come
// back in input order). max == min on a dimension: every model gets 1 there (the dimension does
// not separate them). A single model therefore has PER 1. EnergyAware needs energy_j on every
// input of the task (throws Error naming the task and model otherwise). The models of one task
// must share a granularity (samples/s cannot be ranked against tokens/s) and n_devices ≥ 1.
std::vector<PerRow> compute_per(const std::vector<PerInput> & inputs, const PerOptions & options = {});

// Pareto: indices of the non-dominated points. Each point has values per dimension; maximise[d]
// says whether dimension d is higher-is-better. Ties (equal on every dimension) are all kept.
std::vector<size_t> pareto_front(const std::vector<std::vector<double>> & points, const std::vector<bool> & maximise);

// The recommendation for one task.
struct Candidate {
    std::string model;
    double acc = 0, acc_stderr = 0;  // stderr 0 when unknown
    double size_mb = 0;              // model size (MB) — "smallest"
    std::optional<double> energy_j;  // energy per sample/token — "least energy"
    double lat_ms = 0, mem_mb = 0;
    int n = 0;                       // documents
    std::string granularity = "samples";  // unit of energy_j in the text: J/sample or J/token
    double energy_se = 0;            // energy_j's standard error (0 unknown)
};
struct Recommendation {
    std::string task;
    std::string best_model;          // highest quality
    std::string smallest_within;     // smallest model within delta of the best
    std::string least_energy_within; // least energy within delta (empty when no energy)
    double delta = 0.02;
    bool separable = true;           // false: the quality differences are within noise (95 %)
    std::vector<std::string> within; // models within delta of the best
    std::vector<std::string> pareto; // non-dominated over quality, latency, memory, energy
    // Models within reach whose energy differs from least_energy_within's by less than the 95 %
    // interval of the difference (1.96·√(se₁² + se₂²)): the advice names them as within noise.
    std::vector<std::string> energy_within_noise;
    std::string text;                // the recommendation in plain words, one or two sentences
    nlohmann::json to_json() const;
};
// delta in quality units (0.02 = 2 points). A model is "within" when best − acc ≤ delta, or when the
// gap is not significant (|gap| < 1.96·√(se_best² + se_m²)). separable is false when no model's gap
// to the best is significant (the data cannot tell the models apart), and the text says so.
// best: highest acc (ties: the smaller model). smallest_within is empty when a size is unknown
// (size_mb ≤ 0); least_energy_within considers the models within that have energy_j. pareto
// includes energy only when every candidate has it. A single candidate is separable (nothing to
// separate) and the text says it was the only model.
Recommendation recommend(const std::string & task, const std::vector<Candidate> & candidates, double delta = 0.02);

}  // namespace rightsize
