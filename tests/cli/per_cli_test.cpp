// `rightsize per` as a user runs it: CSV and results.json in, table/CSV/JSON out, exit codes.
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <tuple>

using namespace rightsize::testing;
using nlohmann::json;

namespace {

std::string cli() { return std::string(RIGHTSIZE_CLI); }

std::string write(const std::filesystem::path & p, const std::string & text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
}

// The three models of per_test's GuideFormulaOnThreeModels: c's PER is (0.5·0.5·0.8·0.8)^(1/4) = √0.4.
// a and b: gap 0.2 > 1.96·√(0.02²+0.02²) = 0.055, so the recommendation can separate them.
const char * kCsv =
    "task,model,acc,thr,lat_ms,mem_mb,acc_stderr,size_mb,n\n"
    "t,a,0.6,10,100,1000,0.02,500,400\n"
    "t,b,0.4,30,50,250,0.02,100,400\n"
    "t,c,0.5,20,60,400,0.02,200,400\n";

}  // namespace

TEST(PerCli, CsvOutputHasTheHandComputedPer) {
    const auto csv = write(fresh_subdir("per-cli-csv") / "per.csv", kCsv);
    const auto r = run_command(cli() + " per --input " + csv + " --format csv");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out,
              "variant,normalisation,task,model,per,acc_n,thr_n,lat_n,mem_n,energy_n,per_ci95_lo,per_ci95_hi\n"
              "relative,min-max,t,a,0.000000,1.000000,0.000000,0.000000,0.000000,,,\n"
              "relative,min-max,t,b,0.000000,0.000000,1.000000,1.000000,1.000000,,,\n"
              "relative,min-max,t,c,0.632456,0.500000,0.500000,0.800000,0.800000,,,\n");
}

TEST(PerCli, JsonCarriesRowsParetoAndRecommendation) {
    const auto csv = write(fresh_subdir("per-cli-json") / "per.csv", kCsv);
    const auto r = run_command(cli() + " per -i " + csv + " --format json");
    ASSERT_EQ(r.status, 0) << r.err;
    const json out = json::parse(r.out);
    EXPECT_EQ(out["variant"], "relative");
    EXPECT_EQ(out["normalisation"], "min-max");
    ASSERT_EQ(out["rows"].size(), 3u);
    EXPECT_EQ(out["rows"][2]["model"], "c");
    EXPECT_NEAR(out["rows"][2]["per"].get<double>(), std::sqrt(0.4), 1e-12);
    EXPECT_NEAR(out["rows"][2]["lat_n"].get<double>(), 0.8, 1e-12);
    // (acc ↑, thr ↑, lat ↓, mem ↓): each of a, b, c trades something, so none is dominated; on
    // quality and latency alone c (0.5, 60 ms) is beaten by neither a (0.6, 100 ms) nor b (0.4, 50 ms).
    EXPECT_EQ(out["pareto"]["t"]["all_dimensions"], json({"a", "b", "c"}));
    EXPECT_EQ(out["pareto"]["t"]["quality_latency"], json({"a", "b", "c"}));
    EXPECT_TRUE(out["pareto"]["t"]["quality_energy"].is_null()) << "no model has energy";
    EXPECT_TRUE(out["no_recommendation"].empty());
    ASSERT_EQ(out["recommendations"].size(), 1u);
    const auto & rec = out["recommendations"][0];
    EXPECT_EQ(rec["best_model"], "a");
    EXPECT_EQ(rec["smallest_within"], "a");  // c's gap 0.1 is beyond 2 points and significant
    EXPECT_EQ(rec["separable"], true);
    EXPECT_NE(rec["text"].get<std::string>().find("a (0.60 ± 0.02) is the most accurate"), std::string::npos) << rec["text"];
}

TEST(PerCli, TableNamesTheVariantAndFixedBoundsHoldWhenAModelIsAdded) {
    const auto dir = fresh_subdir("per-cli-bounds");
    const auto three = write(dir / "three.csv", kCsv);
    const auto four = write(dir / "four.csv", std::string(kCsv) + "t,d,0.9,100,10,100,0.02,50,400\n");
    const std::string bounds = " --bounds acc=0:1,thr=0:40,lat=0:200,mem=0:2000 --format json";
    const auto a = run_command(cli() + " per -i " + three + bounds);
    const auto b = run_command(cli() + " per -i " + four + bounds);
    ASSERT_EQ(a.status, 0) << a.err;
    ASSERT_EQ(b.status, 0) << b.err;
    const json ja = json::parse(a.out), jb = json::parse(b.out);
    EXPECT_EQ(ja["variant"], "fixed-bounds");  // --bounds alone selects the variant
    // c: (0.5 · 20/40 · (1−60/200) · (1−400/2000))^(1/4) = 0.14^(1/4)
    EXPECT_NEAR(ja["rows"][2]["per"].get<double>(), std::pow(0.14, 0.25), 1e-12);
    for (size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(jb["rows"][i]["per"].get<double>(), ja["rows"][i]["per"].get<double>()) << i;

    const auto table = run_command(cli() + " per -i " + three + " --variant fixed-bounds --bounds acc=0:1,thr=0:40,lat=0:200,mem=0:2000");
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_EQ(table.out.rfind("PER variant: fixed-bounds", 0), 0u) << table.out;
    EXPECT_NE(table.out.find("acc_n"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("Pareto set"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("Recommendation:"), std::string::npos) << table.out;
}

TEST(PerCli, ReadsTheFolderRunWrites) {
    const auto dir = fresh_subdir("per-cli-run");
    for (auto [model, acc, rate, mb] : {std::tuple{"big", 0.7, 5.0, 500.0}, std::tuple{"small", 0.69, 20.0, 50.0}}) {
        const json j = {{"results", {{"arc_easy", {{"acc,none", acc}, {"acc_stderr,none", 0.002}, {"alias", "arc_easy"}}}}},
                        {"model", {{"path", std::string("/m/") + model + ".gguf"}, {"model_mb", mb}}},
                        {"efficiency",
                         {{"arc_easy",
                           {{"granularity", "samples"}, {"n_samples", 2000}, {"samples_per_s", rate}, {"ms_per_sample", 1000 / rate},
                            {"peak_rss_mb", 100 * rate}}}}}};
        write(dir / model / "results.json", j.dump());
    }
    const auto r = run_command(cli() + " per --input " + dir.string());
    ASSERT_EQ(r.status, 0) << r.err;
    // gap 0.01 > 1.96·√(0.002²+0.002²) = 0.0055: big is really more accurate, and small (50 MB)
    // is within 2 points of it. Figures show as many decimals as the stderr's first digit needs.
    EXPECT_NE(r.out.find("On arc_easy, big (0.700 ± 0.002) is the most accurate; small (50.0 MB, 0.690 ± 0.002) is the smallest "
                         "model within 2 points of it."),
              std::string::npos)
        << r.out;
}

TEST(PerCli, BadInputExitsWithOneClearMessage) {
    const auto dir = fresh_subdir("per-cli-bad");
    const auto bad = write(dir / "per.csv", "task,model,acc,thr,lat_ms,mem_mb\nt,a,0.5,10,100,200\nt,b,0.4,12,90,250\nt,c,0.6,fast,80,300\n");
    const auto r = run_command(cli() + " per --input " + bad);
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(bad + ":4: column 'thr': 'fast' is not a number"), std::string::npos) << r.err;

    const auto missing = run_command(cli() + " per --input " + (dir / "absent.csv").string());
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;

    const auto no_input = run_command(cli() + " per");
    EXPECT_EQ(no_input.status, 2);
    EXPECT_NE(no_input.err.find("--input"), std::string::npos) << no_input.err;

    const auto good = write(dir / "good.csv", kCsv);
    const auto energy = run_command(cli() + " per -i " + good + " --variant energy-aware");
    EXPECT_EQ(energy.status, 1);
    EXPECT_NE(energy.err.find("energy-aware PER needs energy"), std::string::npos) << energy.err;
    const auto variant = run_command(cli() + " per -i " + good + " --variant fastest");
    EXPECT_EQ(variant.status, 2);
    EXPECT_NE(variant.err.find("relative, fixed-bounds, weighted or energy-aware"), std::string::npos) << variant.err;
}
