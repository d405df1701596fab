// The energy meter's private parts, shared by its files: energy.cpp (readings, the meter, the
// estimate and the plan) and energy_probe.cpp (finding and reading RAPL zones and NVML devices).
#pragma once

#include "measure/process_memory.h"
#include <rightsize/interference.h>

#include <rightsize/energy.h>
#include <rightsize/error.h>

#include "core/python_regex.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <dlfcn.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace rightsize::energy_detail {

namespace fs = std::filesystem;


using Clock = std::chrono::steady_clock;

inline constexpr const char * kRapl = "measured:rapl";
inline constexpr const char * kNvml = "measured:nvml";
inline constexpr const char * kTdp = "estimated:tdp";

// Where no table entry matches: a mid-range server socket. Said in the note as "unknown CPU".
inline constexpr double kGenericTdpPerSocket = 85.0;

inline double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

inline std::string fmt(double x, int digits = 3) {
    std::ostringstream o;
    o.precision(digits);
    o << x;
    return o.str();
}

// One sysfs counter; on failure `why` says what the kernel answered ("Permission denied").
inline std::optional<uint64_t> read_u64(const std::string & path, std::string * why) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (why) *why = std::strerror(errno);
        return std::nullopt;
    }
    char buf[32];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    const int err = errno;
    ::close(fd);
    if (n <= 0) {
        if (why) *why = n < 0 ? std::strerror(err) : "empty file";
        return std::nullopt;
    }
    buf[n] = '\0';
    char * end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(buf, &end, 10);
    if (end == buf || errno != 0) {
        if (why) *why = "not a number";
        return std::nullopt;
    }
    return v;
}

inline std::string read_line(const std::string & path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

// "model name" and the number of distinct "physical id"s (sockets) in /proc/cpuinfo.
struct CpuInfo {
    std::string model;
    int sockets = 1;
    bool virtualised = false;  // the "hypervisor" flag: a VM that sees only part of the host's package
};

inline CpuInfo read_cpuinfo(const std::string & path) {
    CpuInfo info;
    std::ifstream in(path);
    std::set<std::string> ids;
    std::string line;
    auto value = [&] {
        const auto colon = line.find(':');
        if (colon == std::string::npos) return std::string();
        const auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    };
    while (std::getline(in, line)) {
        if (info.model.empty() && line.rfind("model name", 0) == 0) info.model = value();
        if (line.rfind("physical id", 0) == 0) ids.insert(value());
        if (line.rfind("flags", 0) == 0 && (" " + value() + " ").find(" hypervisor ") != std::string::npos) info.virtualised = true;
    }
    if (!ids.empty()) info.sockets = int(ids.size());
    return info;
}

inline double memtotal_gb() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kb = 0;
    while (in >> key) {
        if (key == "MemTotal:") {
            in >> kb;
            break;
        }
        in.ignore(1 << 20, '\n');
    }
    return kb / (1024.0 * 1024.0);  // GiB, as CodeCarbon's RAM figure uses
}

// The label for a set of part sources: measured kinds first ("measured:rapl+nvml"), then
// estimates ("+estimated:tdp"); "none" when nothing was measured or estimated.
inline std::string combine_sources(const std::vector<std::string> & sources) {
    auto rank = [](const std::string & s) {
        if (s == kRapl) return 0;
        if (s == kNvml) return 1;
        if (s.rfind("measured:", 0) == 0) return 2;
        if (s == kTdp) return 3;
        return 4;
    };
    std::vector<std::string> uniq(sources.begin(), sources.end());
    std::sort(uniq.begin(), uniq.end(), [&](const auto & a, const auto & b) {
        return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
    });
    uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
    std::string label, group;
    for (const auto & s : uniq) {
        const auto colon = s.find(':');
        const std::string prefix = colon == std::string::npos ? s : s.substr(0, colon);
        const std::string kind = colon == std::string::npos ? "" : s.substr(colon + 1);
        if (!label.empty()) label += '+';
        label += prefix == group ? kind : s;
        group = prefix;
    }
    return label.empty() ? "none" : label;
}

// ---- NVML, declared here so the build needs no CUDA headers (types as in nvml.h) ----
using nvmlDevice_t = struct nvmlDevice_st *;
inline constexpr int NVML_SUCCESS = 0;

struct NvmlApi {
    void * lib = nullptr;
    std::string path;
    int (*init)() = nullptr;
    int (*shutdown)() = nullptr;
    int (*count)(unsigned *) = nullptr;
    int (*handle_by_index)(unsigned, nvmlDevice_t *) = nullptr;
    int (*name)(nvmlDevice_t, char *, unsigned) = nullptr;
    int (*total_energy)(nvmlDevice_t, unsigned long long *) = nullptr;  // mJ since driver load (Volta+)
    int (*power)(nvmlDevice_t, unsigned *) = nullptr;                    // mW, now
    const char * (*error_string)(int) = nullptr;

    std::string describe_error(int code) const {
        std::string s = "code " + std::to_string(code);
        if (error_string) s += ": " + std::string(error_string(code));
        return s;
    }
};

struct RaplZone {
    std::string zone;  // "intel-rapl:0:1"
    std::string name;  // the zone's name file: "package-0", "core", "uncore", "dram", "psys"
    std::string part;  // "package-0", "core-0", "dram-0"
    std::string energy_path;  // <root>/<zone>/energy_uj
    enum Role { Cpu, Inside, Ram, Ignored } role = Ignored;
    std::string inside;  // Inside: the package part it belongs to
    uint64_t max_range = 0;
    uint64_t last = 0;
    double acc_j = 0;  // energy since the window began, folded in by every poll
    bool readable = false;
    std::string why;  // why it is not readable
};

struct Gpu {
    unsigned index = 0;
    std::string name, part;
    nvmlDevice_t handle = nullptr;
    bool counter = false;  // total energy counter; otherwise power sampled and integrated
    unsigned long long last_mj = 0;
    double acc_j = 0;
    double last_w = 0;
    Clock::time_point last_t;
    bool have_sample = false;
};


}  // namespace rightsize::energy_detail

namespace rightsize {

using namespace energy_detail;

struct EnergyMeter::Impl {
    EnergyOptions opt;
    std::vector<std::string> notes;

    enum class Meter { None, Rapl, Estimate };
    Meter cpu = Meter::None, ram = Meter::None;
    bool gpus_on = false;

    // RAPL
    std::vector<RaplZone> zones;
    bool rapl_cpu_ok = false, rapl_dram_ok = false;
    std::string rapl_problem;  // what keeps RAPL from measuring: no tree, no package, an unreadable counter
    // Zones whose reads failed mid-run: the poller records them, lap() (the caller's thread, which
    // alone touches notes) says so once each.
    std::map<std::string, std::string> rapl_read_failures;
    std::set<std::string> rapl_failures_noted;

    // NVML
    NvmlApi nvml;
    bool nvml_inited = false;
    std::vector<Gpu> gpu;
    std::string nvml_problem;

    // Estimate
    CpuInfo cpuinfo;
    std::string cpu_model;
    int logical_cpus = 1;
    double tdp_w = 0;
    std::string tdp_origin;
    bool tdp_generic = false;
    double vm_share = 1;  // the share of the package's hardware threads a VM sees (1: bare metal or unknown)
    double ram_gb = 0;
    std::string ram_origin;

    // Window
    bool started = false;
    Clock::time_point t0;
    double cpu0 = 0;

    // The poller folds RAPL counters in often enough that they cannot wrap twice unseen (some wrap
    // within minutes at full load) and samples GPU power for integration.
    std::mutex mu;
    std::condition_variable cv;
    std::thread poller;
    bool stop = false;
    std::chrono::milliseconds poll_every{1000};

    double busy0 = 0;  // the machine's busy CPU seconds at the window's start (process scope)

    explicit Impl(EnergyOptions o) : opt(std::move(o)) {
        if (!opt.clock) opt.clock = [] { return Clock::now(); };
        if (!opt.cpu_seconds) opt.cpu_seconds = process_cpu_seconds;
        if (!opt.process_rss_gb) opt.process_rss_gb = [] { return double(read_process_memory().rss_bytes) / (1024.0 * 1024.0 * 1024.0); };
        if (!opt.machine_busy_seconds) opt.machine_busy_seconds = [] { return read_machine_counters().busy_s; };
    }
    bool process_scope() const { return opt.scope == "process"; }
    // Here rather than in ~EnergyMeter so that a constructor that throws (a forced mode whose
    // meter is missing) still releases NVML.
    ~Impl() {
        if (poller.joinable()) {
            {
                std::lock_guard lock(mu);
                stop = true;
            }
            cv.notify_all();
            poller.join();
        }
        if (nvml_inited) nvml.shutdown();
        if (nvml.lib) dlclose(nvml.lib);
    }

    void probe_rapl();
    void probe_nvml();
    void resolve_estimate();
    void scale_to_vm_share(int table_cores);
    void plan();

    void apply_process_share(EnergyReading & r, double cpu_now);
    void rapl_baseline();
    void rapl_poll();
    void gpu_baseline(Clock::time_point now);
    void gpu_sample(Gpu & g, Clock::time_point now);
    void poll_loop();
    bool needs_poller() const;

    std::string planned_source() const;
};

}  // namespace rightsize
