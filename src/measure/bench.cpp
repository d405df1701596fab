#include <rightsize/bench.h>

#include <rightsize/error.h>
#include "measure/process_memory.h"
#include "report/progress.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

namespace rightsize {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Ordinary prose for the latency requests (our own text); repeated to reach the length asked.
constexpr const char * kPromptText =
    "The river town woke slowly. Fishermen carried their nets down to the water while the baker "
    "opened his shutters and the smell of fresh bread drifted along the narrow street. Children "
    "ran past the old stone bridge, late for school again, and a dog followed them as far as the "
    "market square before losing interest. By noon the square was full of voices: farmers selling "
    "apples and cheese, a musician tuning a battered guitar, travellers asking the way to the "
    "station. ";

std::string prompt_of_tokens(const LlamaBackend & backend, int n_tokens) {
    std::string text;
    std::vector<int32_t> toks;
    while (int(toks.size()) < n_tokens + 1) {
        text += kPromptText;
        toks = backend.tokenize(text, false, false);
    }
    toks.resize(size_t(std::max(1, n_tokens - 1)));  // the backend adds BOS where the model wants it
    return backend.detokenize(toks);
}

}  // namespace

BenchResult run_bench(const BenchOptions & o, const std::string & model_path, size_t model_index, size_t n_models) {
    if (o.n_prompt < 1 || o.n_gen < 2 || o.repetitions < 1) {
        throw Error("bench needs -p ≥ 1, -n ≥ 2 and -r ≥ 1");
    }
    BenchResult r;
    r.n_prompt = o.n_prompt;
    r.n_gen = o.n_gen;
    r.repetitions = o.repetitions;
    r.peak_rss_per_model = reset_peak_rss();

    LlamaOptions lo = o.llama;
    lo.model_path = model_path;
    lo.n_parallel = 1;
    if (!o.ctx_given) lo.n_ctx = ((o.n_prompt + o.n_gen + 255) / 256) * 256;
    const auto t_load = Clock::now();
    LlamaBackend backend(lo);
    r.load_ms = seconds_since(t_load) * 1000.0;
    r.facts = backend.facts();
    r.n_threads = lo.n_threads > 0 ? lo.n_threads : int(std::max(1u, std::thread::hardware_concurrency()));
    const ContextMemory mem = backend.memory();
    r.kv_cache_bytes = mem.kv_cache_bytes;
    r.compute_buffer_bytes = mem.compute_buffer_bytes;
    r.kv_cache_ctx = lo.n_ctx;

    const int warm = o.warmup ? 1 : 0;
    const int n_latency = o.latency_requests > 0 ? o.latency_requests : o.repetitions;
    const std::string name = std::filesystem::path(model_path).filename().string();
    const std::string prefix = n_models > 1 ? "[" + std::to_string(model_index + 1) + "/" + std::to_string(n_models) + "] " : "";
    Progress progress(prefix + name + " pp" + std::to_string(o.n_prompt), size_t(3 * warm + 2 * o.repetitions + n_latency), "runs");

    // Tokens/s of each repetition of one llama-bench test on a fresh context of n_ctx tokens.
    auto run_test = [&](int n_ctx, int n_tokens, auto && warm_up, auto && run) {
        auto probe = backend.open_decode_probe(n_ctx);
        if (warm) {
            warm_up(*probe);
            progress.advance();
        }
        std::vector<double> tps;
        for (int i = 0; i < o.repetitions; ++i) {
            probe->clear();
            const auto t0 = Clock::now();
            run(*probe);
            tps.push_back(n_tokens / seconds_since(t0));
            progress.advance();
        }
        return tps;
    };
    // pp: a context of exactly n_prompt tokens, a full-size warm-up (as llama-bench).
    auto prompt_run = [&](DecodeProbe & p) { p.prompt(o.n_prompt); };
    r.pp_samples_tps = run_test(o.n_prompt, o.n_prompt, prompt_run, prompt_run);
    // tg: a context of n_gen tokens, a one-token warm-up.
    progress.set_label(prefix + name + " tg" + std::to_string(o.n_gen));
    r.tg_samples_tps = run_test(o.n_gen, o.n_gen, [](DecodeProbe & p) { p.generate(1); },
                                [&](DecodeProbe & p) { p.generate(o.n_gen); });
    r.pp_tps = mean(r.pp_samples_tps);
    r.pp_tps_stddev = stddev(r.pp_samples_tps);
    r.tg_tps = mean(r.tg_samples_tps);
    r.tg_tps_stddev = stddev(r.tg_samples_tps);

    progress.set_label(prefix + name + " latency");
    GenerateRequest rq;
    rq.prompt = prompt_of_tokens(backend, o.n_prompt);
    rq.max_tokens = o.n_gen;
    rq.ignore_eos = true;
    if (warm) {
        backend.generate({&rq, 1});
        progress.advance();
    }
    std::vector<double> ttft, tpot, itl, e2e;
    for (int i = 0; i < n_latency; ++i) {
        const GenerateResult g = backend.generate({&rq, 1}).front();
        r.latency_prompt_tokens = g.n_prompt_tokens;
        ttft.push_back(g.ttft_ms);
        e2e.push_back(g.e2e_ms);
        if (g.n_generated_tokens > 1) tpot.push_back((g.e2e_ms - g.ttft_ms) / double(g.n_generated_tokens - 1));
        for (size_t k = 1; k < g.token_times_ms.size(); ++k) itl.push_back(g.token_times_ms[k] - g.token_times_ms[k - 1]);
        progress.advance();
    }
    progress.finish();
    r.ttft_ms = summarize(ttft);
    r.tpot_ms = summarize(tpot);
    r.itl_ms = summarize(itl);
    r.e2e_ms = summarize(e2e);
    r.peak_rss_bytes = read_process_memory().peak_rss_bytes;
    return r;
}

nlohmann::json to_json(const Summary & s) {
    return {{"mean", s.mean}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"min", s.min}, {"max", s.max}, {"n", s.n}};
}

nlohmann::json to_json(const BenchResult & r) {
    const double mb = 1024.0 * 1024.0;
    return {
        {"model", r.facts.name},
        {"model_path", r.facts.path},
        {"architecture", r.facts.architecture},
        {"quantization", r.facts.quantization},
        {"n_params", r.facts.n_params},
        {"model_bytes", r.facts.file_bytes},
        {"model_tensor_bytes", r.facts.tensor_bytes},
        {"devices", r.facts.devices},  // where the layers are: GPUs, --rpc servers' devices, then the CPU
        {"n_threads", r.n_threads},
        {"n_prompt", r.n_prompt},
        {"n_gen", r.n_gen},
        {"repetitions", r.repetitions},
        {"pp_tokens_per_s", r.pp_tps},
        {"pp_tokens_per_s_stddev", r.pp_tps_stddev},
        {"pp_samples_tokens_per_s", r.pp_samples_tps},
        {"tg_tokens_per_s", r.tg_tps},
        {"tg_tokens_per_s_stddev", r.tg_tps_stddev},
        {"tg_samples_tokens_per_s", r.tg_samples_tps},
        {"latency_prompt_tokens", r.latency_prompt_tokens},
        {"ttft_ms", to_json(r.ttft_ms)},
        {"tpot_ms", to_json(r.tpot_ms)},
        {"itl_ms", to_json(r.itl_ms)},
        {"e2e_ms", to_json(r.e2e_ms)},
        {"load_ms", r.load_ms},
        {"peak_rss_mb", double(r.peak_rss_bytes) / mb},
        {"peak_rss_scope", r.peak_rss_per_model ? "model" : "process"},
        {"kv_cache_bytes", r.kv_cache_bytes},
        {"kv_cache_ctx", r.kv_cache_ctx},
        {"compute_buffer_bytes", r.compute_buffer_bytes},
        {"measured", true},
    };
}

}  // namespace rightsize
