// Runs one task on one backend: builds lm-eval's prompts (seeded few-shot, optional chat
// template), sends batched requests, filters responses, scores every document, aggregates
// metrics with standard errors, and measures efficiency at Cao et al.'s granularity.
#pragma once

#include <rightsize/backend.h>
#include <rightsize/error.h>
#include <rightsize/task.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rightsize {

struct EvalOptions {
    std::optional<int> num_fewshot;      // overrides the task's num_fewshot
    double limit = 0;                    // documents: ≥ 1 a count, (0, 1) a fraction, 0 all
    bool apply_chat_template = false;    // render prompts with the model's chat template
    std::string system_prompt;           // system message (chat) or text before the prompt
    bool fewshot_as_multiturn = true;    // chat: each example a user/assistant pair
    uint32_t fewshot_seed = 1234;        // lm-eval's default
    uint32_t sampling_seed = 0;          // for tasks that sample (do_sample / repeats)
    size_t chunk_docs = 32;              // documents per batch (and per resume checkpoint)
    // A shard's share (shard.h): when set, only the documents of chunks it accepts (chunk c: the
    // documents c·chunk_docs … (c+1)·chunk_docs − 1) are evaluated, each in the same batch as
    // without it, so its scores are the unsharded run's.
    std::function<bool(size_t chunk)> chunk_selected;
    DataOptions data;
    std::map<std::string, std::string> data_file_overrides;  // task → file for its evaluated split
};

struct ResultProcessor;  // extensions.h

// One evaluated document, as written to samples_<task>.jsonl and the store:
// doc_id, doc, target, prompt, choices, arguments, resps, filtered_resps, metrics (filter →
// metric → value), and its measured cost (cost_ms, tokens).
using SampleRecord = nlohmann::json;

class TaskEvaluator {
public:
    // Loads the documents (and few-shot documents) now; throws rightsize::Error for missing data.
    TaskEvaluator(Backend & backend, TaskConfig task, const EvalOptions & options);

    const TaskConfig & task() const { return task_; }
    size_t n_original() const { return n_original_; }  // documents in the split
    size_t n_docs() const { return docs_.size(); }      // after --limit
    int n_shot() const { return n_shot_; }

    // The prompt of document i (few-shot examples included), for inspection and tests.
    std::string prompt(size_t i) const;

    // Evaluates every document not in `done` (keyed by doc_id), in chunks; after each chunk
    // calls on_chunk with its new records (so they can be stored before the next chunk; it may add
    // fields, such as the chunk's energy) and on_progress with the number of documents finished so
    // far. Returns all records in order.
    std::vector<SampleRecord> run(std::map<size_t, SampleRecord> done,
                                  const std::function<void(std::span<SampleRecord>)> & on_chunk = {},
                                  const std::function<void(size_t)> & on_progress = {});

    // lm-eval's results.<task> block: "<metric>,<filter>" and "<metric>_stderr,<filter>".
    nlohmann::json aggregate(std::span<const SampleRecord> samples) const;
    // efficiency.<task>: samples_per_s, ms_per_sample, tokens_per_s, ms_per_token (generation
    // only), TTFT/TPOT percentiles (generation only), wall_s — all measured.
    nlohmann::json efficiency(std::span<const SampleRecord> samples) const;

private:
    // on_doc_done(n): n more documents of the chunk are finished (generation reports them as
    // they end; scoring reports none before the chunk returns).
    std::vector<SampleRecord> evaluate_chunk(std::span<const size_t> doc_ids, const std::function<void(size_t)> & on_doc_done);
    void score_choices(std::span<const size_t> doc_ids, std::span<const std::string> prompts, std::vector<SampleRecord> & out);
    void score_rolling(std::span<const size_t> doc_ids, std::vector<SampleRecord> & out);
    void generate_answers(std::span<const size_t> doc_ids, std::span<const std::string> prompts,
                          const std::function<void(size_t)> & on_doc_done, std::vector<SampleRecord> & out);
    std::vector<std::string> choices_of(const Document & doc) const;
    nlohmann::json target_of(const Document & doc, const std::vector<std::string> & choices) const;
    std::string target_text(const Document & doc) const;
    std::string build_prompt(size_t i) const;
    std::vector<ChatMessage> chat_messages(size_t i) const;  // chat mode: system, few-shot turns, the question
    std::vector<size_t> fewshot_for(size_t i) const;

    Backend & backend_;
    TaskConfig task_;
    EvalOptions options_;
    std::vector<Document> docs_;
    std::vector<Document> fewshot_docs_;
    bool fewshot_is_eval_split_ = false;
    std::string data_origin_;  // the file (or dataset) documents come from, for messages
    // An error about document i, naming where it comes from: "FILE: document N: …".
    Error at_document(size_t i, const std::exception & e) const;
    std::vector<std::vector<size_t>> fewshot_choice_;  // per document, drawn up front in doc order
    size_t n_original_ = 0;
    int n_shot_ = 0;
    std::vector<FilterPipeline> filters_;
    const ResultProcessor * processor_ = nullptr;  // process_results' registered processor (extensions.h)
};

// aggregate() and efficiency() for a task's samples without an evaluator (a merge of shards
// recomputes them over all of its documents).
nlohmann::json aggregate_task_samples(const TaskConfig & task, std::span<const SampleRecord> samples);
nlohmann::json task_sample_efficiency(const TaskConfig & task, std::span<const SampleRecord> samples);

// The number of documents a TaskEvaluator with these options evaluates (after --limit); reads the
// task's data. Throws what the evaluator's constructor throws for missing data.
size_t evaluated_document_count(const TaskConfig & task, const EvalOptions & options);

// The score of a group: each metric's mean over its members weighted by their document counts
// (lm-eval's aggregate for MMLU), stderr pooled the same way.
nlohmann::json aggregate_group(const std::vector<std::pair<nlohmann::json, size_t>> & member_results);

}  // namespace rightsize
