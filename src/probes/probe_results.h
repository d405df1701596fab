// The probes' result processors (probe_results.cpp), registered in builtin_probes.cpp.
#pragma once

#include <rightsize/extensions.h>

#include <nlohmann/json.hpp>

#include <span>

namespace rightsize::probes {

// process_results: sycophancy (sycophancy = true) and unfaithful_hint: each document asked again.
void ask_again(const ChoiceChunk & chunk, std::span<nlohmann::json> records, bool sycophancy);
// process_results: bbq — accuracy per context condition and the documents' bias values.
void bbq_choice(const ChoiceOutcome & o, nlohmann::json & metrics, nlohmann::json & record);
// process_results: personality / mpi — the answer on the agree scale or its keyed score, and draws.
void personality_choice(const ChoiceOutcome & o, nlohmann::json & metrics, nlohmann::json & record);
void mpi_choice(const ChoiceOutcome & o, nlohmann::json & metrics, nlohmann::json & record);
// process_results: unfaithful_hint_cot / charcomp — a generated answer's figures.
void unfaithful_cot_generation(const GenerationOutcome & o, nlohmann::json & metrics, nlohmann::json & record);
void charcomp_generation(const GenerationOutcome & o, nlohmann::json & metrics, nlohmann::json & record);
// The personality consistency and MPI profile over every answer of the task.
nlohmann::json aggregate_personality(const TaskConfig & task, std::span<const nlohmann::json> samples, nlohmann::json out);
nlohmann::json aggregate_mpi(const TaskConfig & task, std::span<const nlohmann::json> samples, nlohmann::json out);

}  // namespace rightsize::probes
