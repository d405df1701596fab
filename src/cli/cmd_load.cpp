// rightsize load: a serving load test of an OpenAI-compatible endpoint (load_test.h).
#include "commands.h"

#include "../core/atomic_file.h"
#include "../core/time_format.h"
#include "../report/progress.h"

#include <rightsize/error.h>
#include <rightsize/load_test.h>
#include <rightsize/serve.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

namespace rightsize::cli {

namespace {

struct LoadCliOptions {
    std::string model, api_key_env = "OPENAI_API_KEY", task, output, format = "table";
    EndpointOptions endpoint = [] {
        EndpointOptions e;
        e.retries = 0;          // a failed request is counted, not hidden by retrying it
        e.reproducible = false;  // the server's prompt cache stays on, as its clients use it
        return e;
    }();
    EvalOptions eval;
    LoadTestOptions load;
    size_t num_prompts = 0;  // 0: 50, or unbounded under --duration
    int input_len = 256, output_len = 64, sweep_runs = 6;
    double range_ratio = 0;
    bool sweep = false;
    LlamaOptions llama = [] {  // a local GGUF: served in this process as rightsize serve serves it
        LlamaOptions l;
        l.n_ctx = 8192;
        l.n_parallel = 4;
        l.flash_attn = "off";
        return l;
    }();
};

// A GGUF load-tested through rightsize serve's engine on 127.0.0.1, in this process, for the test.
class LocalServer {
public:
    explicit LocalServer(const LlamaOptions & o) : backend_(o), server_(backend_, options()) {
        thread_ = std::thread([this] { server_.run(); });
    }
    ~LocalServer() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/v1"; }

private:
    static ServeOptions options() {
        ServeOptions so;
        so.port = 0;
        so.max_queue = 100000;  // the load test's own concurrency bounds what is in flight
        return so;
    }
    LlamaBackend backend_;
    Server server_;
    std::thread thread_;
};

void add_load_options(ArgParser & p, LoadCliOptions & o) {
    p.value({"-m", "--model"}, "URL[#NAME]|FILE", "the endpoint: its API base up to /v1 (served model: the first of /v1/models, or NAME); "
            "or a GGUF file, served in this process by rightsize serve's engine on 127.0.0.1 (llama.cpp's flags below apply)",
            [&](const std::string & v) { o.model = v; });
    p.value({"--tasks"}, "TASK", "prompts from this task's documents (as 'run' builds them); default: random tokens",
            [&](const std::string & v) { o.task = v; });
    p.value({"--data-dir"}, "DIR", "where task data files are (as for 'run')", [&](const std::string & v) { o.eval.data.data_dir = v; });
    p.value({"--input-len"}, "N", "random prompts: tokens per prompt (default 256)",
            [&](const std::string & v) { o.input_len = parse_int("--input-len", v, 1, 1 << 20); });
    p.value({"--output-len"}, "N", "tokens asked of every request (default 64)",
            [&](const std::string & v) { o.output_len = parse_int("--output-len", v, 1, 1 << 20); });
    p.value({"--range-ratio"}, "R", "random lengths vary uniformly within ±R of --input-len/--output-len (default 0)",
            [&](const std::string & v) { o.range_ratio = parse_double("--range-ratio", v); });
    p.value({"--num-prompts"}, "N", "requests to send (default 50; prompts cycle if there are fewer)",
            [&](const std::string & v) { o.num_prompts = size_t(parse_int("--num-prompts", v, 1, 10000000)); });
    p.value({"--duration"}, "S", "stop sending after S seconds (the requests in flight finish)",
            [&](const std::string & v) { o.load.duration_s = parse_double("--duration", v); });
    p.value({"--request-rate"}, "R", "requests per second (default inf: all at once)", [&](const std::string & v) {
        o.load.request_rate = v == "inf" ? std::numeric_limits<double>::infinity() : parse_double("--request-rate", v);
    });
    p.value({"--burstiness"}, "B", "gamma shape of the gaps between arrivals (default 1: Poisson)",
            [&](const std::string & v) { o.load.burstiness = parse_double("--burstiness", v); });
    p.value({"--max-concurrency"}, "N", "requests in flight at most (default: no limit)",
            [&](const std::string & v) { o.load.max_concurrency = parse_int("--max-concurrency", v, 1, 100000); });
    p.value({"--slo"}, "ttft=MS,tpot=MS,e2el=MS", "goodput: a request is good when it meets every SLO given",
            [&](const std::string & v) {
                try {
                    o.load.slo = parse_slo(v);
                } catch (const Error & e) {
                    throw UsageError(e.what());
                }
            });
    p.flag({"--sweep"}, "GuideLLM's sweep: synchronous, throughput, then constant rates in between", [&] { o.sweep = true; });
    p.value({"--sweep-runs"}, "N", "runs in a sweep, synchronous and throughput included (default 6)",
            [&](const std::string & v) { o.sweep_runs = parse_int("--sweep-runs", v, 2, 100); });
    p.value({"--seed"}, "N", "seed of the random prompts and of the arrival times (default 0)",
            [&](const std::string & v) { o.load.seed = uint64_t(parse_int("--seed", v, 0, 2147483647)); });
    p.flag({"--no-ignore-eos"}, "let requests end at the model's end of text (default: every request runs to its length)",
           [&] { o.load.ignore_eos = false; });
    p.value({"-o", "--output"}, "DIR", "write DIR/load.json (vLLM's keys, every request) and DIR/load.html (table and charts)",
            [&](const std::string & v) { o.output = v; });
    p.value({"--format"}, "table|json", "what is printed on stdout (default table)", [&](const std::string & v) {
        if (v != "table" && v != "json") throw UsageError("option '--format': '" + v + "' is not table or json");
        o.format = v;
    });
    p.value({"--api-key-env"}, "VAR", "the environment variable holding the API key (default OPENAI_API_KEY)",
            [&](const std::string & v) { o.api_key_env = v; });
    p.value({"--request-timeout"}, "S", "seconds one request may take (default 600)",
            [&](const std::string & v) { o.endpoint.timeout_s = parse_int("--request-timeout", v, 1, 86400); });
    p.value({"--retries"}, "N", "retries of a failed request (connection, 429, 5xx; default 0 here: a failure is counted)",
            [&](const std::string & v) { o.endpoint.retries = parse_int("--retries", v, 0, 100); });
    add_llama_options(p, o.llama, nullptr, "8192 (a GGUF: -np sequences of -c / -np tokens)");
}

std::vector<LoadPrompt> make_prompts(EndpointBackend & backend, LoadCliOptions & o, size_t n) {
    // Distinct prompts: one per request up to 1,000 (they cycle beyond), 256 for a --duration run.
    n = o.num_prompts ? std::min<size_t>(n, 1000) : 256;
    if (o.task.empty()) return random_prompts(backend, n, o.input_len, o.output_len, o.range_ratio, o.load.seed);
    TaskRegistry registry;
    for (const auto & d : builtin_task_dirs()) registry.add_directory(d);
    std::vector<std::string> warnings;
    const auto tasks = registry.resolve({o.task}, nullptr, &warnings);
    for (const auto & w : warnings) fprintf(stderr, "warning: %s\n", w.c_str());
    if (tasks.size() != 1) throw UsageError("--tasks: give one task for the prompts ('" + o.task + "' is " + std::to_string(tasks.size()) + ")");
    return task_prompts(backend, tasks[0], o.eval, n, o.output_len);
}

nlohmann::json about(const EndpointBackend & backend, const LoadCliOptions & o, size_t n_prompts) {
    const bool local = !is_endpoint(o.model);
    return {{"endpoint", local ? "rightsize serve in this process (" + split_endpoint_model(o.endpoint.url).first + ") for " + o.model
                               : split_endpoint_model(o.model).first},
            {"model", backend.served_model()},
            {"date", iso8601_utc()},
            {"prompts", o.task.empty() ? nlohmann::json{{"kind", "random"}, {"input_len", o.input_len}, {"output_len", o.output_len},
                                                        {"range_ratio", o.range_ratio}, {"distinct", n_prompts}}
                                       : nlohmann::json{{"kind", "task"}, {"task", o.task}, {"output_len", o.output_len},
                                                        {"distinct", n_prompts}}},
            {"seed", o.load.seed}};
}

void write_outputs(const std::string & dir, const nlohmann::json & meta, std::span<const LoadResult> runs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) throw OptionError("-o " + dir + ": cannot create this folder (" + ec.message() + ")");
    nlohmann::json j = meta;
    j["runs"] = nlohmann::json::array();
    for (const auto & r : runs) j["runs"].push_back(to_json(r));
    write_file_atomic(dir + "/load.json", j.dump(1) + "\n");
    write_file_atomic(dir + "/load.html", load_html(runs, meta));
}

}  // namespace

int cmd_load(int argc, char ** argv) {
    LoadCliOptions o;
    ArgParser p("load", "-m URL|FILE.gguf [options]\n\n"
                        "A serving load test of an OpenAI-compatible endpoint (or of a GGUF served in this process by\n"
                        "rightsize serve's engine) with vLLM bench's definitions: TTFT (to the\n"
                        "first non-empty chunk), TPOT ((E2EL - TTFT) / (output tokens - 1)), ITL (gaps between chunks),\n"
                        "E2EL, request/output/total-token throughput and goodput under --slo. Requests arrive at\n"
                        "--request-rate with gamma gaps of shape --burstiness (1 = Poisson), at most --max-concurrency\n"
                        "in flight; --sweep runs GuideLLM's sweep (synchronous, throughput, constant rates between).\n"
                        "Stops by itself after --num-prompts requests or --duration seconds. All figures are measured\n"
                        "on this machine (the client); progress goes to stderr.");
    add_load_options(p, o);
    if (!p.parse(argc, argv, 2)) return 0;
    if (o.model.empty()) throw UsageError("load needs -m URL (an OpenAI-compatible API base such as http://127.0.0.1:8080/v1) or -m FILE.gguf");
    if (o.sweep && o.load.duration_s > 0) throw UsageError("--sweep and --duration do not go together: a sweep sends --num-prompts per run");
    const size_t n = o.num_prompts ? o.num_prompts : o.load.duration_s > 0 ? 10000000 : 50;
    o.load.num_requests = n;
    std::unique_ptr<LocalServer> local;
    if (!is_endpoint(o.model)) {
        o.llama.model_path = o.model;
        local = std::make_unique<LocalServer>(o.llama);
        fprintf(stderr, "load: %s served in this process by rightsize serve's engine at %s\n", o.model.c_str(), local->url().c_str());
    }
    o.endpoint.url = local ? local->url() : o.model;
    if (const char * key = std::getenv(o.api_key_env.c_str())) o.endpoint.api_key = key;
    EndpointBackend backend(o.endpoint);
    const auto prompts = make_prompts(backend, o, n);
    const nlohmann::json meta = about(backend, o, prompts.size());
    std::unique_ptr<Progress> progress;
    const auto on_done = [&](size_t done, size_t) {
        if (progress) progress->advance();
        (void)done;
    };
    std::vector<LoadResult> runs;
    if (o.sweep) {
        SweepOptions s;
        s.steps = o.sweep_runs;
        s.base = o.load;
        s.on_stage = [&](const std::string & stage, size_t i, size_t total) {
            if (progress) progress->finish();
            progress = std::make_unique<Progress>("sweep " + std::to_string(i + 1) + "/" + std::to_string(total) + " " + stage, n, "requests");
        };
        runs = run_sweep(backend, prompts, s, on_done);
    } else {
        progress = std::make_unique<Progress>("load " + backend.served_model(), o.load.duration_s > 0 && !o.num_prompts ? 0 : n, "requests");
        runs.push_back(run_load(backend, prompts, o.load, on_done));
        runs.back().label = "load";
    }
    if (progress) progress->finish();
    if (o.format == "json") {
        nlohmann::json j = meta;
        j["runs"] = nlohmann::json::array();
        for (const auto & r : runs) j["runs"].push_back(to_json(r, false));
        printf("%s\n", j.dump(2).c_str());
    } else {
        for (const auto & r : runs) fputs(load_summary_text(r).c_str(), stdout);
        if (runs.size() > 1) printf("\n%s", sweep_table_text(runs).c_str());
        printf("\nmeasured on this machine (the client) against %s serving %s.\n", meta["endpoint"].get<std::string>().c_str(),
               backend.served_model().c_str());
    }
    if (!o.output.empty()) {
        write_outputs(o.output, meta, runs);
        fprintf(stderr, "wrote %s/load.json and %s/load.html\n", o.output.c_str(), o.output.c_str());
    }
    return 0;
}

}  // namespace rightsize::cli
