// The metrics a task YAML may name without saying how to aggregate them: lm-eval's built-ins and
// the engine's own, each with its aggregation and direction. Private to src/tasks; the probes'
// metrics are registered by the probes (extensions.h).
#pragma once

#include <map>
#include <string>
#include <utility>

namespace rightsize {

// metric → (aggregation, higher_is_better)
const std::map<std::string, std::pair<std::string, bool>> & builtin_metric_defaults();

}  // namespace rightsize
