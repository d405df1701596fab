// rightsize run's energy and carbon: the options, the meter around each model × task, the energy
// attributed to each document (so a resumed task still sums to the whole), and emissions.csv.
#pragma once

#include "args.h"

#include <rightsize/carbon.h>
#include <rightsize/energy.h>

#include <nlohmann/json.hpp>

#include <map>
#include <span>
#include <string>
#include <vector>

namespace rightsize::cli {

struct EnergyCarbonOptions {
    EnergyOptions energy;
    CarbonOptions carbon;
    double expected_queries = 0;                    // lifecycle view: queries the deployment serves
    std::map<std::string, double> training_kg;      // model key → training footprint (kgCO2e)
    std::map<std::string, double> training_tokens;  // model key → training tokens (footprint estimated)
    bool list_carbon = false;
};

void add_energy_carbon_options(ArgParser & p, EnergyCarbonOptions & o);
// Prints the country and cloud tables (--list-carbon).
void print_carbon_tables();

// Splits one lap of the meter over a chunk's documents in proportion to their share of the
// chunk's wall time (cost_ms): each record gets "energy": {cpu_j, ram_j, gpu_j, source}.
void attribute_energy(const EnergyReading & lap, std::span<nlohmann::json> records);

// efficiency.<task>.energy: the documents' energy summed (so it covers resumed checkpoints too),
// per sample and per generated token; `laps` (this process's windows) give the component breakdown.
nlohmann::json task_energy(std::span<const nlohmann::json> samples, const std::vector<EnergyReading> & laps,
                           const nlohmann::json & efficiency);

// efficiency.<task>.co2e from the energy block, the headline quality (correct answers = acc × n)
// and the lifecycle options for this model.
nlohmann::json task_co2e(const nlohmann::json & energy, const nlohmann::json & efficiency, double headline_acc,
                         const CarbonIntensity & ci, const EnergyCarbonOptions & o, const std::string & model_key,
                         double n_params);

// OUTPUT/emissions.csv: one row per model × task of this run (CodeCarbon's column names).
std::string emissions_csv(const std::vector<nlohmann::json> & results_docs, const EnergyCarbonOptions & o,
                          const nlohmann::json & hardware);

}  // namespace rightsize::cli
