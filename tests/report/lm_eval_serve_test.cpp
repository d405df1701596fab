// lm-evaluation-harness itself (PyPI's lm-eval, scripts/fetch-lm-eval.sh) scores SmolLM2 through
// rightsize serve with its own local-completions model, remote tokenizer and unchanged task YAML
// (bench/lm_eval_serve.sh): 20 ARC-Easy documents (loglikelihood) and 5 GSM8K (greedy generation).
// Both run with -fa on -ub 32 -np 1: one sequence at a time in ubatches of 32, where llama.cpp's CPU
// kernels give SmolLM2 the same numbers however the requests arrive (docs/serve.md), so every
// choice's log-likelihood must equal rightsize run's on the same document to float precision, every
// prediction must agree, and so must every GSM8K answer.
#include "test_support.h"

#include <rightsize/llama_backend.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A JSONL file's lines, by doc_id.
std::map<int, json> samples(const fs::path & file) {
    std::map<int, json> out;
    std::ifstream f(file);
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty()) continue;
        const json j = json::parse(line);
        out[j["doc_id"].get<int>()] = j;
    }
    return out;
}

fs::path only_file(const fs::path & dir, const std::string & prefix) {
    for (const auto & e : fs::recursive_directory_iterator(dir)) {
        if (e.path().filename().string().rfind(prefix, 0) == 0) return e.path();
    }
    return {};
}

double number(const json & v) { return v.is_string() ? std::stod(v.get<std::string>()) : v.get<double>(); }

// Float precision over one continuation's tokens (lm-eval sums in double what the server sent).
constexpr double kPerToken = 2e-4;

}  // namespace

TEST(LmEvalThroughServe, ScoresArcEasyAndGsm8kAsRightsizeRunDoes) {
    const fs::path lm_eval = fs::path(RIGHTSIZE_SOURCE_DIR) / "deps/lm-eval/bin/lm_eval";
    ASSERT_TRUE(fs::exists(lm_eval)) << "run scripts/fetch-lm-eval.sh (scripts/test.sh does)";
    const fs::path out = fresh_subdir("lm-eval-serve");
    const std::string cmd = "RIGHTSIZE_BIN=" + std::string(RIGHTSIZE_CLI) + " " + RIGHTSIZE_SOURCE_DIR + "/bench/lm_eval_serve.sh -m " +
                            smollm2_path() + " --tasks arc_easy,gsm8k --limit 20 --limit-gsm8k 5 -fa on -ub 32 -np 1 " + out.string();
    const auto r = run_command(cmd);
    ASSERT_EQ(r.status, 0) << r.out << r.err;

    LlamaBackend tok(model_options(smollm2_path(), 512, 1));
    const auto theirs = samples(only_file(out / "lm-eval", "samples_rs_arc_easy"));
    const auto ours = samples(out / "rightsize/smollm2-135m-instruct-q4_1/samples_arc_easy.jsonl");
    ASSERT_EQ(theirs.size(), 20u);
    ASSERT_EQ(ours.size(), 20u);
    double worst_per_token = 0;
    for (const auto & [id, mine] : ours) {
        ASSERT_TRUE(theirs.count(id)) << id;
        const json & lm = theirs.at(id)["filtered_resps"];
        const json & rs = mine["filtered_resps"];
        ASSERT_EQ(lm.size(), rs.size()) << "document " << id;
        const std::string context = mine["prompt"];
        const size_t n_context = tok.tokenize(context, true, true).size();
        std::vector<double> a, b, tolerance;
        for (size_t c = 0; c < rs.size(); ++c) {
            const std::string choice = " " + mine["choices"][c].get<std::string>();
            const double n = double(tok.tokenize(context + choice, true, true).size() - n_context);
            a.push_back(number(lm[c][0]));
            b.push_back(number(rs[c][0]));
            tolerance.push_back(1e-3 + kPerToken * n);
            worst_per_token = std::max(worst_per_token, std::fabs(a.back() - b.back()) / n);
            EXPECT_NEAR(a.back(), b.back(), tolerance.back()) << "document " << id << " choice " << c;
        }
        const size_t pa = size_t(std::max_element(a.begin(), a.end()) - a.begin());
        const size_t pb = size_t(std::max_element(b.begin(), b.end()) - b.begin());
        EXPECT_EQ(pa, pb) << "document " << id << ": lm-eval through the server and rightsize run pick different choices";
    }
    RecordProperty("worst_nats_per_token", std::to_string(worst_per_token));

    const auto lm_gsm = samples(only_file(out / "lm-eval", "samples_rs_gsm8k"));
    const auto rs_gsm = samples(out / "rightsize/smollm2-135m-instruct-q4_1/samples_gsm8k.jsonl");
    ASSERT_EQ(lm_gsm.size(), 5u);
    ASSERT_EQ(rs_gsm.size(), 5u);
    for (const auto & [id, mine] : rs_gsm) {
        const std::string theirs_text = lm_gsm.at(id)["resps"][0][0];
        const std::string mine_text = mine["resps"][0];
        EXPECT_EQ(theirs_text, mine_text) << "GSM8K document " << id << ": greedy answers through the server and in-process";
    }
    // The accuracies the summary prints come from each tool's own results file.
    std::ifstream summary(out / "summary.tsv");
    std::string all((std::istreambuf_iterator<char>(summary)), {});
    EXPECT_NE(all.find("arc_easy\t20\tacc,none\t"), std::string::npos) << all;
}
