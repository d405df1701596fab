// Energy meters around one measurement window. RAPL is read from the kernel's powercap sysfs tree,
// NVML is loaded with dlopen (so the binary runs, and builds, without an NVIDIA driver), and where
// no counter is readable the CPU and RAM are estimated from TDP and memory size. Whatever is
// estimated is said so in notes() and in the source label of every reading: never silently.
#include <rightsize/energy.h>
#include <rightsize/error.h>

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
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace rightsize {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char * kRapl = "measured:rapl";
constexpr const char * kNvml = "measured:nvml";
constexpr const char * kTdp = "estimated:tdp";

// Where no table entry matches: a mid-range server socket. Said in the note as "unknown CPU".
constexpr double kGenericTdpPerSocket = 85.0;

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

std::string fmt(double x, int digits = 3) {
    std::ostringstream o;
    o.precision(digits);
    o << x;
    return o.str();
}

// One sysfs counter; on failure `why` says what the kernel answered ("Permission denied").
std::optional<uint64_t> read_u64(const std::string & path, std::string * why) {
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

std::string read_line(const std::string & path) {
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

CpuInfo read_cpuinfo(const std::string & path) {
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

double memtotal_gb() {
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
std::string combine_sources(const std::vector<std::string> & sources) {
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
constexpr int NVML_SUCCESS = 0;

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

}  // namespace

// ---- EnergyReading ----

bool EnergyReading::measured() const {
    if (parts.empty()) return false;
    return std::all_of(parts.begin(), parts.end(),
                       [](const EnergyPart & p) { return p.source.rfind("measured:", 0) == 0; });
}

nlohmann::json EnergyReading::to_json() const {
    nlohmann::json j;
    j["seconds"] = seconds;
    j["cpu_j"] = cpu_j;
    j["ram_j"] = ram_j;
    j["gpu_j"] = gpu_j;
    j["total_j"] = total_j();
    j["kwh"] = kwh();
    j["source"] = source;
    j["measured"] = measured();
    j["cpu_load"] = cpu_load >= 0 ? nlohmann::json(cpu_load) : nlohmann::json(nullptr);
    j["parts"] = nlohmann::json::array();
    for (const auto & p : parts) {
        nlohmann::json pj{{"name", p.name}, {"joules", p.joules}, {"source", p.source}};
        if (!p.inside.empty()) pj["inside"] = p.inside;
        j["parts"].push_back(pj);
    }
    return j;
}

EnergyReading EnergyReading::from_json(const nlohmann::json & j) {
    EnergyReading r;
    try {
        r.seconds = j.at("seconds").get<double>();
        r.cpu_j = j.at("cpu_j").get<double>();
        r.ram_j = j.at("ram_j").get<double>();
        r.gpu_j = j.at("gpu_j").get<double>();
        r.source = j.at("source").get<std::string>();
        if (j.contains("cpu_load") && !j["cpu_load"].is_null()) r.cpu_load = j["cpu_load"].get<double>();
        for (const auto & pj : j.value("parts", nlohmann::json::array())) {
            EnergyPart p;
            p.name = pj.at("name").get<std::string>();
            p.joules = pj.at("joules").get<double>();
            p.source = pj.at("source").get<std::string>();
            p.inside = pj.value("inside", "");
            r.parts.push_back(p);
        }
    } catch (const nlohmann::json::exception & e) {
        throw Error(std::string("energy reading JSON: ") + e.what() +
                    " (expected seconds, cpu_j, ram_j, gpu_j, source and parts as EnergyReading::to_json writes them)");
    }
    return r;
}

EnergyReading & EnergyReading::operator+=(const EnergyReading & other) {
    // The load of the windows that had one, weighted by their length.
    if (other.cpu_load >= 0) {
        cpu_load = cpu_load >= 0 && seconds + other.seconds > 0
                       ? (cpu_load * seconds + other.cpu_load * other.seconds) / (seconds + other.seconds)
                       : other.cpu_load;
    }
    seconds += other.seconds;
    cpu_j += other.cpu_j;
    ram_j += other.ram_j;
    gpu_j += other.gpu_j;
    for (const auto & op : other.parts) {
        auto it = std::find_if(parts.begin(), parts.end(),
                               [&](const EnergyPart & p) { return p.name == op.name && p.source == op.source; });
        if (it == parts.end()) {
            parts.push_back(op);
        } else {
            it->joules += op.joules;
        }
    }
    std::vector<std::string> sources;
    for (const auto & p : parts) sources.push_back(p.source);
    source = combine_sources(sources);
    return *this;
}

double estimated_cpu_watts(double tdp_w, double load) {
    const double l = std::clamp(load, 0.0, 1.0);
    return tdp_w * (0.1 + 0.9 * l * l * l);
}

// ---- EnergyMeter ----

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

    explicit Impl(EnergyOptions o) : opt(std::move(o)) {}
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

    void rapl_baseline();
    void rapl_poll();
    void gpu_baseline(Clock::time_point now);
    void gpu_sample(Gpu & g, Clock::time_point now);
    void poll_loop();
    bool needs_poller() const;

    std::string planned_source() const;
};

void EnergyMeter::Impl::probe_rapl() {
    const fs::path root = opt.powercap_root;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        rapl_problem = "RAPL: " + root.string() +
                       " is not present (no powercap driver loaded, or a VM/container that does not expose it)";
        return;
    }
    static const std::regex zone_re(R"(intel-rapl:(\d+)(?::(\d+))?)");
    std::vector<std::string> names;
    for (const auto & entry : fs::directory_iterator(root, ec)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end(), [](const std::string & a, const std::string & b) {
        // intel-rapl:10 after intel-rapl:9; parents before their subzones.
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });

    std::map<std::string, std::string> package_part_of;  // "0" → "package-0"
    std::set<std::string> used_parts;
    auto unique_part = [&](std::string p, const std::string & zone) {
        if (used_parts.count(p)) p += "@" + zone;
        used_parts.insert(p);
        return p;
    };
    for (const auto & n : names) {
        std::smatch m;
        if (!std::regex_match(n, m, zone_re)) continue;
        RaplZone z;
        z.zone = n;
        const std::string dir = (root / n).string();
        z.name = read_line(dir + "/name");
        const bool sub = m[2].matched;
        const std::string pkg_index = m[1].str();
        if (!sub && z.name.rfind("package", 0) == 0) {
            z.role = RaplZone::Cpu;
            z.part = unique_part(z.name, n);
            package_part_of[pkg_index] = z.part;
        } else if (z.name == "dram") {
            // DRAM is its own RAPL domain: the package counter does not include it (Intel SDM,
            // RAPL domains), even where sysfs lists it under the package. It is the RAM figure.
            z.role = RaplZone::Ram;
            z.part = unique_part("dram-" + pkg_index, n);
        } else if (sub) {
            // core (PP0), uncore (PP1) and any other subzone are parts of the package energy.
            z.role = RaplZone::Inside;
            z.part = unique_part(z.name + "-" + pkg_index, n);
            const auto it = package_part_of.find(pkg_index);
            z.inside = it != package_part_of.end() ? it->second : "intel-rapl:" + pkg_index;
        } else {
            // psys (platform) spans the packages and more; counting it too would double count.
            z.role = RaplZone::Ignored;
            z.part = z.name;
        }
        if (z.role != RaplZone::Ignored) {
            std::string why;
            z.energy_path = dir + "/energy_uj";
            const auto v = read_u64(z.energy_path, &why);
            z.readable = v.has_value();
            z.why = why;
            if (v) z.last = *v;
            z.max_range = read_u64(dir + "/max_energy_range_uj", nullptr).value_or(0);
        }
        zones.push_back(z);
    }

    int packages = 0, drams = 0;
    const RaplZone * unreadable = nullptr;
    for (const auto & z : zones) {
        if (z.role == RaplZone::Cpu) ++packages;
        if (z.role == RaplZone::Ram) ++drams;
        if ((z.role == RaplZone::Cpu || z.role == RaplZone::Ram) && !z.readable && !unreadable) unreadable = &z;
    }
    if (packages == 0) {
        rapl_problem = "RAPL: no intel-rapl package zone under " + root.string();
        return;
    }
    const bool all_pkgs = std::all_of(zones.begin(), zones.end(),
                                      [](const RaplZone & z) { return z.role != RaplZone::Cpu || z.readable; });
    const bool all_drams = std::all_of(zones.begin(), zones.end(),
                                       [](const RaplZone & z) { return z.role != RaplZone::Ram || z.readable; });
    if (unreadable) {
        rapl_problem = "RAPL: cannot read " + unreadable->energy_path + " (" + unreadable->why + ")";
        if (unreadable->why == std::strerror(EACCES) || unreadable->why == std::strerror(EPERM)) {
            rapl_problem += ". Since the CVE-2020-8694 fix (November 2020) only root may read RAPL counters: run as "
                            "root, or grant read access with `sudo chmod a+r " +
                            (root / "intel-rapl:*" / "energy_uj").string() +
                            "` (until reboot) or a udev rule (see docs/energy.md)";
        } else {
            rapl_problem += ": the powercap driver exposes the zone without a usable counter";
        }
    }
    rapl_cpu_ok = all_pkgs;
    rapl_dram_ok = drams > 0 && all_drams;
    // Subzones that cannot be read are dropped: they are breakdown only, never in a total.
    std::erase_if(zones, [](const RaplZone & z) { return z.role == RaplZone::Inside && !z.readable; });
}

void EnergyMeter::Impl::probe_nvml() {
    std::vector<std::string> candidates;
    if (!opt.nvml_library.empty()) {
        candidates.push_back(opt.nvml_library);
    } else {
        candidates = {"libnvidia-ml.so.1", "libnvidia-ml.so"};
    }
    std::string tried;
    for (const auto & c : candidates) {
        nvml.lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (nvml.lib) {
            nvml.path = c;
            break;
        }
        const char * e = dlerror();
        tried += (tried.empty() ? "" : "; ") + (e ? std::string(e) : c);
    }
    if (!nvml.lib) {
        nvml_problem = "NVML: cannot load the NVIDIA management library (" + tried +
                       "), so no GPU energy is measured (an NVIDIA driver installs libnvidia-ml.so.1)";
        return;
    }
    auto sym = [&](auto & fn, const char * name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(nvml.lib, name));
        return fn != nullptr;
    };
    std::string missing;
    for (auto [ok, name] : {std::pair{sym(nvml.init, "nvmlInit_v2"), "nvmlInit_v2"},
                            std::pair{sym(nvml.shutdown, "nvmlShutdown"), "nvmlShutdown"},
                            std::pair{sym(nvml.count, "nvmlDeviceGetCount_v2"), "nvmlDeviceGetCount_v2"},
                            std::pair{sym(nvml.handle_by_index, "nvmlDeviceGetHandleByIndex_v2"),
                                      "nvmlDeviceGetHandleByIndex_v2"},
                            std::pair{sym(nvml.name, "nvmlDeviceGetName"), "nvmlDeviceGetName"}}) {
        if (!ok) missing += std::string(missing.empty() ? "" : ", ") + name;
    }
    sym(nvml.total_energy, "nvmlDeviceGetTotalEnergyConsumption");
    sym(nvml.power, "nvmlDeviceGetPowerUsage");
    sym(nvml.error_string, "nvmlErrorString");
    if (!missing.empty()) {
        nvml_problem = "NVML: " + nvml.path + " lacks " + missing + " (driver too old?), so no GPU energy is measured";
        return;
    }
    if (const int rc = nvml.init(); rc != NVML_SUCCESS) {
        nvml_problem = "NVML: nvmlInit_v2 failed (" + nvml.describe_error(rc) +
                       "): the NVIDIA driver is not running or this user cannot reach the GPU, so no GPU energy is "
                       "measured";
        return;
    }
    nvml_inited = true;
    unsigned n = 0;
    if (const int rc = nvml.count(&n); rc != NVML_SUCCESS) {
        nvml_problem = "NVML: nvmlDeviceGetCount_v2 failed (" + nvml.describe_error(rc) + ")";
        return;
    }
    std::string skipped;
    for (unsigned i = 0; i < n; ++i) {
        Gpu g;
        g.index = i;
        g.part = "gpu" + std::to_string(i);
        if (nvml.handle_by_index(i, &g.handle) != NVML_SUCCESS) continue;
        char name[96] = {};  // NVML_DEVICE_NAME_V2_BUFFER_SIZE
        if (nvml.name(g.handle, name, sizeof name) == NVML_SUCCESS) g.name = name;
        unsigned long long mj = 0;
        unsigned mw = 0;
        if (nvml.total_energy && nvml.total_energy(g.handle, &mj) == NVML_SUCCESS) {
            g.counter = true;
            g.last_mj = mj;
        } else if (!(nvml.power && nvml.power(g.handle, &mw) == NVML_SUCCESS)) {
            skipped += (skipped.empty() ? "" : ", ") + g.part + " " + g.name;
            continue;
        }
        gpu.push_back(g);
    }
    if (!skipped.empty())
        notes.push_back("NVML: " + skipped +
                        " reports neither an energy counter nor power draw, so its energy is not counted");
    if (gpu.empty() && nvml_problem.empty()) nvml_problem = "NVML: no GPU with an energy counter or power reading";
}

void EnergyMeter::Impl::resolve_estimate() {
    cpuinfo = read_cpuinfo(opt.cpuinfo_path);
    cpu_model = opt.cpu_model.empty() ? cpuinfo.model : opt.cpu_model;
    logical_cpus = opt.logical_cpus > 0 ? opt.logical_cpus : int(std::max(1u, std::thread::hardware_concurrency()));
    if (opt.ram_gb) {
        if (!(*opt.ram_gb >= 0)) throw Error("energy: ram_gb must be ≥ 0 (got " + fmt(*opt.ram_gb) + ")");
        ram_gb = *opt.ram_gb;
        ram_origin = "given";
    } else {
        ram_gb = memtotal_gb();
        ram_origin = "MemTotal in /proc/meminfo";
    }
    if (opt.cpu_tdp_w) {
        if (!(*opt.cpu_tdp_w > 0)) throw Error("energy: cpu_tdp_w must be > 0 watts (got " + fmt(*opt.cpu_tdp_w) + ")");
        tdp_w = *opt.cpu_tdp_w;
        tdp_origin = "given by the user";
        return;
    }
    const std::string sockets =
        cpuinfo.sockets > 1 ? " × " + std::to_string(cpuinfo.sockets) + " sockets" : std::string();
    if (const auto m = lookup_cpu_tdp(cpu_model)) {
        tdp_w = m->watts * cpuinfo.sockets;
        tdp_generic = m->generic;
        tdp_origin = "table entry \"" + m->entry + "\" " + fmt(m->watts) + " W" + sockets + " (" + m->source + ")";
        scale_to_vm_share(m->cores);
        return;
    }
    tdp_w = kGenericTdpPerSocket * cpuinfo.sockets;
    tdp_generic = true;
    tdp_origin = "unknown CPU \"" + cpu_model + "\", generic TDP " + fmt(kGenericTdpPerSocket) + " W per socket" +
                 sockets + " (give the real figure with cpu_tdp_w)";
}

// A virtual machine with a few vCPUs of a large server package does not draw the package's TDP:
// scale the TDP by its share of the package's hardware threads (2 per core, SMT; vCPUs are threads
// on every major cloud). Cores come from the name ("64-Core Processor") or the table.
void EnergyMeter::Impl::scale_to_vm_share(int table_cores) {
    if (!cpuinfo.virtualised) return;
    int cores = table_cores;
    static const std::regex core_re(R"((\d+)-Core)");
    std::smatch mt;
    if (std::regex_search(cpu_model, mt, core_re)) cores = std::stoi(mt[1].str());
    if (cores <= 0) {
        tdp_origin += "; this is a virtual machine and the package's core count is unknown, so the TDP is the whole "
                      "package's and the estimate is an UPPER BOUND (give this VM's share with --cpu-tdp)";
        return;
    }
    const int threads = 2 * cores * cpuinfo.sockets;
    if (logical_cpus >= threads) return;
    const double share = double(logical_cpus) / double(threads);
    tdp_w *= share;
    vm_share = share;
    tdp_origin += "; virtual machine: scaled to its share of the package, " + std::to_string(logical_cpus) + " of " +
                  std::to_string(threads) + " hardware threads (" + std::to_string(cores) + " cores × 2) → " + fmt(tdp_w) + " W";
}

void EnergyMeter::Impl::plan() {
    static const std::set<std::string> modes{"auto", "rapl", "nvml", "estimate", "off"};
    if (!modes.count(opt.mode))
        throw Error("energy mode \"" + opt.mode + "\" is not one of auto, rapl, nvml, estimate, off");
    if (!(opt.ram_w_per_gb >= 0)) throw Error("energy: ram_w_per_gb must be ≥ 0 (got " + fmt(opt.ram_w_per_gb) + ")");
    if (opt.mode == "off") {
        notes.push_back("energy measurement is off (mode off): no energy figures");
        return;
    }
    resolve_estimate();
    const bool want_rapl = opt.mode == "auto" || opt.mode == "rapl";
    const bool want_nvml = opt.mode == "auto" || opt.mode == "nvml";
    if (want_rapl) probe_rapl();
    if (want_nvml) probe_nvml();

    if (opt.mode == "rapl" && !rapl_cpu_ok)
        throw Error("energy mode \"rapl\" needs readable RAPL counters, but " + rapl_problem +
                    ". Choose mode auto or estimate to fall back to the TDP estimate");
    if (opt.mode == "nvml" && gpu.empty())
        throw Error("energy mode \"nvml\" needs NVML, but " + nvml_problem +
                    ". Choose mode auto or estimate to measure without it");

    if (want_rapl) {
        if (rapl_cpu_ok) {
            cpu = Meter::Rapl;
            std::string pkgs;
            for (const auto & z : zones)
                if (z.role == RaplZone::Cpu) pkgs += (pkgs.empty() ? "" : ", ") + z.part;
            notes.push_back("RAPL: CPU energy measured from " + pkgs +
                            " (core/uncore subzones are shown but not added: they are inside their package)");
        } else if (opt.mode == "auto") {
            cpu = Meter::Estimate;
        }
        if (rapl_dram_ok) {
            ram = Meter::Rapl;
            notes.push_back("RAPL: RAM energy measured from the dram domains (not included in the package counter)");
        } else if (opt.mode == "auto") {
            ram = Meter::Estimate;
        } else {
            notes.push_back("RAPL: no readable dram domain, so RAM energy is not counted in mode rapl (mode auto "
                            "estimates it)");
        }
        if (!rapl_problem.empty()) notes.push_back(rapl_problem);
    }
    if (opt.mode == "estimate") {
        cpu = Meter::Estimate;
        ram = Meter::Estimate;
        notes.push_back("mode estimate: CPU and RAM are estimated; GPUs are not counted (NVML is not consulted)");
    }
    if (want_nvml) {
        gpus_on = !gpu.empty();
        if (gpus_on) {
            std::string devs;
            for (const auto & g : gpu)
                devs += (devs.empty() ? "" : ", ") + g.part + " " + g.name +
                        (g.counter ? " (total energy counter)" : " (power sampled every 100 ms, trapezoid rule)");
            notes.push_back("NVML: " + devs);
            if (std::any_of(gpu.begin(), gpu.end(), [](const Gpu & g) { return !g.counter; }))
                poll_every = std::chrono::milliseconds(100);
        } else {
            notes.push_back(nvml_problem);
        }
    }
    if (opt.mode == "nvml") notes.push_back("mode nvml: only GPUs are measured; CPU and RAM are not counted");

    const std::string why_cpu = opt.mode == "estimate" ? "mode estimate" : "no readable RAPL package counter";
    if (cpu == Meter::Estimate) {
        notes.push_back("CPU energy is ESTIMATED, not measured (" + why_cpu + "): TDP " + fmt(tdp_w) + " W from " +
                        tdp_origin + " × (0.1 + 0.9·load³), load = this process's CPU time / (wall time × " +
                        std::to_string(logical_cpus) + " logical CPUs)");
    }
    if (ram == Meter::Estimate) {
        const std::string why_ram = opt.mode == "estimate" ? "mode estimate" : "no readable RAPL dram domain";
        notes.push_back("RAM energy is ESTIMATED, not measured (" + why_ram + "): " + fmt(ram_gb) + " GB (" +
                        ram_origin + ") × " + fmt(opt.ram_w_per_gb) + " W/GB = " + fmt(ram_gb * opt.ram_w_per_gb) +
                        " W");
    }
}

std::string EnergyMeter::Impl::planned_source() const {
    std::vector<std::string> s;
    if (cpu == Meter::Rapl || ram == Meter::Rapl) s.push_back(kRapl);
    if (gpus_on) s.push_back(kNvml);
    if (cpu == Meter::Estimate || ram == Meter::Estimate) s.push_back(kTdp);
    return combine_sources(s);
}

bool EnergyMeter::Impl::needs_poller() const {
    return cpu == Meter::Rapl || ram == Meter::Rapl ||
           (gpus_on && std::any_of(gpu.begin(), gpu.end(), [](const Gpu & g) { return !g.counter; }));
}

void EnergyMeter::Impl::rapl_baseline() {
    for (auto & z : zones) {
        if (!z.readable) continue;
        z.acc_j = 0;
        if (const auto v = read_u64(z.energy_path, nullptr))
            z.last = *v;
    }
}

void EnergyMeter::Impl::rapl_poll() {
    for (auto & z : zones) {
        if (!z.readable) continue;
        std::string why;
        const auto v = read_u64(z.energy_path, &why);
        if (!v) {
            // Keep the last value: the energy from here to the next good read is lost, and said so.
            rapl_read_failures.emplace(z.zone, why);
            continue;
        }
        // The counter wraps at max_energy_range_uj back to 0; the poller reads it well within one
        // range, so at most one wrap lies between two reads.
        uint64_t delta = *v >= z.last ? *v - z.last : (z.max_range > z.last ? z.max_range - z.last : 0) + *v;
        z.acc_j += double(delta) * 1e-6;
        z.last = *v;
    }
}

void EnergyMeter::Impl::gpu_sample(Gpu & g, Clock::time_point now) {
    unsigned mw = 0;
    if (!nvml.power || nvml.power(g.handle, &mw) != NVML_SUCCESS) return;  // the next sample spans the gap
    const double w = mw * 1e-3;
    if (g.have_sample) g.acc_j += 0.5 * (g.last_w + w) * seconds_between(g.last_t, now);
    g.last_w = w;
    g.last_t = now;
    g.have_sample = true;
}

void EnergyMeter::Impl::gpu_baseline(Clock::time_point now) {
    for (auto & g : gpu) {
        g.acc_j = 0;
        if (g.counter) {
            unsigned long long mj = 0;
            if (nvml.total_energy(g.handle, &mj) == NVML_SUCCESS) g.last_mj = mj;
        } else {
            g.have_sample = false;
            gpu_sample(g, now);
        }
    }
}

void EnergyMeter::Impl::poll_loop() {
    std::unique_lock lock(mu);
    while (!stop) {
        cv.wait_for(lock, poll_every, [&] { return stop; });
        if (stop) break;
        if (cpu == Meter::Rapl || ram == Meter::Rapl) rapl_poll();
        const auto now = Clock::now();
        for (auto & g : gpu)
            if (!g.counter) gpu_sample(g, now);
    }
}

EnergyMeter::EnergyMeter(EnergyOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->plan();
}

EnergyMeter::~EnergyMeter() = default;

void EnergyMeter::start() {
    Impl & m = *impl_;
    {
        std::lock_guard lock(m.mu);
        m.rapl_baseline();
        m.t0 = Clock::now();
        m.cpu0 = process_cpu_seconds();
        if (m.gpus_on) m.gpu_baseline(m.t0);
        m.started = true;
    }
    if (!m.poller.joinable() && m.needs_poller()) m.poller = std::thread([&m] { m.poll_loop(); });
}

EnergyReading EnergyMeter::lap() {
    Impl & m = *impl_;
    std::lock_guard lock(m.mu);
    if (!m.started) throw Error("EnergyMeter::lap() called before start()");
    const auto now = Clock::now();
    const double cpu_now = process_cpu_seconds();
    EnergyReading r;
    r.seconds = seconds_between(m.t0, now);

    if (m.cpu == Impl::Meter::Rapl || m.ram == Impl::Meter::Rapl) {
        m.rapl_poll();
        for (auto & z : m.zones) {
            if (!z.readable || z.role == RaplZone::Ignored) continue;
            const bool counted = (z.role == RaplZone::Cpu && m.cpu == Impl::Meter::Rapl) ||
                                 (z.role == RaplZone::Ram && m.ram == Impl::Meter::Rapl) ||
                                 (z.role == RaplZone::Inside && m.cpu == Impl::Meter::Rapl);
            if (!counted) continue;
            r.parts.push_back({z.part, z.acc_j, kRapl, z.inside});
            if (z.role == RaplZone::Cpu) r.cpu_j += z.acc_j;
            if (z.role == RaplZone::Ram) r.ram_j += z.acc_j;
            z.acc_j = 0;
        }
        for (const auto & [zone, why] : m.rapl_read_failures)
            if (m.rapl_failures_noted.insert(zone).second)
                m.notes.push_back("RAPL: reading " + zone + "/energy_uj failed during the run (" + why +
                                  "); its energy until the next good read is missing");
    }
    if (m.gpus_on) {
        for (auto & g : m.gpu) {
            double j = 0;
            if (g.counter) {
                unsigned long long mj = 0;
                if (m.nvml.total_energy(g.handle, &mj) == NVML_SUCCESS) {
                    j = mj >= g.last_mj ? double(mj - g.last_mj) * 1e-3 : 0.0;  // a reset counter (driver reload)
                    g.last_mj = mj;
                }
            } else {
                m.gpu_sample(g, now);
                j = g.acc_j;
                g.acc_j = 0;
            }
            r.parts.push_back({g.part, j, kNvml, ""});
            r.gpu_j += j;
        }
    }
    if (m.cpu == Impl::Meter::Estimate) {
        const double wall = r.seconds * m.logical_cpus;
        r.cpu_load = wall > 0 ? std::clamp((cpu_now - m.cpu0) / wall, 0.0, 1.0) : 0.0;
        r.cpu_j = estimated_cpu_watts(m.tdp_w, r.cpu_load) * r.seconds;
        r.parts.push_back({"cpu", r.cpu_j, kTdp, ""});
    }
    if (m.ram == Impl::Meter::Estimate) {
        r.ram_j = m.ram_gb * m.opt.ram_w_per_gb * r.seconds;
        r.parts.push_back({"ram", r.ram_j, kTdp, ""});
    }
    std::vector<std::string> sources;
    for (const auto & p : r.parts) sources.push_back(p.source);
    r.source = combine_sources(sources);

    m.t0 = now;
    m.cpu0 = cpu_now;
    return r;
}

const std::vector<std::string> & EnergyMeter::notes() const { return impl_->notes; }

std::string EnergyMeter::source() const { return impl_->planned_source(); }

nlohmann::json EnergyMeter::describe() const {
    const Impl & m = *impl_;
    auto meter = [](Impl::Meter x) -> std::string {
        switch (x) {
            case Impl::Meter::Rapl: return "rapl";
            case Impl::Meter::Estimate: return "estimate";
            case Impl::Meter::None: break;
        }
        return "none";
    };
    nlohmann::json j;
    j["mode"] = m.opt.mode;
    j["source"] = m.planned_source();
    j["notes"] = m.notes;
    const bool est_cpu = m.cpu == Impl::Meter::Estimate;
    const bool est_ram = m.ram == Impl::Meter::Estimate;
    j["cpu"] = {{"meter", meter(m.cpu)},
                {"model", m.cpu_model},
                {"sockets", m.cpuinfo.sockets},
                {"logical_cpus", m.logical_cpus},
                {"tdp_w", est_cpu ? nlohmann::json(m.tdp_w) : nlohmann::json(nullptr)},
                {"tdp_origin", est_cpu ? nlohmann::json(m.tdp_origin) : nlohmann::json(nullptr)},
                {"tdp_generic", est_cpu ? nlohmann::json(m.tdp_generic) : nlohmann::json(nullptr)},
                {"virtual_machine", m.cpuinfo.virtualised},
                {"vm_share", est_cpu ? nlohmann::json(m.vm_share) : nlohmann::json(nullptr)}};
    j["ram"] = {{"meter", meter(m.ram)},
                {"gb", m.ram_gb},
                {"gb_origin", m.ram_origin},
                {"w_per_gb", est_ram ? nlohmann::json(m.opt.ram_w_per_gb) : nlohmann::json(nullptr)}};
    nlohmann::json zones = nlohmann::json::array();
    for (const auto & z : m.zones) {
        static const char * roles[] = {"cpu", "inside", "ram", "ignored"};
        nlohmann::json zj{{"zone", z.zone},
                          {"name", z.name},
                          {"part", z.part},
                          {"role", roles[z.role]},
                          {"readable", z.readable},
                          {"max_energy_range_uj", z.max_range}};
        if (!z.inside.empty()) zj["inside"] = z.inside;
        zones.push_back(zj);
    }
    j["rapl"] = {{"root", m.opt.powercap_root}, {"zones", zones}};
    nlohmann::json devices = nlohmann::json::array();
    for (const auto & g : m.gpu)
        devices.push_back({{"index", g.index},
                           {"name", g.name},
                           {"part", g.part},
                           {"method", g.counter ? "energy_counter" : "power_sampling"}});
    j["nvml"] = {{"library", m.nvml.lib ? nlohmann::json(m.nvml.path) : nlohmann::json(nullptr)},
                 {"devices", devices}};
    return j;
}

}  // namespace rightsize
