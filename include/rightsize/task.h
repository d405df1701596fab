// Task definitions: a documented subset of lm-evaluation-harness's task YAML (docs/tasks.md),
// loaded with file:line errors, and the registry that finds tasks by name, tag or group.
#pragma once

#include <rightsize/dataset.h>
#include <rightsize/filters.h>
#include <rightsize/jinja.h>
#include <rightsize/metrics.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

enum class OutputType { MultipleChoice, GenerateUntil, Loglikelihood, LoglikelihoodRolling };
const char * to_string(OutputType t);

struct MetricSpec {
    std::string name;               // acc, acc_norm, acc_norm_tokens, exact_match, f1, perplexity, …
    std::string aggregation;        // mean, perplexity, weighted_perplexity, bits_per_byte, f1
    bool higher_is_better = true;
    ExactMatchOptions exact_match;  // exact_match's ignore_case / ignore_punctuation / regexes_to_ignore
};

struct FilterStep {
    std::string function;           // regex, take_first, lowercase, uppercase, remove_whitespace, strip
    RegexFilterOptions regex;
};
struct FilterSpec {
    std::string name;               // the "<filter>" of "<metric>,<filter>" result keys
    std::vector<FilterStep> steps;
    FilterPipeline build() const;
};

struct GenerationKwargs {
    std::vector<std::string> until;  // empty: [fewshot_delimiter], as lm-eval
    bool until_given = false;
    int max_gen_toks = 256;
    double temperature = 0.0;
    bool do_sample = false;
    double top_p = 1.0;
    int top_k = 0;
};

// A doc_to_* field: lm-eval accepts a template, the name of a document field, a number or a list.
struct DocField {
    bool present = false;
    nlohmann::json literal;           // a YAML number or list given as is
    std::optional<Template> tmpl;     // a string: a field name (when the document has it) or a template
    std::string text;                 // the string as written
    // The value for one document (field name → that field's value; template → its value).
    nlohmann::json value(const Document & doc) const;
};

struct TaskConfig {
    std::string task;
    std::vector<std::string> tags;
    std::string source;                // the YAML file it came from
    std::string dataset_path, dataset_name;
    std::map<std::string, std::vector<std::string>> data_files;  // split → files
    nlohmann::json dataset_kwargs = nlohmann::json::object();
    std::string training_split, validation_split, test_split, fewshot_split;
    std::string process_docs;          // a built-in document processor (docs/tasks.md)
    std::string process_results;       // a built-in result processor (mc2)
    DocField description, doc_to_text, doc_to_target, doc_to_choice;
    std::string target_delimiter = " ";
    std::string fewshot_delimiter = "\n\n";
    std::optional<int> num_fewshot;
    std::string fewshot_sampler = "default";  // default (lm-eval's seeded random.sample) | first_n
    OutputType output_type = OutputType::GenerateUntil;
    GenerationKwargs generation;
    std::vector<FilterSpec> filters;   // empty: one pipeline "none"
    std::vector<MetricSpec> metrics;
    int repeats = 1;
    double version = 0.0;
    nlohmann::json raw = nlohmann::json::object();  // the merged YAML, for results.json "configs"

    // The split evaluated: test_split, else validation_split, else training_split.
    std::string eval_split() const;
    // Where few-shot examples come from: fewshot_split, else training_split, else validation_split;
    // empty: the evaluated split itself (lm-eval's order).
    std::string fewshot_source_split() const;
    // Every (metric, filter) pair the task reports, filters outer, both in the task's order ("none"
    // when it has no filters). The first present in the results is the task's headline quality.
    std::vector<std::pair<std::string, std::string>> metric_filter_keys() const;
};

// A group (lm-eval "group:" file, or every task sharing a tag): its score aggregates the
// members' (mean weighted by each member's number of documents, lm-eval's default for MMLU).
struct TaskGroup {
    std::string name;
    std::vector<std::string> members;  // task names
    std::string source;
};

// Parses one task YAML (after resolving include:). Warnings (unknown keys) go to `warnings`
// as "file:line: …". Throws rightsize::Error naming file and line for anything unsupported.
TaskConfig parse_task_yaml(const std::string & path, std::vector<std::string> * warnings = nullptr);
// The same from text; `name` stands for the file in messages and `dir` resolves include:.
TaskConfig parse_task_yaml_text(const std::string & text, const std::string & name, const std::string & dir,
                                std::vector<std::string> * warnings = nullptr);

class TaskRegistry {
public:
    // Indexes every *.yaml under each directory (recursively). Files that fail to parse are
    // remembered and reported when their task is asked for.
    void add_directory(const std::string & dir);
    // Resolves a comma list of task names, tags, groups or YAML paths to tasks (in order,
    // without duplicates). Throws rightsize::Error for a name that matches nothing, listing
    // close names.
    std::vector<TaskConfig> resolve(const std::vector<std::string> & names, std::vector<TaskGroup> * groups,
                                    std::vector<std::string> * warnings) const;
    std::vector<std::string> task_names() const;
    std::vector<std::string> group_names() const;  // groups and tags

private:
    struct Entry {
        std::string path;
        std::string task;
        std::vector<std::string> tags;
        bool is_group = false;
        std::vector<std::string> group_tasks;
    };
    std::vector<Entry> entries_;
};

// Where built-in tasks live: $RIGHTSIZE_TASKS, else the tasks/ folder installed beside the
// binary (../share/rightsize/tasks), else the source tree's tasks/.
std::vector<std::string> builtin_task_dirs();

// The documents of a task's split: local data_files (resolved against data_dir, the YAML's
// folder, then as given), or the Hugging Face hub when dataset_path names a repository and no
// local file exists. process_docs is applied. Throws rightsize::Error saying where it looked.
struct DataOptions {
    std::string data_dir;  // --data-dir; default $RIGHTSIZE_DATA, else the cache's data/
    bool allow_download = true;
    bool lenient_utf8 = false;                        // --lenient-utf8: bad bytes become U+FFFD (else an error)
    std::function<void(const std::string &)> warn;    // told what lenient reading replaced
    static std::string default_data_dir();
};
// max_documents > 0: only the first max_documents of local JSONL/CSV/TSV files are parsed and kept
// (the rest counted); *total (when given) is the split's document count either way.
std::vector<Document> load_task_split(const TaskConfig & task, const std::string & split, const DataOptions & o,
                                      size_t max_documents = 0, size_t * total = nullptr);
// A file's documents as load_task_split reads them (UTF-8 rules and warnings from `o`).
LoadOptions load_options(const DataOptions & o, size_t max_documents = 0, size_t * total = nullptr);
// Where a split's documents come from, for a run's identity: each local file with its size and
// SHA-256 ({"file", "bytes", "sha256"}, or {"file", "found": false}), the hub repository,
// configuration and split, or a generated suite's name with the SHA-256 of its documents.
nlohmann::json task_data_sources(const TaskConfig & task, const std::string & split, const DataOptions & o);
// One file (a --data-file) as task_data_sources describes it.
nlohmann::json data_file_source(const std::string & path);

// Built-in document processors (process_docs: NAME): each turns a dataset's original release
// into the Hugging Face schema lm-eval's templates expect, and passes documents already in
// that schema through unchanged.
std::vector<Document> apply_process_docs(const std::string & name, std::vector<Document> docs,
                                         const std::string & data_file);
std::vector<std::string> process_docs_names();

}  // namespace rightsize
