// Carbon intensity of the electricity a run used, and the CO2e figures derived from energy.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

constexpr double kWorldAverageIntensity = 475.0;  // gCO2e/kWh (IEA world average, as CodeCarbon)

struct CarbonIntensity {
    double g_per_kwh = kWorldAverageIntensity;
    std::string origin;  // "world average (default)", "user (--carbon-intensity)", "country USA", "cloud gcp:europe-west1"
    std::string source;  // where the number comes from (data set and year)
};

struct CarbonOptions {
    std::optional<double> g_per_kwh;  // --carbon-intensity
    std::string country;              // --country ISO3
    std::string cloud;                // --cloud PROVIDER:REGION
    double pue = 1.0;                 // --pue (≥ 1)
};

// Resolves the options (user value > cloud region > country > world average). Country codes and
// cloud keys are case-insensitive. Throws Error naming the option and saying how to find valid
// values when a country or region is unknown, or when more than one of
// --carbon-intensity/--country/--cloud is given, or pue < 1, or the user's intensity is < 0.
CarbonIntensity resolve_carbon_intensity(const CarbonOptions & options);

// Tables for `--help`/docs and tests: ISO3 → g/kWh, "provider:region" → g/kWh.
struct IntensityEntry {
    std::string key, name;
    double g_per_kwh;
    std::string source;
};
const std::vector<IntensityEntry> & country_intensities();
const std::vector<IntensityEntry> & cloud_intensities();

// kgCO2e = kWh × g/kWh / 1000 × PUE (GUIDE §3). Returned in grams.
double co2e_grams(double kwh, double g_per_kwh, double pue);

// Per-use figures for one model × task: per run, per 1000 queries, per correct answer, per 1M
// tokens (processed tokens). correct may be 0 (then per_correct is null in JSON).
struct Co2eFigures {
    double energy_kwh = 0, co2e_g = 0;
    double g_per_1000_queries = 0;
    std::optional<double> g_per_correct;
    std::optional<double> g_per_1m_tokens;
    nlohmann::json to_json() const;
};
Co2eFigures co2e_figures(double energy_kwh, const CarbonIntensity & ci, double pue, double n_queries,
                         double n_correct, double n_tokens);

// Lifecycle view: a training/fine-tuning footprint amortised over the queries a deployment serves.
struct TrainingFootprint {
    std::optional<double> kg_co2e;       // given directly
    // or estimated: 6·N·D FLOPs (Kaplan et al.) / (hardware FLOP/s × utilisation) × power × intensity
    double n_params = 0, n_tokens = 0;
    double hw_flops = 312e12;            // peak FLOP/s of one accelerator (A100 BF16 dense)
    double utilisation = 0.4;            // model FLOPs utilisation
    double hw_watts = 400;               // accelerator board power
    double g_per_kwh = kWorldAverageIntensity;
    double pue = 1.1;
};
struct Lifecycle {
    double training_kg = 0;
    bool estimated = false;
    std::string method;                  // one sentence
    double queries = 0;                  // expected query volume
    double training_g_per_query = 0;
    double inference_g_per_query = 0;
    double total_g_per_query = 0;
    nlohmann::json to_json() const;
};
Lifecycle amortise(const TrainingFootprint & t, double expected_queries, double inference_g_per_query);

// The lifecycle view's inputs for a run: the deployment's query volume and, per model (keyed as
// results are filed: the GGUF file name without .gguf), a training footprint given in kgCO2e or
// estimated from the tokens it was trained on. No lifecycle figures when expected_queries is 0.
struct LifecycleOptions {
    double expected_queries = 0;
    std::map<std::string, double> training_kg;
    std::map<std::string, double> training_tokens;
};

// emissions.csv with CodeCarbon's column names, order and units where the quantity is the same
// (timestamp, project_name, run_id, duration s, emissions kg, emissions_rate kg/s, cpu_power,
// gpu_power, ram_power W (means over the window), cpu_energy, gpu_energy, ram_energy,
// energy_consumed kWh (IT energy; PUE enters emissions only), country_name, country_iso_code,
// region, cloud_provider, cloud_region, os, cpu_count, cpu_model, gpu_count, gpu_model,
// ram_total_size GB, tracking_mode, on_cloud, pue) plus rightsize's own: model, task,
// energy_source, carbon_intensity_g_per_kwh, intensity_origin. CodeCarbon's experiment_id,
// python_version, codecarbon_version, longitude and latitude have no rightsize counterpart and
// are left out. Both functions return one CSV record ending in "\n" (so the file is the header
// followed by the lines); fields with a comma, quote or line break are quoted (RFC 4180).
struct EmissionsRow {
    std::string timestamp, run_id, model, task;
    std::string project_name = "rightsize";  // CodeCarbon's project_name; a partial merge says so here
    double duration_s = 0;
    double cpu_j = 0, gpu_j = 0, ram_j = 0;
    std::string energy_source;
    std::string scope;  // the energy's scope: "process", "machine" or "server" (empty: not recorded)
    CarbonIntensity intensity;
    double pue = 1.0;
    std::string country_iso, cloud_provider, cloud_region;
    std::string os, cpu_model, gpu_model;
    int cpu_count = 0, gpu_count = 0;
    double ram_total_gb = 0;
};
std::string emissions_csv_header();
std::string emissions_csv_line(const EmissionsRow & row);

}  // namespace rightsize
