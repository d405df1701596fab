// Energy meters: RAPL (powercap sysfs), NVML (loaded at run time) and the TDP estimate, wrapped
// around one measurement window (a model × task). Every figure says where it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

// This process's CPU time so far, all threads (CLOCK_PROCESS_CPUTIME_ID), in seconds.
double process_cpu_seconds();

struct EnergyOptions {
    // auto: RAPL for the CPU and DRAM when readable, NVML for GPUs when present, otherwise the
    // TDP estimate (said plainly in notes()); rapl / nvml / estimate force one; off measures nothing.
    std::string mode = "auto";
    std::string powercap_root = "/sys/class/powercap";  // tests point this at a fixture tree
    std::string nvml_library;                            // empty: libnvidia-ml.so.1, then libnvidia-ml.so
    std::optional<double> cpu_tdp_w;                     // watts, whole machine; overrides the table lookup
    std::string cpu_model;                               // empty: /proc/cpuinfo "model name"
    std::optional<double> ram_gb;                        // empty: MemTotal from /proc/meminfo
    double ram_w_per_gb = 0.375;                         // estimate only (CodeCarbon's 3 W per 8 GB)
    int logical_cpus = 0;                                // 0: std::thread::hardware_concurrency()
    std::string cpuinfo_path = "/proc/cpuinfo";          // model name, sockets, the hypervisor flag
    // Where the meter reads the time (window lengths, GPU power integration) and this process's
    // CPU time (the estimate's load). The real clocks by default; tests set both to drive time and
    // load by hand. Called with the meter's lock held, from the caller's thread or the poller's.
    // Empty functions mean the real ones too.
    std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
    std::function<double()> cpu_seconds = process_cpu_seconds;
    // What the energy is of (docs/energy.md, "Scope"):
    //   machine: everything the counters see — RAPL's whole package and DRAM, the estimate's RAM
    //            for the machine's whole memory (CodeCarbon's default, tracking_mode "machine");
    //   process: this process's share — RAPL's package and DRAM energy times this process's share of
    //            the machine's busy CPU time in the window, the estimated RAM for the memory this
    //            process holds (VmRSS). The CPU estimate is this process's in both (its own load).
    //            GPUs (NVML) are counted whole in both: a GPU serves one model at a time here.
    std::string scope = "machine";
    // This process's resident memory in GiB, and the machine's busy CPU seconds since boot (both
    // scopes read them only in process scope). Empty: VmRSS and /proc/stat; tests set them.
    std::function<double()> process_rss_gb;
    std::function<double()> machine_busy_seconds;
};

// One component's energy over a window.
struct EnergyPart {
    std::string name;    // "cpu", "ram" (estimates), "package-0", "core-0", "dram-0" (RAPL), "gpu0" (NVML)
    double joules = 0;
    std::string source;  // "measured:rapl", "measured:nvml", "estimated:tdp"
    // Non-empty: this part's energy is already inside the named part (RAPL core and uncore are
    // inside their package), so it is shown but not added to the totals.
    std::string inside;
};

struct EnergyReading {
    double seconds = 0;            // window length (steady clock)
    double cpu_j = 0, ram_j = 0, gpu_j = 0;
    std::vector<EnergyPart> parts;  // the breakdown the totals were summed from
    std::string source;            // the label for the total: "measured:rapl", "measured:rapl+nvml",
                                   // "estimated:tdp", "measured:rapl+estimated:tdp" (mixed), "none"
    double cpu_load = -1;          // estimate only: process CPU time / (wall × logical CPUs), 0..1
    std::string scope = "machine"; // EnergyOptions::scope
    double process_share = -1;     // process scope with RAPL: the share of busy CPU time applied (−1: not applied)
    double total_j() const { return cpu_j + ram_j + gpu_j; }
    double kwh() const { return total_j() / 3.6e6; }
    bool measured() const;         // at least one part, and every part measured (no estimate)
    nlohmann::json to_json() const;
    static EnergyReading from_json(const nlohmann::json & j);
    EnergyReading & operator+=(const EnergyReading & other);  // sums windows (resumed runs)
};

class EnergyMeter {
public:
    explicit EnergyMeter(EnergyOptions options = {});
    ~EnergyMeter();
    EnergyMeter(const EnergyMeter &) = delete;
    EnergyMeter & operator=(const EnergyMeter &) = delete;

    void start();
    // Energy since start() (or since the previous lap()); the window restarts at now.
    EnergyReading lap();
    // What the meter found and chose, one sentence each ("RAPL: /sys/class/powercap not present",
    // "energy is ESTIMATED from the CPU's TDP (AMD EPYC 7B13: 240 W, table)…").
    const std::vector<std::string> & notes() const;
    std::string source() const;  // the label lap() will carry
    nlohmann::json describe() const;  // source, notes, TDP used, RAM GB, devices — for provenance

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// CPU TDP table lookup by model name (project-owned table, sources in src/measure/cpu_tdp.cpp).
// Returns the TDP in watts and the matched table entry, or nullopt.
struct TdpMatch {
    double watts = 0;
    std::string entry;
    std::string source;
    bool generic = false;  // a family figure: the exact model is not in the table or not reported
    int cores = 0;         // cores per package when the table knows them (0: unknown)
};
// Matches the longest table key found, on word boundaries, in normalise_cpu_name(name); a specific
// model always beats a generic family entry.
std::optional<TdpMatch> lookup_cpu_tdp(const std::string & cpu_model_name);
// Lower case without "(R)", "(TM)", "CPU", "@ 2.20GHz", "64-Core Processor", extra spaces.
std::string normalise_cpu_name(const std::string & name);

// The estimate's power model: watts = TDP × (0.1 + 0.9·load³), load clamped to [0,1].
double estimated_cpu_watts(double tdp_w, double load);

}  // namespace rightsize
