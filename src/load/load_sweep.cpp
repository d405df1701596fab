// The sweep and the outputs of the serving load test (load_test.h): vLLM's JSON keys and summary,
// the sweep's table and its HTML page.
#include "core/table.h"
#include "core/text.h"
#include "report/report_svg.h"

#include <rightsize/error.h>
#include <rightsize/load_test.h>
#include <rightsize/version.h>

#include <cmath>
#include <cstdio>

namespace rightsize {

using nlohmann::json;

std::vector<LoadResult> run_sweep(EndpointBackend & backend, std::span<const LoadPrompt> prompts, const SweepOptions & o,
                                  const LoadProgress & progress) {
    if (o.steps < 2) throw Error("--sweep needs at least 2 runs (synchronous and throughput)");
    const size_t total = size_t(o.steps);
    std::vector<LoadResult> runs;
    const auto stage = [&](const std::string & label, LoadTestOptions lo) {
        if (o.on_stage) o.on_stage(label, runs.size(), total);
        runs.push_back(run_load(backend, prompts, lo, progress));
        runs.back().label = label;
    };
    LoadTestOptions sync = o.base;
    sync.request_rate = std::numeric_limits<double>::infinity();
    sync.max_concurrency = 1;
    stage("synchronous", sync);
    LoadTestOptions all = o.base;
    all.request_rate = std::numeric_limits<double>::infinity();
    stage("throughput", all);
    const double lo = runs[0].request_throughput, hi = runs[1].request_throughput;
    for (int k = 1; k <= o.steps - 2; ++k) {
        LoadTestOptions c = o.base;
        c.request_rate = lo + (hi - lo) * double(k) / double(o.steps - 1);
        if (!(c.request_rate > 0)) throw Error("load: the synchronous and throughput runs completed no request; no rate to sweep");
        stage("constant", c);
    }
    return runs;
}

namespace {

json rate_json(double rate) { return std::isinf(rate) ? json("inf") : json(rate); }

void put_stats(json & j, const char * name, const LatencyStats & s) {
    const std::string n = name;
    j["mean_" + n + "_ms"] = s.mean;
    j["median_" + n + "_ms"] = s.median;
    j["std_" + n + "_ms"] = s.std;
    j["p90_" + n + "_ms"] = s.p90;
    j["p95_" + n + "_ms"] = s.p95;
    j["p99_" + n + "_ms"] = s.p99;
}

json slo_json(const Slo & s) {
    json j = json::object();
    if (s.ttft_ms) j["ttft_ms"] = *s.ttft_ms;
    if (s.tpot_ms) j["tpot_ms"] = *s.tpot_ms;
    if (s.e2el_ms) j["e2el_ms"] = *s.e2el_ms;
    return j;
}

}  // namespace

json to_json(const LoadResult & r, bool per_request) {
    json j = {{"label", r.label},
              {"num_prompts", r.num_prompts},
              {"request_rate", rate_json(r.options.request_rate)},
              {"burstiness", r.options.burstiness},
              {"max_concurrency", r.options.max_concurrency > 0 ? json(r.options.max_concurrency) : json(nullptr)},
              {"duration", r.duration_s},
              {"completed", r.completed},
              {"failed", r.failed},
              {"total_input_tokens", r.total_input_tokens},
              {"total_output_tokens", r.total_output_tokens},
              {"request_throughput", r.request_throughput},
              {"output_throughput", r.output_throughput},
              {"total_token_throughput", r.total_token_throughput},
              {"achieved_request_rate", r.achieved_rate},
              {"ignore_eos", r.options.ignore_eos},
              {"measured", "client-side, on this machine"}};
    if (r.options.slo.any()) {
        j["slo"] = slo_json(r.options.slo);
        j["request_goodput"] = r.request_goodput;
        j["good_requests"] = r.good;
    }
    put_stats(j, "ttft", r.ttft);
    put_stats(j, "tpot", r.tpot);
    put_stats(j, "itl", r.itl);
    put_stats(j, "e2el", r.e2el);
    if (r.server_tpot.n > 0) {  // llama-server's own timings for the same requests
        j["server"] = {{"source", "the server's own timings (llama-server)"},
                       {"requests", r.server_tpot.n},
                       {"mean_prompt_ms", r.server_prompt_ms.mean},
                       {"median_prompt_ms", r.server_prompt_ms.median},
                       {"mean_tpot_ms", r.server_tpot.mean},
                       {"median_tpot_ms", r.server_tpot.median},
                       {"p99_tpot_ms", r.server_tpot.p99}};
    }
    j["errors"] = r.errors;
    if (!per_request) return j;
    // Per request, in seconds as vLLM writes them (its summary figures are in ms).
    json input = json::array(), output = json::array(), ttfts = json::array(), itls = json::array(), e2els = json::array(),
         sent = json::array();
    for (const auto & q : r.requests) {
        input.push_back(q.input_tokens);
        output.push_back(q.output_tokens);
        ttfts.push_back(q.ok ? json(q.ttft_ms / 1000) : json(nullptr));
        e2els.push_back(q.ok ? json(q.e2el_ms / 1000) : json(nullptr));
        json gaps = json::array();
        for (const double g : q.itl_ms) gaps.push_back(g / 1000);
        itls.push_back(std::move(gaps));
        sent.push_back(q.sent_s);
    }
    j["input_lens"] = input;
    j["output_lens"] = output;
    j["ttfts"] = ttfts;
    j["itls"] = itls;
    j["e2els"] = e2els;
    j["sent_times"] = sent;
    return j;
}

namespace {

std::string row(const std::string & name, const std::string & value) {
    char buf[160];
    snprintf(buf, sizeof buf, "%-40s %s\n", name.c_str(), value.c_str());
    return buf;
}

std::string heading(const std::string & title) {
    const size_t width = 50, pad = width > title.size() + 2 ? (width - title.size() - 2) / 2 : 0;
    std::string s = std::string(pad, '-') + " " + title + " ";
    return s + std::string(width > s.size() ? width - s.size() : 0, '-') + "\n";
}

std::string stats_block(const std::string & title, const std::string & abbr, const LatencyStats & s) {
    return heading(title) + row("Mean " + abbr + " (ms):", format_fixed(s.mean, 2)) + row("Median " + abbr + " (ms):", format_fixed(s.median, 2)) +
           row("P90 " + abbr + " (ms):", format_fixed(s.p90, 2)) + row("P99 " + abbr + " (ms):", format_fixed(s.p99, 2));
}

}  // namespace

std::string load_summary_text(const LoadResult & r) {
    std::string s = std::string(18, '=') + " Serving load test: " + r.label + " " + std::string(std::max<int>(0, 30 - int(r.label.size()) - 19), '=') + "\n";
    s += row("Successful requests:", std::to_string(r.completed));
    if (r.failed) s += row("Failed requests:", std::to_string(r.failed));
    s += row("Request rate (req/s):", std::isinf(r.options.request_rate) ? "inf" : format_fixed(r.options.request_rate, 2));
    s += row("Maximum request concurrency:", r.options.max_concurrency > 0 ? std::to_string(r.options.max_concurrency) : "none");
    s += row("Benchmark duration (s):", format_fixed(r.duration_s, 2));
    s += row("Total input tokens:", std::to_string(r.total_input_tokens));
    s += row("Total generated tokens:", std::to_string(r.total_output_tokens));
    s += row("Request throughput (req/s):", format_fixed(r.request_throughput, 2));
    if (r.options.slo.any()) s += row("Request goodput (req/s):", format_fixed(r.request_goodput, 2));
    s += row("Output token throughput (tok/s):", format_fixed(r.output_throughput, 2));
    s += row("Total token throughput (tok/s):", format_fixed(r.total_token_throughput, 2));
    s += stats_block("Time to First Token", "TTFT", r.ttft);
    s += stats_block("Time per Output Token (excl. 1st token)", "TPOT", r.tpot);
    s += stats_block("Inter-token Latency", "ITL", r.itl);
    s += stats_block("End-to-end Latency", "E2EL", r.e2el);
    if (r.server_tpot.n > 0) {
        s += heading("The server's own timings");
        s += row("Mean prompt processing (ms):", format_fixed(r.server_prompt_ms.mean, 2));
        s += row("Mean generation per token (ms):", format_fixed(r.server_tpot.mean, 2));
        s += row("Median generation per token (ms):", format_fixed(r.server_tpot.median, 2));
    }
    s += std::string(50, '=') + "\n";
    for (const auto & e : r.errors) s += "error: " + e + "\n";
    return s;
}

namespace {

Table sweep_table(std::span<const LoadResult> runs) {
    Table t;
    t.header = {"run", "sent (req/s)", "done", "req/s", "out tok/s", "TTFT mean/p99 ms", "TPOT mean/p99 ms", "ITL mean/p99 ms",
                "E2EL mean/p99 ms", "goodput req/s"};
    t.right_align = {false, true, true, true, true, true, true, true, true, true};
    const auto mp = [](const LatencyStats & s, int d) { return format_fixed(s.mean, d) + " / " + format_fixed(s.p99, d); };
    for (const auto & r : runs) {
        const std::string rate = r.options.max_concurrency == 1 && std::isinf(r.options.request_rate) ? "one at a time"
                                 : std::isinf(r.options.request_rate)                                ? "all at once"
                                                                                                      : format_fixed(r.options.request_rate, 2);
        t.rows.push_back({r.label, rate,
                          std::to_string(r.completed) + (r.failed ? " (" + std::to_string(r.failed) + " failed)" : ""),
                          format_fixed(r.request_throughput, 2), format_fixed(r.output_throughput, 1), mp(r.ttft, 0), mp(r.tpot, 1),
                          mp(r.itl, 1), mp(r.e2el, 0), r.options.slo.any() ? format_fixed(r.request_goodput, 2) : "-"});
    }
    return t;
}

}  // namespace

std::string sweep_table_text(std::span<const LoadResult> runs) { return sweep_table(runs).to_text(); }

std::string load_html(std::span<const LoadResult> runs, const json & about) {
    using report_svg::Series;
    std::vector<Series> latency = {{"TTFT mean", {}}, {"TTFT p99", {}}, {"E2EL mean", {}}, {"E2EL p99", {}}};
    std::vector<Series> per_token = {{"TPOT mean", {}}, {"TPOT p99", {}}, {"ITL p99", {}}};
    std::vector<Series> throughput = {{"output tok/s", {}}};
    for (const auto & r : runs) {
        const double x = r.request_throughput;
        latency[0].points.push_back({x, r.ttft.mean});
        latency[1].points.push_back({x, r.ttft.p99});
        latency[2].points.push_back({x, r.e2el.mean});
        latency[3].points.push_back({x, r.e2el.p99});
        per_token[0].points.push_back({x, r.tpot.mean});
        per_token[1].points.push_back({x, r.tpot.p99});
        per_token[2].points.push_back({x, r.itl.p99});
        throughput[0].points.push_back({x, r.output_throughput});
    }
    const std::string x = "measured request throughput (req/s)";
    std::string h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>rightsize load test</title><style>"
                    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}"
                    "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
                    "td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}figcaption{color:#555;max-width:40em}"
                    "</style></head><body>\n<h1>Serving load test</h1>\n<p>" +
                    text::html_escape(about.value("endpoint", std::string())) + " serving <strong>" +
                    text::html_escape(about.value("model", std::string())) + "</strong>; rightsize " + version() + ", " +
                    text::html_escape(about.value("date", std::string())) +
                    ". Every figure is measured on the client (vLLM bench definitions: TTFT to the first non-empty chunk, "
                    "TPOT = (E2EL − TTFT) / (output tokens − 1), ITL the gaps between chunks).</p>\n";
    h += "<pre>" + text::html_escape(sweep_table_text(runs)) + "</pre>\n";
    h += report_svg::line_chart("latency vs request rate", latency, x, "ms (lower is better)",
                                "Time to first token and end-to-end latency against the measured request rate of each run.");
    h += report_svg::line_chart("per-token latency vs request rate", per_token, x, "ms (lower is better)",
                                "Time per output token and inter-token latency against the measured request rate.");
    h += report_svg::line_chart("output throughput vs request rate", throughput, x, "output tokens/s",
                                "Output token throughput against the measured request rate: where it stops growing, the "
                                "server is saturated.");
    return h + "</body></html>\n";
}

}  // namespace rightsize
