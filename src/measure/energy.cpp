// Energy meters around one measurement window. RAPL is read from the kernel's powercap sysfs tree,
// NVML is loaded with dlopen (so the binary runs, and builds, without an NVIDIA driver), and where
// no counter is readable the CPU and RAM are estimated from TDP and memory size. Whatever is
// estimated is said so in notes() and in the source label of every reading: never silently.
#include "energy_impl.h"

namespace rightsize {

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
    j["scope"] = scope;
    if (process_share >= 0) j["process_share"] = process_share;
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

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double estimated_cpu_watts(double tdp_w, double load) {
    const double l = std::clamp(load, 0.0, 1.0);
    return tdp_w * (0.1 + 0.9 * l * l * l);
}

// ---- EnergyMeter ----

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
    static const PythonRegex core_re(R"(([0-9]+)-Core)");
    if (const auto mt = core_re.search(cpu_model)) cores = std::stoi(mt->str(1));
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
        if (opt.scope == "process") {
            notes.push_back("RAM energy is ESTIMATED, not measured (" + why_ram + "): this process's resident memory (VmRSS) × " +
                            fmt(opt.ram_w_per_gb) + " W/GB (scope process; the machine's " + fmt(ram_gb) + " GB would be " +
                            fmt(ram_gb * opt.ram_w_per_gb) + " W)");
        } else {
            notes.push_back("RAM energy is ESTIMATED, not measured (" + why_ram + "): " + fmt(ram_gb) + " GB (" +
                            ram_origin + ") × " + fmt(opt.ram_w_per_gb) + " W/GB = " + fmt(ram_gb * opt.ram_w_per_gb) +
                            " W");
        }
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

void EnergyMeter::Impl::poll_loop() {
    std::unique_lock lock(mu);
    while (!stop) {
        cv.wait_for(lock, poll_every, [&] { return stop; });
        if (stop) break;
        if (cpu == Meter::Rapl || ram == Meter::Rapl) rapl_poll();
        const auto now = opt.clock();
        for (auto & g : gpu)
            if (!g.counter) gpu_sample(g, now);
    }
}

EnergyMeter::EnergyMeter(EnergyOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    if (impl_->opt.scope != "process" && impl_->opt.scope != "machine") {
        throw Error("energy scope '" + impl_->opt.scope + "': expected process (this process's share) or machine (everything the counters see)");
    }
    impl_->plan();
    if (impl_->process_scope()) {
        impl_->notes.push_back("energy scope process: RAPL energy is charged in proportion to this process's share of the machine's busy CPU "
                               "time; estimated RAM power is for the memory this process holds (VmRSS), not the machine's whole RAM");
    }
}

EnergyMeter::~EnergyMeter() = default;

void EnergyMeter::start() {
    Impl & m = *impl_;
    {
        std::lock_guard lock(m.mu);
        m.rapl_baseline();
        m.t0 = m.opt.clock();
        m.cpu0 = m.opt.cpu_seconds();
        if (m.process_scope()) m.busy0 = m.opt.machine_busy_seconds();
        if (m.gpus_on) m.gpu_baseline(m.t0);
        m.started = true;
    }
    if (!m.poller.joinable() && m.needs_poller()) m.poller = std::thread([&m] { m.poll_loop(); });
}

EnergyReading EnergyMeter::lap() {
    Impl & m = *impl_;
    std::lock_guard lock(m.mu);
    if (!m.started) throw Error("EnergyMeter::lap() called before start()");
    const auto now = m.opt.clock();
    const double cpu_now = m.opt.cpu_seconds();
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
        // Process scope: the memory this process holds now, for the window; machine: all of it.
        r.ram_j = (m.process_scope() ? m.opt.process_rss_gb() : m.ram_gb) * m.opt.ram_w_per_gb * r.seconds;
        r.parts.push_back({"ram", r.ram_j, kTdp, ""});
    }
    r.scope = m.opt.scope;
    if (m.process_scope()) m.apply_process_share(r, cpu_now);
    std::vector<std::string> sources;
    for (const auto & p : r.parts) sources.push_back(p.source);
    r.source = combine_sources(sources);

    m.t0 = now;
    m.cpu0 = cpu_now;
    return r;
}

// Process scope: RAPL counts the whole package and DRAM, so this process is charged its share of
// the machine's busy CPU time in the window (the rest was other processes' work).
void EnergyMeter::Impl::apply_process_share(EnergyReading & r, double cpu_now) {
    const double busy_now = opt.machine_busy_seconds();
    const double own = std::max(0.0, cpu_now - cpu0), busy = busy_now - busy0;
    busy0 = busy_now;
    if (cpu != Meter::Rapl && ram != Meter::Rapl) return;
    const double share = busy > 0 ? std::clamp(own / busy, 0.0, 1.0) : 1.0;
    r.process_share = share;
    for (auto & p : r.parts) {
        if (p.source == kRapl) p.joules *= share;
    }
    if (cpu == Meter::Rapl) r.cpu_j *= share;
    if (ram == Meter::Rapl) r.ram_j *= share;
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
    j["scope"] = m.opt.scope;
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
