#include "test_support.h"
#include "energy_fixture.h"

#include <rightsize/energy.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sys/wait.h>
#include <unistd.h>

using namespace rightsize;
using rightsize::testing::error_message;
using rightsize::testing::fresh_subdir;
namespace fs = std::filesystem;

using namespace rightsize::testing::energy_fixture;

TEST(EnergyRapl, SumsPackagesAsCpuAndDramAsRamWithSubzonesShownNotAdded) {
    const fs::path root = two_socket_tree("rapl-two-socket");
    EnergyMeter m(fixture_options(root));
    EXPECT_EQ(m.source(), "measured:rapl");
    m.start();
    set_energy(root, "intel-rapl:0", 1'000'000 + 1'250'000);  // +1.25 J
    set_energy(root, "intel-rapl:0:0", 500'000 + 400'000);    // +0.4 J
    set_energy(root, "intel-rapl:0:1", 200'000 + 300'000);    // +0.3 J
    set_energy(root, "intel-rapl:1", 3'000'000 + 2'500'000);  // +2.5 J
    set_energy(root, "intel-rapl:1:0", 700'000 + 600'000);    // +0.6 J
    set_energy(root, "intel-rapl:1:1", 100'000 + 150'000);    // +0.15 J
    set_energy(root, "intel-rapl:2", 9'000'000 + 50'000'000);  // psys +50 J: never counted
    const EnergyReading r = m.lap();

    EXPECT_NEAR(r.cpu_j, 3.75, 1e-9);
    EXPECT_NEAR(r.ram_j, 0.45, 1e-9);
    EXPECT_EQ(r.gpu_j, 0);
    EXPECT_NEAR(r.total_j(), 4.2, 1e-9);
    EXPECT_NEAR(r.kwh(), 4.2 / 3.6e6, 1e-15);
    EXPECT_EQ(r.source, "measured:rapl");
    EXPECT_TRUE(r.measured());
    EXPECT_EQ(r.cpu_load, -1);  // only the estimate reports a load
    ASSERT_NE(part(r, "package-0"), nullptr);
    EXPECT_NEAR(part(r, "package-0")->joules, 1.25, 1e-9);
    EXPECT_NEAR(part(r, "package-1")->joules, 2.5, 1e-9);
    ASSERT_NE(part(r, "core-1"), nullptr);
    EXPECT_NEAR(part(r, "core-1")->joules, 0.6, 1e-9);
    EXPECT_EQ(part(r, "core-1")->inside, "package-1");
    EXPECT_NEAR(part(r, "dram-0")->joules, 0.3, 1e-9);
    EXPECT_EQ(part(r, "dram-0")->inside, "");
    EXPECT_EQ(part(r, "psys"), nullptr);
    EXPECT_TRUE(has_note(m, "NVML: cannot load"));

    // The next lap starts where this one ended.
    set_energy(root, "intel-rapl:0", 2'250'000 + 100'000);
    const EnergyReading r2 = m.lap();
    EXPECT_NEAR(r2.cpu_j, 0.1, 1e-9);
    EXPECT_NEAR(r2.ram_j, 0.0, 1e-12);

    const auto d = m.describe();
    EXPECT_EQ(d["cpu"]["meter"], "rapl");
    EXPECT_EQ(d["ram"]["meter"], "rapl");
    EXPECT_TRUE(d["cpu"]["tdp_w"].is_null());
    EXPECT_EQ(d["rapl"]["zones"].size(), 7u);
}

TEST(EnergyRapl, CounterWrapUsesMaxEnergyRange) {
    const fs::path root = fresh_subdir("rapl-wrap");
    write_zone(root, "intel-rapl:0", "package-0", 999'000'000, 1'000'000'000);
    write_zone(root, "intel-rapl:0:0", "dram", 10, 1'000'000'000);
    EnergyMeter m(fixture_options(root));
    m.start();
    set_energy(root, "intel-rapl:0", 500'000);  // wrapped: 1'000'000 µJ to the top, 500'000 after
    set_energy(root, "intel-rapl:0:0", 20);
    const EnergyReading r = m.lap();
    EXPECT_NEAR(r.cpu_j, 1.5, 1e-9);
    EXPECT_NEAR(r.ram_j, 10e-6, 1e-12);
}

TEST(EnergyRapl, UnreadableCounterFallsBackToTheEstimateAndSaysSo) {
    const fs::path root = two_socket_tree("rapl-unreadable");
    // Tests run as root, which chmod cannot stop: a directory in place of the file fails the read.
    fs::remove(root / "intel-rapl:1" / "energy_uj");
    fs::create_directories(root / "intel-rapl:1" / "energy_uj");
    EnergyMeter m(fixture_options(root));
    EXPECT_TRUE(has_note(m, "cannot read " + (root / "intel-rapl:1" / "energy_uj").string() + " (Is a directory)"));
    EXPECT_TRUE(has_note(m, "CPU energy is ESTIMATED"));
    // The dram domains are still readable: RAM measured, CPU estimated.
    EXPECT_EQ(m.source(), "measured:rapl+estimated:tdp");
    m.start();
    set_energy(root, "intel-rapl:0:1", 200'000 + 300'000);
    const EnergyReading r = m.lap();
    EXPECT_EQ(r.source, "measured:rapl+estimated:tdp");
    EXPECT_FALSE(r.measured());
    EXPECT_NEAR(r.ram_j, 0.3, 1e-9);
    ASSERT_NE(part(r, "cpu"), nullptr);
    EXPECT_EQ(part(r, "cpu")->source, "estimated:tdp");
    EXPECT_EQ(part(r, "package-0"), nullptr);  // a partial package sum would undercount
    EXPECT_EQ(m.describe()["cpu"]["tdp_w"], 100.0);

    EnergyOptions forced = fixture_options(root);
    forced.mode = "rapl";
    const std::string msg = error_message([&] { EnergyMeter bad(forced); });
    EXPECT_NE(msg.find("intel-rapl:1/energy_uj"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mode auto or estimate"), std::string::npos) << msg;
}

// The usual real-world failure: since 2020 only root may read energy_uj. Root reads anything, so
// the check runs in a child that drops to the unprivileged user "nobody" (uid 65534).
TEST(EnergyRapl, PermissionDeniedSaysHowToGrantAccess) {
    const fs::path root = two_socket_tree("rapl-permission");
    fs::permissions(root / "intel-rapl:0" / "energy_uj", fs::perms::none);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
        EnergyMeter m(fixture_options(root));
        const bool ok = has_note(m, "cannot read " + (root / "intel-rapl:0" / "energy_uj").string() +
                                        " (Permission denied). Since the CVE-2020-8694 fix") &&
                        has_note(m, "run as root") && has_note(m, "sudo chmod a+r") &&
                        m.source() == "measured:rapl+estimated:tdp";
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the note lacks the permission advice; 2: could not drop to nobody";
}

TEST(EnergyRapl, NoDramDomainEstimatesRam) {
    const fs::path root = fresh_subdir("rapl-no-dram");
    write_zone(root, "intel-rapl:0", "package-0", 0);
    write_zone(root, "intel-rapl:0:0", "core", 0);
    EnergyOptions o = fixture_options(root);
    const auto time = FakeTime::install(o);
    EnergyMeter m(o);
    EXPECT_EQ(m.source(), "measured:rapl+estimated:tdp");
    EXPECT_TRUE(has_note(m, "RAM energy is ESTIMATED"));
    m.start();
    set_energy(root, "intel-rapl:0", 2'000'000);
    time->advance(4);
    const EnergyReading r = m.lap();
    EXPECT_NEAR(r.cpu_j, 2.0, 1e-9);
    EXPECT_DOUBLE_EQ(r.seconds, 4.0);
    EXPECT_DOUBLE_EQ(r.ram_j, 12.0);  // 8 GB × 0.375 W/GB × 4 s

    // Forcing RAPL leaves RAM out rather than mixing in an estimate.
    EnergyOptions forced = fixture_options(root);
    forced.mode = "rapl";
    EnergyMeter only(forced);
    EXPECT_EQ(only.source(), "measured:rapl");
    EXPECT_TRUE(has_note(only, "RAM energy is not counted"));
}

TEST(EnergyRapl, MissingPowercapRootMeansEstimate) {
    EnergyOptions o = fixture_options(fresh_subdir("rapl-none") / "absent");
    EnergyMeter m(o);
    EXPECT_EQ(m.source(), "estimated:tdp");
    EXPECT_TRUE(has_note(m, "is not present"));
    EXPECT_TRUE(has_note(m, "CPU energy is ESTIMATED"));
    EXPECT_TRUE(has_note(m, "RAM energy is ESTIMATED"));
}

TEST(EnergyEstimate, PowerModelAtKnownLoads) {
    EXPECT_DOUBLE_EQ(estimated_cpu_watts(100, 0), 10.0);
    EXPECT_DOUBLE_EQ(estimated_cpu_watts(100, 0.5), 100 * (0.1 + 0.9 * 0.125));  // 21.25 W
    EXPECT_DOUBLE_EQ(estimated_cpu_watts(100, 1), 100.0);
    EXPECT_DOUBLE_EQ(estimated_cpu_watts(200, 2.5), 200.0);  // clamped to 1
    EXPECT_DOUBLE_EQ(estimated_cpu_watts(200, -1), 20.0);    // clamped to 0
}

TEST(EnergyEstimate, LoadAndEnergyOfEachWindowAreExact) {
    EnergyOptions o;
    o.mode = "estimate";
    o.cpu_tdp_w = 100;
    o.ram_gb = 8;
    o.logical_cpus = 4;
    const auto time = FakeTime::install(o);
    EnergyMeter m(o);
    EXPECT_EQ(m.source(), "estimated:tdp");
    EXPECT_TRUE(has_note(m, "CPU energy is ESTIMATED"));
    m.start();

    // 10 s in which the process used 20 CPU-seconds of its 4 CPUs' 40: load 0.5, and
    // 100 W × (0.1 + 0.9·0.5³) = 21.25 W over 10 s.
    time->advance(10, 20);
    const EnergyReading r = m.lap();
    EXPECT_DOUBLE_EQ(r.seconds, 10.0);
    EXPECT_DOUBLE_EQ(r.cpu_load, 0.5);
    EXPECT_DOUBLE_EQ(r.cpu_j, estimated_cpu_watts(100, 0.5) * 10);
    EXPECT_NEAR(r.cpu_j, 212.5, 1e-9);
    EXPECT_DOUBLE_EQ(r.ram_j, 30.0);  // 8 GB × 0.375 W/GB × 10 s
    EXPECT_EQ(r.source, "estimated:tdp");
    EXPECT_FALSE(r.measured());
    ASSERT_NE(part(r, "cpu"), nullptr);
    EXPECT_DOUBLE_EQ(part(r, "cpu")->joules, r.cpu_j);
    const auto d = m.describe();
    EXPECT_EQ(d["cpu"]["tdp_w"], 100.0);
    EXPECT_EQ(d["cpu"]["tdp_origin"], "given by the user");
    EXPECT_EQ(d["ram"]["gb"], 8.0);

    // The next window counts only its own CPU time. Idle: load 0, 10% of TDP.
    time->advance(5, 0);
    const EnergyReading idle = m.lap();
    EXPECT_DOUBLE_EQ(idle.seconds, 5.0);
    EXPECT_DOUBLE_EQ(idle.cpu_load, 0.0);
    EXPECT_NEAR(idle.cpu_j, 50.0, 1e-9);  // 10 W × 5 s
    EXPECT_NEAR(idle.ram_j, 15.0, 1e-9);

    // Every CPU busy: the whole TDP. More CPU time than wall time × CPUs (the two clocks are read
    // a moment apart): clamped to 1.
    time->advance(2, 8);
    const EnergyReading full = m.lap();
    EXPECT_DOUBLE_EQ(full.cpu_load, 1.0);
    EXPECT_NEAR(full.cpu_j, 200.0, 1e-9);
    time->advance(2, 9);
    EXPECT_DOUBLE_EQ(m.lap().cpu_load, 1.0);

    // A window of no time at all has no load and no energy.
    const EnergyReading empty = m.lap();
    EXPECT_EQ(empty.seconds, 0.0);
    EXPECT_EQ(empty.cpu_load, 0.0);
    EXPECT_EQ(empty.total_j(), 0.0);
}

// A /proc/cpuinfo with `processors` logical CPUs on one socket; `vm` adds the hypervisor flag.
fs::path write_cpuinfo(const std::string & name, const std::string & model, int processors, bool vm) {
    const fs::path p = fresh_subdir("cpuinfo-" + name) / "cpuinfo";
    std::ofstream out(p);
    for (int i = 0; i < processors; ++i) {
        out << "processor\t: " << i << "\nmodel name\t: " << model << "\nphysical id\t: 0\nflags\t\t: fpu sse2 avx2"
            << (vm ? " hypervisor" : "") << " rdrand\n\n";
    }
    return p;
}

TEST(EnergyEstimate, TdpFromTheTableOrAGenericFigureSaidSo) {
    EnergyOptions o;
    o.mode = "estimate";
    o.cpu_model = "AMD EPYC 7B13 64-Core Processor";
    o.cpuinfo_path = write_cpuinfo("metal", o.cpu_model, 4, false).string();
    o.ram_gb = 1;
    EnergyMeter known(o);
    const double sockets = known.describe()["cpu"]["sockets"];
    EXPECT_EQ(sockets, 1);
    EXPECT_EQ(known.describe()["cpu"]["tdp_w"], 240.0 * sockets);
    EXPECT_FALSE(known.describe()["cpu"]["tdp_generic"].get<bool>());

    o.cpu_model = "Imaginary CPU 9000";
    EnergyMeter unknown(o);
    EXPECT_TRUE(has_note(unknown, "unknown CPU \"Imaginary CPU 9000\", generic TDP 85 W per socket"));
    EXPECT_TRUE(unknown.describe()["cpu"]["tdp_generic"].get<bool>());
}

TEST(EnergyEstimate, VirtualMachineGetsItsShareOfThePackage) {
    EnergyOptions o;
    o.mode = "estimate";
    o.ram_gb = 1;
    o.logical_cpus = 2;
    // 2 vCPUs of a 64-core (128-thread) EPYC 7B13, core count from the name: 240 W × 2/128.
    o.cpu_model = "AMD EPYC 7B13 64-Core Processor";
    o.cpuinfo_path = write_cpuinfo("vm-named", o.cpu_model, 2, true).string();
    EnergyMeter named(o);
    EXPECT_DOUBLE_EQ(named.describe()["cpu"]["tdp_w"].get<double>(), 240.0 * 2 / 128);
    EXPECT_TRUE(named.describe()["cpu"]["virtual_machine"].get<bool>());
    EXPECT_TRUE(has_note(named, "2 of 128 hardware threads"));
    // A bare "AMD EPYC": the family entry's 64 cores.
    o.cpu_model = "AMD EPYC";
    o.cpuinfo_path = write_cpuinfo("vm-bare", o.cpu_model, 2, true).string();
    EnergyMeter bare(o);
    EXPECT_DOUBLE_EQ(bare.describe()["cpu"]["tdp_w"].get<double>(), 225.0 * 2 / 128);
    // Core count unknown: the whole package, said to be an upper bound.
    o.cpu_model = "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz";
    o.cpuinfo_path = write_cpuinfo("vm-intel", o.cpu_model, 2, true).string();
    EnergyMeter intel(o);
    EXPECT_DOUBLE_EQ(intel.describe()["cpu"]["tdp_w"].get<double>(), 150.0);
    EXPECT_TRUE(has_note(intel, "UPPER BOUND"));
    // The same CPU on bare metal is not scaled.
    o.cpu_model = "AMD EPYC 7B13 64-Core Processor";
    o.cpuinfo_path = write_cpuinfo("metal-2", o.cpu_model, 2, false).string();
    EnergyMeter metal(o);
    EXPECT_DOUBLE_EQ(metal.describe()["cpu"]["tdp_w"].get<double>(), 240.0);
}

TEST(EnergyModes, OffMeasuresNothingAndBadModesAreRefused) {
    EnergyOptions o;
    o.mode = "off";
    EnergyMeter m(o);
    m.start();
    const EnergyReading r = m.lap();
    EXPECT_EQ(r.source, "none");
    EXPECT_EQ(m.source(), "none");
    EXPECT_EQ(r.total_j(), 0);
    EXPECT_TRUE(r.parts.empty());
    EXPECT_FALSE(r.measured());

    o.mode = "joules";
    EXPECT_NE(error_message([&] { EnergyMeter bad(o); }).find("auto, rapl, nvml, estimate, off"), std::string::npos);
    EnergyMeter never_started(EnergyOptions{});
    EXPECT_NE(error_message([&] { never_started.lap(); }).find("before start()"), std::string::npos);
}

TEST(EnergyTdpTable, MatchesCpuinfoNamesThroughTheirNoise) {
    auto tdp = [](const std::string & n) { return lookup_cpu_tdp(n); };
    ASSERT_TRUE(tdp("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"));
    EXPECT_EQ(tdp("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")->watts, 150);
    EXPECT_EQ(tdp("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz")->watts, 205);  // not the 6248
    EXPECT_EQ(tdp("Intel(R) Xeon(R) Platinum 8480+")->watts, 350);
    EXPECT_EQ(tdp("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz")->watts, 145);
    EXPECT_EQ(tdp("12th Gen Intel(R) Core(TM) i7-12700K")->watts, 125);
    EXPECT_EQ(tdp("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz")->watts, 65);
    EXPECT_EQ(tdp("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz")->watts, 95);  // word boundary: not "i7-8700"
    EXPECT_EQ(tdp("AMD EPYC 7B13 64-Core Processor")->watts, 240);
    EXPECT_EQ(tdp("AMD EPYC 7763 64-Core Processor")->entry, "epyc 7763");
    EXPECT_EQ(tdp("AMD Ryzen 7 5800X3D 8-Core Processor")->watts, 105);
    EXPECT_EQ(tdp("AMD Ryzen 9 7950X 16-Core Processor")->watts, 170);
    EXPECT_EQ(tdp("AMD Ryzen 7 5800H with Radeon Graphics")->watts, 45);
    EXPECT_EQ(tdp("  intel(r)   XEON(R)  silver 4214  ")->watts, 85);
    EXPECT_EQ(tdp("Apple M2 Max")->entry, "apple m2 max");
    EXPECT_NE(tdp("Apple M2 Max")->source.find("APPROXIMATE"), std::string::npos);

    // This VM's name: only the family is reported, so only the family figure, flagged generic.
    const auto bare = tdp("AMD EPYC");
    ASSERT_TRUE(bare);
    EXPECT_TRUE(bare->generic);
    EXPECT_EQ(bare->watts, 225);
    EXPECT_FALSE(tdp("AMD EPYC 7763 64-Core Processor")->generic);

    EXPECT_FALSE(tdp("Imaginary CPU 9000"));
    EXPECT_FALSE(tdp("Intel(R) Pentium(R) CPU G4560 @ 3.50GHz"));
    EXPECT_FALSE(tdp(""));
    EXPECT_EQ(normalise_cpu_name("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"), "intel xeon gold 6248");
}

TEST(EnergyReadingJson, RoundTripsAndSumsWindows) {
    EnergyReading a;
    a.seconds = 2;
    a.cpu_j = 10;
    a.ram_j = 1;
    a.cpu_load = 0.5;
    a.parts = {{"cpu", 10, "estimated:tdp", ""}, {"ram", 1, "estimated:tdp", ""}};
    a.source = "estimated:tdp";
    const nlohmann::json j = a.to_json();
    EXPECT_EQ(j["total_j"], 11.0);
    EXPECT_DOUBLE_EQ(j["kwh"].get<double>(), 11 / 3.6e6);
    EXPECT_EQ(j["measured"], false);
    const EnergyReading back = EnergyReading::from_json(j);
    EXPECT_EQ(back.to_json(), j);

    EnergyReading b;
    b.seconds = 6;
    b.cpu_j = 30;
    b.gpu_j = 5;
    b.cpu_load = 0.1;
    b.parts = {{"cpu", 30, "estimated:tdp", ""}, {"gpu0", 5, "measured:nvml", ""}};
    a += b;
    EXPECT_EQ(a.seconds, 8);
    EXPECT_EQ(a.cpu_j, 40);
    EXPECT_EQ(a.total_j(), 46);
    EXPECT_DOUBLE_EQ(a.cpu_load, (0.5 * 2 + 0.1 * 6) / 8);
    EXPECT_EQ(a.parts.size(), 3u);
    EXPECT_EQ(a.source, "measured:nvml+estimated:tdp");

    EXPECT_NE(error_message([] { EnergyReading::from_json({{"seconds", 1}}); }).find("cpu_j"), std::string::npos);
}

#ifdef RIGHTSIZE_FAKE_NVML
namespace {

fs::path nvml_state(const std::string & dir, const std::string & lines) {
    const fs::path p = fresh_subdir(dir) / "state";
    write_file(p, lines);
    setenv("FAKE_NVML_STATE", p.c_str(), 1);
    return p;
}

EnergyOptions nvml_options() {
    EnergyOptions o;
    o.mode = "nvml";
    o.nvml_library = RIGHTSIZE_FAKE_NVML;
    return o;
}

}  // namespace

TEST(EnergyNvml, EnergyCounterAndPowerSampling) {
    // gpu0 has the total energy counter; gpu1 only reports power (40 W), so it is integrated.
    const fs::path state = nvml_state("nvml-two", "1000 300000 1\n0 40000 0\n");
    EnergyOptions o = nvml_options();
    const auto time = FakeTime::install(o);
    EnergyMeter m(o);
    EXPECT_EQ(m.source(), "measured:nvml");
    EXPECT_TRUE(has_note(m, "gpu0 Fake GPU 0 (total energy counter)"));
    EXPECT_TRUE(has_note(m, "gpu1 Fake GPU 1 (power sampled"));
    m.start();
    time->advance(0.35);
    write_file(state, "13345 300000 1\n0 40000 0\n");  // +12345 mJ on gpu0
    const EnergyReading r = m.lap();
    EXPECT_DOUBLE_EQ(r.seconds, 0.35);
    ASSERT_NE(part(r, "gpu0"), nullptr);
    EXPECT_NEAR(part(r, "gpu0")->joules, 12.345, 1e-9);
    EXPECT_EQ(part(r, "gpu0")->source, "measured:nvml");
    // Constant power integrates exactly, however the poller's samples fall; the window edges are
    // sampled with the lap itself. 40 W × 0.35 s.
    EXPECT_NEAR(part(r, "gpu1")->joules, 14.0, 1e-9);
    EXPECT_NEAR(r.gpu_j, part(r, "gpu0")->joules + part(r, "gpu1")->joules, 1e-12);
    EXPECT_EQ(r.cpu_j, 0);
    EXPECT_EQ(r.ram_j, 0);
    EXPECT_TRUE(r.measured());
    EXPECT_EQ(r.source, "measured:nvml");

    // The second window restarts both: no counter change, power still 40 W, for 0.15 s.
    time->advance(0.15);
    const EnergyReading r2 = m.lap();
    EXPECT_NEAR(part(r2, "gpu0")->joules, 0, 1e-12);
    EXPECT_NEAR(part(r2, "gpu1")->joules, 6.0, 1e-9);

    const auto d = m.describe();
    EXPECT_EQ(d["nvml"]["library"], RIGHTSIZE_FAKE_NVML);
    EXPECT_EQ(d["nvml"]["devices"][1]["method"], "power_sampling");
}

TEST(EnergyNvml, WithRaplInAutoMode) {
    nvml_state("nvml-auto", "5000 100000 1\n");
    const fs::path root = two_socket_tree("nvml-auto-rapl");
    EnergyOptions o = fixture_options(root);
    o.nvml_library = RIGHTSIZE_FAKE_NVML;
    EnergyMeter m(o);
    EXPECT_EQ(m.source(), "measured:rapl+nvml");
    m.start();
    set_energy(root, "intel-rapl:0", 2'000'000);
    write_file(fs::path(getenv("FAKE_NVML_STATE")), "7000 100000 1\n");
    const EnergyReading r = m.lap();
    EXPECT_NEAR(r.cpu_j, 1.0, 1e-9);
    EXPECT_NEAR(r.gpu_j, 2.0, 1e-9);
    EXPECT_EQ(r.source, "measured:rapl+nvml");
    EXPECT_TRUE(r.measured());
}

TEST(EnergyNvml, MissingLibraryOrDriverMeansNoGpu) {
    nvml_state("nvml-missing", "0 1000 1\n");
    EnergyOptions o;
    o.mode = "auto";
    o.powercap_root = (fresh_subdir("nvml-missing-rapl") / "absent").string();
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    EnergyMeter m(o);
    EXPECT_TRUE(has_note(m, "NVML: cannot load the NVIDIA management library"));
    EXPECT_EQ(m.source(), "estimated:tdp");
    m.start();
    const EnergyReading r = m.lap();
    EXPECT_EQ(part(r, "gpu0"), nullptr);
    EXPECT_EQ(r.gpu_j, 0);

    o.mode = "nvml";
    const std::string msg = error_message([&] { EnergyMeter bad(o); });
    EXPECT_NE(msg.find("/nonexistent/libnvidia-ml.so.1"), std::string::npos) << msg;

    // The library loads but the driver is "not loaded": init fails, a note, no GPU.
    unsetenv("FAKE_NVML_STATE");
    o.mode = "auto";
    o.nvml_library = RIGHTSIZE_FAKE_NVML;
    EnergyMeter no_driver(o);
    EXPECT_TRUE(has_note(no_driver, "nvmlInit_v2 failed (code 9: Driver Not Loaded)"));
    EXPECT_TRUE(no_driver.describe()["nvml"]["devices"].empty());
}
#endif

// The one test on the real clocks. It asserts only what holds however slow or loaded the machine
// is: the laps tile the window (their lengths add up to no more than the time around them), loads
// are fractions, the CPU-time source never goes back. The cost per lap is printed, not judged.
TEST(EnergyRealClock, LapsTileTheWindowAndLoadsAreFractions) {
    const fs::path root = two_socket_tree("rapl-real-clock");
    for (const char * mode : {"auto", "estimate"}) {
        SCOPED_TRACE(mode);
        EnergyOptions o = fixture_options(root);
        o.mode = mode;
        EnergyMeter m(o);
        constexpr int kLaps = 1000;
        double cpu_before = process_cpu_seconds(), laps_s = 0;
        const auto t0 = std::chrono::steady_clock::now();
        m.start();
        for (int i = 0; i < kLaps; ++i) {
            const EnergyReading r = m.lap();
            ASSERT_GE(r.seconds, 0.0);
            laps_s += r.seconds;
            if (o.mode == "estimate") {
                ASSERT_GE(r.cpu_load, 0.0);
                ASSERT_LE(r.cpu_load, 1.0);
            }
            const double cpu_now = process_cpu_seconds();
            ASSERT_GE(cpu_now, cpu_before);
            cpu_before = cpu_now;
        }
        const double around_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_LE(laps_s, around_s + 1e-9);
        std::printf("energy lap overhead (%s): %.2f us\n", mode, around_s / kLaps * 1e6);
    }
}
