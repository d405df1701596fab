// Per-document metrics of the probe tasks (process_results: bbq, personality, charcomp,
// unfaithful_hint_cot), kept out of the evaluator's general scoring loop.
#pragma once

#include <rightsize/task.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>

namespace rightsize {

// After a multiple-choice document is scored: pred is its answer, correct whether that is gold,
// logprobs the choices' log-likelihoods (personality and mpi draw their repeated samples from
// them, seeded by sampling_seed and the document's identity).
void add_choice_probe_metrics(const TaskConfig & t, const Document & doc, size_t pred, bool correct,
                              std::span<const double> logprobs, uint32_t sampling_seed, nlohmann::json & m, nlohmann::json & rec);
// After a generation's answer is filtered.
void add_generation_probe_metrics(const TaskConfig & t, const Document & doc, const std::string & answer, nlohmann::json & m,
                                  nlohmann::json & rec);

}  // namespace rightsize
