// The CLI as a user runs it: exit codes, messages, output formats, the bench JSON schema.
#include "test_support.h"

#include <nlohmann/json.hpp>

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;

namespace {

std::string cli() { return std::string(RIGHTSIZE_CLI); }

void expect_summary(const json & s, const char * name) {
    SCOPED_TRACE(name);
    for (const char * k : {"mean", "p50", "p90", "p99", "min", "max", "n"}) ASSERT_TRUE(s.contains(k)) << k;
    EXPECT_LE(s["min"].get<double>(), s["p50"].get<double>());
    EXPECT_LE(s["p50"].get<double>(), s["p90"].get<double>());
    EXPECT_LE(s["p90"].get<double>(), s["p99"].get<double>());
    EXPECT_LE(s["p99"].get<double>(), s["max"].get<double>());
    EXPECT_GT(s["mean"].get<double>(), 0.0);
}

void expect_bench_schema(const json & m, int n_gen, int reps) {
    for (const char * k : {"model", "n_params", "model_bytes", "pp_tokens_per_s", "tg_tokens_per_s", "ttft_ms", "tpot_ms",
                           "itl_ms", "e2e_ms", "peak_rss_mb", "kv_cache_bytes", "n_threads", "quantization"}) {
        ASSERT_TRUE(m.contains(k)) << "missing " << k << " in " << m.dump();
    }
    EXPECT_GT(m["pp_tokens_per_s"].get<double>(), 0.0);
    EXPECT_GT(m["tg_tokens_per_s"].get<double>(), 0.0);
    EXPECT_EQ(m["pp_samples_tokens_per_s"].size(), size_t(reps));
    expect_summary(m["ttft_ms"], "ttft_ms");
    expect_summary(m["tpot_ms"], "tpot_ms");
    expect_summary(m["e2e_ms"], "e2e_ms");
    expect_summary(m["itl_ms"], "itl_ms");
    EXPECT_EQ(m["itl_ms"]["n"].get<int>(), reps * (n_gen - 1));
    EXPECT_EQ(m["ttft_ms"]["n"].get<int>(), reps);
    EXPECT_GT(m["e2e_ms"]["p50"].get<double>(), m["ttft_ms"]["p50"].get<double>());
    EXPECT_GT(m["peak_rss_mb"].get<double>(), 1.0);
    EXPECT_GT(m["n_params"].get<uint64_t>(), 0u);
    EXPECT_GT(m["kv_cache_bytes"].get<uint64_t>(), 0u);
}

}  // namespace

TEST(Cli, VersionNamesRightsizeAndLlamaCpp) {
    const auto r = run_command(cli() + " --version");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("rightsize 0.1.0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("llama.cpp 0.4.0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("commit "), std::string::npos) << r.out;
}

TEST(Cli, InfoPrintsModelFacts) {
    const auto r = run_command(cli() + " info -m " + tiny_model_path());
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("architecture    llama"), std::string::npos) << r.out;
    const auto j = run_command(cli() + " info --json -m " + tiny_model_path());
    ASSERT_EQ(j.status, 0) << j.err;
    const json facts = json::parse(j.out);
    EXPECT_EQ(facts[0]["n_layer"], 2);
    EXPECT_EQ(facts[0]["file_bytes"].get<uint64_t>(), std::filesystem::file_size(tiny_model_path()));
}

TEST(Cli, BenchJsonOnTheTinyModel) {
    const auto r = run_command(cli() + " bench -m " + tiny_model_path() + " -p 32 -n 8 -r 2 -t 2 --format json");
    ASSERT_EQ(r.status, 0) << r.err;
    const json out = json::parse(r.out);
    ASSERT_EQ(out.size(), 1u);
    expect_bench_schema(out[0], 8, 2);
    EXPECT_EQ(out[0]["model_bytes"].get<uint64_t>(), std::filesystem::file_size(tiny_model_path()));
    EXPECT_EQ(out[0]["n_threads"], 2);
    // Progress goes to stderr with counts, rate and ETA; stdout stays pure JSON.
    EXPECT_NE(r.err.find("runs"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ETA"), std::string::npos) << r.err;
}

TEST(Cli, BenchTableCsvAndMarkdown) {
    const std::string base = cli() + " bench -m " + tiny_model_path() + " -p 16 -n 4 -r 1 --no-warmup";
    const auto table = run_command(base);
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_NE(table.out.find("pp t/s"), std::string::npos);
    EXPECT_NE(table.out.find("rightsize-tiny-llama"), std::string::npos);
    const auto csv = run_command(base + " -o csv");
    ASSERT_EQ(csv.status, 0);
    EXPECT_EQ(csv.out.rfind("model,params,", 0), 0u) << csv.out;
    const auto md = run_command(base + " -o md");
    ASSERT_EQ(md.status, 0);
    EXPECT_EQ(md.out.rfind("| model |", 0), 0u) << md.out;
}

TEST(Cli, BenchJsonOnSmolLM2) {
    const auto r = run_command(cli() + " bench -m " + smollm2_path() + " -p 64 -n 16 -r 2 -t 2 -o json");
    ASSERT_EQ(r.status, 0) << r.err;
    const json out = json::parse(r.out);
    expect_bench_schema(out[0], 16, 2);
    EXPECT_EQ(out[0]["model_bytes"].get<uint64_t>(), 98362432u);
    EXPECT_EQ(out[0]["quantization"], "Q4_1");
    EXPECT_GT(out[0]["peak_rss_mb"].get<double>(), 50.0);
}

TEST(Cli, BadModelAndBadArgumentsFailClearly) {
    const auto missing = run_command(cli() + " bench -m /no/such/model.gguf");
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("/no/such/model.gguf"), std::string::npos) << missing.err;
    EXPECT_TRUE(missing.out.empty());
    const auto unknown = run_command(cli() + " bench --frobnicate");
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("--frobnicate"), std::string::npos);
    const auto bad_int = run_command(cli() + " bench -m x.gguf -p many");
    EXPECT_EQ(bad_int.status, 2);
    EXPECT_NE(bad_int.err.find("'many'"), std::string::npos);
    const auto no_model = run_command(cli() + " bench");
    EXPECT_EQ(no_model.status, 2);
    const auto bad_cmd = run_command(cli() + " frobnicate");
    EXPECT_EQ(bad_cmd.status, 2);
    const auto help = run_command(cli() + " bench --help");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("-ngl"), std::string::npos);
    EXPECT_NE(help.out.find("--lora"), std::string::npos);
}

TEST(Cli, BenchAppliesALoraAdapterAndRejectsOneThatDoesNotFit) {
    const auto ok = run_command(cli() + " bench -m " + tiny_model_path() + " --lora " + tiny_lora_path() +
                                ":0.5 -p 16 -n 4 -r 1 -o json");
    ASSERT_EQ(ok.status, 0) << ok.err;
    EXPECT_GT(json::parse(ok.out)[0]["tg_tokens_per_s"].get<double>(), 0.0);
    // An adapter built for another model's shapes is refused with the adapter's name.
    const auto bad = run_command(cli() + " bench -m " + tiny_model_path() + " --lora " + mismatched_lora_path() + " -p 16 -n 4 -r 1");
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find("narrow-lora.gguf"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty());
}
