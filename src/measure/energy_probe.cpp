// Finding and reading the counters: RAPL zones under powercap sysfs, NVML devices through dlopen.
#include "energy_impl.h"

namespace rightsize {

void EnergyMeter::Impl::probe_rapl() {
    const fs::path root = opt.powercap_root;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        rapl_problem = "RAPL: " + root.string() +
                       " is not present (no powercap driver loaded, or a VM/container that does not expose it)";
        return;
    }
    static const PythonRegex zone_re(R"(intel-rapl:([0-9]+)(?::([0-9]+))?)");
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
        const auto m = zone_re.fullmatch(n);
        if (!m) continue;
        RaplZone z;
        z.zone = n;
        const std::string dir = (root / n).string();
        z.name = read_line(dir + "/name");
        const bool sub = m->matched(2);
        const std::string pkg_index = m->str(1);
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


}  // namespace rightsize
