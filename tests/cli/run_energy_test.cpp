// `rightsize run`'s energy and carbon on the tiny model: the estimate labelled as such, RAPL counters
// read from a powercap tree that advances while the run works, energy that survives a kill and
// resume, CO2e from the carbon options, emissions.csv, the report files and the option errors.
#include "run_test_support.h"

#include <rightsize/run.h>

#include <atomic>
#include <cmath>
#include <numeric>
#include <sstream>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

double sum_sample_energy(const std::vector<json> & samples) {
    double total = 0;
    for (const auto & s : samples) {
        const auto & e = s.at("energy");
        total += e["cpu_j"].get<double>() + e["ram_j"].get<double>() + e["gpu_j"].get<double>();
    }
    return total;
}

std::vector<std::vector<std::string>> read_csv_rows(const fs::path & p) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) {
        // The fields these tests look at never hold commas inside quotes.
        std::vector<std::string> cells;
        std::stringstream ss(line);
        for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

size_t column(const std::vector<std::string> & header, const std::string & name) {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << "emissions.csv lacks column " << name;
    return size_t(it - header.begin());
}

}  // namespace

TEST(RunEnergy, EstimateIsLabelledAndCarbonFollowsTheOptions) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("energy-estimate");
    const auto r = run_command(run_cmd(tasks, out, "--tasks mc_colours,gen_colours --energy estimate --cpu-tdp 100 "
                                                   "--country FRA --pue 1.2"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("ESTIMATED"), std::string::npos) << r.out;  // never silent
    EXPECT_NE(r.err.find("energy: "), std::string::npos) << r.err;

    const std::string key = fs::path(tiny_model_path()).stem().string();
    const json j = read_json(out / key / "results.json");
    EXPECT_EQ(j["headline"]["mc_colours"]["metric"], "acc");
    EXPECT_EQ(j["headline"]["gen_colours"]["filter"], "first-word");
    EXPECT_EQ(j["carbon"]["pue"].get<double>(), 1.2);
    const double intensity = j["carbon"]["g_per_kwh"].get<double>();
    EXPECT_GT(intensity, 0);
    EXPECT_LT(intensity, 475);  // France's low-carbon grid, not the world default
    for (const char * task : {"mc_colours", "gen_colours"}) {
        SCOPED_TRACE(task);
        const auto & eff = j["efficiency"][task];
        const auto & e = eff["energy"];
        EXPECT_EQ(e["source"], "estimated:tdp");
        EXPECT_FALSE(e["measured"].get<bool>());
        const double total = e["total_j"].get<double>();
        EXPECT_NEAR(total, e["cpu_j"].get<double>() + e["ram_j"].get<double>() + e["gpu_j"].get<double>(), 1e-9);
        EXPECT_GT(e["cpu_j"].get<double>(), 0);
        EXPECT_GT(e["ram_j"].get<double>(), 0);
        // 100 W × (0.1 + 0.9·load³) lies between 10 and 100 W over the measured window.
        const double secs = eff["wall_s"].get<double>();
        EXPECT_LE(e["cpu_j"].get<double>(), 100.0 * secs * 1.5 + 0.05);
        EXPECT_NEAR(e["kwh"].get<double>(), total / 3.6e6, 1e-15);
        // Each document carries its share; the shares add up to the task's energy.
        const auto samples = read_jsonl(out / key / ("samples_" + std::string(task) + ".jsonl"));
        EXPECT_NEAR(sum_sample_energy(samples), total, 1e-9 * std::max(1.0, total));
        const double n = eff["n_samples"].get<double>();
        EXPECT_NEAR(e["j_per_sample"].get<double>(), total / n, 1e-12);
        // CO2e = kWh × g/kWh × PUE.
        const auto & c = eff["co2e"];
        EXPECT_NEAR(c["co2e_g"].get<double>(), total / 3.6e6 * intensity * 1.2, 1e-12);
        EXPECT_NEAR(c["g_per_1000_queries"].get<double>(), c["co2e_g"].get<double>() / n * 1000, 1e-12);
        EXPECT_EQ(c["energy_source"], "estimated:tdp");
    }
    EXPECT_TRUE(j["efficiency"]["gen_colours"]["energy"]["j_per_token"].is_number());
    EXPECT_TRUE(j["efficiency"]["mc_colours"]["energy"]["j_per_token"].is_null());

    // The database holds the same energy.
    EXPECT_EQ(sql_count(out / "rightsize.sqlite",
                        "SELECT COUNT(*) FROM task_results WHERE json_extract(efficiency_json, '$.energy.source') = 'estimated:tdp'"),
              2);

    // emissions.csv: CodeCarbon's names, one row per model × task, kWh and kg.
    const auto rows = read_csv_rows(out / "emissions.csv");
    ASSERT_EQ(rows.size(), 3u);
    const auto & h = rows[0];
    const size_t energy_col = column(h, "energy_consumed"), emissions_col = column(h, "emissions"), task_col = column(h, "task");
    column(h, "duration");
    column(h, "cpu_energy");
    column(h, "ram_energy");
    for (size_t i = 1; i < rows.size(); ++i) {
        const std::string task = rows[i].at(task_col);
        const auto & e = j["efficiency"][task]["energy"];
        EXPECT_NEAR(std::stod(rows[i].at(energy_col)), e["kwh"].get<double>(), 1e-6 * e["kwh"].get<double>() + 1e-15);
        EXPECT_NEAR(std::stod(rows[i].at(emissions_col)), j["efficiency"][task]["co2e"]["co2e_g"].get<double>() / 1000,
                    1e-6 * j["efficiency"][task]["co2e"]["co2e_g"].get<double>() / 1000 + 1e-18);
    }
    // The report files are written, and the recommendation printed.
    EXPECT_TRUE(fs::exists(out / "report.html"));
    EXPECT_TRUE(fs::exists(out / "report.md"));
    // PER, Pareto and the recommendation as JSON and CSV too.
    const json report = read_json(out / "report.json");
    ASSERT_TRUE(report.contains("tasks"));
    size_t per_rows = 0;
    for (const auto & t : report["tasks"]) {
        for (const auto & row : t["rows"]) {
            ASSERT_TRUE(row["per"].is_object()) << row.dump();
            // One model: fixed bounds (relative would give 1 by definition), at its best on speed.
            EXPECT_EQ(row["per"]["variant"], "fixed-bounds");
            EXPECT_DOUBLE_EQ(row["per"]["thr_n"].get<double>(), 1.0);
            EXPECT_DOUBLE_EQ(row["per"]["lat_n"].get<double>(), 1.0);
            EXPECT_NEAR(row["per"]["per"].get<double>(), std::pow(row["per"]["acc_n"].get<double>() * row["per"]["mem_n"].get<double>(), 0.25),
                        1e-12);
            ++per_rows;
        }
    }
    EXPECT_EQ(per_rows, 2u);
    const auto per = read_csv_rows(out / "per.csv");
    ASSERT_GE(per.size(), 3u);  // header + relative rows (+ energy-aware rows)
    EXPECT_EQ(per[0].at(column(per[0], "per")), "per");
    EXPECT_EQ(per[1].at(column(per[0], "variant")), "fixed-bounds");
    EXPECT_EQ(std::stod(per[1].at(column(per[0], "per"))), report["tasks"][0]["rows"][0]["per"]["per"].get<double>());
    EXPECT_NE(r.out.find("report.html"), std::string::npos);
}

TEST(RunEnergy, ReadsRaplCountersThatAdvanceDuringTheRun) {
    // A powercap tree like the kernel's (every zone listed at the top, subzones too): one package
    // with a dram subzone. The run (the library's RunSession, as `rightsize run` drives it) advances
    // the counters itself: every progress report inside the measured window adds 2 mJ to the
    // package and 0.2 mJ to DRAM, so the energy it must report is known exactly, with no clock.
    const auto root = fresh_subdir("energy-powercap");
    const auto pkg = root / "intel-rapl:0", dram = root / "intel-rapl:0:0";
    write(pkg / "name", "package-0\n");
    write(pkg / "max_energy_range_uj", "262143328850\n");
    write(dram / "name", "dram\n");
    write(dram / "max_energy_range_uj", "65712999613\n");
    long long p = 1000, d = 500;
    const auto set_counters = [&] {
        write(pkg / "energy_uj.tmp", std::to_string(p) + "\n");
        fs::rename(pkg / "energy_uj.tmp", pkg / "energy_uj");
        write(dram / "energy_uj.tmp", std::to_string(d) + "\n");
        fs::rename(dram / "energy_uj.tmp", dram / "energy_uj");
    };
    set_counters();
    RunOptions o;
    o.models = {tiny_model_path()};
    o.tasks = {"mc_colours"};
    o.include_paths = {make_tasks().string()};
    o.output_dir = fresh_subdir("energy-rapl").string();
    o.llama.n_threads = 2;
    o.llama.n_ctx = 1024;
    o.eval.chunk_docs = 2;
    o.energy.mode = "rapl";
    o.energy.powercap_root = root.string();
    // The counters' own joules: machine scope (process scope charges the share of busy CPU time,
    // which depends on the rest of this machine; EnergyScope.* checks it with its own counters).
    o.energy.scope = "machine";
    int advances = 0, measured = 0;
    RunEvents ev;
    ev.progress = [&](size_t) {
        p += 2000;
        d += 200;
        set_counters();
        ++advances;
    };
    // A checkpoint comes right after its chunk's meter reading: what had advanced by then is measured
    // (the progress report after the last chunk falls outside every window).
    ev.checkpoint = [&](long) { measured = advances; };
    const RunOutcome r = RunSession(o, ev).run();
    const auto & e = r.results[0]["efficiency"]["mc_colours"]["energy"];
    EXPECT_EQ(e["source"], "measured:rapl");
    EXPECT_TRUE(e["measured"].get<bool>());
    ASSERT_GT(measured, 0);
    EXPECT_NEAR(e["cpu_j"].get<double>(), measured * 2000e-6, 1e-9);
    EXPECT_NEAR(e["ram_j"].get<double>(), measured * 200e-6, 1e-9);
    EXPECT_EQ(r.energy_source.find("estimated"), std::string::npos) << r.energy_source;
}

TEST(RunEnergy, ResumedTaskEnergyCoversEveryCheckpoint) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("energy-resume");
    const std::string opts = "--tasks mc_colours --batch-docs 2 --energy estimate --cpu-tdp 50";
    const auto killed = run_command("RIGHTSIZE_KILL_AFTER_CHUNKS=1 " + run_cmd(tasks, out, opts));
    EXPECT_NE(killed.status, 0);
    const auto resumed = run_command(run_cmd(tasks, out, opts));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    const std::string key = fs::path(tiny_model_path()).stem().string();
    const json j = read_json(out / key / "results.json");
    const auto & e = j["efficiency"]["mc_colours"]["energy"];
    EXPECT_EQ(e["documents_with_energy"].get<int>(), 6);
    const auto samples = read_jsonl(out / key / "samples_mc_colours.jsonl");
    EXPECT_NEAR(sum_sample_energy(samples), e["total_j"].get<double>(), 1e-9);
    // The documents scored before the kill keep their energy.
    EXPECT_GT(samples[0]["energy"]["cpu_j"].get<double>(), 0);
}

TEST(RunEnergy, OptionErrors) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("energy-errors");
    auto r = run_command(run_cmd(tasks, out, "--tasks mc_colours --country XYZ"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("--country"), std::string::npos) << r.err;
    r = run_command(run_cmd(tasks, out, "--tasks mc_colours --country FRA --carbon-intensity 100"));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("--carbon-intensity"), std::string::npos) << r.err;
    r = run_command(run_cmd(tasks, out, "--tasks mc_colours --energy joules"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--energy"), std::string::npos) << r.err;
    r = run_command("RIGHTSIZE_POWERCAP_ROOT=" + (out / "no-such-dir").string() + " " +
                    run_cmd(tasks, out, "--tasks mc_colours --energy rapl"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("RAPL"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out / "rightsize.sqlite"));  // refused before anything was written

    r = run_command(cli() + " run --list-carbon");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("FRA"), std::string::npos);
    EXPECT_NE(r.out.find("gcp:"), std::string::npos);
}
