// A serving load test of a model behind an OpenAI-compatible endpoint, with vLLM's benchmark
// definitions (benchmarks/benchmark_serving.py, `vllm bench serve`) and GuideLLM's sweep:
//
//   TTFT    time from sending a request to its first non-empty streamed chunk
//   ITL     the gaps between successive chunks of a request (all requests' gaps pooled)
//   TPOT    (E2EL − TTFT) / (output tokens − 1), per request with more than one output token
//   E2EL    time from sending a request to its last byte
//   request / output / total-token throughput: completed requests, output tokens, input + output
//           tokens, each divided by the benchmark's duration (first send to last reply)
//   goodput requests meeting every SLO given (TTFT, TPOT, E2EL) divided by the duration
//
// Requests arrive at `request_rate` per second with gamma-distributed gaps of shape `burstiness`
// (1 = a Poisson process; below 1 burstier, above 1 more regular; infinite rate = all at once), at
// most `max_concurrency` in flight (a request waits for a free slot; its clock starts when it is
// sent). Percentiles interpolate linearly (numpy's default), std is numpy's (ddof 0), as vLLM's are.
#pragma once

#include <rightsize/endpoint_backend.h>
#include <rightsize/evaluator.h>
#include <rightsize/stats.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rightsize {

struct LoadPrompt {
    std::string text;
    int max_tokens = 128;
};

// vLLM's "random" prompts: n prompts of input_len · U(1 − range_ratio, 1 + range_ratio) tokens drawn
// uniformly (seeded) from the tokens the server's tokenizer gives a built-in English text, turned
// into text by the server's /detokenize; each asks for output_len · U(…) tokens likewise.
std::vector<LoadPrompt> random_prompts(EndpointBackend & backend, size_t n, int input_len, int output_len, double range_ratio,
                                       uint64_t seed);
// The prompts of a task's first n documents, as `rightsize run` builds them (few-shot and chat
// template included), each asking for max_tokens tokens.
std::vector<LoadPrompt> task_prompts(Backend & backend, const TaskConfig & task, const EvalOptions & eval, size_t n, int max_tokens);

// Service-level objectives in milliseconds; a request is good when it meets every one given.
struct Slo {
    std::optional<double> ttft_ms, tpot_ms, e2el_ms;
    bool any() const { return ttft_ms || tpot_ms || e2el_ms; }
};
// "ttft=500,tpot=50,e2el=2000" (any subset, any order); throws rightsize::Error naming the part.
Slo parse_slo(const std::string & text);

struct LoadTestOptions {
    double request_rate = std::numeric_limits<double>::infinity();  // requests per second
    double burstiness = 1.0;                                        // gamma shape of the gaps
    int max_concurrency = 0;                                        // 0: no limit but the prompts
    size_t num_requests = 0;                                        // 0: one per prompt; more cycle the prompts
    double duration_s = 0;                                          // > 0: no request is sent after it
    uint64_t seed = 0;                                              // the arrival times'
    bool ignore_eos = true;                                         // every request runs to max_tokens
    Slo slo;
};

// The times (seconds from the start) at which n requests are sent: gaps drawn from a gamma
// distribution of shape `burstiness` and mean 1/rate, deterministic for a seed; all zero at an
// infinite rate.
std::vector<double> arrival_times(size_t n, double rate, double burstiness, uint64_t seed);

struct RequestRecord {
    bool ok = false;
    std::string error;       // why it failed (after the client's retries)
    double sent_s = 0;       // since the benchmark's start
    double ttft_ms = 0, e2el_ms = 0;
    std::vector<double> itl_ms;
    int input_tokens = 0, output_tokens = 0;  // the server's usage when it sends it
    // The server's own account (llama-server's timings): prompt and generation ms, tokens; -1: not sent.
    double server_prompt_ms = -1, server_predicted_ms = -1;
    int server_predicted_tokens = 0;
};

// vLLM's summary of one distribution: mean, median, std (ddof 0) and percentiles.
struct LatencyStats {
    double mean = 0, median = 0, std = 0, p90 = 0, p95 = 0, p99 = 0, min = 0, max = 0;
    size_t n = 0;
};
LatencyStats latency_stats(std::span<const double> values);

struct LoadResult {
    std::string label;  // "synchronous", "throughput", "constant" or "load"
    LoadTestOptions options;
    size_t num_prompts = 0, completed = 0, failed = 0, good = 0;
    double duration_s = 0;
    long total_input_tokens = 0, total_output_tokens = 0;
    double request_throughput = 0, output_throughput = 0, total_token_throughput = 0, request_goodput = 0;
    double achieved_rate = 0;  // requests sent per second of sending
    LatencyStats ttft, tpot, itl, e2el;
    // The server's own view where it sends timings (llama-server): per request, its prompt time and
    // its generation time per token (predicted_ms / predicted_n), beside the client's TTFT and TPOT.
    LatencyStats server_prompt_ms, server_tpot;
    std::vector<RequestRecord> requests;
    std::vector<std::string> errors;  // the first few distinct failure messages
};

// The figures of a finished set of requests (the definitions above); `duration_s` is the
// benchmark's wall time.
LoadResult summarize_load(std::vector<RequestRecord> requests, double duration_s, const LoadTestOptions & o);

// Called after each request with (finished, total).
using LoadProgress = std::function<void(size_t done, size_t total)>;

// Sends num_requests requests (the prompts in order, cycling) as streamed completions
// and measures them. A request that fails after the backend's retries is counted as failed with
// its message; the test goes on.
LoadResult run_load(EndpointBackend & backend, std::span<const LoadPrompt> prompts, const LoadTestOptions & o,
                    const LoadProgress & progress = {});

// GuideLLM's sweep: a synchronous run (one request at a time), a throughput run (all at once, at
// most max_concurrency in flight), then `steps` − 2 constant-rate runs at rates evenly spaced
// strictly between the two runs' measured request rates. Each run sends every prompt.
struct SweepOptions {
    int steps = 6;  // runs in all, at least 2
    LoadTestOptions base;
    std::function<void(const std::string & stage, size_t index, size_t total)> on_stage;
};
std::vector<LoadResult> run_sweep(EndpointBackend & backend, std::span<const LoadPrompt> prompts, const SweepOptions & o,
                                  const LoadProgress & progress = {});

// vLLM's result keys (request_throughput, mean_ttft_ms, p99_itl_ms, …, per-request ttfts, itls,
// input_lens, output_lens, errors), plus the options and rightsize's extra figures.
nlohmann::json to_json(const LoadResult & r, bool per_request = true);
// The vLLM-style summary block ("Successful requests:", "Mean TTFT (ms):", …).
std::string load_summary_text(const LoadResult & r);
// One row per run: rate, request and token throughput, TTFT/TPOT/ITL/E2EL mean and p99, goodput.
std::string sweep_table_text(std::span<const LoadResult> runs);
// A self-contained HTML page: the sweep's table and latency-vs-rate charts (inline SVG).
std::string load_html(std::span<const LoadResult> runs, const nlohmann::json & about);

}  // namespace rightsize
