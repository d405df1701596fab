#include "task_test_support.h"

#include <rightsize/metrics.h>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

namespace {

TaskConfig parse(const std::string & yaml, std::vector<std::string> * warnings = nullptr) {
    return parse_task_yaml_text(yaml, "demo.yaml", task_dir("inline"), warnings);
}

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

// Found by fuzz/fuzz_task_yaml (the exact input, a mutated sentiment.yaml): a choice that is not
// UTF-8 was accepted, and writing the config into results.json then threw nlohmann's type_error.
TEST(TaskYaml, TextThatIsNotUtf8IsNamedByLine) {
    static const char kFuzzInput[] =
        "# Binary sentimenfewshot_split: t over any CSV with columns text,label (Cao et al.'s IMDB task): label is\n"
        "# \"negative\"/\"positive\" or 0/1. Point it at your file with\n"
        "#   rightsize run --tasks sentiment --data-file sentiment=reviews.csv\n"
        "# or place it at <data-dir>/sentiment/reviews.csv.\n"
        "task: sentiment\n"
        "dataset_path: csv\n"
        "dataset_kwargs:\n"
        "  data_files:\n"
        "    tes,t: sentiment/reviews.csv\n"
        "output_type: multiple_choice\n"
        "test_split: test\n"
        "doc_to_text: \"Review: {{text}}S\\nentiment:\"\n"
        "doc_to_choice: [\"negat\xE9ve\", \"positive\"]\n"
        "doc_to_target: label\n"
        "metric_list:\n"
        "  - metric: acc\n"
        "  - metric: f1\n"
        "metadata:\n"
        "  version: 1.0\n";
    const std::string msg = error_message([] { parse(kFuzzInput); });
    EXPECT_TRUE(contains(msg, "demo.yaml:13: doc_to_choice is not UTF-8 text; save the file as UTF-8")) << msg;
    const std::string key = error_message([] { parse(kMinimal + "caf\xE9: 1\n"); });
    EXPECT_TRUE(contains(key, "demo.yaml:5: a key is not UTF-8 text")) << key;
}

// A list or mapping used as a key threw yaml-cpp's TypedBadConversion (seen beside the fuzz finding
// above, in the same function); it is an Error naming the line.
TEST(TaskYaml, ListOrMappingAsAKeyIsNamedByLine) {
    const std::string list = error_message([] { parse(kMinimal + "[a, b]: 1\n"); });
    EXPECT_TRUE(contains(list, "demo.yaml:5: a list is used as a key")) << list;
    const std::string map = error_message([] { parse(kMinimal + "metadata:\n  ? {a: 1}\n  : 2\n"); });
    EXPECT_TRUE(contains(map, "demo.yaml:6: a mapping is used as a key")) << map;
}

// Found by fuzz/fuzz_task_yaml (the exact input, a mutated humanlike.yaml): a generation_kwargs
// value of the wrong type threw nlohmann's type_error; every typed key of the file is checked.
TEST(TaskYaml, ValueOfTheWrongTypeIsNamedWithItsKey) {
    static const char kFuzzInput[] =
        "# Human-likeness (\xC3\x87" "al\xC4\xB1k & Akku\xC5\x9F 2025): everyday conversational questions written for this project\n"
        "# (prompts.jsonl beside this file, 120 across 13 topics). Each model answers; `rightsize vote`\n"
        "# then shows a person two models' answers blind (emojis stripped, order randomised) and records\n"
        "# which is more human-like (docs/vote.md). The task's own metric is only the answer's length.\n"
        "# Run it in chat mode: rightsize run -m A -m B --tasks humanlike --apply-chat-template\n"
        "task: humanlike\n"
        "dataset_path: js\n"
        "nodataset_kwargs:\n"
        "  data_files:\n"
        "    test: prompts.jsonl\n"
        "test_split: test\n"
        "output_type: generate_until\n"
        "doc_to_text: \"{{prompt}}\"\n"
        "doc_to_target: \"\"\n"
        "generation_kwargs:\n"
        "  until: []\n"
        "  max_gen_toks: 160rmte\n"
        "ic_list:\n"
        "  - metric: response_words\n"
        "metadata:\n"
        "  version: 1.0\n";
    const std::string msg = error_message([] { parse(kFuzzInput); });
    EXPECT_TRUE(contains(msg, "demo.yaml:15: generation_kwargs.max_gen_toks must be a whole number (found \"160rmte\")")) << msg;
    const std::string big = error_message([] { parse(kMinimal + "generation_kwargs:\n  top_k: 1e300\n"); });
    EXPECT_TRUE(contains(big, "demo.yaml:5: generation_kwargs.top_k must be a whole number (found 1e+300)")) << big;
    const std::string flag = error_message([] { parse(kMinimal + "metric_list:\n  - metric: exact_match\n    ignore_case: 3\n"); });
    EXPECT_TRUE(contains(flag, "demo.yaml:5: metric_list: ignore_case must be true or false (found 3)")) << flag;
    const std::string group = error_message([] {
        parse(kMinimal + "filter_list:\n  - name: x\n    filter:\n      - function: regex\n        group_select: [1]\n");
    });
    EXPECT_TRUE(contains(group, "demo.yaml:5: filter 'x': group_select must be a whole number (found [1])")) << group;
    const std::string sampler = error_message([] { parse(kMinimal + "fewshot_config:\n  sampler: 2\n"); });
    EXPECT_TRUE(contains(sampler, "demo.yaml:5: fewshot_config.sampler must be a string (found 2)")) << sampler;
}

// Found by fuzz/fuzz_task_yaml (the exact input): an include: name too long for the file system made
// std::filesystem throw; it is "not found" with the reason, and a folder or device is "not a file".
TEST(TaskYaml, IncludeTheFileSystemRefusesIsNamed) {
    static const char kFuzzInput[] =
        "include: ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddtake_firstdddddddddddddddddddddddddddddddddinc# five dev examples in file order (first_n), then the question and its fou\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFFr options.\n"
        "dataset_path: cais/mmlu\n"
        "test_split: test\n"
        "fewshot_split: dev\n"
        "fewshot_config:\n"
        "  sampler: first_n\n"
        "num_fewshot: 5\n"
        "process_docs: mmlu\n"
        "output_type: multiple_choice\n"
        "doc_to_text: \"{{question.strip()}}\\nA. {{choices[0]}}\\nB. {{tagchoices[1]}}\\nC. {{choices[2]}}\\nD. {{choices[3]}}\\nAnswer:\"\n"
        "doc_to_choice: [\"A\", \"B\", \"C\", \"D\"]\n"
        "doc_to_target: answer\n"
        "metric_lr: true\n"
        "metadata:\n"
        "  version: 1.0\n";
    const std::string msg = error_message([] { parse(kFuzzInput); });
    EXPECT_TRUE(contains(msg, "demo.yaml:1: include: 'dddd")) << msg;
    EXPECT_TRUE(contains(msg, "not found (looked at ")) << msg;
    EXPECT_TRUE(contains(msg, "File name too long)")) << msg;
    const std::string dev = error_message([] { parse("include: /dev/zero\ntask: x\n"); });
    EXPECT_TRUE(contains(dev, "demo.yaml:1: include: '/dev/zero' is not a file (/dev/zero)")) << dev;
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

// --- gsm8k's answer normalisation -----------------------------------------------------------

// The patterns themselves: tests/unit/python_regex_test.cpp.
TEST(PythonRegex, Gsm8kExactMatch) {
    ExactMatchOptions o;
    o.regexes_to_ignore = {",", "\\$", "(?s).*#### ", "\\.$"};
    o.ignore_case = true;
    EXPECT_TRUE(exact_match("18", "She makes\n9 * 2 = 18\n#### 18", o));
    EXPECT_TRUE(exact_match("$1,800.", "Total\n#### 1800", o));
    EXPECT_FALSE(exact_match("81", "She makes\n9 * 2 = 18\n#### 18", o));
}
