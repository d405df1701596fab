// A run's energy bookkeeping: each chunk's meter reading split over its documents (so a killed
// and resumed task still sums every checkpoint), the task's energy block, its CO2e, and the
// CodeCarbon-style emissions.csv over a run's results.
#pragma once

#include <rightsize/carbon.h>
#include <rightsize/energy.h>

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <vector>

namespace rightsize {

// Splits one lap of the meter over a chunk's documents in proportion to their share of the
// chunk's wall time (cost_ms): each record gets "energy": {cpu_j, ram_j, gpu_j, source}.
void attribute_energy(const EnergyReading & lap, std::span<nlohmann::json> records);

// efficiency.<task>.energy: the documents' energy summed (so it covers resumed checkpoints too),
// per sample and per generated token; `laps` (this process's windows) give the component breakdown.
nlohmann::json task_energy(std::span<const nlohmann::json> samples, const std::vector<EnergyReading> & laps,
                           const nlohmann::json & efficiency);

// efficiency.<task>.co2e from the energy block, the headline quality (correct answers = acc × n)
// and the lifecycle options for this model; null when the task has no energy.
nlohmann::json task_co2e(const nlohmann::json & energy, const nlohmann::json & efficiency, double headline_acc,
                         const CarbonIntensity & ci, double pue, const LifecycleOptions & lifecycle,
                         const std::string & model_key, double n_params);

// OUTPUT/emissions.csv: one row per model × task of the results.json documents given
// (CodeCarbon's column names; see carbon.h).
std::string emissions_csv(const std::vector<nlohmann::json> & results_docs, const CarbonOptions & carbon,
                          const nlohmann::json & hardware);

}  // namespace rightsize
