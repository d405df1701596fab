// Shared by the scale-out tests: the recipes' command lines (deploy/) run as local processes, the
// unsharded run they must equal, and readers for run folders.
#pragma once

#include "cli/run_test_support.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace rightsize::testing::scaleout {

using nlohmann::json;
namespace fs = std::filesystem;
using run_cli::read_json;
using run_cli::read_jsonl;

inline const std::vector<std::string> & models() {
    static const std::vector<std::string> m = {smollm2_path(), gemma_path()};
    return m;
}
inline const char * kTasks = "arc_easy,boolq,cute_spell";
// What the tests add to the recipes' command lines: few documents, small chunks (3 per task).
inline const char * kSmall = "--limit 6 --batch-docs 2";

inline std::string quote(const std::string & s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// The unsharded run the shards must reproduce (run once per test process).
inline const fs::path & unsharded_run() {
    static const fs::path dir = [] {
        const fs::path d = fresh_subdir("unsharded");
        std::string cmd = quote(run_cli::cli()) + " run";
        for (const auto & m : models()) cmd += " -m " + quote(m);
        cmd += std::string(" --tasks ") + kTasks + " -t 2 --data-dir " + quote(RIGHTSIZE_SHARED_DATA) + " " + kSmall + " -o " + quote(d.string());
        const auto r = run_command("RIGHTSIZE_OFFLINE=1 " + cmd);
        if (r.status != 0) throw std::runtime_error("the unsharded run failed: " + r.err);
        return d;
    }();
    return dir;
}

// Runs the shell commands at once, as a scheduler's three workers would; each one's status and
// stderr, in order.
inline std::vector<CommandResult> run_together(const std::vector<std::string> & commands, const fs::path & logs) {
    fs::create_directories(logs);
    std::string script;
    for (size_t i = 0; i < commands.size(); ++i) {
        script += "( " + commands[i] + " ) >" + quote((logs / ("out" + std::to_string(i))).string()) + " 2>" +
                  quote((logs / ("err" + std::to_string(i))).string()) + " & p" + std::to_string(i) + "=$!\n";
    }
    for (size_t i = 0; i < commands.size(); ++i) script += "wait $p" + std::to_string(i) + "; echo $?\n";
    const auto r = run_command("sh -c " + quote(script));
    std::vector<CommandResult> out(commands.size());
    std::istringstream codes(r.out);
    for (size_t i = 0; i < commands.size(); ++i) {
        codes >> out[i].status;
        out[i].out = run_cli::read_text(logs / ("out" + std::to_string(i)));
        out[i].err = run_cli::read_text(logs / ("err" + std::to_string(i)));
    }
    return out;
}

// deploy/slurm/rightsize-array.sbatch as array task `task_id` of an array 1-3 would run it.
// `extra`: more options for every shard (RS_ARGS).
inline std::string slurm_command(int task_id, const fs::path & out, const std::string & extra = "") {
    std::string models_list;
    for (const auto & m : models()) models_list += (models_list.empty() ? "" : ",") + m;
    return "SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID=" + std::to_string(task_id) + " SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 "
           "SLURM_ARRAY_TASK_COUNT=3 RIGHTSIZE=" + quote(run_cli::cli()) + " RS_MODELS=" + quote(models_list) +
           " RS_TASKS=" + kTasks + " RS_THREADS=2 RS_OUT=" + quote(out.string()) + " RS_ARGS=" +
           quote(std::string("--data-dir ") + RIGHTSIZE_SHARED_DATA + " " + kSmall + extra) + " RIGHTSIZE_OFFLINE=1 bash " +
           quote(std::string(RIGHTSIZE_SOURCE_DIR) + "/deploy/slurm/rightsize-array.sbatch");
}

// The three Slurm array tasks, run together once per test process into one output folder (each
// one's status and stderr in `results`).
struct SlurmShards {
    fs::path out;
    std::vector<CommandResult> results;
};
inline const SlurmShards & slurm_shards() {
    static const SlurmShards shards = [] {
        SlurmShards s;
        s.out = fresh_subdir("slurm-out");
        s.results = run_together({slurm_command(1, s.out), slurm_command(2, s.out), slurm_command(3, s.out)}, temp_dir() / "slurm-logs");
        return s;
    }();
    return shards;
}

// The Indexed Job of deploy/kubernetes/rightsize-indexed-job.yaml: its container's command and
// args with the volume's paths mapped to this machine, its env, and its completions.
struct IndexedJob {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
    int completions = 0;
};

inline IndexedJob indexed_job(const fs::path & results) {
    const YAML::Node job = YAML::LoadFile(std::string(RIGHTSIZE_SOURCE_DIR) + "/deploy/kubernetes/rightsize-indexed-job.yaml");
    IndexedJob j;
    j.completions = job["spec"]["completions"].as<int>();
    const YAML::Node c = job["spec"]["template"]["spec"]["containers"][0];
    const auto map_path = [&](std::string a) {
        const std::pair<std::string, std::string> mounts[] = {{"/shared/models", RIGHTSIZE_MODELS_DIR},
                                                              {"/shared/data", RIGHTSIZE_SHARED_DATA},
                                                              {"/shared/results", results.string()}};
        for (const auto & [from, to] : mounts) {
            if (a.starts_with(from)) a = to + a.substr(from.size());
        }
        return a;
    };
    for (const auto & a : c["command"]) j.argv.push_back(j.argv.empty() ? run_cli::cli() : a.as<std::string>());
    for (const auto & a : c["args"]) j.argv.push_back(map_path(a.as<std::string>()));
    for (const auto & e : c["env"]) j.env[e["name"].as<std::string>()] = e["value"].as<std::string>();
    return j;
}

inline std::string indexed_job_command(const IndexedJob & j, int index) {
    std::string cmd = "JOB_COMPLETION_INDEX=" + std::to_string(index);
    for (const auto & [k, v] : j.env) cmd += " " + k + "=" + quote(v);
    for (const auto & a : j.argv) cmd += " " + quote(a);
    return cmd + " " + kSmall;
}

inline CommandResult merge(const std::string & args) { return run_command(quote(run_cli::cli()) + " merge " + args); }

inline std::string model_key(const std::string & path) { return fs::path(path).stem().string(); }

// A sample without what depends on timing (its cost, energy, per-token timings, the machine's load).
inline json timeless(json s) {
    for (const char * k : {"cost_ms", "energy", "timing", "interference"}) s.erase(k);
    return s;
}

}  // namespace rightsize::testing::scaleout
