// --energy-scope (docs/energy.md, "Scope"): the process's share of RAPL and its own memory, or the
// whole machine.
#include "energy_fixture.h"

#include <gtest/gtest.h>

using namespace rightsize;
using namespace rightsize::testing::energy_fixture;
using rightsize::testing::error_message;
using rightsize::testing::fresh_subdir;

TEST(EnergyScope, ProcessScopeChargesTheProcessShareOfRaplAndItsOwnMemory) {
    // RAPL: 4 J of package and 1 J of DRAM in a window where this process used 3 of the machine's
    // 4 busy CPU-seconds: it is charged 3/4 of both; machine scope charges all of it.
    for (const std::string scope : {"machine", "process"}) {
        SCOPED_TRACE(scope);
        const fs::path root = fresh_subdir("rapl-scope-" + scope);
        write_zone(root, "intel-rapl:0", "package-0", 1'000'000);
        write_zone(root, "intel-rapl:0:0", "dram", 500'000);
        EnergyOptions o = fixture_options(root);
        o.scope = scope;
        const auto time = FakeTime::install(o);
        auto busy = std::make_shared<double>(100.0);
        o.machine_busy_seconds = [busy] { return *busy; };
        EnergyMeter m(o);
        m.start();
        set_energy(root, "intel-rapl:0", 1'000'000 + 4'000'000);
        set_energy(root, "intel-rapl:0:0", 500'000 + 1'000'000);
        time->advance(2, 3);
        *busy += 4;
        const EnergyReading r = m.lap();
        const double share = scope == "process" ? 0.75 : 1.0;
        EXPECT_NEAR(r.cpu_j, 4.0 * share, 1e-9);
        EXPECT_NEAR(r.ram_j, 1.0 * share, 1e-9);
        EXPECT_NEAR(part(r, "package-0")->joules, 4.0 * share, 1e-9);
        EXPECT_EQ(r.scope, scope);
        EXPECT_EQ(r.to_json()["scope"], scope);
        EXPECT_EQ(m.describe()["scope"], scope);
        if (scope == "process") EXPECT_DOUBLE_EQ(r.process_share, 0.75);
        else EXPECT_EQ(r.process_share, -1);
    }
    // The estimate: RAM power for the memory the process holds (2 GiB), not the machine's 8 GB.
    EnergyOptions o;
    o.mode = "estimate";
    o.cpu_tdp_w = 100;
    o.ram_gb = 8;
    o.logical_cpus = 4;
    o.scope = "process";
    o.process_rss_gb = [] { return 2.0; };
    o.machine_busy_seconds = [] { return 0.0; };
    const auto time = FakeTime::install(o);
    EnergyMeter m(o);
    EXPECT_TRUE(has_note(m, "this process's resident memory (VmRSS)"));
    m.start();
    time->advance(10, 20);
    const EnergyReading r = m.lap();
    EXPECT_DOUBLE_EQ(r.ram_j, 7.5);  // 2 GiB × 0.375 W/GB × 10 s
    EXPECT_DOUBLE_EQ(r.cpu_j, estimated_cpu_watts(100, 0.5) * 10);  // the CPU estimate is the process's in both scopes
    EnergyOptions bad;
    bad.scope = "room";
    EXPECT_NE(error_message([&] { EnergyMeter x(bad); }).find("energy scope 'room'"), std::string::npos);
}
