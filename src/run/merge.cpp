// Merging a run's shards into one run folder (merge.h).
#include "folder_files.h"
#include "merge_efficiency.h"
#include "run_identity.h"

#include "core/atomic_file.h"
#include "core/sha256.h"
#include "measure/energy_attribution.h"
#include "store/results_document.h"
#include <rightsize/error.h>
#include <rightsize/merge.h>
#include <rightsize/results_store.h>
#include <rightsize/version.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

namespace fs = std::filesystem;

namespace rightsize {

using nlohmann::json;

namespace {

// One shard as its store holds it.
struct ShardInput {
    std::string store_path;
    StoredRun run;
    json shard;        // the plan it recorded (shard.h's index, count, chunks, documents, groups)
    std::string class_label;
    int index() const { return shard.value("index", -1); }
    int count() const { return shard.value("count", 0); }
};

// The stores named by the inputs: a store file, a folder with rightsize.sqlite, or a folder whose
// shard-I-of-N folders have one.
std::vector<std::string> find_stores(const std::vector<std::string> & inputs) {
    std::vector<std::string> stores;
    for (const auto & in : inputs) {
        std::error_code ec;
        if (fs::is_regular_file(in, ec)) {
            stores.push_back(in);
        } else if (fs::is_regular_file(fs::path(in) / "rightsize.sqlite", ec)) {
            stores.push_back((fs::path(in) / "rightsize.sqlite").string());
        } else if (fs::is_directory(in, ec)) {
            std::vector<std::string> found;
            for (const auto & e : fs::directory_iterator(in)) {
                const std::string name = e.path().filename().string();
                if (e.is_directory() && name.starts_with("shard-") && fs::is_regular_file(e.path() / "rightsize.sqlite")) {
                    found.push_back((e.path() / "rightsize.sqlite").string());
                }
            }
            if (found.empty()) {
                throw Error(in + ": holds no shard (no rightsize.sqlite, no shard-I-of-N folder); give the folders that "
                                 "`rightsize run --shard I/N -o DIR` wrote (DIR/shard-I-of-N) or their stores");
            }
            std::sort(found.begin(), found.end());
            stores.insert(stores.end(), found.begin(), found.end());
        } else {
            throw Error(in + ": no such file or folder; give shard folders (DIR/shard-I-of-N) or their rightsize.sqlite");
        }
    }
    if (stores.empty()) throw Error("merge needs at least one shard folder or store");
    return stores;
}

// The newest shard run of a store.
ShardInput read_shard(const std::string & path) {
    ResultsStore store(path, ResultsStore::Access::ReadOnly);
    for (auto & r : store.list_runs()) {
        if (!r.info.provenance.contains("shard")) continue;
        ShardInput s;
        s.store_path = path;
        s.shard = r.info.provenance["shard"];
        const json & p = s.shard;
        const bool well_formed = p.is_object() && p.value("index", json()).is_number_integer() && p.value("count", json()).is_number_integer() &&
                                 p["count"].get<long>() >= 1 && p["index"].get<long>() >= 0 && p["index"].get<long>() < p["count"].get<long>() &&
                                 p.value("documents", json()).is_object() && p.value("chunk_docs", json()).is_number_integer() &&
                                 std::all_of(p["documents"].begin(), p["documents"].end(), [](const json & n) { return n.is_number_unsigned(); }) &&
                                 r.info.config.is_object() && r.info.config.value("models", json()).is_array() &&
                                 r.info.config.value("tasks", json()).is_object();
        if (!well_formed) {
            throw Error(path + ": run " + r.info.run_id + " has a malformed shard record (runs.provenance_json.shard or config_json); "
                               "re-run that shard with this rightsize");
        }
        s.class_label = hardware_class_label(hardware_class(r.info.hardware, r.info.llama_cpp));
        s.run = std::move(r);
        return s;
    }
    throw Error(path + ": holds no shard of a run (its runs were not started with --shard I/N or a scheduler's array "
                       "variables); merge joins the shards of one sharded run");
}

std::string shard_name(const ShardInput & s) {
    return "shard " + std::to_string(s.index()) + "/" + std::to_string(s.count()) + " (" + s.store_path + ")";
}

// Every shard is of the same run: configuration, shard count, plan, carbon intensity.
void check_same_run(const std::vector<ShardInput> & shards) {
    const ShardInput & a = shards.front();
    for (const auto & b : shards) {
        if (b.run.info.config_hash != a.run.info.config_hash) {
            std::string lines;
            for (const auto & d : config_differences(a.run.info.config, b.run.info.config)) lines += "\n  " + d;
            throw Error("shards of different run configurations: " + shard_name(a) + " has config " + a.run.info.config_hash + ", " +
                        shard_name(b) + " has " + b.run.info.config_hash + ". What differs:" + lines +
                        "\nRun every shard with the same command, models, data and options (only --shard differs)");
        }
        if (b.count() != a.count()) {
            throw Error("shards of different shard counts: " + shard_name(a) + " and " + shard_name(b) +
                        "; every shard of a run needs the same N");
        }
        for (const char * k : {"chunk_docs", "documents"}) {
            if (b.shard.value(k, json()) != a.shard.value(k, json())) {
                throw Error(shard_name(a) + " and " + shard_name(b) + " planned different " + k + " (" + a.shard.value(k, json()).dump() +
                            " against " + b.shard.value(k, json()).dump() + "); run every shard with the same --batch-docs and --limit");
            }
        }
        const json ca = a.run.info.provenance.value("carbon", json()), cb = b.run.info.provenance.value("carbon", json());
        if (ca.value("g_per_kwh", 0.0) != cb.value("g_per_kwh", 0.0) || ca.value("pue", 1.0) != cb.value("pue", 1.0)) {
            throw Error(shard_name(a) + " and " + shard_name(b) + " used different carbon intensities or PUE (" + ca.dump() + " against " +
                        cb.dump() + "); give every shard the same --carbon-intensity/--country/--cloud and --pue");
        }
    }
}

}  // namespace

namespace {

// Which shards are there: refuses duplicates; missing or unfinished ones unless allow_partial.
void check_coverage(std::vector<ShardInput> & shards, const MergeOptions & o, MergeOutcome & out) {
    std::sort(shards.begin(), shards.end(), [](const ShardInput & a, const ShardInput & b) { return a.index() < b.index(); });
    const int n = shards.front().count();
    out.shard_count = n;
    for (size_t i = 1; i < shards.size(); ++i) {
        if (shards[i].index() == shards[i - 1].index()) {
            throw Error("shard " + std::to_string(shards[i].index()) + "/" + std::to_string(n) + " is given twice: " + shards[i - 1].store_path +
                        " and " + shards[i].store_path + "; give each shard once");
        }
    }
    std::set<int> present;
    for (const auto & s : shards) {
        present.insert(s.index());
        out.merged.push_back(s.index());
        if (s.run.status == "complete") continue;
        out.unfinished.push_back(s.index());
        if (!o.allow_partial) {
            throw Error(shard_name(s) + " is unfinished (run " + s.run.info.run_id + " stopped before its end): run that shard's "
                        "command again (`rightsize run … --shard " + std::to_string(s.index()) + "/" + std::to_string(n) +
                        "`, or its array task); it resumes where it stopped. Or merge what is there with --allow-partial");
        }
    }
    for (int i = 0; i < n; ++i) {
        if (present.count(i)) continue;
        out.missing.push_back(i);
    }
    if (!out.missing.empty() && !o.allow_partial) {
        std::string list;
        for (int i : out.missing) list += (list.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(n);
        throw Error("shard(s) " + list + " of the run are missing: run them (`rightsize run … --shard I/" + std::to_string(n) +
                    "`, or those array tasks) and give their folders, or merge what is there with --allow-partial");
    }
}

std::string merged_run_id(const std::vector<ShardInput> & shards) {
    std::string ids;
    for (const auto & s : shards) ids += s.run.info.run_id + ";";
    return "merged-" + sha256_hex(ids).substr(0, 16);
}

// The merged folder replaces `dir` only when that is empty or a previous merge's.
void check_output_dir(const std::string & dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec)) throw Error(dir + ": names a file; give a folder for the merged run");
    if (fs::is_empty(dir, ec) || fs::exists(fs::path(dir) / "merge.json", ec)) return;
    throw Error(dir + ": is not empty and holds no earlier merge (merge.json); give a new folder for the merged run");
}

void move_into_place(const fs::path & built, const fs::path & dir) {
    const fs::path old = dir.string() + ".replaced-" + std::to_string(getpid());
    if (fs::exists(dir)) fs::rename(dir, old);
    fs::rename(built, dir);
    fs::remove_all(old);
}

}  // namespace

namespace {

// Builds the merged folder in `dir` from the checked shards.
struct Merger {
    const MergeOptions & o;
    const std::vector<ShardInput> & shards;
    MergeOutcome & out;
    fs::path dir;
    std::vector<std::unique_ptr<ResultsStore>> inputs;  // each shard's store, open read-only for the whole merge
    RunInfo info;
    CarbonIntensity intensity;
    double pue = 1.0;
    json missing_documents = json::object();  // model → task → documents absent (a partial merge)

    void say(const std::string & line) const {
        if (o.message) o.message(line);
    }
    RunInfo merged_info() const;
    void merge_task(ResultsStore & store, const std::string & model, const std::string & task);
    void write(ResultsStore & store);
};

RunInfo Merger::merged_info() const {
    const ShardInput & first = shards.front();
    RunInfo r;
    r.run_id = merged_run_id(shards);
    r.config_hash = first.run.info.config_hash;
    r.config = first.run.info.config;
    r.git_hash = git_hash();
    r.llama_cpp = first.run.info.llama_cpp;
    r.hardware = first.run.info.hardware;
    std::set<std::string> classes;
    for (const auto & s : shards) classes.insert(s.class_label);
    if (classes.size() > 1) {
        std::string all;
        for (const auto & c : classes) all += (all.empty() ? "" : "; ") + c;
        r.hardware = {{"cpu_model", "mixed hardware: " + all}, {"classes", classes}};
    }
    r.provenance = first.run.info.provenance;
    r.provenance.erase("shard");
    json from = json::array();
    for (const auto & s : shards) {
        from.push_back({{"index", s.index()}, {"run_id", s.run.info.run_id}, {"store", s.store_path}, {"status", s.run.status},
                        {"hardware_class", s.class_label}, {"started_at", s.run.started_at}, {"finished_at", s.run.finished_at}});
    }
    r.provenance["merged_from"] = from;
    return r;
}

void Merger::merge_task(ResultsStore & store, const std::string & model, const std::string & task) {
    std::vector<ShardPart> parts;
    std::map<size_t, int> owner;  // doc_id → shard index
    json model_facts;
    for (size_t k = 0; k < shards.size(); ++k) {
        const ShardInput & s = shards[k];
        ResultsStore & in = *inputs[k];
        ShardPart p;
        p.index = s.index();
        p.class_label = s.class_label;
        for (auto & [id, rec] : in.samples(s.run.info.run_id, model, task)) {
            if (const auto [it, fresh] = owner.emplace(id, s.index()); !fresh) {
                throw Error("document " + std::to_string(id) + " of " + model + " · " + task + " is in shard " + std::to_string(it->second) +
                            " and in " + shard_name(s) + ": the shards' plans overlap (different rightsize versions?); re-run them with one");
            }
            p.samples.push_back(std::move(rec));
        }
        if (p.samples.empty()) continue;
        if (auto r = in.task_result(s.run.info.run_id, model, task)) p.efficiency = (*r)["efficiency"];
        if (model_facts.is_null()) {
            for (const auto & tr : in.task_results(s.run.info.run_id)) {
                if (tr.model == model) model_facts = tr.model_facts;
            }
        }
        parts.push_back(std::move(p));
    }
    const size_t expected = shards.front().shard["documents"].value(task, size_t(0));
    if (owner.size() < expected) missing_documents[model][task] = expected - owner.size();
    if (parts.empty()) return;
    std::vector<SampleRecord> all;
    for (const auto & p : parts) all.insert(all.end(), p.samples.begin(), p.samples.end());
    std::sort(all.begin(), all.end(), [](const json & a, const json & b) { return a["doc_id"].get<size_t>() < b["doc_id"].get<size_t>(); });
    store.add_samples(info.run_id, model, task, all);
    const TaskConfig tc = parse_task_yaml_text(info.config["tasks"][task].dump(), "the shards' task " + task, dir.string());
    const json results = aggregate_task_samples(tc, all);
    json efficiency = merged_efficiency(tc, parts);
    if (!efficiency.contains("n_original")) efficiency["n_original"] = expected;
    const TaskFacts facts = TaskFacts::of(tc, results);
    efficiency["co2e"] = efficiency["energy"].is_object()
                             ? task_co2e(efficiency["energy"], efficiency, headline_proportion(results, facts.headline), intensity, pue,
                                         o.lifecycle, model, model_facts.value("n_params", 0.0))
                             : json(nullptr);
    store.put_task_result(info.run_id, model, task, model_facts, results, efficiency, facts.to_json());
    fs::create_directories(dir / model);
    write_file_atomic((dir / model / ("samples_" + task + ".jsonl")).string(), [&](std::ostream & os) {
        for (const auto & s : all) os << s.dump() << '\n';
    });
    say(model + " · " + task + ": " + std::to_string(all.size()) + " documents from " + std::to_string(parts.size()) + " shard(s)");
}

}  // namespace

namespace {

void Merger::write(ResultsStore & store) {
    std::string first_start, last_finish;
    for (const auto & s : shards) {
        if (first_start.empty() || s.run.started_at < first_start) first_start = s.run.started_at;
        const std::string end = s.run.finished_at.empty() ? s.run.started_at : s.run.finished_at;
        if (end > last_finish) last_finish = end;
    }
    store.use_fixed_time(first_start);
    store.begin_run(info);
    store.use_fixed_time(last_finish);
    for (const auto & m : info.config["models"]) {
        for (const auto & [task, n] : shards.front().shard["documents"].items()) merge_task(store, m["key"], task);
    }
    store.finish_run(info.run_id);
    std::vector<TaskGroup> groups;
    for (const auto & g : shards.front().shard.value("groups", json::array())) groups.push_back({g["name"], g["members"], "the run"});
    const bool partial = !out.missing.empty() || !out.unfinished.empty() || !missing_documents.empty();
    out.manifest = {{"run_id", info.run_id}, {"config_hash", info.config_hash}, {"shard_count", out.shard_count}, {"merged", out.merged},
                    {"missing", out.missing}, {"unfinished", out.unfinished}, {"partial", partial},
                    {"missing_documents", missing_documents}, {"shards", info.provenance["merged_from"]}};
    json mark = out.manifest;
    mark.erase("shards");
    if (partial) {
        mark["note"] = "PARTIAL: merged with --allow-partial; " + std::to_string(out.missing.size()) + " shard(s) missing, " +
                       std::to_string(out.unfinished.size()) + " unfinished; the scores cover only the documents present";
    }
    out.results = collected_results_documents(store, groups);
    for (auto & doc : out.results) doc["rightsize_merge"] = mark;
    write_results_documents(dir.string(), out.results);
    CarbonOptions carbon;
    carbon.pue = pue;
    out.files = write_folder_files(dir.string(), o.output_dir, out.results, carbon, info.hardware, info.run_id, out.analysis);
    write_file_atomic((dir / "merge.json").string(), out.manifest.dump(2) + "\n");
}

}  // namespace

MergeOutcome merge_shards(const MergeOptions & o) {
    if (o.output_dir.empty()) throw Error("merge needs an output folder (OUT)");
    check_output_dir(o.output_dir);
    std::vector<ShardInput> shards;
    std::set<std::string> seen;
    for (const auto & path : find_stores(o.inputs)) {
        if (seen.insert(fs::weakly_canonical(path).string()).second) shards.push_back(read_shard(path));
    }
    check_same_run(shards);
    MergeOutcome out;
    check_coverage(shards, o, out);
    const fs::path dir = fs::absolute(o.output_dir).lexically_normal();
    const fs::path built = dir.parent_path() / ("." + dir.filename().string() + ".merging-" + std::to_string(getpid()));
    fs::remove_all(built);
    fs::create_directories(built);
    try {
        Merger m{o, shards, out, built, {}, {}, {}, 1.0, json::object()};
        for (const auto & s : shards) m.inputs.push_back(std::make_unique<ResultsStore>(s.store_path, ResultsStore::Access::ReadOnly));
        m.info = m.merged_info();
        const json carbon = m.info.provenance.value("carbon", json::object());
        m.intensity.g_per_kwh = carbon.value("g_per_kwh", kWorldAverageIntensity);
        m.intensity.origin = carbon.value("origin", "");
        m.intensity.source = carbon.value("source", "");
        m.pue = carbon.value("pue", 1.0);
        {
            ResultsStore store((built / "rightsize.sqlite").string());
            m.write(store);
        }
        out.run_id = m.info.run_id;
        out.config_hash = m.info.config_hash;
        move_into_place(built, dir);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(built, ec);
        throw;
    }
    const auto moved = [&](std::string & p) {
        if (!p.empty()) p = (dir / fs::path(p).filename()).string();
    };
    for (std::string * p : {&out.files.emissions_csv, &out.files.report_html, &out.files.report_md, &out.files.report_json, &out.files.per_csv}) moved(*p);
    out.files.db = (dir / "rightsize.sqlite").string();
    return out;
}

}  // namespace rightsize
