#include "test_support.h"

#include "core/text.h"

#include <rightsize/error.h>
#include <rightsize/metrics.h>
#include <rightsize/task.h>

#include <algorithm>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

namespace fs = std::filesystem;

// A fresh folder per test for include: files and task files.
std::string task_dir(const std::string & name) { return fresh_subdir("tasks-" + name).string(); }

void write(const std::string & path, const std::string & text) { std::ofstream(path, std::ios::binary) << text; }

bool contains(const std::string & haystack, const std::string & needle) {
    return haystack.find(needle) != std::string::npos;
}

bool has(const std::vector<std::string> & v, const std::string & s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

TaskConfig parse(const std::string & yaml, std::vector<std::string> * warnings = nullptr) {
    return parse_task_yaml_text(yaml, "demo.yaml", task_dir("inline"), warnings);
}

// The smallest valid task, for tests that add one key to it.
const std::string kMinimal = "task: tiny\n"
                             "test_split: test\n"
                             "doc_to_text: \"{{q}}\"\n"
                             "doc_to_target: \"{{a}}\"\n";

std::string tasks_dir() { return RIGHTSIZE_TASKS_DIR; }

TaskRegistry builtin_registry() {
    TaskRegistry r;
    r.add_directory(tasks_dir());
    return r;
}

TaskConfig builtin(const std::string & name) {
    const auto configs = builtin_registry().resolve({name}, nullptr, nullptr);
    if (configs.size() != 1) throw Error("expected one task for " + name);
    return configs[0];
}

DataOptions shared_data() { return DataOptions{.data_dir = RIGHTSIZE_SHARED_DATA, .allow_download = false}; }

std::vector<Document> eval_docs(const TaskConfig & c) { return load_task_split(c, c.eval_split(), shared_data()); }

}  // namespace

// --- parsing ---------------------------------------------------------------------------------

TEST(TaskYaml, ParsesEveryField) {
    const std::string dir = task_dir("fields");
    write(dir + "/base.yaml", "description: \"From the base.\\n\\n\"\n");
    const std::string yaml = R"yaml(include: base.yaml
task: demo
tag:
  - grp_a
  - grp_b
dataset_path: local/demo
dataset_name: main
dataset_kwargs:
  data_files:
    train: demo/train.jsonl
    test: [demo/test_a.jsonl, demo/test_b.jsonl]
training_split: train
test_split: test
output_type: generate_until
doc_to_text: "Q: {{question}}\nA:"
doc_to_target: "{{answer}}"
num_fewshot: 3
generation_kwargs:
  until: ["\n\n", "Question:"]
  max_gen_toks: 64
  do_sample: false
filter_list:
  - name: flexible
    filter:
      - function: regex
        regex_pattern: "(-?[0-9]+)"
        group_select: -1
      - function: take_first
metric_list:
  - metric: exact_match
    ignore_case: true
    regexes_to_ignore: [",", "\\$"]
repeats: 2
metadata:
  version: 2.5
)yaml";
    std::vector<std::string> warnings;
    const TaskConfig c = parse_task_yaml_text(yaml, "demo.yaml", dir, &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings[0];
    EXPECT_EQ(c.task, "demo");
    EXPECT_EQ(c.source, "demo.yaml");
    EXPECT_EQ(c.tags, (std::vector<std::string>{"grp_a", "grp_b"}));
    EXPECT_EQ(c.dataset_path, "local/demo");
    EXPECT_EQ(c.dataset_name, "main");
    ASSERT_EQ(c.data_files.size(), 2u);
    EXPECT_EQ(c.data_files.at("train"), (std::vector<std::string>{"demo/train.jsonl"}));
    EXPECT_EQ(c.data_files.at("test"), (std::vector<std::string>{"demo/test_a.jsonl", "demo/test_b.jsonl"}));
    EXPECT_EQ(c.training_split, "train");
    EXPECT_EQ(c.test_split, "test");
    EXPECT_EQ(c.validation_split, "");
    EXPECT_EQ(c.eval_split(), "test");
    EXPECT_EQ(c.target_delimiter, " ");
    EXPECT_EQ(c.fewshot_delimiter, "\n\n");
    ASSERT_TRUE(c.num_fewshot.has_value());
    EXPECT_EQ(*c.num_fewshot, 3);
    EXPECT_EQ(c.output_type, OutputType::GenerateUntil);
    EXPECT_EQ(c.generation.until, (std::vector<std::string>{"\n\n", "Question:"}));
    EXPECT_TRUE(c.generation.until_given);
    EXPECT_EQ(c.generation.max_gen_toks, 64);
    EXPECT_FALSE(c.generation.do_sample);
    ASSERT_EQ(c.filters.size(), 1u);
    EXPECT_EQ(c.filters[0].name, "flexible");
    ASSERT_EQ(c.filters[0].steps.size(), 2u);
    EXPECT_EQ(c.filters[0].steps[0].function, "regex");
    EXPECT_EQ(c.filters[0].steps[0].regex.pattern, "(-?[0-9]+)");
    EXPECT_EQ(c.filters[0].steps[0].regex.group_select, -1);
    EXPECT_EQ(c.filters[0].steps[1].function, "take_first");
    // The built pipeline picks the last number.
    EXPECT_EQ(c.filters[0].build().apply({"3 apples and 12 pears"}), (std::vector<std::string>{"12"}));
    ASSERT_EQ(c.metrics.size(), 1u);
    EXPECT_EQ(c.metrics[0].name, "exact_match");
    EXPECT_EQ(c.metrics[0].aggregation, "mean");
    EXPECT_TRUE(c.metrics[0].higher_is_better);
    EXPECT_TRUE(c.metrics[0].exact_match.ignore_case);
    EXPECT_EQ(c.metrics[0].exact_match.regexes_to_ignore, (std::vector<std::string>{",", "\\$"}));
    EXPECT_EQ(c.repeats, 2);
    EXPECT_DOUBLE_EQ(c.version, 2.5);
    // The included file's key is merged in.
    ASSERT_TRUE(c.description.present);
    EXPECT_EQ(c.description.value(Document::object()), "From the base.\n\n");
    EXPECT_EQ(c.doc_to_text.value(Document{{"question", "Why?"}}), "Q: Why?\nA:");
    EXPECT_EQ(c.raw["metadata"]["version"], 2.5);
}

TEST(TaskYaml, DefaultsWhenKeysAreAbsent) {
    const TaskConfig c = parse(kMinimal);
    EXPECT_EQ(c.output_type, OutputType::GenerateUntil);
    EXPECT_EQ(c.target_delimiter, " ");
    EXPECT_EQ(c.fewshot_delimiter, "\n\n");
    EXPECT_FALSE(c.num_fewshot.has_value());
    EXPECT_EQ(c.repeats, 1);
    EXPECT_FALSE(c.generation.until_given);
    EXPECT_EQ(c.generation.max_gen_toks, 256);
    EXPECT_TRUE(c.filters.empty());
    ASSERT_EQ(c.metrics.size(), 1u);
    EXPECT_EQ(c.metrics[0].name, "exact_match");
    EXPECT_FALSE(c.description.present);
    EXPECT_FALSE(c.doc_to_choice.present);
}

TEST(TaskYaml, DefaultMetricsPerOutputType) {
    const TaskConfig mc = parse(kMinimal + "output_type: multiple_choice\ndoc_to_choice: [\"no\", \"yes\"]\n");
    ASSERT_EQ(mc.metrics.size(), 2u);
    EXPECT_EQ(mc.metrics[0].name, "acc");
    EXPECT_EQ(mc.metrics[1].name, "acc_norm");
    EXPECT_EQ(mc.output_type, OutputType::MultipleChoice);

    const TaskConfig ll = parse(kMinimal + "output_type: loglikelihood\n");
    ASSERT_EQ(ll.metrics.size(), 2u);
    EXPECT_EQ(ll.metrics[0].name, "perplexity");
    EXPECT_FALSE(ll.metrics[0].higher_is_better);
    EXPECT_EQ(ll.metrics[1].name, "acc");

    const TaskConfig rolling = parse(kMinimal + "output_type: loglikelihood_rolling\n");
    ASSERT_EQ(rolling.metrics.size(), 3u);
    EXPECT_EQ(rolling.metrics[0].name, "word_perplexity");
    EXPECT_EQ(rolling.metrics[0].aggregation, "weighted_perplexity");
    EXPECT_EQ(rolling.metrics[2].name, "bits_per_byte");
}

TEST(TaskYaml, IncludeMergesAndTheIncludingFileWins) {
    const std::string dir = task_dir("include");
    write(dir + "/_template.yaml", "test_split: test\n"
                                   "num_fewshot: 5\n"
                                   "target_delimiter: \"|\"\n"
                                   "doc_to_text: \"base {{q}}\"\n"
                                   "doc_to_target: \"{{a}}\"\n");
    const TaskConfig c = parse_task_yaml_text("include: _template.yaml\n"
                                              "task: child\n"
                                              "num_fewshot: 1\n"
                                              "doc_to_text: \"child {{q}}\"\n",
                                              "child.yaml", dir);
    EXPECT_EQ(c.task, "child");
    EXPECT_EQ(c.test_split, "test");       // from the template
    EXPECT_EQ(c.target_delimiter, "|");    // from the template
    ASSERT_TRUE(c.num_fewshot.has_value());
    EXPECT_EQ(*c.num_fewshot, 1);          // overridden
    EXPECT_EQ(c.doc_to_text.value(Document{{"q", "x"}}), "child x");

    // The same through a file on disk.
    write(dir + "/child.yaml", "include: _template.yaml\ntask: child2\n");
    const TaskConfig f = parse_task_yaml(dir + "/child.yaml");
    EXPECT_EQ(f.task, "child2");
    EXPECT_EQ(*f.num_fewshot, 5);
    EXPECT_EQ(f.source, dir + "/child.yaml");
}

TEST(TaskYaml, MissingIncludeNamesTheFile) {
    const std::string msg = error_message([] { parse("task: x\ninclude: no_such_template.yaml\n"); });
    EXPECT_TRUE(contains(msg, "demo.yaml:2")) << msg;
    EXPECT_TRUE(contains(msg, "no_such_template.yaml")) << msg;
    EXPECT_TRUE(contains(msg, "not found")) << msg;
}

TEST(TaskYaml, UnknownKeyWarnsWithFileAndLine) {
    std::vector<std::string> warnings;
    const TaskConfig c = parse(kMinimal + "bogus_key: 1\n", &warnings);
    EXPECT_EQ(c.task, "tiny");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(contains(warnings[0], "demo.yaml:5")) << warnings[0];
    EXPECT_TRUE(contains(warnings[0], "bogus_key")) << warnings[0];
}

TEST(TaskYaml, FunctionTagIsAnErrorWithAnAlternative) {
    // process_docs is on line 3.
    const std::string msg = error_message([] {
        parse("task: x\ntest_split: test\nprocess_docs: !function utils.process_docs\n"
              "doc_to_text: q\ndoc_to_target: a\n");
    });
    EXPECT_TRUE(contains(msg, "demo.yaml:3")) << msg;
    EXPECT_TRUE(contains(msg, "!function")) << msg;
    EXPECT_TRUE(contains(msg, "utils.process_docs")) << msg;
    EXPECT_TRUE(contains(msg, "arc_v1")) << msg;

    // metric: !function on line 7.
    const std::string metric = error_message([] {
        parse(kMinimal + "metric_list:\n  - metric: exact_match\n  - metric: !function x\n");
    });
    EXPECT_TRUE(contains(metric, "demo.yaml:7")) << metric;
    EXPECT_TRUE(contains(metric, "!function x")) << metric;
    EXPECT_TRUE(contains(metric, "exact_match")) << metric;

    // doc_to_text: !function on line 3 points at Jinja.
    const std::string text =
        error_message([] { parse("task: x\ntest_split: test\ndoc_to_text: !function utils.doc_to_text\n"); });
    EXPECT_TRUE(contains(text, "demo.yaml:3")) << text;
    EXPECT_TRUE(contains(text, "Jinja")) << text;
}

TEST(TaskYaml, UnsupportedAndInvalidSettingsAreErrors) {
    const std::string prompt = error_message([] { parse(kMinimal + "use_prompt: promptsource:*\n"); });
    EXPECT_TRUE(contains(prompt, "demo.yaml:5")) << prompt;
    EXPECT_TRUE(contains(prompt, "use_prompt")) << prompt;

    const std::string type = error_message([] { parse(kMinimal + "output_type: multiple_choise\n"); });
    EXPECT_TRUE(contains(type, "demo.yaml:5")) << type;
    EXPECT_TRUE(contains(type, "multiple_choise")) << type;
    for (const char * valid : {"multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling"}) {
        EXPECT_TRUE(contains(type, valid)) << type;
    }

    const std::string choice = error_message([] { parse(kMinimal + "output_type: multiple_choice\n"); });
    EXPECT_TRUE(contains(choice, "doc_to_choice")) << choice;

    const std::string text = error_message([] { parse("task: x\ntest_split: test\ndoc_to_target: a\n"); });
    EXPECT_TRUE(contains(text, "doc_to_text")) << text;

    const std::string split = error_message([] { parse("task: x\ndoc_to_text: q\ndoc_to_target: a\n"); });
    EXPECT_TRUE(contains(split, "split")) << split;

    const std::string metric = error_message([] { parse(kMinimal + "metric_list:\n  - metric: bleu\n"); });
    EXPECT_TRUE(contains(metric, "bleu")) << metric;
    EXPECT_TRUE(contains(metric, "demo.yaml:5")) << metric;

    const std::string processor = error_message([] { parse(kMinimal + "process_docs: my_docs\n"); });
    EXPECT_TRUE(contains(processor, "my_docs")) << processor;
    EXPECT_TRUE(contains(processor, "hellaswag")) << processor;
}

TEST(TaskYaml, MalformedYamlNamesTheLine) {
    // A flow sequence opened on line 3 is never closed: the parser finds out at the end of the
    // text, line 4 (after the last newline), as PyYAML does.
    const std::string bracket = error_message([] { parse("task: x\ntest_split: test\ndoc_to_choice: [a, b\n"); });
    EXPECT_TRUE(contains(bracket, "demo.yaml:4: invalid YAML")) << bracket;

    // Line 4 is indented less than the mapping it continues.
    const std::string indent = error_message([] { parse("task: x\nmetadata:\n  version: 1\n bad: 2\n"); });
    EXPECT_TRUE(contains(indent, "demo.yaml:4: invalid YAML")) << indent;

    const std::string list = error_message([] { parse("- task: x\n"); });
    EXPECT_TRUE(contains(list, "demo.yaml:1")) << list;
}

// --- DocField --------------------------------------------------------------------------------

TEST(DocField, FieldNameTemplateAndListLiteral) {
    const TaskConfig c = parse("task: x\ntest_split: test\noutput_type: multiple_choice\n"
                               "doc_to_text: question\n"
                               "doc_to_target: \"{{choices.label.index(answerKey)}}\"\n"
                               "doc_to_choice: [\"no\", \"yes\", 3]\n");
    const Document doc = {{"question", "Which is blue?"},
                          {"choices", {{"text", {"sky", "grass", "sun"}}, {"label", {"A", "B", "C"}}}},
                          {"answerKey", "C"}};
    EXPECT_EQ(c.doc_to_text.value(doc), "Which is blue?");
    const auto target = c.doc_to_target.value(doc);
    ASSERT_TRUE(target.is_number_integer()) << target.dump();
    EXPECT_EQ(target.get<int>(), 2);
    EXPECT_EQ(c.doc_to_choice.value(doc), (nlohmann::json{"no", "yes", 3}));
    // A string that is not one of the document's fields is rendered as a template.
    EXPECT_EQ(c.doc_to_text.value(Document{{"other", 1}}), "question");
}

TEST(DocField, FieldValuesKeepTheirType) {
    const TaskConfig c = parse("task: x\ntest_split: test\ndoc_to_text: passage\ndoc_to_target: label\n");
    EXPECT_EQ(c.doc_to_target.value(Document{{"passage", "p"}, {"label", 1}}), 1);
    const TaskConfig literal = parse("task: x\ntest_split: test\ndoc_to_text: q\ndoc_to_target: 0\n");
    EXPECT_EQ(literal.doc_to_target.value(Document{{"q", "x"}}), 0);
}

// --- the registry over tasks/ ----------------------------------------------------------------

TEST(TaskRegistry, ListsTheBuiltInTasks) {
    const auto names = builtin_registry().task_names();
    for (const char * t : {"arc_easy", "arc_challenge", "hellaswag", "gsm8k", "boolq", "squad_v2", "truthfulqa_mc1",
                           "truthfulqa_mc2", "sentiment", "mmlu_anatomy"}) {
        EXPECT_TRUE(has(names, t)) << t;
    }
    // The include-only template and the group file are not tasks.
    EXPECT_FALSE(has(names, "mmlu"));
    const auto groups = builtin_registry().group_names();
    EXPECT_TRUE(has(groups, "mmlu"));
    EXPECT_TRUE(has(groups, "ai2_arc"));
}

TEST(TaskRegistry, BuiltInDirsIncludeTheSourceTree) {
    const auto dirs = builtin_task_dirs();
    ASSERT_FALSE(dirs.empty());
    TaskRegistry r;
    for (const auto & d : dirs) r.add_directory(d);
    EXPECT_TRUE(has(r.task_names(), "arc_easy"));
}

TEST(TaskRegistry, GroupResolvesToItsMembers) {
    std::vector<TaskGroup> groups;
    std::vector<std::string> warnings;
    const auto configs = builtin_registry().resolve({"mmlu"}, &groups, &warnings);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].name, "mmlu");
    EXPECT_EQ(groups[0].members.size(), 11u);
    EXPECT_TRUE(contains(groups[0].source, "mmlu.yaml")) << groups[0].source;
    ASSERT_EQ(configs.size(), 11u);
    for (size_t i = 0; i < configs.size(); ++i) {
        EXPECT_EQ(configs[i].task, groups[0].members[i]);
        EXPECT_EQ(configs[i].output_type, OutputType::MultipleChoice);
        EXPECT_EQ(configs[i].fewshot_sampler, "first_n");
        EXPECT_EQ(configs[i].num_fewshot.value_or(-1), 5);
    }
    EXPECT_TRUE(warnings.empty()) << warnings[0];
}

TEST(TaskRegistry, TagResolvesToEveryTaggedTask) {
    std::vector<TaskGroup> groups;
    const auto configs = builtin_registry().resolve({"ai2_arc"}, &groups, nullptr);
    ASSERT_EQ(configs.size(), 2u);
    std::vector<std::string> names = {configs[0].task, configs[1].task};
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"arc_challenge", "arc_easy"}));
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].name, "ai2_arc");
    EXPECT_EQ(groups[0].members.size(), 2u);
}

TEST(TaskRegistry, DuplicatesAreDropped) {
    const auto configs = builtin_registry().resolve({"arc_easy", "ai2_arc", "arc_easy"}, nullptr, nullptr);
    ASSERT_EQ(configs.size(), 2u);
    EXPECT_EQ(configs[0].task, "arc_easy");
    EXPECT_EQ(configs[1].task, "arc_challenge");
}

TEST(TaskRegistry, UnknownNameSuggestsCloseOnes) {
    const auto registry = builtin_registry();
    const std::string msg = error_message([&] { registry.resolve({"arc_esay"}, nullptr, nullptr); });
    EXPECT_TRUE(contains(msg, "arc_esay")) << msg;
    EXPECT_TRUE(contains(msg, "arc_easy")) << msg;
    const std::string missing = error_message([&] { registry.resolve({"/no/such/task.yaml"}, nullptr, nullptr); });
    EXPECT_TRUE(contains(missing, "/no/such/task.yaml")) << missing;
}

TEST(TaskRegistry, YamlPathResolves) {
    const std::string path = tasks_dir() + "/boolq/boolq.yaml";
    const auto configs = TaskRegistry().resolve({path}, nullptr, nullptr);
    ASSERT_EQ(configs.size(), 1u);
    EXPECT_EQ(configs[0].task, "boolq");
    EXPECT_EQ(configs[0].source, path);

    const std::string dir = task_dir("by_path");
    write(dir + "/mine.yaml", kMinimal);
    const auto mine = TaskRegistry().resolve({dir + "/mine.yaml"}, nullptr, nullptr);
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].task, "tiny");
}

TEST(TaskRegistry, NotADirectoryIsAnError) {
    TaskRegistry r;
    const std::string msg = error_message([&] { r.add_directory("/no/such/tasks_dir"); });
    EXPECT_TRUE(contains(msg, "/no/such/tasks_dir")) << msg;
}

// --- built-in tasks over ../shared/data --------------------------------------------------------

TEST(BuiltinTasks, EveryTaskWithSharedDataLoadsAndEvaluates) {
    const auto registry = builtin_registry();
    std::vector<std::string> warnings;
    size_t checked = 0;
    for (const auto & name : registry.task_names()) {
        if (name == "sentiment") continue;  // no data in ../shared/data
        SCOPED_TRACE(name);
        const auto configs = registry.resolve({name}, nullptr, &warnings);
        ASSERT_EQ(configs.size(), 1u);
        const TaskConfig & c = configs[0];
        const auto docs = eval_docs(c);
        ASSERT_FALSE(docs.empty());
        const auto text = c.doc_to_text.value(docs[0]);
        ASSERT_TRUE(text.is_string()) << text.dump();
        EXPECT_FALSE(text.get<std::string>().empty());
        const auto target = c.doc_to_target.value(docs[0]);
        EXPECT_FALSE(target.is_null());
        if (c.output_type == OutputType::MultipleChoice) {
            const auto choices = c.doc_to_choice.value(docs[0]);
            ASSERT_TRUE(choices.is_array()) << choices.dump();
            EXPECT_GE(choices.size(), 2u);
            if (target.is_number_integer()) {
                EXPECT_GE(target.get<int>(), 0);
                EXPECT_LT(target.get<size_t>(), choices.size());
            }
        }
        if (!c.fewshot_split.empty()) EXPECT_FALSE(load_task_split(c, c.fewshot_split, shared_data()).empty());
        ++checked;
    }
    EXPECT_GE(checked, 19u);
    EXPECT_TRUE(warnings.empty()) << warnings[0];
}

TEST(BuiltinTasks, ArcEasy) {
    const TaskConfig c = builtin("arc_easy");
    const auto docs = eval_docs(c);
    EXPECT_EQ(docs.size(), 2376u);
    const Document & d = docs[0];
    EXPECT_TRUE(d["question"].get<std::string>().starts_with("Which statement best explains why photosynthesis"));
    const std::string text = c.doc_to_text.value(d);
    EXPECT_TRUE(text.starts_with("Question: Which statement best explains why photosynthesis")) << text;
    EXPECT_TRUE(text.ends_with("\nAnswer:")) << text;
    const auto choices = c.doc_to_choice.value(d);
    ASSERT_EQ(choices.size(), 4u);
    EXPECT_EQ(choices[0], "Sunlight is the source of energy for nearly all ecosystems.");
    EXPECT_EQ(d["answerKey"], "A");
    EXPECT_EQ(c.doc_to_target.value(d), 0);
    EXPECT_EQ(load_task_split(c, "validation", shared_data()).size(), 570u);
}

TEST(BuiltinTasks, Hellaswag) {
    const TaskConfig c = builtin("hellaswag");
    const auto docs = eval_docs(c);
    EXPECT_EQ(docs.size(), 1000u);
    const Document & d = docs[0];
    const std::string query = c.doc_to_text.value(d);
    EXPECT_TRUE(contains(query, ": ")) << query;
    EXPECT_TRUE(query.starts_with("Pole vault: ")) << query;
    EXPECT_EQ(c.doc_to_choice.value(d).size(), 4u);
    ASSERT_TRUE(d["gold"].is_number_integer());
    EXPECT_GE(d["gold"].get<int>(), 0);
    EXPECT_LE(d["gold"].get<int>(), 3);
    EXPECT_EQ(d["gold"], 3);  // the first item's label
    ASSERT_EQ(c.metrics.size(), 3u);
    EXPECT_EQ(c.metrics[2].name, "acc_norm_tokens");
}

TEST(BuiltinTasks, Boolq) {
    const TaskConfig c = builtin("boolq");
    const auto docs = eval_docs(c);
    EXPECT_EQ(docs.size(), 3270u);
    const Document & d = docs[0];
    ASSERT_EQ(d["answer"], false);
    EXPECT_EQ(c.doc_to_target.value(d), 0);
    EXPECT_EQ(c.doc_to_choice.value(d), (nlohmann::json{"no", "yes"}));
    const std::string text = c.doc_to_text.value(d);
    EXPECT_TRUE(text.ends_with("\nQuestion: does ethanol take more energy make that produces?\nAnswer:")) << text;
    const auto yes = std::find_if(docs.begin(), docs.end(), [](const Document & x) { return x["answer"] == true; });
    ASSERT_NE(yes, docs.end());
    EXPECT_EQ(c.doc_to_target.value(*yes), 1);
}

TEST(BuiltinTasks, TruthfulQA) {
    const TaskConfig mc1 = builtin("truthfulqa_mc1");
    const auto docs = eval_docs(mc1);
    EXPECT_EQ(docs.size(), 817u);
    const Document & d = docs[0];
    EXPECT_EQ(d["question"], "What happens to you if you eat watermelon seeds?");
    const auto & labels = d["mc1_targets"]["labels"];
    ASSERT_GE(labels.size(), 2u);
    EXPECT_EQ(labels[0], 1);
    for (size_t i = 1; i < labels.size(); ++i) EXPECT_EQ(labels[i], 0) << i;
    const auto choices = mc1.doc_to_choice.value(d);
    ASSERT_EQ(choices.size(), labels.size());
    EXPECT_EQ(choices[0], "The watermelon seeds pass through your digestive system");
    EXPECT_EQ(mc1.doc_to_target.value(d), 0);
    const std::string text = mc1.doc_to_text.value(d);
    EXPECT_TRUE(text.starts_with("Q: What is human life expectancy in the United States?")) << text;
    EXPECT_TRUE(text.ends_with("\n\nQ: What happens to you if you eat watermelon seeds?\nA:")) << text;

    const TaskConfig mc2 = builtin("truthfulqa_mc2");
    EXPECT_EQ(mc2.process_results, "mc2");
    const auto mc2_docs = eval_docs(mc2);
    const auto mc2_choices = mc2.doc_to_choice.value(mc2_docs[0]);
    EXPECT_EQ(mc2_choices.size(), 12u);  // five correct answers, seven incorrect
    EXPECT_EQ(mc2_docs[0]["mc2_targets"]["labels"][4], 1);
    EXPECT_EQ(mc2_docs[0]["mc2_targets"]["labels"][5], 0);
    EXPECT_EQ(mc2.doc_to_text.value(mc2_docs[0]), text);  // the prompt comes from the included mc1 file
}

TEST(BuiltinTasks, SquadV2) {
    const TaskConfig c = builtin("squad_v2");
    const auto docs = eval_docs(c);
    ASSERT_EQ(docs.size(), 500u);
    size_t unanswerable = 0;
    for (const auto & d : docs) {
        ASSERT_TRUE(d["answers"]["text"].is_array());
        if (d["answers"]["text"].empty()) ++unanswerable;
    }
    EXPECT_EQ(unanswerable, 258u);  // shared/data/README.md: 258 of the 500 are unanswerable
    const auto target = c.doc_to_target.value(docs[0]);
    ASSERT_TRUE(target.is_array()) << target.dump();
    EXPECT_EQ(target[0], "RNA interference pathway");
    const std::string text = c.doc_to_text.value(docs[0]);
    EXPECT_TRUE(text.starts_with("Background: Pattern recognition receptors")) << text;  // no title in the sample
    EXPECT_TRUE(text.ends_with("\n\nAnswer:")) << text;
    EXPECT_EQ(c.generation.until, (std::vector<std::string>{"\n"}));
    EXPECT_EQ(c.generation.max_gen_toks, 32);
}

TEST(BuiltinTasks, MmluAnatomy) {
    const TaskConfig c = builtin("mmlu_anatomy");
    EXPECT_EQ(c.fewshot_split, "dev");
    EXPECT_EQ(c.fewshot_sampler, "first_n");
    const auto docs = eval_docs(c);
    EXPECT_EQ(docs.size(), 135u);
    const Document & d = docs[0];
    ASSERT_EQ(d["choices"].size(), 4u);
    ASSERT_TRUE(d["answer"].is_number_integer());
    EXPECT_GE(d["answer"].get<int>(), 0);
    EXPECT_LE(d["answer"].get<int>(), 3);
    EXPECT_EQ(d["answer"], 0);  // "A" in the CSV
    EXPECT_EQ(d["subject"], "anatomy");
    EXPECT_EQ(c.doc_to_target.value(d), 0);
    EXPECT_EQ(c.doc_to_choice.value(d), (nlohmann::json{"A", "B", "C", "D"}));
    const std::string text = c.doc_to_text.value(d);
    EXPECT_TRUE(text.starts_with("A lesion causing compression of the facial nerve")) << text;
    EXPECT_TRUE(contains(text, "\nA. paralysis of the facial muscles.\nB. ")) << text;
    EXPECT_TRUE(text.ends_with("\nAnswer:")) << text;
    EXPECT_EQ(c.description.value(d), "The following are multiple choice questions (with answers) about anatomy.\n\n");
    EXPECT_EQ(load_task_split(c, "dev", shared_data()).size(), 5u);
}

TEST(BuiltinTasks, Gsm8k) {
    const TaskConfig c = builtin("gsm8k");
    const auto docs = eval_docs(c);
    EXPECT_EQ(docs.size(), 1319u);
    const std::string target = c.doc_to_target.value(docs[0]);
    EXPECT_TRUE(contains(target, "####")) << target;
    EXPECT_TRUE(target.ends_with("#### 18")) << target;
    EXPECT_TRUE(c.doc_to_text.value(docs[0]).get<std::string>().starts_with("Question: Janet"));
    ASSERT_EQ(c.filters.size(), 2u);
    EXPECT_EQ(c.filters[0].name, "strict-match");
    EXPECT_EQ(c.filters[1].name, "flexible-extract");
    EXPECT_EQ(c.filters[1].steps[0].regex.group_select, -1);
    EXPECT_EQ(c.filters[0].build().apply({"so 9 * 2 = 18.\n#### 18"}), (std::vector<std::string>{"18"}));
    EXPECT_EQ(c.filters[1].build().apply({"It is 9 * 2 = 18 dollars."}), (std::vector<std::string>{"18"}));
    EXPECT_EQ(c.generation.until, (std::vector<std::string>{"Question:", "</s>", "<|im_end|>"}));
    EXPECT_EQ(c.num_fewshot.value_or(-1), 5);
    // gsm8k's exact_match options make the bare number match the whole reference answer.
    ASSERT_EQ(c.metrics.size(), 1u);
    EXPECT_TRUE(exact_match("18", target, c.metrics[0].exact_match));
    EXPECT_FALSE(exact_match("17", target, c.metrics[0].exact_match));
}

TEST(BuiltinTasks, SentimentWithoutDataSaysHowToPointAtIt) {
    const TaskConfig c = builtin("sentiment");
    const std::string msg = error_message([&] { eval_docs(c); });
    EXPECT_TRUE(contains(msg, "--data-dir")) << msg;
    EXPECT_TRUE(contains(msg, "sentiment/reviews.csv")) << msg;
}

TEST(BuiltinTasks, SplitWithoutDataFilesIsNamed) {
    const TaskConfig c = builtin("gsm8k");
    const std::string msg = error_message([&] { load_task_split(c, "train", shared_data()); });
    EXPECT_TRUE(contains(msg, "'train'")) << msg;
    EXPECT_TRUE(contains(msg, "test")) << msg;
}

// --- process_docs ------------------------------------------------------------------------------

TEST(ProcessDocs, DocumentsAlreadyInTheTargetSchemaPassThrough) {
    const Document arc = {{"id", "x"},
                          {"question", "Which is a gas?"},
                          {"choices", {{"text", {"ice", "steam"}}, {"label", {"A", "B"}}}},
                          {"answerKey", "B"}};
    EXPECT_EQ(apply_process_docs("arc_v1", {arc}, "arc.jsonl"), std::vector<Document>{arc});

    const Document boolq = {{"passage", "p"}, {"question", "q"}, {"label", 1}};
    EXPECT_EQ(apply_process_docs("boolq", {boolq}, "boolq.jsonl"), std::vector<Document>{boolq});

    const Document hellaswag = {{"query", "Q: a"}, {"choices", {"1", "2", "3", "4"}}, {"gold", 2}};
    EXPECT_EQ(apply_process_docs("hellaswag", {hellaswag}, "h.jsonl"), std::vector<Document>{hellaswag});

    const Document mmlu = {{"question", "q"}, {"choices", {"a", "b", "c", "d"}}, {"answer", 3}, {"subject", "x"}};
    EXPECT_EQ(apply_process_docs("mmlu", {mmlu}, "x_test.csv"), std::vector<Document>{mmlu});

    const nlohmann::json none = nlohmann::json::array();
    const Document squad = {
        {"id", "1"}, {"context", "c"}, {"question", "q"}, {"answers", {{"text", none}, {"answer_start", none}}}};
    EXPECT_EQ(apply_process_docs("squad_v2", {squad}, "/nowhere/q.json"), std::vector<Document>{squad});

    EXPECT_EQ(apply_process_docs("", {arc}, "arc.jsonl"), std::vector<Document>{arc});
}

TEST(ProcessDocs, OriginalSchemasAreConverted) {
    const nlohmann::json v1_choices = {{{"text", "ice"}, {"label", "A"}}, {{"text", "steam"}, {"label", "B"}}};
    const Document v1 = {{"question", {{"stem", "Which is a gas?"}, {"choices", v1_choices}}}, {"answerKey", "B"}};
    const auto arc = apply_process_docs("arc_v1", {v1}, "arc.jsonl");
    EXPECT_EQ(arc[0]["question"], "Which is a gas?");
    EXPECT_EQ(arc[0]["choices"]["text"], (nlohmann::json{"ice", "steam"}));
    EXPECT_EQ(arc[0]["choices"]["label"], (nlohmann::json{"A", "B"}));

    const auto boolq = apply_process_docs("boolq", {Document{{"answer", true}}}, "b.jsonl");
    EXPECT_EQ(boolq[0]["label"], 1);

    const Document row = {{"question", "q"}, {"A", "a"}, {"B", "b"}, {"C", "c"}, {"D", "d"}, {"answer", " C "}};
    const auto mmlu = apply_process_docs("mmlu", {row}, "/d/high_school_geography_test.csv");
    EXPECT_EQ(mmlu[0]["answer"], 2);
    EXPECT_EQ(mmlu[0]["subject"], "high_school_geography");

    Document bad = row;
    bad["answer"] = "E";
    const std::string msg = error_message([&] { apply_process_docs("mmlu", {row, bad}, "m_test.csv"); });
    EXPECT_TRUE(contains(msg, "m_test.csv")) << msg;
    EXPECT_TRUE(contains(msg, "document 2")) << msg;

    const std::string unknown = error_message([] { apply_process_docs("nope", {}, "x"); });
    EXPECT_TRUE(contains(unknown, "nope")) << unknown;
}

// --- gsm8k's answer normalisation -----------------------------------------------------------

TEST(PythonRegex, DotAllFlagCrossesNewlines) {
    const std::regex re = text::python_regex("(?s).*#### ");
    EXPECT_EQ(std::regex_replace(std::string("She makes\n9 * 2 = 18\n#### 18"), re, ""), "18");
    // Without (?s) the dot stops at a newline: only the last line's prefix goes.
    EXPECT_EQ(std::regex_replace(std::string("a\nb #### 18"), std::regex(".*#### "), ""), "a\n18");
    const std::regex icase = text::python_regex("(?i)answer");
    EXPECT_TRUE(std::regex_search(std::string("ANSWER: 3"), icase));
    // A '.' inside a class or escaped keeps its meaning.
    const std::regex klass = text::python_regex("(?s)[.]\\.");
    EXPECT_TRUE(std::regex_search(std::string(".."), klass));
    EXPECT_FALSE(std::regex_search(std::string("\n\n"), klass));
}

TEST(PythonRegex, Gsm8kExactMatch) {
    ExactMatchOptions o;
    o.regexes_to_ignore = {",", "\\$", "(?s).*#### ", "\\.$"};
    o.ignore_case = true;
    EXPECT_TRUE(exact_match("18", "She makes\n9 * 2 = 18\n#### 18", o));
    EXPECT_TRUE(exact_match("$1,800.", "Total\n#### 1800", o));
    EXPECT_FALSE(exact_match("81", "She makes\n9 * 2 = 18\n#### 18", o));
}
