// The run as a library object (run.h): identity and resume, energy per model × task,
// checkpointed evaluation, results files, the analysis and the report.
#include "run_session_impl.h"
#include "run_shard.h"
#include "folder_files.h"

#include "../core/folder_lock.h"
#include "../core/time_format.h"
#include "../measure/energy_attribution.h"
#include "../store/results_document.h"

#include "core/atomic_file.h"
#include <rightsize/error.h>
#include <rightsize/hardware.h>
#include <rightsize/interference.h>
#include <rightsize/prometheus.h>
#include "measure/process_memory.h"
#include <rightsize/report.h>
#include <rightsize/results_store.h>
#include <rightsize/run.h>
#include <rightsize/version.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

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
    // Each model's share of the machine's energy, not the machine's (docs/energy.md, "Scope").
    energy.scope = "process";
}

void RunSession::Impl::check_inputs() const {
    if (o.models.empty()) throw OptionError("a run needs at least one model (-m MODEL)");
    if (o.tasks.empty()) throw OptionError("a run needs at least one task (--tasks T1,T2; 'rightsize tasks' lists them)");
    for (const auto & m : o.models) {
        if (is_endpoint(m)) {
            if (!o.llama.loras.empty()) throw OptionError("--lora applies to local GGUF models; a served model's adapters are the server's (" + m + ")");
        } else {
            validate_gguf_file(m);
        }
    }
    check_rpc_servers(o.llama.rpc_servers);
    for (const auto & a : o.llama.loras) {
        if (!fs::exists(a.path)) throw OptionError("--lora " + a.path + ": the adapter file does not exist");
    }
    if (const unsigned hw = std::thread::hardware_concurrency(); hw > 0 && o.llama.n_threads > int(hw)) {
        say("warning: -t " + std::to_string(o.llama.n_threads) + " asks for more threads than this machine has (" + std::to_string(hw) +
            "); they will contend, and the speed measured is that of an oversubscribed CPU, not the model's (results record it)");
    }
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

namespace {

// The output folder exists and is a folder (created if missing), or a clear error says why not.
void prepare_output_dir(const std::string & dir) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
        throw OptionError("-o " + dir + ": names a file, not a folder; give a folder for the run's results (it is created if missing)");
    }
    fs::create_directories(dir, ec);
    if (ec) throw OptionError("-o " + dir + ": cannot create the results folder (" + ec.message() + "); give a writable place");
}

}  // namespace

// The folder's lock (and the store's, when the store lives elsewhere): one run at a time writes them.
std::vector<std::unique_ptr<FolderLock>> RunSession::Impl::lock_folder() const {
    std::vector<std::unique_ptr<FolderLock>> locks;
    const auto wait = o.wait_for_lock ? FolderLock::Wait::Yes : FolderLock::Wait::No;
    const auto waiting = [this](const std::string & holder) { say("waiting for the run that holds this folder: " + holder); };
    const std::string what = "rightsize run, config " + info.config_hash + ", -o " + o.output_dir;
    locks.push_back(std::make_unique<FolderLock>((fs::path(o.output_dir) / ".rightsize.lock").string(), what, wait, waiting));
    if (fs::weakly_canonical(fs::absolute(db_path).parent_path()) != fs::weakly_canonical(fs::absolute(o.output_dir))) {
        locks.push_back(std::make_unique<FolderLock>(db_path + ".lock", what, wait, waiting));
    }
    return locks;
}

RunSession::RunSession(RunOptions options, RunEvents events) : impl_(std::make_unique<Impl>()) {
    auto & s = *impl_;
    s.o = std::move(options);
    s.ev = std::move(events);
    if (!s.o.eval.data.warn) s.o.eval.data.warn = [&s](const std::string & w) { s.say("warning: " + w); };
    s.intensity = resolve_carbon_intensity(s.o.carbon);
    s.check_inputs();
    s.resolve_tasks();
    s.info.config = run_config(s.o, s.tasks);
    s.info.config_hash = config_hash_of(s.info.config);
    if (s.o.shard) {
        s.plan = plan_shard(*s.o.shard, s.info.config, s.tasks, s.groups, s.o);
        s.o.output_dir = (fs::path(s.o.output_dir) / shard_folder_name(*s.o.shard)).string();
    }
    s.db_path = s.o.db_path.empty() ? (fs::path(s.o.output_dir) / "rightsize.sqlite").string() : s.o.db_path;
}

RunSession::~RunSession() = default;

const RunOptions & RunSession::options() const { return impl_->o; }
const std::vector<TaskConfig> & RunSession::tasks() const { return impl_->tasks; }
const std::vector<TaskGroup> & RunSession::groups() const { return impl_->groups; }
const json & RunSession::config() const { return impl_->info.config; }
json RunSession::shard_plan() const { return impl_->plan ? impl_->plan->to_json() : json(); }
const std::string & RunSession::output_dir() const { return impl_->o.output_dir; }
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

// What this machine measures of a model it runs: memory, threads and energy.
void RunSession::Impl::add_machine_figures(json & efficiency, const Backend & backend, std::span<const SampleRecord> samples,
                                          const std::vector<EnergyReading> & laps, std::optional<double> own_peak_mb) const {
    efficiency["n_devices"] = 1;  // one process on one device (CPU, or the GPU it offloads to)
    efficiency["peak_rss_mb"] = own_peak_mb ? *own_peak_mb : double(read_process_memory().peak_rss_bytes) / 1048576.0;
    efficiency["peak_rss_scope"] = !per_model_rss ? "process"
                                   : own_peak_mb  ? "model × task, interleaved (the other loaded models' resident memory subtracted)"
                                                  : "model × task";
    efficiency["memory_source"] = "measured:process";
    efficiency["model_mb"] = double(backend.facts().file_bytes) / 1048576.0;
    const unsigned hw = std::thread::hardware_concurrency();
    efficiency["threads"] = o.llama.n_threads > 0 ? o.llama.n_threads : int(hw);
    efficiency["hardware_threads"] = hw;
    if (hw > 0 && o.llama.n_threads > int(hw)) efficiency["oversubscribed"] = true;
    efficiency["energy"] = task_energy(samples, laps, efficiency);
    if (efficiency["energy"].is_object()) efficiency["energy"]["scope"] = o.energy.scope;
}

// A served model runs elsewhere: this client's memory and energy are never its figures. Its memory
// and energy come from its server's Prometheus (measured:prometheus) or a declaration (declared);
// otherwise they are null and listed in not_measured. Its model size is what the server declares.
void RunSession::Impl::add_served_figures(json & efficiency, const Backend & backend, ServedMeasures & served,
                                         std::span<const SampleRecord> samples, const std::vector<EnergyReading> & laps) const {
    const double file_mb = double(backend.facts().file_bytes) / 1048576.0;
    efficiency["n_devices"] = 1;  // one endpoint
    efficiency["model_mb"] = file_mb > 0 ? json(file_mb) : json(nullptr);
    efficiency["model_mb_source"] = file_mb > 0 ? "declared by the server" : "not measured";
    efficiency["served_by"] = backend.facts().path;
    json not_measured = json::array();
    const std::optional<double> prom_mb = served.prometheus ? served.prometheus->memory_mb_now() : std::nullopt;
    if (prom_mb) {
        efficiency["peak_rss_mb"] = *prom_mb;
        efficiency["memory_source"] = "measured:prometheus";
        efficiency["peak_rss_scope"] = "the server's memory at the task's end (" + served.prometheus->memory_query() + ", MiB)";
    } else if (served.declared_memory_mb) {
        efficiency["peak_rss_mb"] = *served.declared_memory_mb;
        efficiency["memory_source"] = "declared";
        efficiency["peak_rss_scope"] = "declared with --model-memory-mb (not measured)";
    } else {
        efficiency["peak_rss_mb"] = nullptr;
        efficiency["memory_source"] = "not measured";
        efficiency["peak_rss_scope"] = "not measured (served model)";
        not_measured.push_back("memory");
    }
    if (served.prometheus) {
        efficiency["energy"] = task_energy(samples, laps, efficiency);
        efficiency["energy"]["query"] = served.prometheus->energy_query();
        efficiency["energy"]["scope"] = "server";  // the server's counters (Prometheus), whatever else it serves
    } else {
        efficiency["energy"] = nullptr;
        not_measured.push_back("energy");
    }
    efficiency["not_measured"] = not_measured;
}

std::optional<double> RunSession::Impl::declared_memory(const std::string & spec, const std::string & served_name) const {
    for (const auto & key : {spec, served_name, std::string()}) {
        if (const auto it = o.declared_memory_mb.find(key); it != o.declared_memory_mb.end()) return it->second;
    }
    return std::nullopt;
}

void RunSession::Impl::evaluate_task(Backend & backend, ServedMeasures * served, const TaskConfig & task, ModelResults & mr,
                                     ResultsStore & store, EnergyMeter & meter, const std::string & dir) {
    EvalOptions eval = o.eval;
    if (const auto lim = o.task_limits.find(task.task); lim != o.task_limits.end()) eval.limit = lim->second;
    if (plan) eval.chunk_selected = [&](size_t c) { return plan->selects(mr.key, task.task, c); };
    TaskEvaluator ev_task(backend, task, eval);
    const size_t n_docs = plan ? plan->documents_of(mr.key, task.task) : ev_task.n_docs();
    auto done_samples = store.samples(info.run_id, mr.key, task.task);
    if (!done_samples.empty()) {
        say(mr.key + " · " + task.task + ": resuming, " + std::to_string(done_samples.size()) + " of " +
            std::to_string(n_docs) + " documents already scored");
    }
    if (per_model_rss) reset_peak_rss();
    if (ev.task_started) ev.task_started(mr.key, task.task, done_samples.size(), n_docs);
    std::vector<EnergyReading> laps;
    // The energy of a local model is this machine's; a served model's is its server's (Prometheus) or none.
    PrometheusMeter * prom = served ? served->prometheus.get() : nullptr;
    const bool metered = !served || prom;
    prom ? prom->start() : meter.start();
    MachineCounters window_start = read_machine_counters();
    double own_peak = 0;  // interleaved: the largest of this task's turns' own peaks, MiB
    const auto samples = ev_task.run(
        std::move(done_samples),
        [&](std::span<SampleRecord> chunk) {
            // Was the machine quiet while this chunk was measured? Stored with its documents.
            const MachineCounters now = read_machine_counters();
            json window = interference_between(window_start, now).to_json();
            window_start = now;
            if (!chunk.empty()) window["first_doc"] = chunk.front()["doc_id"];
            for (auto & rec : chunk) rec["interference"] = window;
            // Each chunk's energy is split over its documents and stored with them, so a resumed
            // task's energy covers every checkpoint.
            if (metered) {
                laps.push_back(prom ? prom->lap() : meter.lap());
                attribute_energy(laps.back(), chunk);
            }
            store.add_samples(info.run_id, mr.key, task.task, chunk);
            ++checkpoints;
            if (ev.checkpoint) ev.checkpoint(checkpoints);
            stop_if_asked();
            if (interleave) {  // the next model's chunk; this one's window restarts with its next turn
                next_turn(mr.key, task.task, own_peak);
                window_start = read_machine_counters();
            }
        },
        [&](size_t finished) {
            if (ev.progress) ev.progress(finished);
        });
    const json results = ev_task.aggregate(samples);
    json efficiency = ev_task.efficiency(samples);
    if (const size_t cut = efficiency.value("truncated_prompts", size_t(0)); cut > 0) {
        say("warning: " + mr.key + " · " + task.task + ": " + std::to_string(cut) + " of " + std::to_string(samples.size()) +
            " prompts did not fit the context window (-c " + std::to_string(o.llama.n_ctx) +
            ") and were cut from the left, changing what the model saw; raise -c (samples mark them \"truncated\")");
    }
    efficiency["interference"] = summarise_interference(samples);
    if (efficiency["interference"].value("disturbed", false)) {
        const json & i = efficiency["interference"];
        say("warning: " + mr.key + " · " + task.task + ": the machine was busy during " + std::to_string(i.value("disturbed_windows", 0)) +
            " of " + std::to_string(i.value("judged_windows", 0)) + " measured windows (" + i.value("reason", std::string()) +
            "): its speed and energy are labelled disturbed; re-run on a quiet machine (--require-quiet waits for one)");
    }
    efficiency["n_original"] = ev_task.n_original();
    efficiency["n_shot"] = ev_task.n_shot();
    if (served) {
        add_served_figures(efficiency, backend, *served, samples, laps);
    } else {
        add_machine_figures(efficiency, backend, samples, laps, interleave ? std::optional(std::max(own_peak, own_peak_mb())) : std::nullopt);
    }
    write_file_atomic((fs::path(dir) / ("samples_" + task.task + ".jsonl")).string(), [&](std::ostream & out) {
        for (const auto & s : samples) out << s.dump() << '\n';
    });
    const TaskFacts facts = TaskFacts::of(task, results);
    efficiency = with_co2e(std::move(efficiency), results, facts.headline, mr);
    store.put_task_result(info.run_id, mr.key, task.task, mr.facts, results, efficiency, facts.to_json());
    mr.add_task(task.task, facts, results, std::move(efficiency), ev_task.n_original(), n_docs, ev_task.n_shot());
}

json RunSession::Impl::run_model(size_t index, ResultsStore & store, EnergyMeter & meter) {
    const std::string & model_path = o.models[index];
    ModelResults mr;
    const json & identity = info.config["models"][index];
    mr.key = identity["key"];
    const std::string dir = (fs::path(o.output_dir) / mr.key).string();
    fs::create_directories(dir);
    const bool served = is_endpoint(model_path);
    begin_turn(mr.key, "");
    const auto unloaded = forget_when_unloaded(mr.key);  // after the backend below is gone
    std::unique_ptr<Backend> backend_ptr;
    std::unique_ptr<ServedMeasures> measures;
    if (served) {
        EndpointOptions eo = o.endpoint;
        eo.url = model_path;
        eo.on_note = [this](const std::string & line) { say("note: " + line); };
        auto endpoint = std::make_unique<EndpointBackend>(eo);
        measures = std::make_unique<ServedMeasures>();
        measures->declared_memory_mb = declared_memory(model_path, endpoint->served_model());
        if (!o.prometheus.url.empty()) {
            measures->prometheus = std::make_unique<PrometheusMeter>(o.prometheus);
            say(mr.key + ": energy from " + o.prometheus.url + " (" + measures->prometheus->energy_query() + ")" +
                (measures->prometheus->memory_query().empty() ? "" : ", memory from " + measures->prometheus->memory_query()));
        }
        backend_ptr = std::move(endpoint);
    } else {
        LlamaOptions lo = o.llama;
        lo.model_path = model_path;
        backend_ptr = std::make_unique<LlamaBackend>(lo);
    }
    Backend & backend = *backend_ptr;
    mr.facts = model_facts_json(backend.facts());
    // The model's identity travels with every result: its key, checksum and adapters.
    mr.facts["key"] = mr.key;
    mr.facts["sha256"] = identity.value("sha256", json());
    mr.facts["adapters"] = identity.value("adapters", json::array());
    if (identity.contains("endpoint")) mr.facts["endpoint"] = identity["endpoint"];
    for (const auto & task : tasks) {
        stop_if_asked();
        if (plan && !plan->has(mr.key, task.task)) continue;  // another shard's
        if (auto done = store.task_result(info.run_id, mr.key, task.task)) {
            restore_task(task, mr, *done);
        } else {
            evaluate_task(backend, measures.get(), task, mr, store, meter, dir);
        }
        // The model's results.json in the folder: this task now, and what earlier runs finished
        // (a shard's are written when it ends, marked as a shard's).
        for (const auto & doc : plan ? std::vector<json>() : collected_results_documents(store)) {
            if (doc["rightsize_store_key"] == mr.key) write_file_atomic((fs::path(dir) / "results.json").string(), doc.dump(2) + "\n");
        }
        if (ev.task_finished) ev.task_finished(mr.key, task.task);
    }
    for (const auto & g : groups) mr.add_group(g);
    RunProvenance prov;
    prov.run = info;
    json doc = results_document(mr, prov);
    doc["rightsize_store_key"] = mr.key;
    return doc;
}

// Every model's results.json in the folder: the newest result of each model × task, by any run.
void RunSession::Impl::write_folder_results(RunOutcome & out, ResultsStore & store) const {
    out.folder = collected_results_documents(store, groups);
    write_results_documents(o.output_dir, out.folder);
}

void RunSession::Impl::write_outputs(RunOutcome & out, const EnergyMeter & meter) const {
    out.files = write_folder_files(o.output_dir, o.output_dir, out.folder, o.carbon, info.hardware, info.run_id, out.analysis);
    out.files.db = db_path;
    out.energy_source = meter.source();
}

// A shard's folder: each model's results.json over the shard's documents only, marked
// "rightsize_shard" (never a task's score: `rightsize merge` recomputes it over every shard), and
// shard.json, what merge checks: the configuration, the plan, the hardware, finished.
void RunSession::Impl::write_shard_outputs(RunOutcome & out, ResultsStore & store) const {
    const json mark = {{"index", plan->shard.index}, {"count", plan->shard.count},
                       {"note", "one shard's documents only; `rightsize merge` joins the shards into the run's results"}};
    StoredRun self;
    for (auto & r : store.list_runs()) {
        if (r.info.run_id == info.run_id) self = std::move(r);
    }
    out.results.clear();
    if (!store.task_results(info.run_id).empty()) out.results = stored_results_documents(store, self);
    for (auto & doc : out.results) {
        doc["rightsize_shard"] = mark;
        const fs::path dir = fs::path(o.output_dir) / doc["rightsize_store_key"].get<std::string>();
        write_file_atomic((dir / "results.json").string(), doc.dump(2) + "\n");
    }
    json manifest = {{"run_id", info.run_id}, {"config_hash", info.config_hash}, {"shard", plan->to_json()},
                     {"status", "complete"}, {"hardware", info.hardware}, {"llama_cpp", info.llama_cpp},
                     {"store", fs::path(db_path).filename().string()}};
    manifest["started_at"] = self.started_at;
    manifest["finished_at"] = self.finished_at;
    out.files.db = db_path;
    write_file_atomic((fs::path(o.output_dir) / "shard.json").string(), manifest.dump(2) + "\n");
}

// The unfinished run to resume: the newest with exactly this configuration. An unfinished run with
// another configuration is never resumed; the user is told how it differs.
// A stored run is this run's shard (or, unsharded, is not a shard).
bool RunSession::Impl::same_shard(const StoredRun & r) const {
    const json & theirs = r.info.provenance.value("shard", json());
    if (!plan) return theirs.is_null();
    return theirs.is_object() && theirs.value("index", -1) == plan->shard.index && theirs.value("count", -1) == plan->shard.count;
}

std::optional<std::string> RunSession::Impl::find_previous(ResultsStore & store) const {
    if (o.fresh) return std::nullopt;
    const auto runs = store.list_runs();
    for (const auto & r : runs) {
        if (r.status == "running" && r.info.config_hash == info.config_hash && same_shard(r)) return r.info.run_id;
    }
    for (const auto & r : runs) {
        if (r.status != "running") continue;
        std::string lines;
        for (const auto & d : config_differences(r.info.config, info.config)) lines += "\n  " + d;
        say("an unfinished run " + r.info.run_id + " in this folder has another configuration, so this run starts beside it "
            "(that one is kept; its own command resumes it). What differs:" + lines);
        break;
    }
    return std::nullopt;
}

RunOutcome RunSession::run() {
    auto & s = *impl_;
    s.info.git_hash = git_hash();
    s.info.llama_cpp = llama_version_string();
    s.info.hardware = hardware_info();
    s.info.hardware["devices"] = json::array();
    for (const auto & d : compute_devices()) {
        s.info.hardware["devices"].push_back({{"name", d.name}, {"description", d.description}, {"type", d.type},
                                              {"memory_total_mb", double(d.memory_total_bytes) / 1048576.0}});
    }
    s.info.hardware["threads"] = s.o.llama.n_threads > 0 ? s.o.llama.n_threads : int(std::thread::hardware_concurrency());
    if (const auto together = s.models_to_interleave(); !together.empty()) {
        s.interleave = std::make_unique<Impl::Interleave>(together);
        // Process-scope RAM energy charges this model's memory, not the other loaded models'.
        s.o.energy.process_rss_gb = [&s] {
            const uint64_t rss = read_process_memory().rss_bytes, others = s.interleave->others_resident.load();
            return double(rss > others ? rss - others : 0) / (1024.0 * 1024.0 * 1024.0);
        };
    }
    EnergyMeter meter(s.o.energy);
    s.info.provenance = {{"energy_meter", meter.describe()},
                         {"carbon", {{"g_per_kwh", s.intensity.g_per_kwh}, {"origin", s.intensity.origin},
                                     {"source", s.intensity.source}, {"pue", s.o.carbon.pue}}}};
    if (s.plan) s.info.provenance["shard"] = s.plan->to_json();
    if (s.interleave) {
        s.info.provenance["interleaved"] = json::array();
        for (size_t m : s.interleave->models) s.info.provenance["interleaved"].push_back(s.info.config["models"][m]["key"]);
    }
    for (const auto & note : meter.notes()) s.say("energy: " + note);
    s.say("carbon: " + fixed(s.intensity.g_per_kwh, 0) + " gCO2e/kWh (" + s.intensity.origin + "), PUE " +
          fixed(s.o.carbon.pue, 2));

    if (s.o.require_quiet_s >= 0) {
        const InterferenceWindow quiet = wait_for_quiet(s.o.require_quiet_s, [&s](const std::string & l) { s.say(l); });
        s.say("the machine is quiet: other processes used " + fixed(100 * quiet.outside_cpu_share, 0) + "% of the CPU");
    }
    prepare_output_dir(s.o.output_dir);
    const auto locks = s.lock_folder();
    ResultsStore store(s.db_path);
    const auto previous = s.find_previous(store);
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
    if (s.plan) out.shard = s.plan->to_json();
    s.per_model_rss = reset_peak_rss();
    try {
        std::map<size_t, json> docs;  // by -m index
        if (s.interleave) {
            auto together = s.run_interleaved(store, meter);
            for (size_t i = 0; i < together.size(); ++i) docs[s.interleave->models[i]] = std::move(together[i]);
        }
        for (size_t m = 0; m < s.o.models.size(); ++m) {
            // A shard loads only the models it has units of.
            if (s.plan && !s.plan->chunks.count(s.info.config["models"][m]["key"].get<std::string>())) continue;
            if (!docs.count(m)) docs[m] = s.run_model(m, store, meter);
            out.results.push_back(std::move(docs[m]));
        }
    } catch (...) {
        // A run that failed before its first document leaves nothing behind; one with results stays resumable.
        if (!previous) store.discard_empty_run(s.info.run_id);
        throw;
    }
    store.finish_run(s.info.run_id);
    out.energy_source = meter.source();
    if (s.plan) {
        s.write_shard_outputs(out, store);
        return out;
    }
    s.write_folder_results(out, store);
    s.write_outputs(out, meter);
    return out;
}

}  // namespace rightsize
