// `rightsize bench`: llama-bench's prompt-processing and generation throughput, defined the same
// way, plus what llama-bench does not report: request latency percentiles and memory.
#pragma once

#include <rightsize/llama_backend.h>
#include <rightsize/model_facts.h>
#include <rightsize/stats.h>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace rightsize {

struct BenchOptions {
    LlamaOptions llama;      // model_path is set per model
    int n_prompt = 512;      // -p: prompt tokens of the pp test and of each latency request
    int n_gen = 128;         // -n: generated tokens of the tg test and of each latency request
    int repetitions = 5;     // -r
    bool warmup = true;      // --no-warmup turns it off
    int latency_requests = 0;  // requests in the latency phase; 0 = repetitions
    bool ctx_given = false;    // -c was given; otherwise the context is sized to the test
};

struct BenchResult {
    ModelFacts facts;
    int n_threads = 0;
    int n_prompt = 0, n_gen = 0, repetitions = 0;
    // Throughput as llama-bench defines it: tokens / seconds of that phase, per repetition.
    std::vector<double> pp_samples_tps, tg_samples_tps;
    double pp_tps = 0, pp_tps_stddev = 0, tg_tps = 0, tg_tps_stddev = 0;
    // Latency of real requests (prompt of n_prompt tokens, greedy, n_gen tokens, EOS ignored).
    Summary ttft_ms, tpot_ms, itl_ms, e2e_ms;
    int latency_prompt_tokens = 0;
    double load_ms = 0;
    uint64_t peak_rss_bytes = 0;
    bool peak_rss_per_model = true;  // false: the kernel refused a reset; peak is process-wide
    uint64_t kv_cache_bytes = 0;     // KV cache of the latency context
    int kv_cache_ctx = 0;            // … sized for this many tokens
    uint64_t compute_buffer_bytes = 0;
};

// Runs every phase for one model; progress goes to stderr.
BenchResult run_bench(const BenchOptions & options, const std::string & model_path, size_t model_index, size_t n_models);

nlohmann::json to_json(const BenchResult & r);
nlohmann::json to_json(const Summary & s);

}  // namespace rightsize
