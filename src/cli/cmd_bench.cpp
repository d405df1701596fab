#include "commands.h"

#include "../core/table.h"

#include <rightsize/bench.h>
#include <rightsize/error.h>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rightsize::cli {

namespace {

Table bench_table(const std::vector<BenchResult> & results) {
    Table t;
    t.header = {"model", "params", "size MiB", "quant", "threads", "pp t/s", "tg t/s", "TTFT p50/p90/p99 ms",
                "TPOT p50/p90/p99 ms", "ITL p99 ms", "e2e p50 ms", "peak RSS MiB", "KV MiB"};
    t.right_align = {false, true, true, false, true, true, true, true, true, true, true, true, true};
    for (const auto & r : results) {
        auto ppp = [](const Summary & s, int d) {
            return format_fixed(s.p50, d) + " / " + format_fixed(s.p90, d) + " / " + format_fixed(s.p99, d);
        };
        t.rows.push_back({r.facts.name, format_fixed(double(r.facts.n_params) / 1e6, 1) + "M",
                          format_fixed(double(r.facts.file_bytes) / 1048576.0, 1), r.facts.quantization,
                          std::to_string(r.n_threads), format_pm(r.pp_tps, r.pp_tps_stddev, 1),
                          format_pm(r.tg_tps, r.tg_tps_stddev, 1), ppp(r.ttft_ms, 1), ppp(r.tpot_ms, 2),
                          format_fixed(r.itl_ms.p99, 2), format_fixed(r.e2e_ms.p50, 0),
                          format_fixed(double(r.peak_rss_bytes) / 1048576.0, 0) + (r.peak_rss_per_model ? "" : "*"),
                          format_fixed(double(r.kv_cache_bytes) / 1048576.0, 1)});
    }
    return t;
}

}  // namespace

int cmd_bench(int argc, char ** argv) {
    BenchOptions o;
    std::vector<std::string> models;
    std::string format = "table";
    ArgParser p("bench", "-m MODEL [-m MODEL ...] [options]\n\n"
                         "Measures prompt processing (pp) and generation (tg) throughput exactly as llama-bench\n"
                         "defines them (random tokens, tokens / seconds of the phase, mean ± stddev over -r runs\n"
                         "after a warm-up), then -r real requests (a prose prompt of -p tokens, greedy, -n tokens,\n"
                         "end-of-text ignored) for TTFT, TPOT, ITL and end-to-end latency percentiles, and peak RSS\n"
                         "and KV-cache bytes. All figures are measured on this machine.");
    p.value({"-m", "--model"}, "FILE", "GGUF model file (repeatable)", [&](const std::string & v) { models.push_back(v); });
    p.value({"-p", "--n-prompt"}, "N", "prompt tokens (default 512)",
            [&](const std::string & v) { o.n_prompt = parse_int("-p", v, 1, 1 << 20); });
    p.value({"-n", "--n-gen"}, "N", "generated tokens (default 128)",
            [&](const std::string & v) { o.n_gen = parse_int("-n", v, 2, 1 << 20); });
    p.value({"-r", "--repetitions"}, "N", "runs of each test (default 5)",
            [&](const std::string & v) { o.repetitions = parse_int("-r", v, 1, 10000); });
    p.value({"--latency-requests"}, "N", "requests in the latency phase (default: -r)",
            [&](const std::string & v) { o.latency_requests = parse_int("--latency-requests", v, 1, 100000); });
    p.flag({"--no-warmup"}, "skip the warm-up runs", [&] { o.warmup = false; });
    p.value({"-o", "--format"}, "table|json|csv|md", "output format (default table)", [&](const std::string & v) {
        parse_format(v);
        format = v;
    });
    add_llama_options(p, o.llama, &o.ctx_given, "sized to the test: -p + -n rounded up to 256");
    if (!p.parse(argc, argv, 2)) return 0;
    if (models.empty()) throw UsageError("bench needs at least one -m MODEL; see 'rightsize bench --help'");

    std::vector<BenchResult> results;
    for (size_t i = 0; i < models.size(); ++i) results.push_back(run_bench(o, models[i], i, models.size()));

    switch (parse_format(format)) {
        case OutputFormat::Json: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto & r : results) out.push_back(to_json(r));
            printf("%s\n", out.dump(2).c_str());
            break;
        }
        case OutputFormat::Csv: fputs(bench_table(results).to_csv().c_str(), stdout); break;
        case OutputFormat::Markdown: fputs(bench_table(results).to_markdown().c_str(), stdout); break;
        case OutputFormat::Table: {
            fputs(bench_table(results).to_text().c_str(), stdout);
            const bool any_global = std::any_of(results.begin(), results.end(), [](const auto & r) { return !r.peak_rss_per_model; });
            printf("\npp/tg: llama-bench definitions, mean ± stddev of %d runs; latency: %d requests of ~%d prompt tokens "
                   "and %d generated tokens; all measured.%s\n",
                   o.repetitions, o.latency_requests > 0 ? o.latency_requests : o.repetitions, o.n_prompt, o.n_gen,
                   any_global ? " * peak RSS is process-wide (the kernel refused a per-model reset)." : "");
            for (const auto & r : results) {
                if (r.facts.devices.size() < 2) continue;  // the CPU alone
                std::string list;
                for (const auto & d : r.facts.devices) list += (list.empty() ? "" : ", ") + d;
                printf("%s: layers on %s (-ngl %d%s)\n", r.facts.name.c_str(), list.c_str(), o.llama.n_gpu_layers,
                       o.llama.rpc_servers.empty() ? "" : ", --rpc: network time is part of every figure");
            }
            break;
        }
    }
    return 0;
}

}  // namespace rightsize::cli
