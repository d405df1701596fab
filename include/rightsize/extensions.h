// What plugs into the evaluation engine without the engine knowing it by name: result processors
// (a task's `process_results: NAME`), document sources (`dataset_path: NAME`, documents generated
// rather than read), document processors (`process_docs: NAME`), metrics a task YAML may name,
// and aggregations of per-document values. The behaviour probes register theirs from src/probes;
// a program embedding rightsize may register its own before evaluating. docs/ARCHITECTURE.md,
// "Adding a probe", shows a whole one.
//
// Registration is by name; registering a name again replaces the earlier entry. The registry is
// filled with rightsize's own entries on first use and is safe to read from several threads once
// filled; register before evaluating, from one thread.
#pragma once

#include <rightsize/backend.h>
#include <rightsize/dataset.h>
#include <rightsize/task.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace rightsize {

// A multiple-choice document as the evaluator scored it.
struct ChoiceOutcome {
    const TaskConfig & task;
    const Document & doc;
    size_t pred;                       // the answer chosen (argmax of the choices' log-likelihoods)
    bool correct;                      // pred is a gold answer
    std::span<const double> logprobs;  // every choice's log-likelihood
    uint32_t sampling_seed;            // for processors that draw repeated samples
};

// A generated answer after the task's filter.
struct GenerationOutcome {
    const TaskConfig & task;
    const Document & doc;
    const std::string & answer;
};

// A chunk of multiple-choice documents after they were scored: a processor may ask the backend
// again (a challenge after the model's own answer, a hint) in one batched call.
struct ChoiceChunk {
    const TaskConfig & task;
    Backend & backend;
    std::span<const std::reference_wrapper<const Document>> docs;  // the chunk's documents
    std::span<const std::string> prompts;              // their prompts, as asked
    std::span<const std::vector<std::string>> choices; // their choices
    const std::string & delimiter;                     // between a prompt and a choice
};

// `process_results: NAME`. Every part is optional.
struct ResultProcessor {
    // Per document, after the standard metrics: add metrics (`metrics`, the "none" filter's) and
    // fields of the sample record (`record`).
    std::function<void(const ChoiceOutcome &, nlohmann::json & metrics, nlohmann::json & record)> on_choice;
    std::function<void(const GenerationOutcome &, nlohmann::json & metrics, nlohmann::json & record)> on_generation;
    // Per chunk of multiple-choice documents, after on_choice: records[k] is docs[k]'s sample.
    std::function<void(const ChoiceChunk &, std::span<nlohmann::json> records)> on_chunk;
    // The task's results block from all its samples, replacing the per-metric aggregation; `out`
    // arrives holding "alias".
    std::function<nlohmann::json(const TaskConfig &, std::span<const nlohmann::json> samples, nlohmann::json out)> aggregate;
    // Non-empty: the task's figures describe behaviour (a personality profile) rather than a quality
    // to maximise; the words say why, and the recommendation is left out for the task.
    std::string descriptive;
};

// `dataset_path: NAME`: documents generated from the task's dataset_kwargs (data_dir is where the
// task's files are looked up first).
using DocumentSource = std::function<std::vector<Document>(const TaskConfig & task, const std::string & data_dir)>;
// `process_docs: NAME`: one document into the schema the task's templates expect (data_file names
// the file it came from, for messages). Throw rightsize::Error for a document that does not fit.
using DocumentProcessor = std::function<Document(Document doc, const std::string & data_file)>;

// A metric a task's metric_list may name without saying how to aggregate it.
struct MetricInfo {
    std::string aggregation = "mean";  // "mean", an lm-eval aggregation, or a registered one
    bool higher_is_better = true;
    // Multiple choice: scored per document as this engine metric ("acc": 1 when the chosen answer is
    // the target), under the metric's own name. Empty: the metric's processor scores it.
    std::string same_as;
    // Non-empty: the metric describes answers (their length) rather than their quality; a task whose
    // headline it is gets no recommendation, and these words say why.
    std::string descriptive;
};

// Per-document values (a; b for metrics stored as pairs) → (value, standard error; NaN when none).
using Aggregation = std::function<std::pair<double, double>(std::span<const double> a, std::span<const double> b)>;

void register_result_processor(const std::string & name, ResultProcessor processor);
// describe: where a task's generated documents come from, in words, for `rightsize tasks`.
void register_document_source(const std::string & name, DocumentSource source,
                              std::function<std::string(const TaskConfig &)> describe = {});
void register_document_processor(const std::string & name, DocumentProcessor processor);
void register_metric(const std::string & name, MetricInfo info);
void register_aggregation(const std::string & name, Aggregation aggregation);

// nullptr when nothing is registered under the name.
const ResultProcessor * find_result_processor(const std::string & name);
const DocumentSource * find_document_source(const std::string & name);
const DocumentProcessor * find_document_processor(const std::string & name);
const MetricInfo * find_metric(const std::string & name);
const Aggregation * find_aggregation(const std::string & name);

// Where a task's documents come from when its dataset_path names a registered source; "" otherwise.
std::string describe_document_source(const TaskConfig & task);

std::vector<std::string> result_processor_names();    // sorted
std::vector<std::string> document_processor_names();  // sorted
std::vector<std::string> registered_metric_names();   // sorted

}  // namespace rightsize
