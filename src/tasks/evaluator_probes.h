// Per-document metrics of the probe tasks (process_results: bbq, personality, charcomp,
// unfaithful_hint_cot), kept out of the evaluator's general scoring loop.
#pragma once

#include <rightsize/task.h>

#include <nlohmann/json.hpp>

#include <string>

namespace rightsize {

// After a multiple-choice document is scored: pred is its answer, correct whether that is gold.
void add_choice_probe_metrics(const TaskConfig & t, const Document & doc, size_t pred, bool correct, nlohmann::json & m,
                              nlohmann::json & rec);
// After a generation's answer is filtered.
void add_generation_probe_metrics(const TaskConfig & t, const Document & doc, const std::string & answer, nlohmann::json & m,
                                  nlohmann::json & rec);

}  // namespace rightsize
