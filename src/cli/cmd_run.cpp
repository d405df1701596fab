// rightsize run: options in, RunSession (the library's run) does the work, the summary table out.
#include "commands.h"

#include "../core/table.h"
#include "run_energy.h"

#include <rightsize/error.h>
#include "report/progress.h"

#include <map>
#include <rightsize/report.h>
#include <rightsize/run.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

namespace rightsize::cli {

namespace {

struct RunCliOptions {
    RunOptions run;
    std::optional<int> shard_count;  // --shard-count: a Kubernetes Indexed Job's completions
    std::string api_key_env = "OPENAI_API_KEY";
    bool ctx_given = false;
    EnergyCarbonOptions ec;
};

std::vector<std::string> split_commas(const std::string & s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::string fmt(const nlohmann::json & v, int d) {
    return v.is_number() ? format_fixed(v.get<double>(), d) : std::string("–");
}

// A figure and its bootstrap standard error (efficiency.uncertainty), "12.3 ± 0.4".
std::string with_se(const nlohmann::json & eff, const char * field, int d) {
    const auto & v = eff.contains(field) ? eff[field] : nlohmann::json();
    if (!v.is_number()) return "–";
    const auto u = eff.find("uncertainty");
    if (u == eff.end() || !u->is_object() || !u->contains(field) || !(*u)[field]["se"].is_number()) return fmt(v, d);
    return fmt(v, d) + " ± " + fmt((*u)[field]["se"], d);
}

std::string energy_cell(const nlohmann::json & efficiency) {
    if (!efficiency.contains("energy") || !efficiency["energy"].is_object()) return "–";
    const auto & e = efficiency["energy"];
    const auto & v = efficiency.value("granularity", "") == "tokens" ? e["j_per_token"] : e["j_per_sample"];
    if (!v.is_number()) return "–";
    return format_fixed(v.get<double>(), v.get<double>() < 10 ? 2 : 1) + (e.value("measured", false) ? "" : " est");
}

// What is known of served models beyond the client: their server's Prometheus, declared memory.
void add_served_measure_options(ArgParser & p, RunCliOptions & o) {
    p.value({"--prometheus"}, "URL", "served models: energy (and GPU memory) from this Prometheus, e.g. http://127.0.0.1:9090",
            [&](const std::string & v) { o.run.prometheus.url = v; });
    p.value({"--prometheus-energy"}, "QUERY", "served models: the energy counter (default: DCGM's GPU energy, else node_exporter's RAPL)",
            [&](const std::string & v) { o.run.prometheus.energy_query = v; });
    p.value({"--prometheus-energy-scale"}, "J", "joules per unit of --prometheus-energy's value (default 1; 0.001 for mJ)",
            [&](const std::string & v) { o.run.prometheus.energy_scale = parse_double("--prometheus-energy-scale", v); });
    p.value({"--prometheus-memory"}, "QUERY", "served models: the memory gauge in MiB (default sum(DCGM_FI_DEV_FB_USED))",
            [&](const std::string & v) { o.run.prometheus.memory_query = v; });
    p.value({"--model-memory-mb"}, "[MODEL=]MB", "served models: declare memory (labelled declared); MODEL is the -m URL or served name",
            [&](const std::string & v) {
                const size_t eq = v.rfind('=');
                const double mb = parse_double("--model-memory-mb", eq == std::string::npos ? v : v.substr(eq + 1));
                if (!(mb > 0)) throw UsageError("option '--model-memory-mb': '" + v + "' needs a positive number of MiB");
                o.run.declared_memory_mb[eq == std::string::npos ? "" : v.substr(0, eq)] = mb;
            });
}

void add_run_options(ArgParser & p, RunCliOptions & o) {
    p.value({"-m", "--model"}, "FILE|URL", "GGUF model file, or a served model http(s)://HOST:PORT/v1[#NAME] (repeatable)", [&](const std::string & v) { o.run.models.push_back(v); });
    p.value({"--tasks"}, "T1,T2", "tasks, tags, groups or task YAML files, comma-separated",
            [&](const std::string & v) { for (auto & t : split_commas(v)) o.run.tasks.push_back(t); });
    p.value({"--limit"}, "N|TASK=N",
            "documents per task: N ≥ 1 the first N, 0 < N < 1 that fraction (default all); TASK=N sets it for one\n"
            "task (repeatable; e.g. --limit 20 --limit personality=120)",
            [&](const std::string & v) {
                const auto eq = v.find('=');
                const std::string task = eq == std::string::npos ? "" : v.substr(0, eq);
                const double n = parse_double("--limit", eq == std::string::npos ? v : v.substr(eq + 1));
                if (n < 0) throw UsageError("option '--limit' must not be negative, got '" + v + "'");
                if (n == 0) {
                    throw UsageError("option '--limit' " + v + " would evaluate no document; give N ≥ 1 (the first N documents), "
                                     "0 < N < 1 (that fraction), or leave --limit out to evaluate every document");
                }
                if (eq != std::string::npos && task.empty()) throw UsageError("option '--limit' expects N or TASK=N, got '" + v + "'");
                if (task.empty()) o.run.eval.limit = n;
                else o.run.task_limits[task] = n;
            });
    p.value({"--num-fewshot"}, "K", "few-shot examples per prompt (default: each task's num_fewshot)",
            [&](const std::string & v) { o.run.eval.num_fewshot = parse_int("--num-fewshot", v, 0, 1000); });
    p.value({"--data-dir"}, "DIR", "where tasks' data_files are looked up (default $RIGHTSIZE_DATA, else the cache's data/)",
            [&](const std::string & v) { o.run.eval.data.data_dir = v; });
    p.value({"--data-file"}, "TASK=FILE", "evaluate TASK on FILE (JSONL/JSON/CSV/TSV) instead of its data (repeatable)",
            [&](const std::string & v) {
                const auto eq = v.find('=');
                if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
                    throw UsageError("option '--data-file' expects TASK=FILE, got '" + v + "'");
                }
                o.run.eval.data_file_overrides[v.substr(0, eq)] = v.substr(eq + 1);
            });
    p.value({"--include-path"}, "DIR", "also look for task YAML files under DIR (repeatable)",
            [&](const std::string & v) { o.run.include_paths.push_back(v); });
    p.value({"--output", "-o"}, "DIR", "where results go (default rightsize-results)", [&](const std::string & v) { o.run.output_dir = v; });
    p.value({"--db"}, "FILE", "SQLite results store (default OUTPUT/rightsize.sqlite)", [&](const std::string & v) { o.run.db_path = v; });
    p.flag({"--apply-chat-template"}, "render prompts with the model's chat template (few-shot as multi-turn)",
           [&] { o.run.eval.apply_chat_template = true; });
    p.flag({"--no-fewshot-as-multiturn"}, "chat mode: put few-shot examples in one user turn",
           [&] { o.run.eval.fewshot_as_multiturn = false; });
    p.value({"--system-prompt"}, "TEXT", "system message (chat mode) or text before every prompt",
            [&](const std::string & v) { o.run.eval.system_prompt = v; });
    p.value({"--seed"}, "N", "few-shot sampling seed (default 1234, lm-eval's)",
            [&](const std::string & v) { o.run.eval.fewshot_seed = uint32_t(parse_int("--seed", v, 0, 2147483647)); });
    p.value({"--batch-docs"}, "N", "documents scored per batch and per checkpoint (default 32)",
            [&](const std::string & v) { o.run.eval.chunk_docs = size_t(parse_int("--batch-docs", v, 1, 100000)); });
    p.value({"--require-quiet"}, "S",
            "before starting, wait up to S seconds for a quiet machine (others using at most 10% of the CPU), else\n"
            "stop; without it a busy machine is measured and its figures labelled disturbed",
            [&](const std::string & v) { o.run.require_quiet_s = parse_double("--require-quiet", v); });
    p.flag({"--fresh"}, "start a new run even if an unfinished run with the same options exists", [&] { o.run.fresh = true; });
    p.flag({"--wait"}, "when another run is using the output folder, wait for it (default: stop at once and name it)",
           [&] { o.run.wait_for_lock = true; });
    p.flag({"--lenient-utf8"}, "replace invalid UTF-8 in data files with U+FFFD (with a warning) instead of stopping",
           [&] { o.run.eval.data.lenient_utf8 = true; });
    p.flag({"--offline"}, "never download datasets (local files and the cache only)", [&] { o.run.eval.data.allow_download = false; });
    p.value({"--api-key-env"}, "VAR", "served models: the environment variable holding the API key (default OPENAI_API_KEY)",
            [&](const std::string & v) { o.api_key_env = v; });
    p.value({"--concurrency"}, "N", "served models: requests in flight at once (default 4)",
            [&](const std::string & v) { o.run.endpoint.concurrency = parse_int("--concurrency", v, 1, 1024); });
    p.value({"--request-timeout"}, "S", "served models: seconds one request may take (default 600)",
            [&](const std::string & v) { o.run.endpoint.timeout_s = parse_int("--request-timeout", v, 1, 86400); });
    p.value({"--retries"}, "N", "served models: retries of a failed request (connection, 429, 5xx; default 5)",
            [&](const std::string & v) { o.run.endpoint.retries = parse_int("--retries", v, 0, 100); });
    p.value({"--shard"}, "I/N",
            "evaluate shard I of N (0 ≤ I < N) of the model × task × chunk units, into OUTPUT/shard-I-of-N;\n"
            "'rightsize merge' joins the shards. Default: from Slurm array or Kubernetes Indexed Job variables",
            [&](const std::string & v) { o.run.shard = parse_shard(v); });
    p.value({"--shard-count"}, "N", "the number of shards of a Kubernetes Indexed Job (its completions; JOB_COMPLETION_INDEX is the shard)",
            [&](const std::string & v) { o.shard_count = parse_int("--shard-count", v, 1, 1000000); });
    add_served_measure_options(p, o);
    add_llama_options(p, o.run.llama, &o.ctx_given);
    p.flag({"--no-interleave"}, "run the local models one after another (default: models whose files fit in half the available "
           "memory are loaded together and take turns chunk by chunk, so outside load falls on all alike; same scores)",
           [&] { o.run.interleave = false; });
    p.flag({"--exact"}, "score every request of a local model alone (own KV cache, no shared prefix or batch) and generate one "
           "at a time: the reference for batched scores (slower; part of the run's identity; docs/tasks.md)",
           [&] { o.run.llama.exact = true; });
    add_energy_carbon_options(p, o.ec);
}

// Progress lines and status on stderr; RIGHTSIZE_KILL_AFTER_CHUNKS=N kills the process (SIGKILL, as
// a crash or an OOM kill would) after N checkpoints, and N:SIGNAL sends that signal instead (15: a
// scheduler's SIGTERM): the tests' only way to stop a run at an exact point.
RunEvents terminal_events(std::shared_ptr<Progress> & progress) {
    RunEvents ev;
    ev.message = [](const std::string & line) { fprintf(stderr, "%s\n", line.c_str()); };
    // One line of progress per model × task; interleaved models' turns switch between them.
    struct Line {
        std::shared_ptr<Progress> bar;
        size_t shown = 0;
    };
    auto lines = std::make_shared<std::map<std::string, Line>>();
    auto current = std::make_shared<std::string>();
    ev.task_started = [&progress, lines, current](const std::string & model, const std::string & task, size_t, size_t total) {
        *current = model + " · " + task;
        progress = std::make_shared<Progress>(*current, total, "docs");
        (*lines)[*current] = {progress, 0};
    };
    ev.turn = [&progress, lines, current](const std::string & model, const std::string & task) {
        *current = model + " · " + task;
        if (const auto it = lines->find(*current); it != lines->end()) progress = it->second.bar;
    };
    ev.progress = [lines, current](size_t finished) {
        const auto it = lines->find(*current);
        if (it == lines->end()) return;
        if (finished > it->second.shown) it->second.bar->advance(finished - it->second.shown);
        it->second.shown = finished;
    };
    ev.task_finished = [&progress, lines](const std::string & model, const std::string & task) {
        const auto it = lines->find(model + " · " + task);
        if (it == lines->end()) return;
        it->second.bar->finish();
        if (progress == it->second.bar) progress.reset();
        lines->erase(it);
    };
    long kill_after = -1;
    int kill_signal = SIGKILL;
    if (const char * k = std::getenv("RIGHTSIZE_KILL_AFTER_CHUNKS")) {
        kill_after = atol(k);
        if (const char * colon = strchr(k, ':')) kill_signal = atoi(colon + 1);  // N:SIGNAL, e.g. 1:15 for SIGTERM
    }
    ev.checkpoint = [kill_after, kill_signal, fired = false](long count) mutable {
        if (kill_after >= 0 && count >= kill_after && !fired) {
            fired = true;
            raise(kill_signal);
        }
    };
    return ev;
}

// One row per metric × filter of each task (efficiency on the task's first row), then the groups.
Table summary_table(const RunSession & session, const RunOutcome & outcome) {
    Table t;
    t.header = {"model", "task", "metric", "value ± stderr", "n", "samples/s", "ms/sample", "tok/s", "ms/tok",
                "TTFT p50 ms", "peak RSS MiB", "model MiB", "J/sample", "gCO2e/1k"};
    t.right_align = {false, false, false, true, true, true, true, true, true, true, true, true, true, true};
    for (size_t m = 0; m < outcome.results.size(); ++m) {
        const auto & doc = outcome.results[m];
        const std::string key = doc.value("rightsize_store_key", session.config()["models"][m]["key"].get<std::string>());
        for (const auto & task : session.tasks()) {
            if (!doc["results"].contains(task.task)) continue;  // another shard's
            const auto & results = doc["results"][task.task];
            const auto & eff = doc["efficiency"][task.task];
            bool first = true;
            for (const auto & [metric, filter] : task.metric_filter_keys()) {
                const std::string k = metric + "," + filter;
                if (!results.contains(k)) continue;
                const auto & se = results[metric + "_stderr," + filter];
                const int d = metric.find("perplexity") != std::string::npos ? 2 : 4;
                const auto cell = [&](const std::string & text) { return first ? text : std::string(); };
                t.rows.push_back({cell(key), cell(task.task), filter == "none" ? metric : metric + " (" + filter + ")",
                                  fmt(results[k], d) + (se.is_number() ? " ± " + fmt(se, d) : ""), cell(fmt(eff["n_samples"], 0)),
                                  cell(with_se(eff, "samples_per_s", 2)), cell(with_se(eff, "ms_per_sample", 1)),
                                  cell(with_se(eff, "tokens_per_s", 1)), cell(with_se(eff, "ms_per_token", 1)),
                                  eff.contains("ttft_ms") && eff["ttft_ms"].is_object() ? cell(fmt(eff["ttft_ms"]["p50"], 0)) : "",
                                  cell(fmt(eff["peak_rss_mb"], 0)), cell(fmt(eff["model_mb"], 1)), cell(energy_cell(eff)),
                                  eff["co2e"].is_object() ? cell(fmt(eff["co2e"]["g_per_1000_queries"], 3)) : ""});
                first = false;
            }
        }
        for (const auto & g : session.groups()) {
            if (!doc["results"].contains(g.name)) continue;
            const auto & agg = doc["results"][g.name];
            for (const auto & [k, v] : agg.items()) {
                if (k.find("_stderr") != std::string::npos || !v.is_number()) continue;
                const auto se_key = k.substr(0, k.find(',')) + "_stderr" + k.substr(k.find(','));
                t.rows.push_back({key, g.name + " (group)", k.substr(0, k.find(',')),
                                  fmt(v, 4) + (agg.contains(se_key) ? " ± " + fmt(agg[se_key], 4) : ""), "", "", "", "", "", "", "",
                                  "", "", ""});
            }
        }
    }
    return t;
}

// A shard's summary: its share, its documents' scores (never the task's: the merge computes those).
void print_shard_outcome(const RunSession & session, const RunOutcome & r) {
    fputs(summary_table(session, r).to_text().c_str(), stdout);
    printf("\nShard %d of %d finished: %zu of %zu units (scores above are over this shard's documents only).\n"
           "Store: %s (run %s, config %s); %s/shard.json. When every shard has finished:\n"
           "  rightsize merge MERGED_DIR %s/shard-*-of-%d\n",
           r.shard.value("index", 0), r.shard.value("count", 1), r.shard.value("units", size_t(0)),
           r.shard.value("units_total", size_t(0)), r.files.db.c_str(), r.run_id.c_str(), r.config_hash.c_str(),
           session.output_dir().c_str(), std::filesystem::path(session.output_dir()).parent_path().string().c_str(),
           r.shard.value("count", 1));
}

void print_outcome(const RunSession & session, const RunOutcome & r, const std::string & output_dir) {
    if (!r.shard.is_null()) return print_shard_outcome(session, r);
    fputs(summary_table(session, r).to_text().c_str(), stdout);
    printf("\nquality: lm-eval definitions (stderr: mean_stderr, or bootstrap for corpus metrics); efficiency: measured on this\n"
           "machine (%s). Energy: %s; J/sample is per generated token on generation tasks. CO2e: %.0f gCO2e/kWh (%s),\n"
           "PUE %.2f.\n",
           r.hardware.value("cpu_model", std::string("unknown CPU")).c_str(), r.energy_source.c_str(), r.intensity.g_per_kwh,
           r.intensity.origin.c_str(), session.options().carbon.pue);
    if (r.energy_source.find("estimated") != std::string::npos) {
        printf("Energy figures are ESTIMATED (no readable energy counter): see docs/energy.md.\n");
    }
    printf("\n%s\n", render_recommendation_text(r.analysis).c_str());
    printf("Results: %s/<model>/results.json, samples_<task>.jsonl; %s; store: %s (run %s).\n"
           "Report: %s (and %s; report.json and per.csv hold PER, the Pareto sets and the recommendation)\n",
           output_dir.c_str(), r.files.emissions_csv.c_str(), r.files.db.c_str(), r.run_id.c_str(), r.files.report_html.c_str(),
           r.files.report_md.c_str());
}

// SIGINT (Ctrl-C) and SIGTERM (a scheduler's stop) ask the run to stop after the chunk in flight,
// which it saves; a second signal ends the process at once (the last saved chunk is kept).
std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int sig) {
    if (stop_signal.exchange(sig) != 0) {
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
    const char msg[] = "\nstopping after the chunk in flight is saved (signal again to stop at once)\n";
    [[maybe_unused]] const auto n = write(2, msg, sizeof msg - 1);
}

struct StopOnSignals {
    StopOnSignals() {
        stop_signal = 0;
        previous_int = std::signal(SIGINT, on_stop_signal);
        previous_term = std::signal(SIGTERM, on_stop_signal);
    }
    ~StopOnSignals() {
        std::signal(SIGINT, previous_int);
        std::signal(SIGTERM, previous_term);
    }
    void (*previous_int)(int);
    void (*previous_term)(int);
};

}  // namespace

int cmd_run(int argc, char ** argv) {
    RunCliOptions o;
    ArgParser p("run", "-m MODEL [-m MODEL ...] --tasks T1,T2 [options]\n\n"
                       "Evaluates every model on every task (lm-evaluation-harness task YAML; built-in tasks are\n"
                       "listed by 'rightsize tasks') and measures efficiency per task at Cao et al.'s granularity:\n"
                       "samples/s and ms/sample for scoring tasks, tokens/s, ms/token, TTFT and TPOT for generation,\n"
                       "plus peak RSS and model size. Writes OUTPUT/<model>/results.json (lm-eval's layout plus\n"
                       "'efficiency'), OUTPUT/<model>/samples_<task>.jsonl and the SQLite store OUTPUT/rightsize.sqlite.\n"
                       "Re-running an interrupted command continues where it stopped (same model, adapter and data\n"
                       "checksums, task YAML and options → same run; anything else starts a new run beside it).\n"
                       "OUTPUT collects every run: its results.json, emissions.csv and report cover the newest\n"
                       "result of each model × task. Ctrl-C or SIGTERM saves the batch in flight, then exits.\n"
                       "--shard I/N (or a Slurm array / Kubernetes Indexed Job's variables) runs one shard of the\n"
                       "units into OUTPUT/shard-I-of-N; 'rightsize merge' joins them (docs/scale-out.md).\n"
                       "-c is the KV cells shared by the -np parallel sequences; -fa defaults to off here (CPU flash\n"
                       "attention rounds through F16). Batched scores still differ from scoring each document alone by\n"
                       "rounding (llama.cpp's kernels depend on batch shape): --exact scores alone (docs/tasks.md).");
    add_run_options(p, o);
    if (!p.parse(argc, argv, 2)) return 0;
    if (o.ec.list_carbon) {
        print_carbon_tables();
        return 0;
    }
    if (o.run.models.empty()) throw UsageError("run needs at least one -m MODEL; see 'rightsize run --help'");
    if (o.run.tasks.empty()) throw UsageError("run needs --tasks T1,T2 ('rightsize tasks' lists them); see 'rightsize run --help'");
    if (const char * key = std::getenv(o.api_key_env.c_str())) o.run.endpoint.api_key = key;
    o.run.energy = o.ec.energy;
    o.run.carbon = o.ec.carbon;
    o.run.lifecycle = o.ec.lifecycle;
    // Where the counters are when the container mounts them elsewhere (and for tests' fixtures).
    if (const char * root = std::getenv("RIGHTSIZE_POWERCAP_ROOT")) o.run.energy.powercap_root = root;
    if (const char * lib = std::getenv("RIGHTSIZE_NVML_LIBRARY")) o.run.energy.nvml_library = lib;
    if (!o.run.shard) {
        o.run.shard = shard_from_environment([](const char * name) { return std::getenv(name); }, o.shard_count);
    } else if (o.shard_count && *o.shard_count != o.run.shard->count) {
        throw UsageError("--shard " + std::to_string(o.run.shard->index) + "/" + std::to_string(o.run.shard->count) +
                         " and --shard-count " + std::to_string(*o.shard_count) + " disagree; give one of them");
    }
    std::shared_ptr<Progress> progress;
    o.run.stop = &stop_signal;
    RunEvents events = terminal_events(progress);
    bool saved = false;  // a batch is in the store (a run with none is discarded): the same command resumes it
    events.checkpoint = [&saved, inner = events.checkpoint](long count) {
        saved = true;
        inner(count);
    };
    RunSession session(o.run, events);
    if (o.run.shard) {
        const auto plan = session.shard_plan();
        char share[32];
        snprintf(share, sizeof share, "%.0f%%", 100.0 * plan.value("expected_cost_share", 0.0));
        fprintf(stderr, "shard %d/%d (from %s): %zu of %zu units (model × task × chunk of %zu documents), %s of the expected cost; "
                "writing %s\n", o.run.shard->index, o.run.shard->count, o.run.shard->source.c_str(), plan.value("units", size_t(0)),
                plan.value("units_total", size_t(0)), plan.value("chunk_docs", size_t(0)), share, session.output_dir().c_str());
    }
    const StopOnSignals signals;
    try {
        const RunOutcome outcome = session.run();
        print_outcome(session, outcome, o.run.output_dir);
    } catch (const RunInterrupted & e) {
        if (progress) progress->finish();
        fprintf(stderr, "\ninterrupted: %s.\nEverything finished so far is in the store; run the same command again to resume.\n",
                e.what());
        return 128 + e.signal;
    } catch (const Error & e) {
        if (progress) progress->finish();
        if (!saved) throw;
        throw Error(std::string(e.what()) + "\nEverything finished before this is in the store; run the same command again to resume.");
    }
    return 0;
}

}  // namespace rightsize::cli
