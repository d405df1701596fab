// The run as a library object (run.h): identity and resume, energy per model × task,
// checkpointed evaluation, results files, the analysis and the report.
#include "run_identity.h"

#include "../core/time_format.h"
#include "../measure/energy_attribution.h"
#include "../store/results_document.h"

#include "core/atomic_file.h"
#include <rightsize/error.h>
#include <rightsize/hardware.h>
#include "measure/process_memory.h"
#include <rightsize/report.h>
#include <rightsize/results_store.h>
#include <rightsize/run.h>
#include <rightsize/version.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace rightsize {

using nlohmann::json;

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

RunOptions::RunOptions() {
    // Room for -np parallel generations of a few-shot prompt and its answer (gsm8k 5-shot needs
    // ~1,100 tokens each); the KV cache is allocated once per model.
    llama.n_ctx = 8192;
    // llama.cpp's CPU flash attention rounds through F16, so a document's scores would depend on
    // which other documents share its batch (by up to ~0.05 nats per token, enough to flip close
    // HellaSwag items); without it batched scores equal scoring each request alone exactly.
    llama.flash_attn = "off";
}

struct RunSession::Impl {
    RunOptions o;
    RunEvents ev;
    std::vector<TaskConfig> tasks;
    std::vector<TaskGroup> groups;
    CarbonIntensity intensity;
    RunInfo info;  // run_id is set when run() opens the store
    std::string db_path;
    bool per_model_rss = false;
    long checkpoints = 0;

    void say(const std::string & line) const {
        if (ev.message) ev.message(line);
    }
    void check_inputs() const;
    void resolve_tasks();
    json run_model(const std::string & model_path, ResultsStore & store, EnergyMeter & meter);
    void evaluate_task(LlamaBackend & backend, const TaskConfig & task, ModelResults & mr, ResultsStore & store,
                       EnergyMeter & meter, const std::string & dir);
    void restore_task(const TaskConfig & task, ModelResults & mr, const json & done);
    json with_co2e(json efficiency, const json & results, const json & headline, const ModelResults & mr) const;
    void write_outputs(RunOutcome & out, const EnergyMeter & meter) const;
};

void RunSession::Impl::check_inputs() const {
    if (o.models.empty()) throw OptionError("a run needs at least one model (-m MODEL)");
    if (o.tasks.empty()) throw OptionError("a run needs at least one task (--tasks T1,T2; 'rightsize tasks' lists them)");
    for (const auto & m : o.models) validate_gguf_file(m);
    for (const auto & [t, f] : o.eval.data_file_overrides) {
        if (!fs::exists(f)) throw Error(f + ": --data-file for task " + t + " does not exist");
    }
}

void RunSession::Impl::resolve_tasks() {
    TaskRegistry registry;
    for (const auto & d : builtin_task_dirs()) registry.add_directory(d);
    for (const auto & d : o.include_paths) registry.add_directory(d);
    std::vector<std::string> warnings;
    tasks = registry.resolve(o.tasks, &groups, &warnings);
    for (const auto & w : warnings) say("warning: " + w);
    for (const auto & [name, n] : o.task_limits) {
        if (std::none_of(tasks.begin(), tasks.end(), [&](const TaskConfig & t) { return t.task == name; })) {
            std::string list;
            for (const auto & t : tasks) list += (list.empty() ? "" : ", ") + t.task;
            throw OptionError("--limit " + name + "=…: '" + name + "' is not one of this run's tasks (" + list + ")");
        }
    }
}

RunSession::RunSession(RunOptions options, RunEvents events) : impl_(std::make_unique<Impl>()) {
    auto & s = *impl_;
    s.o = std::move(options);
    s.ev = std::move(events);
    s.intensity = resolve_carbon_intensity(s.o.carbon);
    s.check_inputs();
    s.resolve_tasks();
    s.info.config = run_config(s.o, s.tasks);
    s.info.config_hash = config_hash_of(s.info.config);
    s.db_path = s.o.db_path.empty() ? (fs::path(s.o.output_dir) / "rightsize.sqlite").string() : s.o.db_path;
}

RunSession::~RunSession() = default;

const RunOptions & RunSession::options() const { return impl_->o; }
const std::vector<TaskConfig> & RunSession::tasks() const { return impl_->tasks; }
const std::vector<TaskGroup> & RunSession::groups() const { return impl_->groups; }
const json & RunSession::config() const { return impl_->info.config; }
const std::string & RunSession::config_hash() const { return impl_->info.config_hash; }

json RunSession::Impl::with_co2e(json efficiency, const json & results, const json & headline, const ModelResults & mr) const {
    if (!efficiency.contains("energy") || !efficiency["energy"].is_object()) {
        efficiency["co2e"] = nullptr;
        return efficiency;
    }
    efficiency["co2e"] = task_co2e(efficiency["energy"], efficiency, headline_proportion(results, headline), intensity,
                                   o.carbon.pue, o.lifecycle, mr.key, mr.facts.value("n_params", 0.0));
    return efficiency;
}

void RunSession::Impl::restore_task(const TaskConfig & task, ModelResults & mr, const json & done) {
    say(mr.key + " · " + task.task + ": finished earlier in this run");
    const json & results = done["results"];
    // CO2e follows this invocation's carbon options, also for tasks finished earlier.
    const TaskFacts facts = TaskFacts::of(task, results);
    json efficiency = with_co2e(done["efficiency"], results, facts.headline, mr);
    const size_t n_original = efficiency.value("n_original", 0), n_effective = efficiency.value("n_samples", 0);
    const int shots = efficiency.value("n_shot", 0);
    mr.add_task(task.task, facts, results, std::move(efficiency), n_original, n_effective, shots);
}

void RunSession::Impl::evaluate_task(LlamaBackend & backend, const TaskConfig & task, ModelResults & mr, ResultsStore & store,
                                     EnergyMeter & meter, const std::string & dir) {
    EvalOptions eval = o.eval;
    if (const auto lim = o.task_limits.find(task.task); lim != o.task_limits.end()) eval.limit = lim->second;
    TaskEvaluator ev_task(backend, task, eval);
    auto done_samples = store.samples(info.run_id, mr.key, task.task);
    if (!done_samples.empty()) {
        say(mr.key + " · " + task.task + ": resuming, " + std::to_string(done_samples.size()) + " of " +
            std::to_string(ev_task.n_docs()) + " documents already scored");
    }
    if (per_model_rss) reset_peak_rss();
    if (ev.task_started) ev.task_started(mr.key, task.task, done_samples.size(), ev_task.n_docs());
    std::vector<EnergyReading> laps;
    meter.start();
    const auto samples = ev_task.run(
        std::move(done_samples),
        [&](std::span<SampleRecord> chunk) {
            // Each chunk's energy is split over its documents and stored with them, so a resumed
            // task's energy covers every checkpoint.
            laps.push_back(meter.lap());
            attribute_energy(laps.back(), chunk);
            store.add_samples(info.run_id, mr.key, task.task, chunk);
            ++checkpoints;
            if (ev.checkpoint) ev.checkpoint(checkpoints);
        },
        [&](size_t finished) {
            if (ev.progress) ev.progress(finished);
        });
    const json results = ev_task.aggregate(samples);
    json efficiency = ev_task.efficiency(samples);
    efficiency["peak_rss_mb"] = double(read_process_memory().peak_rss_bytes) / 1048576.0;
    efficiency["peak_rss_scope"] = per_model_rss ? "model × task" : "process";
    efficiency["model_mb"] = double(backend.facts().file_bytes) / 1048576.0;
    efficiency["n_original"] = ev_task.n_original();
    efficiency["n_shot"] = ev_task.n_shot();
    efficiency["n_devices"] = 1;  // one process on one device (CPU, or the GPU it offloads to)
    efficiency["energy"] = task_energy(samples, laps, efficiency);
    write_file_atomic((fs::path(dir) / ("samples_" + task.task + ".jsonl")).string(), [&](std::ostream & out) {
        for (const auto & s : samples) out << s.dump() << '\n';
    });
    const TaskFacts facts = TaskFacts::of(task, results);
    efficiency = with_co2e(std::move(efficiency), results, facts.headline, mr);
    store.put_task_result(info.run_id, mr.key, task.task, mr.facts, results, efficiency, facts.to_json());
    mr.add_task(task.task, facts, results, std::move(efficiency), ev_task.n_original(), ev_task.n_docs(), ev_task.n_shot());
}

json RunSession::Impl::run_model(const std::string & model_path, ResultsStore & store, EnergyMeter & meter) {
    ModelResults mr;
    mr.key = model_key(model_path);
    const std::string dir = (fs::path(o.output_dir) / mr.key).string();
    fs::create_directories(dir);
    LlamaOptions lo = o.llama;
    lo.model_path = model_path;
    LlamaBackend backend(lo);
    mr.facts = model_facts_json(backend.facts());
    const auto write_results = [&] {
        RunProvenance prov;
        prov.run = info;
        json doc = results_document(mr, prov);
        write_file_atomic((fs::path(dir) / "results.json").string(), doc.dump(2) + "\n");
        return doc;
    };
    for (const auto & task : tasks) {
        if (auto done = store.task_result(info.run_id, mr.key, task.task)) {
            restore_task(task, mr, *done);
        } else {
            evaluate_task(backend, task, mr, store, meter, dir);
        }
        write_results();
        if (ev.task_finished) ev.task_finished(mr.key, task.task);
    }
    for (const auto & g : groups) mr.add_group(g);
    return write_results();
}

void RunSession::Impl::write_outputs(RunOutcome & out, const EnergyMeter & meter) const {
    const fs::path dir(o.output_dir);
    out.files.db = db_path;
    out.files.emissions_csv = (dir / "emissions.csv").string();
    write_file_atomic(out.files.emissions_csv, emissions_csv(out.results, o.carbon, info.hardware));
    ReportInput report_input;
    report_input.models = out.results;
    report_input.origin = o.output_dir;
    report_input.run_id = info.run_id;
    out.analysis = analyse(report_input);
    out.files.report_html = (dir / "report.html").string();
    out.files.report_md = (dir / "report.md").string();
    out.files.report_json = (dir / "report.json").string();
    out.files.per_csv = (dir / "per.csv").string();
    write_file_atomic(out.files.report_html, render_html(out.analysis));
    write_file_atomic(out.files.report_md, render_markdown(out.analysis));
    write_file_atomic(out.files.report_json, out.analysis.dump(2) + "\n");
    write_file_atomic(out.files.per_csv, render_per_csv(out.analysis));
    out.energy_source = meter.source();
}

RunOutcome RunSession::run() {
    auto & s = *impl_;
    s.info.git_hash = git_hash();
    s.info.llama_cpp = llama_version_string();
    s.info.hardware = hardware_info();
    EnergyMeter meter(s.o.energy);
    s.info.provenance = {{"energy_meter", meter.describe()},
                         {"carbon", {{"g_per_kwh", s.intensity.g_per_kwh}, {"origin", s.intensity.origin},
                                     {"source", s.intensity.source}, {"pue", s.o.carbon.pue}}}};
    for (const auto & note : meter.notes()) s.say("energy: " + note);
    s.say("carbon: " + fixed(s.intensity.g_per_kwh, 0) + " gCO2e/kWh (" + s.intensity.origin + "), PUE " +
          fixed(s.o.carbon.pue, 2));

    fs::create_directories(s.o.output_dir);
    ResultsStore store(s.db_path);
    const auto previous = s.o.fresh ? std::nullopt : store.unfinished_run(s.info.config_hash);
    s.info.run_id = previous ? *previous : new_run_id();
    store.begin_run(s.info);
    s.say("run " + s.info.run_id + " (config " + s.info.config_hash + ")" + (previous ? ", resuming an unfinished run" : "") + ": " +
          std::to_string(s.o.models.size()) + " model(s) × " + std::to_string(s.tasks.size()) + " task(s)");

    RunOutcome out;
    out.run_id = s.info.run_id;
    out.config_hash = s.info.config_hash;
    out.resumed = previous.has_value();
    out.hardware = s.info.hardware;
    out.intensity = s.intensity;
    s.per_model_rss = reset_peak_rss();
    for (const auto & model_path : s.o.models) out.results.push_back(s.run_model(model_path, store, meter));
    store.finish_run(s.info.run_id);
    s.write_outputs(out, meter);
    return out;
}

}  // namespace rightsize
