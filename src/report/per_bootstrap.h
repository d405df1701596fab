// PER with its uncertainty (issue 16): a bootstrap over the task's documents, quality and cost of a
// document drawn together and every model on the same draw, gives each model's PER an interval and
// each pair the share of draws in which one ranks above the other.
#pragma once

#include <rightsize/comparison.h>
#include <rightsize/per_input.h>
#include <rightsize/report.h>

#include <nlohmann/json.hpp>

#include <vector>

namespace rightsize {

// `docs[i]` holds records[i]'s documents (null: unknown, and then there is no interval). Only the
// documents every model has are drawn. Each draw recomputes quality (the mean; its negative when
// lower is better), throughput, latency and energy per unit from the drawn documents, keeps memory,
// and computes PER as `options` shows it (fixed bounds for fewer than three models recomputed on the
// draw). Returns {method, resamples, documents, per_ci95: {model: [lo, hi]}, rank: [{above, below,
// share}], separable: bool (the best ranks first in ≥ 95 % of draws)} or null.
nlohmann::json per_bootstrap(const std::vector<PerRecord> & records, const std::vector<const DocumentFigures *> & docs, bool hib,
                             const ComparisonOptions & options, int resamples = 200, unsigned seed = 1234);

}  // namespace rightsize
