// The energy meter's test fixtures: powercap trees like the kernel's, options that never reach the
// real driver, and a clock and CPU time the test moves by hand.
#pragma once

#include "test_support.h"

#include <rightsize/energy.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace rightsize::testing::energy_fixture {

namespace fs = std::filesystem;
using namespace rightsize;

// Written through a rename so the meter's poller never sees a half-written counter.
inline void write_file(const fs::path & p, const std::string & text) {
    const fs::path tmp = p.string() + ".tmp";
    std::ofstream(tmp) << text << "\n";
    fs::rename(tmp, p);
}

inline void write_zone(const fs::path & root, const std::string & zone, const std::string & name, uint64_t energy_uj,
                uint64_t max_uj = 262143328850ull) {
    fs::create_directories(root / zone);
    write_file(root / zone / "name", name);
    write_file(root / zone / "energy_uj", std::to_string(energy_uj));
    write_file(root / zone / "max_energy_range_uj", std::to_string(max_uj));
}

inline void set_energy(const fs::path & root, const std::string & zone, uint64_t energy_uj) {
    write_file(root / zone / "energy_uj", std::to_string(energy_uj));
}

// A two-socket server as the kernel lays it out: packages with core and dram subzones, and a
// platform (psys) zone that spans them and must not be counted.
inline fs::path two_socket_tree(const std::string & name) {
    const fs::path root = fresh_subdir(name);
    write_zone(root, "intel-rapl:0", "package-0", 1'000'000);
    write_zone(root, "intel-rapl:0:0", "core", 500'000);
    write_zone(root, "intel-rapl:0:1", "dram", 200'000);
    write_zone(root, "intel-rapl:1", "package-1", 3'000'000);
    write_zone(root, "intel-rapl:1:0", "core", 700'000);
    write_zone(root, "intel-rapl:1:1", "dram", 100'000);
    write_zone(root, "intel-rapl:2", "psys", 9'000'000);
    return root;
}

inline EnergyOptions fixture_options(const fs::path & root) {
    EnergyOptions o;
    o.powercap_root = root.string();
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1";  // never the real driver
    o.cpu_tdp_w = 100;
    o.ram_gb = 8;
    o.logical_cpus = 1;
    return o;
}

inline const EnergyPart * part(const EnergyReading & r, const std::string & name) {
    for (const auto & p : r.parts)
        if (p.name == name) return &p;
    return nullptr;
}

inline bool has_note(const EnergyMeter & m, const std::string & text) {
    for (const auto & n : m.notes())
        if (n.find(text) != std::string::npos) return true;
    return false;
}

// The meter's wall clock and this process's CPU time as the test sets them, so that window
// lengths, loads and energies are exact. Atomic: the meter's poller thread reads the clock too.
class FakeTime {
public:
    // Installs this fake's clock and CPU time in o; the options share it, so it outlives the test.
    static std::shared_ptr<FakeTime> install(EnergyOptions & o) {
        auto t = std::make_shared<FakeTime>();
        o.clock = [t] { return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t->wall_ns_.load())); };
        o.cpu_seconds = [t] { return double(t->cpu_ns_.load()) * 1e-9; };
        return t;
    }
    // Moves time on by wall_s seconds, during which this process used cpu_s seconds of CPU.
    void advance(double wall_s, double cpu_s = 0) {
        wall_ns_ += int64_t(wall_s * 1e9 + 0.5);
        cpu_ns_ += int64_t(cpu_s * 1e9 + 0.5);
    }

private:
    std::atomic<int64_t> wall_ns_{1'000'000'000'000};  // the clock does not start at 0
    std::atomic<int64_t> cpu_ns_{3'000'000'000};
};

}  // namespace rightsize::testing::energy_fixture
