// rightsize run: every model × task, quality and efficiency side by side, written to
// results.json (lm-eval's layout), samples_<task>.jsonl and the SQLite store, resumable.
#include "commands.h"

#include "../report/table.h"
#include "run_energy.h"

#include <rightsize/atomic_file.h>
#include <rightsize/error.h>
#include <rightsize/evaluator.h>
#include <rightsize/hardware.h>
#include <rightsize/process_memory.h>
#include <rightsize/progress.h>
#include <rightsize/report.h>
#include <rightsize/results_store.h>
#include <rightsize/sha256.h>
#include <rightsize/version.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace rightsize::cli {

namespace {

struct RunOptions {
    std::vector<std::string> models;
    std::vector<std::string> tasks;
    std::vector<std::string> include_paths;
    std::string output = "rightsize-results";
    std::string db;  // default <output>/rightsize.sqlite
    bool fresh = false;
    bool ctx_given = false;
    EvalOptions eval;
    std::map<std::string, double> task_limits;  // --limit TASK=N: overrides eval.limit for that task
    LlamaOptions llama;
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

std::string iso_now() {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string new_run_id() {
    std::random_device rd;
    char buf[64];
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    char tail[16];
    snprintf(tail, sizeof tail, "-%08x", rd());
    return std::string(buf) + tail;
}

// The key a model's results are filed under: its file name without .gguf.
std::string model_key(const std::string & path) {
    std::string stem = fs::path(path).filename().string();
    if (stem.size() > 5 && stem.ends_with(".gguf")) stem.resize(stem.size() - 5);
    return stem;
}

nlohmann::json facts_json(const ModelFacts & f) {
    return {{"path", f.path},           {"name", f.name},           {"architecture", f.architecture},
            {"description", f.description}, {"quantization", f.quantization}, {"n_params", f.n_params},
            {"file_bytes", f.file_bytes}, {"model_mb", double(f.file_bytes) / 1048576.0}, {"n_ctx_train", f.n_ctx_train},
            {"n_layer", f.n_layer},     {"n_embd", f.n_embd},       {"has_chat_template", !f.chat_template.empty()}};
}

// Everything that changes the numbers; its hash identifies a run for resuming.
nlohmann::json run_config(const RunOptions & o, const std::vector<TaskConfig> & tasks) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto & m : o.models) {
        std::error_code ec;
        const auto size = fs::file_size(m, ec);
        const auto mtime = fs::last_write_time(m, ec).time_since_epoch().count();
        models.push_back({{"path", fs::absolute(m).string()}, {"bytes", size}, {"mtime", mtime}});
    }
    nlohmann::json task_configs = nlohmann::json::object();
    for (const auto & t : tasks) task_configs[t.task] = t.raw;
    nlohmann::json overrides = nlohmann::json::object();
    for (const auto & [t, f] : o.eval.data_file_overrides) overrides[t] = fs::absolute(f).string();
    return {{"models", models},
            {"tasks", task_configs},
            {"limit", o.eval.limit},
            {"task_limits", o.task_limits},
            {"num_fewshot", o.eval.num_fewshot ? nlohmann::json(*o.eval.num_fewshot) : nlohmann::json(nullptr)},
            {"apply_chat_template", o.eval.apply_chat_template},
            {"system_prompt", o.eval.system_prompt},
            {"fewshot_as_multiturn", o.eval.fewshot_as_multiturn},
            {"fewshot_seed", o.eval.fewshot_seed},
            {"data_dir", o.eval.data.data_dir.empty() ? DataOptions::default_data_dir() : fs::absolute(o.eval.data.data_dir).string()},
            {"data_files", overrides},
            {"llama", {{"threads", o.llama.n_threads}, {"ctx_size", o.llama.n_ctx}, {"batch_size", o.llama.n_batch},
                       {"ubatch_size", o.llama.n_ubatch}, {"n_gpu_layers", o.llama.n_gpu_layers},
                       {"flash_attn", o.llama.flash_attn}, {"parallel", o.llama.n_parallel},
                       {"chat_template", o.llama.chat_template}}}};
}

std::string fmt(const nlohmann::json & v, int d) {
    return v.is_number() ? format_fixed(v.get<double>(), d) : std::string("–");
}

// Every metric × filter of a task, in the task's order, for the summary table.
std::vector<std::pair<std::string, std::string>> headline_keys(const TaskConfig & t) {
    std::vector<std::string> filters;
    for (const auto & f : t.filters) filters.push_back(f.name);
    if (filters.empty()) filters.push_back("none");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto & f : filters)
        for (const auto & m : t.metrics) out.push_back({m.name, f});
    return out;
}

// The task's headline quality (its first metric under its first filter): what PER, the report and
// the recommendation compare.
nlohmann::json headline_of(const TaskConfig & t, const nlohmann::json & results) {
    for (const auto & [metric, filter] : headline_keys(t)) {
        if (results.contains(metric + "," + filter)) return {{"metric", metric}, {"filter", filter}};
    }
    return nullptr;
}

std::string energy_cell(const nlohmann::json & efficiency) {
    if (!efficiency.contains("energy") || !efficiency["energy"].is_object()) return "–";
    const auto & e = efficiency["energy"];
    const auto & v = efficiency.value("granularity", "") == "tokens" ? e["j_per_token"] : e["j_per_sample"];
    if (!v.is_number()) return "–";
    return format_fixed(v.get<double>(), v.get<double>() < 10 ? 2 : 1) + (e.value("measured", false) ? "" : " est");
}

// per.csv: the PER rows of the report (relative, and energy-aware where every model has energy).
std::string per_csv(const nlohmann::json & analysis) {
    Table t;
    t.header = {"variant", "normalisation", "task", "model", "per", "acc_n", "thr_n", "lat_n", "mem_n", "energy_n"};
    auto cell = [](const nlohmann::json & v) { return v.is_number() ? format_fixed(v.get<double>(), 6) : std::string(); };
    for (const auto & task : analysis.value("tasks", nlohmann::json::array())) {
        for (const auto & row : task.value("rows", nlohmann::json::array())) {
            for (const char * key : {"per", "per_energy"}) {
                if (!row.contains(key) || !row[key].is_object()) continue;
                const auto & r = row[key];
                t.rows.push_back({r.value("variant", ""), r.value("normalisation", ""), r.value("task", ""), r.value("model", ""),
                                  cell(r["per"]), cell(r["acc_n"]), cell(r["thr_n"]), cell(r["lat_n"]), cell(r["mem_n"]),
                                  cell(r["energy_n"])});
            }
        }
    }
    return t.to_csv();
}

struct ModelRun;
nlohmann::json co2e_of(const nlohmann::json & efficiency, const nlohmann::json & results, const nlohmann::json & headline,
                       const CarbonIntensity & ci, const EnergyCarbonOptions & ec, const ModelRun & mr);

struct ModelRun {
    std::string key;
    nlohmann::json facts;
    nlohmann::json results = nlohmann::json::object();
    nlohmann::json efficiency = nlohmann::json::object();
    nlohmann::json configs = nlohmann::json::object();
    nlohmann::json versions = nlohmann::json::object();
    nlohmann::json n_shot = nlohmann::json::object();
    nlohmann::json n_samples = nlohmann::json::object();
    nlohmann::json higher_is_better = nlohmann::json::object();
    nlohmann::json group_subtasks = nlohmann::json::object();
    nlohmann::json headline = nlohmann::json::object();
};

nlohmann::json co2e_of(const nlohmann::json & efficiency, const nlohmann::json & results, const nlohmann::json & headline,
                       const CarbonIntensity & ci, const EnergyCarbonOptions & ec, const ModelRun & mr) {
    if (!efficiency.contains("energy") || !efficiency["energy"].is_object()) return nullptr;
    double acc = 0;
    if (headline.is_object()) {
        // "Per correct answer" needs an accuracy-like metric (a proportion of documents).
        const auto metric = headline["metric"].get<std::string>();
        const auto v = results.find(metric + "," + headline["filter"].get<std::string>());
        const bool proportion = metric.find("perplexity") == std::string::npos && metric.find("bits") == std::string::npos;
        if (proportion && v != results.end() && v->is_number() && v->get<double>() >= 0 && v->get<double>() <= 1) acc = v->get<double>();
    }
    return task_co2e(efficiency["energy"], efficiency, acc, ci, ec, mr.key, mr.facts.value("n_params", 0.0));
}

// What the report and the recorded run say about energy and carbon.
struct RunContext {
    nlohmann::json energy_meter;
    nlohmann::json carbon;
};

nlohmann::json write_results_json(const RunOptions & o, const RunInfo & run, const RunContext & ctx, const ModelRun & m,
                                  const std::string & dir) {
    nlohmann::json j;
    j["results"] = m.results;
    j["headline"] = m.headline;
    j["group_subtasks"] = m.group_subtasks;
    j["configs"] = m.configs;
    j["versions"] = m.versions;
    j["n-shot"] = m.n_shot;
    j["higher_is_better"] = m.higher_is_better;
    j["n-samples"] = m.n_samples;
    j["config"] = {{"model", "rightsize-llama.cpp"},
                   {"model_args", "model=" + m.facts.value("path", "")},
                   {"limit", o.eval.limit > 0 ? nlohmann::json(o.eval.limit) : nlohmann::json(nullptr)},
                   {"task_limits", o.task_limits},
                   {"num_fewshot", run.config["num_fewshot"]},
                   {"apply_chat_template", o.eval.apply_chat_template},
                   {"system_instruction", o.eval.system_prompt},
                   {"fewshot_as_multiturn", o.eval.fewshot_as_multiturn},
                   {"fewshot_seed", o.eval.fewshot_seed},
                   {"llama", run.config["llama"]}};
    j["model"] = m.facts;
    j["efficiency"] = m.efficiency;
    j["energy_meter"] = ctx.energy_meter;
    j["carbon"] = ctx.carbon;
    j["git_hash"] = run.git_hash;
    j["rightsize_version"] = version();
    j["llama_cpp_version"] = run.llama_cpp;
    j["hardware"] = run.hardware;
    j["run_id"] = run.run_id;
    j["config_hash"] = run.config_hash;
    j["date"] = iso_now();
    write_file_atomic((fs::path(dir) / "results.json").string(), j.dump(2) + "\n");
    return j;
}

}  // namespace

int cmd_run(int argc, char ** argv) {
    RunOptions o;
    ArgParser p("run", "-m MODEL [-m MODEL ...] --tasks T1,T2 [options]\n\n"
                       "Evaluates every model on every task (lm-evaluation-harness task YAML; built-in tasks are\n"
                       "listed by 'rightsize tasks') and measures efficiency per task at Cao et al.'s granularity:\n"
                       "samples/s and ms/sample for scoring tasks, tokens/s, ms/token, TTFT and TPOT for generation,\n"
                       "plus peak RSS and model size. Writes OUTPUT/<model>/results.json (lm-eval's layout plus\n"
                       "'efficiency'), OUTPUT/<model>/samples_<task>.jsonl and the SQLite store OUTPUT/rightsize.sqlite.\n"
                       "Re-running an interrupted command continues where it stopped (same options → same run).\n"
                       "-c is the KV cells shared by the -np parallel sequences; -fa defaults to off here so that\n"
                       "batched scores equal scoring each document alone (CPU flash attention rounds through F16).");
    p.value({"-m", "--model"}, "FILE", "GGUF model file (repeatable)", [&](const std::string & v) { o.models.push_back(v); });
    p.value({"--tasks"}, "T1,T2", "tasks, tags, groups or task YAML files, comma-separated",
            [&](const std::string & v) { for (auto & t : split_commas(v)) o.tasks.push_back(t); });
    p.value({"--limit"}, "N|TASK=N",
            "documents per task: N ≥ 1 the first N, 0 < N < 1 that fraction (default all); TASK=N sets it for one\n"
            "task (repeatable; e.g. --limit 20 --limit personality=120)",
            [&](const std::string & v) {
                const auto eq = v.find('=');
                const std::string task = eq == std::string::npos ? "" : v.substr(0, eq);
                const double n = parse_double("--limit", eq == std::string::npos ? v : v.substr(eq + 1));
                if (n < 0) throw UsageError("option '--limit' must not be negative, got '" + v + "'");
                if (eq != std::string::npos && task.empty()) throw UsageError("option '--limit' expects N or TASK=N, got '" + v + "'");
                if (task.empty()) o.eval.limit = n;
                else o.task_limits[task] = n;
            });
    p.value({"--num-fewshot"}, "K", "few-shot examples per prompt (default: each task's num_fewshot)",
            [&](const std::string & v) { o.eval.num_fewshot = parse_int("--num-fewshot", v, 0, 1000); });
    p.value({"--data-dir"}, "DIR", "where tasks' data_files are looked up (default $RIGHTSIZE_DATA, else the cache's data/)",
            [&](const std::string & v) { o.eval.data.data_dir = v; });
    p.value({"--data-file"}, "TASK=FILE", "evaluate TASK on FILE (JSONL/JSON/CSV/TSV) instead of its data (repeatable)",
            [&](const std::string & v) {
                const auto eq = v.find('=');
                if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
                    throw UsageError("option '--data-file' expects TASK=FILE, got '" + v + "'");
                }
                o.eval.data_file_overrides[v.substr(0, eq)] = v.substr(eq + 1);
            });
    p.value({"--include-path"}, "DIR", "also look for task YAML files under DIR (repeatable)",
            [&](const std::string & v) { o.include_paths.push_back(v); });
    p.value({"--output", "-o"}, "DIR", "where results go (default rightsize-results)", [&](const std::string & v) { o.output = v; });
    p.value({"--db"}, "FILE", "SQLite results store (default OUTPUT/rightsize.sqlite)", [&](const std::string & v) { o.db = v; });
    p.flag({"--apply-chat-template"}, "render prompts with the model's chat template (few-shot as multi-turn)",
           [&] { o.eval.apply_chat_template = true; });
    p.flag({"--no-fewshot-as-multiturn"}, "chat mode: put few-shot examples in one user turn",
           [&] { o.eval.fewshot_as_multiturn = false; });
    p.value({"--system-prompt"}, "TEXT", "system message (chat mode) or text before every prompt",
            [&](const std::string & v) { o.eval.system_prompt = v; });
    p.value({"--seed"}, "N", "few-shot sampling seed (default 1234, lm-eval's)",
            [&](const std::string & v) { o.eval.fewshot_seed = uint32_t(parse_int("--seed", v, 0, 2147483647)); });
    p.value({"--batch-docs"}, "N", "documents scored per batch and per checkpoint (default 32)",
            [&](const std::string & v) { o.eval.chunk_docs = size_t(parse_int("--batch-docs", v, 1, 100000)); });
    p.flag({"--fresh"}, "start a new run even if an unfinished run with the same options exists", [&] { o.fresh = true; });
    p.flag({"--offline"}, "never download datasets (local files and the cache only)", [&] { o.eval.data.allow_download = false; });
    // Room for -np parallel generations of a few-shot prompt and its answer (gsm8k 5-shot needs
    // ~1,100 tokens each); the KV cache is allocated once per model.
    o.llama.n_ctx = 8192;
    // llama.cpp's CPU flash attention rounds through F16, so a document's scores would depend on
    // which other documents share its batch (by up to ~0.05 nats per token, enough to flip close
    // HellaSwag items); without it batched scores equal scoring each request alone exactly.
    o.llama.flash_attn = "off";
    add_llama_options(p, o.llama, &o.ctx_given);
    add_energy_carbon_options(p, o.ec);
    if (!p.parse(argc, argv, 2)) return 0;
    if (o.ec.list_carbon) {
        print_carbon_tables();
        return 0;
    }
    const CarbonIntensity intensity = resolve_carbon_intensity(o.ec.carbon);
    if (o.models.empty()) throw UsageError("run needs at least one -m MODEL; see 'rightsize run --help'");
    if (o.tasks.empty()) throw UsageError("run needs --tasks T1,T2 ('rightsize tasks' lists them); see 'rightsize run --help'");
    for (const auto & m : o.models) validate_gguf_file(m);
    for (const auto & [t, f] : o.eval.data_file_overrides) {
        if (!fs::exists(f)) throw Error(f + ": --data-file for task " + t + " does not exist");
    }

    TaskRegistry registry;
    for (const auto & d : builtin_task_dirs()) registry.add_directory(d);
    for (const auto & d : o.include_paths) registry.add_directory(d);
    std::vector<std::string> warnings;
    std::vector<TaskGroup> groups;
    const auto tasks = registry.resolve(o.tasks, &groups, &warnings);
    for (const auto & w : warnings) fprintf(stderr, "warning: %s\n", w.c_str());
    for (const auto & [name, n] : o.task_limits) {
        if (std::none_of(tasks.begin(), tasks.end(), [&](const TaskConfig & t) { return t.task == name; })) {
            std::string list;
            for (const auto & t : tasks) list += (list.empty() ? "" : ", ") + t.task;
            throw UsageError("--limit " + name + "=…: '" + name + "' is not one of this run's tasks (" + list + ")");
        }
    }

    RunInfo run;
    run.config = run_config(o, tasks);
    run.config_hash = sha256_hex(run.config.dump()).substr(0, 16);
    run.git_hash = git_hash();
    run.llama_cpp = llama_version_string();
    run.hardware = hardware_info();
    // Where the counters are when the container mounts them elsewhere (and for tests' fixtures).
    if (const char * root = std::getenv("RIGHTSIZE_POWERCAP_ROOT")) o.ec.energy.powercap_root = root;
    if (const char * lib = std::getenv("RIGHTSIZE_NVML_LIBRARY")) o.ec.energy.nvml_library = lib;
    EnergyMeter meter(o.ec.energy);
    RunContext ctx;
    ctx.energy_meter = meter.describe();
    ctx.carbon = {{"g_per_kwh", intensity.g_per_kwh}, {"origin", intensity.origin}, {"source", intensity.source},
                  {"pue", o.ec.carbon.pue}};
    for (const auto & note : meter.notes()) fprintf(stderr, "energy: %s\n", note.c_str());
    fprintf(stderr, "carbon: %.0f gCO2e/kWh (%s), PUE %.2f\n", intensity.g_per_kwh, intensity.origin.c_str(), o.ec.carbon.pue);

    fs::create_directories(o.output);
    ResultsStore store(o.db.empty() ? (fs::path(o.output) / "rightsize.sqlite").string() : o.db);
    const auto previous = o.fresh ? std::nullopt : store.unfinished_run(run.config_hash);
    run.run_id = previous ? *previous : new_run_id();
    store.begin_run(run);
    fprintf(stderr, "run %s (config %s)%s: %zu model(s) × %zu task(s)\n", run.run_id.c_str(), run.config_hash.c_str(),
            previous ? ", resuming an unfinished run" : "", o.models.size(), tasks.size());

    // RIGHTSIZE_KILL_AFTER_CHUNKS=N: the process kills itself (SIGKILL, as a crash or an OOM kill
    // would) after N checkpoints. Used by the resume test; there is no other way to stop a run
    // at an exact point.
    long kill_after = -1;
    if (const char * k = std::getenv("RIGHTSIZE_KILL_AFTER_CHUNKS")) kill_after = atol(k);
    long chunks_written = 0;

    Table summary;
    summary.header = {"model", "task", "metric", "value ± stderr", "n", "samples/s", "ms/sample", "tok/s", "ms/tok",
                      "TTFT p50 ms", "peak RSS MiB", "model MiB", "J/sample", "gCO2e/1k"};
    summary.right_align = {false, false, false, true, true, true, true, true, true, true, true, true, true, true};
    std::vector<nlohmann::json> results_docs;
    const bool per_model_rss = reset_peak_rss();

    for (const auto & model_path : o.models) {
        ModelRun mr;
        mr.key = model_key(model_path);
        const std::string dir = (fs::path(o.output) / mr.key).string();
        fs::create_directories(dir);
        LlamaOptions lo = o.llama;
        lo.model_path = model_path;
        LlamaBackend backend(lo);
        mr.facts = facts_json(backend.facts());
        for (const auto & task : tasks) {
            std::vector<SampleRecord> samples;
            nlohmann::json results, efficiency;
            if (auto done = store.task_result(run.run_id, mr.key, task.task)) {
                fprintf(stderr, "%s · %s: finished earlier in this run\n", mr.key.c_str(), task.task.c_str());
                results = (*done)["results"];
                efficiency = (*done)["efficiency"];
                mr.n_samples[task.task] = {{"original", efficiency.value("n_original", 0)}, {"effective", efficiency.value("n_samples", 0)}};
                mr.n_shot[task.task] = efficiency.value("n_shot", 0);
                // CO2e follows this invocation's carbon options, also for tasks finished earlier.
                mr.headline[task.task] = headline_of(task, results);
                efficiency["co2e"] = co2e_of(efficiency, results, mr.headline[task.task], intensity, o.ec, mr);
            } else {
                EvalOptions eval = o.eval;
                if (const auto lim = o.task_limits.find(task.task); lim != o.task_limits.end()) eval.limit = lim->second;
                TaskEvaluator ev(backend, task, eval);
                auto done_samples = store.samples(run.run_id, mr.key, task.task);
                if (!done_samples.empty()) {
                    fprintf(stderr, "%s · %s: resuming, %zu of %zu documents already scored\n", mr.key.c_str(), task.task.c_str(),
                            done_samples.size(), ev.n_docs());
                }
                if (per_model_rss) reset_peak_rss();
                Progress progress(mr.key + " · " + task.task, ev.n_docs(), "docs");
                size_t shown = 0;
                std::vector<EnergyReading> laps;
                meter.start();
                samples = ev.run(
                    std::move(done_samples),
                    [&](std::span<SampleRecord> chunk) {
                        // Each chunk's energy is split over its documents and stored with them,
                        // so a resumed task's energy covers every checkpoint.
                        laps.push_back(meter.lap());
                        attribute_energy(laps.back(), chunk);
                        store.add_samples(run.run_id, mr.key, task.task, chunk);
                        if (kill_after >= 0 && ++chunks_written >= kill_after) raise(SIGKILL);
                    },
                    [&](size_t finished) {
                        if (finished > shown) progress.advance(finished - shown);
                        shown = finished;
                    });
                progress.finish();
                results = ev.aggregate(samples);
                efficiency = ev.efficiency(samples);
                const auto mem = read_process_memory();
                efficiency["peak_rss_mb"] = double(mem.peak_rss_bytes) / 1048576.0;
                efficiency["peak_rss_scope"] = per_model_rss ? "model × task" : "process";
                efficiency["model_mb"] = double(backend.facts().file_bytes) / 1048576.0;
                efficiency["n_original"] = ev.n_original();
                efficiency["n_shot"] = ev.n_shot();
                efficiency["n_devices"] = 1;  // one process on one device (CPU, or the GPU it offloads to)
                efficiency["energy"] = task_energy(samples, laps, efficiency);
                mr.n_samples[task.task] = {{"original", ev.n_original()}, {"effective", ev.n_docs()}};
                mr.n_shot[task.task] = ev.n_shot();
                write_file_atomic((fs::path(dir) / ("samples_" + task.task + ".jsonl")).string(), [&](std::ostream & out) {
                    for (const auto & s : samples) out << s.dump() << '\n';
                });
                mr.headline[task.task] = headline_of(task, results);
                efficiency["co2e"] = co2e_of(efficiency, results, mr.headline[task.task], intensity, o.ec, mr);
                store.put_task_result(run.run_id, mr.key, task.task, mr.facts, results, efficiency);
            }
            mr.results[task.task] = results;
            mr.efficiency[task.task] = efficiency;
            mr.configs[task.task] = task.raw;
            mr.versions[task.task] = task.version;
            nlohmann::json hib = nlohmann::json::object();
            for (const auto & m : task.metrics) hib[m.name] = m.higher_is_better;
            mr.higher_is_better[task.task] = hib;
            write_results_json(o, run, ctx, mr, dir);

            bool first = true;
            for (const auto & [metric, filter] : headline_keys(task)) {
                const std::string key = metric + "," + filter;
                if (!results.contains(key)) continue;
                const auto & se = results[metric + "_stderr," + filter];
                const int d = metric.find("perplexity") != std::string::npos ? 2 : 4;
                summary.rows.push_back(
                    {first ? mr.key : "", first ? task.task : "", filter == "none" ? metric : metric + " (" + filter + ")",
                     fmt(results[key], d) + (se.is_number() ? " ± " + fmt(se, d) : ""), first ? fmt(efficiency["n_samples"], 0) : "",
                     first ? fmt(efficiency["samples_per_s"], 2) : "", first ? fmt(efficiency["ms_per_sample"], 1) : "",
                     first ? fmt(efficiency["tokens_per_s"], 1) : "", first ? fmt(efficiency["ms_per_token"], 1) : "",
                     first && efficiency.contains("ttft_ms") && efficiency["ttft_ms"].is_object() ? fmt(efficiency["ttft_ms"]["p50"], 0) : "",
                     first ? fmt(efficiency["peak_rss_mb"], 0) : "", first ? fmt(efficiency["model_mb"], 1) : "",
                     first ? energy_cell(efficiency) : "",
                     first && efficiency["co2e"].is_object() ? fmt(efficiency["co2e"]["g_per_1000_queries"], 3) : ""});
                first = false;
            }
        }
        for (const auto & g : groups) {
            std::vector<std::pair<nlohmann::json, size_t>> members;
            for (const auto & t : g.members) {
                if (mr.results.contains(t)) members.push_back({mr.results[t], mr.n_samples[t]["effective"].get<size_t>()});
            }
            auto agg = aggregate_group(members);
            agg["alias"] = g.name;
            mr.results[g.name] = agg;
            mr.group_subtasks[g.name] = g.members;
            for (const auto & [k, v] : agg.items()) {
                if (k.find("_stderr") != std::string::npos || !v.is_number()) continue;
                const auto se_key = k.substr(0, k.find(',')) + "_stderr" + k.substr(k.find(','));
                summary.rows.push_back({mr.key, g.name + " (group)", k.substr(0, k.find(',')),
                                        fmt(v, 4) + (agg.contains(se_key) ? " ± " + fmt(agg[se_key], 4) : ""), "", "", "", "",
                                        "", "", "", "", "", ""});
            }
        }
        results_docs.push_back(write_results_json(o, run, ctx, mr, dir));
    }
    store.finish_run(run.run_id);
    const std::string emissions_path = (fs::path(o.output) / "emissions.csv").string();
    write_file_atomic(emissions_path, emissions_csv(results_docs, o.ec, run.hardware));

    ReportInput report_input;
    report_input.models = results_docs;
    report_input.origin = o.output;
    report_input.run_id = run.run_id;
    const auto analysis = analyse(report_input);
    const std::string html_path = (fs::path(o.output) / "report.html").string();
    const std::string md_path = (fs::path(o.output) / "report.md").string();
    write_file_atomic(html_path, render_html(analysis));
    write_file_atomic(md_path, render_markdown(analysis));
    write_file_atomic((fs::path(o.output) / "report.json").string(), analysis.dump(2) + "\n");
    write_file_atomic((fs::path(o.output) / "per.csv").string(), per_csv(analysis));

    fputs(summary.to_text().c_str(), stdout);
    printf("\nquality: lm-eval definitions (stderr: mean_stderr, or bootstrap for corpus metrics); efficiency: measured on this\n"
           "machine (%s). Energy: %s; J/sample is per generated token on generation tasks. CO2e: %.0f gCO2e/kWh (%s),\n"
           "PUE %.2f.\n",
           run.hardware.value("cpu_model", std::string("unknown CPU")).c_str(), meter.source().c_str(), intensity.g_per_kwh,
           intensity.origin.c_str(), o.ec.carbon.pue);
    if (meter.source().find("estimated") != std::string::npos) {
        printf("Energy figures are ESTIMATED (no readable energy counter): see docs/energy.md.\n");
    }
    printf("\n%s\n", render_recommendation_text(analysis).c_str());
    printf("Results: %s/<model>/results.json, samples_<task>.jsonl; %s; store: %s (run %s).\n"
           "Report: %s (and %s; report.json and per.csv hold PER, the Pareto sets and the recommendation)\n",
           o.output.c_str(), emissions_path.c_str(), (o.db.empty() ? (fs::path(o.output) / "rightsize.sqlite").string() : o.db).c_str(),
           run.run_id.c_str(), html_path.c_str(), md_path.c_str());
    return 0;
}

}  // namespace rightsize::cli
