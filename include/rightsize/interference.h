// Is the machine quiet while we measure? Efficiency figures (and so PER and the energy advice) are
// only worth what the machine's quiet was worth: on a shared machine another process can make a
// model look several times slower. A window's interference is read from the kernel's own counters
// (docs/energy.md, "Interference"):
//   - other processes' CPU: the machine's busy CPU time (/proc/stat: user, nice, system, irq,
//     softirq) minus this process's own (getrusage), as a share of the window's CPU capacity
//     (wall time × logical CPUs);
//   - steal: CPU time the hypervisor gave to other guests (/proc/stat steal), as a share;
//   - the 1-minute load average at the window's start (/proc/loadavg);
//   - the CPU clock (mean scaling_cur_freq) and thermal-throttle events (core_throttle_count), where
//     the kernel exposes them.
// A window is `disturbed` when others used more than InterferenceThresholds::outside_cpu_share of
// the CPU, steal exceeded steal_share, or the CPU throttled. Windows shorter than min_seconds are
// not judged (the kernel counts CPU time in 10 ms ticks).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace rightsize {

// The counters at one moment.
struct MachineCounters {
    double wall_s = 0;             // steady clock
    double busy_s = 0;             // every CPU's busy time since boot
    double steal_s = 0;
    double total_s = 0;            // every CPU's time since boot (busy + idle + iowait + steal)
    double own_cpu_s = 0;          // this process's user + system time
    double load1 = -1;             // /proc/loadavg (−1: unreadable)
    std::optional<double> cpu_mhz;            // mean current clock over CPUs
    std::optional<uint64_t> throttle_events;  // sum of core_throttle_count over CPUs
    int logical_cpus = 1;
};

// Reads the counters now. `root` replaces "/" (tests point it at a fixture tree; "" is the system).
MachineCounters read_machine_counters(const std::string & root = "");

struct InterferenceThresholds {
    double outside_cpu_share = 0.10;  // others' CPU over the window's capacity
    double steal_share = 0.05;
    double min_seconds = 0.25;
};

// What happened between two readings.
struct InterferenceWindow {
    double seconds = 0;
    double outside_cpu_share = 0;  // others' busy CPU / (seconds × logical CPUs), in [0, 1]
    double steal_share = 0;        // steal / all CPU time in the window
    double own_cpu_share = 0;      // this process's CPU / capacity
    double load1_before = -1;
    std::optional<double> cpu_mhz;
    std::optional<uint64_t> throttle_events;  // during the window
    bool judged = false;           // long enough to judge
    bool disturbed = false;
    std::string reason;            // why it is disturbed ("other processes used 43% of the CPU")

    nlohmann::json to_json() const;
};

InterferenceWindow interference_between(const MachineCounters & before, const MachineCounters & after,
                                        const InterferenceThresholds & thresholds = {});

// Waits for a quiet machine: measures `probe_s`-second windows (this process idle) until one is not
// disturbed, for at most `max_wait_s`; `say` hears each busy window. Returns the quiet window, or
// throws rightsize::Error naming what kept the machine busy and how long it waited.
InterferenceWindow wait_for_quiet(double max_wait_s, const std::function<void(const std::string &)> & say, double probe_s = 2.0,
                                  const InterferenceThresholds & thresholds = {});

// A task's interference from its documents (each sample's "interference": its chunk's window, with
// "first_doc" naming the chunk): windows, judged and disturbed ones, the largest and the
// time-weighted mean outside share, the largest steal, documents in disturbed windows, and
// `disturbed` when any judged window was.
nlohmann::json summarise_interference(std::span<const nlohmann::json> samples);

}  // namespace rightsize
