// The evaluator's prompts (lm-eval's few-shot sampling reproduced exactly), its scoring of
// multiple-choice documents (acc, acc_norm, acc_norm_tokens from the backend's log-likelihoods)
// and its aggregation, on the tiny model and the benchmark files in ../shared/data.
#include "test_support.h"

#include <rightsize/evaluator.h>
#include <rightsize/shard.h>

#include <map>

#include <cmath>
#include <numeric>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

TaskConfig builtin(const std::string & name) {
    TaskRegistry reg;
    reg.add_directory(std::string(RIGHTSIZE_TASKS_DIR));
    return reg.resolve({name}, nullptr, nullptr).at(0);
}

EvalOptions shared_data(double limit) {
    EvalOptions o;
    o.limit = limit;
    o.data.data_dir = RIGHTSIZE_SHARED_DATA;
    o.data.allow_download = false;
    return o;
}

size_t count(const std::string & s, const std::string & what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

}  // namespace

TEST(Evaluator, Gsm8kFewShotExamplesAreLmEvalsExactly) {
    LlamaBackend backend(tiny_options());
    TaskEvaluator ev(backend, builtin("gsm8k"), shared_data(3));
    const auto docs = load_task_split(ev.task(), "test", shared_data(0).data);
    ASSERT_EQ(ev.n_original(), 1319u);
    ASSERT_EQ(ev.n_docs(), 3u);
    EXPECT_EQ(ev.n_shot(), 5);
    // CPython: r = random.Random(1234); for each document in order, r.sample(range(1319), 6),
    // the document itself dropped, the first 5 kept (lm-eval's sampler on the test split):
    const std::vector<std::vector<size_t>> expected = {
        {902, 239, 15, 185, 1192}, {171, 201, 726, 484, 35}, {32, 708, 1276, 991, 1261}};
    for (size_t i = 0; i < 3; ++i) {
        std::string want;
        for (size_t j : expected[i]) {
            want += "Question: " + docs[j]["question"].get<std::string>() + "\nAnswer: " + docs[j]["answer"].get<std::string>() + "\n\n";
        }
        want += "Question: " + docs[i]["question"].get<std::string>() + "\nAnswer:";
        EXPECT_EQ(ev.prompt(i), want) << "document " << i;
    }
}

TEST(Evaluator, MmluUsesTheFirstDevExamplesAndTheSubjectDescription) {
    LlamaBackend backend(tiny_options());
    TaskEvaluator ev(backend, builtin("mmlu_anatomy"), shared_data(2));
    const std::string p = ev.prompt(1);
    EXPECT_TRUE(p.starts_with("The following are multiple choice questions (with answers) about anatomy.\n\n")) << p;
    // The first dev question, with its options and answer letter (D), comes first.
    EXPECT_NE(p.find("What is the embryological origin of the hyoid bone?\nA. The first pharyngeal arch\n"), std::string::npos) << p;
    EXPECT_NE(p.find("The second and third pharyngeal arches\nAnswer: D\n\n"), std::string::npos) << p;
    EXPECT_EQ(count(p, "\nAnswer:"), 6u);
    EXPECT_TRUE(p.ends_with("\nAnswer:"));
    // --num-fewshot overrides the task's 5.
    auto o = shared_data(2);
    o.num_fewshot = 1;
    TaskEvaluator one(backend, builtin("mmlu_anatomy"), o);
    EXPECT_EQ(count(one.prompt(0), "\nAnswer:"), 2u);
}

TEST(Evaluator, MultipleChoiceScoresFollowTheBackendsLogLikelihoods) {
    LlamaBackend backend(tiny_options(1024));
    TaskEvaluator ev(backend, builtin("arc_easy"), shared_data(4));
    const auto samples = ev.run({});
    ASSERT_EQ(samples.size(), 4u);
    double acc = 0;
    for (const auto & s : samples) {
        // Recompute every choice's log-likelihood alone and check the three predictions.
        std::vector<LoglikelihoodRequest> reqs;
        for (const auto & c : s["choices"]) reqs.push_back({s["prompt"], " " + c.get<std::string>()});
        const auto res = backend.loglikelihood(reqs);
        size_t best = 0, best_norm = 0;
        for (size_t c = 0; c < res.size(); ++c) {
            EXPECT_NEAR(s["resps"][c][0].get<double>(), res[c].logprob, 1e-3);
            if (res[c].logprob > res[best].logprob) best = c;
            const auto len = [&](size_t k) { return double(s["choices"][k].get<std::string>().size()); };
            if (res[c].logprob / len(c) > res[best_norm].logprob / len(best_norm)) best_norm = c;
        }
        const int gold = s["target"];
        EXPECT_EQ(s["pred"].get<size_t>(), best);
        EXPECT_EQ(s["metrics"]["none"]["acc"].get<double>(), best == size_t(gold) ? 1.0 : 0.0);
        EXPECT_EQ(s["metrics"]["none"]["acc_norm"].get<double>(), best_norm == size_t(gold) ? 1.0 : 0.0);
        acc += s["metrics"]["none"]["acc"].get<double>();
    }
    const auto agg = ev.aggregate(samples);
    EXPECT_DOUBLE_EQ(agg["acc,none"].get<double>(), acc / 4.0);
    const double m = acc / 4.0;
    const double se = m == 0 || m == 1 ? 0.0 : std::sqrt(m * (1 - m) * 4.0 / 3.0 / 4.0);
    EXPECT_NEAR(agg["acc_stderr,none"].get<double>(), se, 1e-12);
    const auto eff = ev.efficiency(samples);
    EXPECT_EQ(eff["n_samples"].get<int>(), 4);
    EXPECT_GT(eff["samples_per_s"].get<double>(), 0.0);
}

TEST(Evaluator, AccNormTokensSkipsTheTokensEveryChoiceShares) {
    // Choices that begin with the same words: llama-perplexity's score averages only the
    // tokens after the shared ones.
    const auto dir = temp_dir() / "shared-prefix";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "d.jsonl") << R"({"q": "The car was", "c": ["the same red colour as before", "the same blue one"], "a": 0})" << "\n";
    const auto task = parse_task_yaml_text("task: sp\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: d.jsonl\n"
                                           "test_split: test\noutput_type: multiple_choice\ndoc_to_text: q\ndoc_to_choice: c\n"
                                           "doc_to_target: a\nmetric_list:\n  - metric: acc_norm_tokens\n",
                                           (dir / "sp.yaml").string(), dir.string());
    LlamaBackend backend(tiny_options());
    EvalOptions o;
    o.data.data_dir = dir.string();
    TaskEvaluator ev(backend, task, o);
    const auto s = ev.run({}).at(0);
    std::vector<LoglikelihoodRequest> reqs = {{"The car was", " the same red colour as before"}, {"The car was", " the same blue one"}};
    const auto res = backend.loglikelihood(reqs);
    size_t shared = 0;
    while (shared < res[0].tokens.size() && shared < res[1].tokens.size() && res[0].tokens[shared] == res[1].tokens[shared]) ++shared;
    ASSERT_GT(shared, 0u) << "the choices should share their first tokens";
    auto tail_mean = [&](const LoglikelihoodResult & r) {
        return std::accumulate(r.token_logprobs.begin() + long(shared), r.token_logprobs.end(), 0.0) /
               double(r.token_logprobs.size() - shared);
    };
    const double want = tail_mean(res[0]) >= tail_mean(res[1]) ? 1.0 : 0.0;  // gold is choice 0
    EXPECT_EQ(s["metrics"]["none"]["acc_norm_tokens"].get<double>(), want);
}

TEST(Evaluator, MissingFieldsFailBeforeAnyModelWork) {
    LlamaBackend backend(tiny_options());
    auto task = builtin("arc_easy");
    task.doc_to_text = {};
    task.doc_to_text.present = true;
    task.doc_to_text.text = "Question: {{stem}}";
    task.doc_to_text.tmpl = Template::parse(task.doc_to_text.text, "arc_easy.yaml: doc_to_text");
    const std::string msg = error_message([&] { TaskEvaluator(backend, task, shared_data(2)); });
    EXPECT_NE(msg.find("'stem' is undefined"), std::string::npos) << msg;
    EXPECT_NE(msg.find("answerKey"), std::string::npos) << msg;  // the fields it does have
}

// A group's score: each metric's mean over members weighted by document counts; stderr pooled.
TEST(Evaluator, GroupAggregateWeightsByDocuments) {
    const nlohmann::json a = {{"alias", "a"}, {"acc,none", 0.5}, {"acc_stderr,none", 0.1}};
    const nlohmann::json b = {{"alias", "b"}, {"acc,none", 0.8}, {"acc_stderr,none", 0.2}};
    const auto g = aggregate_group({{a, 10}, {b, 30}});
    EXPECT_DOUBLE_EQ(g["acc,none"].get<double>(), (0.5 * 10 + 0.8 * 30) / 40);
    EXPECT_DOUBLE_EQ(g["acc_stderr,none"].get<double>(), std::sqrt(100 * 0.01 + 900 * 0.04) / 40);
    EXPECT_FALSE(g.contains("alias"));
}

// Shards (shard.h): evaluating each shard's chunks on its own and putting the documents together
// gives the unsharded run's documents, every score identical (each chunk is the same batch).
TEST(Evaluator, ShardsTogetherEqualTheUnshardedRunDocumentForDocument) {
    LlamaBackend backend(tiny_options());
    EvalOptions o = shared_data(70);
    o.chunk_docs = 16;  // five chunks, the last of six documents
    TaskEvaluator whole(backend, builtin("arc_easy"), o);
    const auto all = whole.run({});
    ASSERT_EQ(all.size(), 70u);
    std::vector<WorkUnit> units;
    for (size_t c = 0; c < 5; ++c) units.push_back({"tiny", "arc_easy", c, expected_cost(c == 4 ? 6 : 16, false, 4, 0, 1)});
    const auto shard_of = assign_shards(units, 3);
    std::map<size_t, SampleRecord> merged;
    for (int s = 0; s < 3; ++s) {
        EvalOptions so = o;
        so.chunk_selected = [&, s](size_t chunk) { return chunk < shard_of.size() && shard_of[chunk] == s; };
        TaskEvaluator part(backend, builtin("arc_easy"), so);
        for (auto & r : part.run({})) {
            const size_t id = r["doc_id"].get<size_t>();
            EXPECT_EQ(shard_of[id / 16], s) << "document " << id << " belongs to another shard";
            EXPECT_TRUE(merged.emplace(id, std::move(r)).second) << "document " << id << " in two shards";
        }
    }
    ASSERT_EQ(merged.size(), all.size());
    for (const auto & r : all) {
        const auto & m = merged.at(r["doc_id"].get<size_t>());
        EXPECT_EQ(m["resps"], r["resps"]) << r["doc_id"];
        EXPECT_EQ(m["metrics"], r["metrics"]) << r["doc_id"];
    }
}
