// One analysis: `rightsize run` (its report.json), `rightsize report --json` and `rightsize per
// --format json` on the same run folder name the same Pareto sets, PER and recommendation, because
// all three call compare_models.
#include "run_test_support.h"

using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

// A Pareto set names models in the order its input gave them; the set is what must agree.
json sorted_sets(json pareto) {
    for (auto & [k, v] : pareto.items()) {
        if (v.is_array()) std::sort(v.begin(), v.end());
    }
    return pareto;
}

}  // namespace

TEST(OneAnalysis, RunPerAndReportAgreeOnParetoSetsPerAndRecommendation) {
    const auto tasks = make_tasks();
    const auto dir = fresh_subdir("one-analysis");
    // Two models: the tiny model and a copy under another name (same quality, its own timings).
    const auto twin = dir / "tiny-twin.gguf";
    fs::copy_file(tiny_model_path(), twin);
    const auto out = dir / "run";
    auto r = run_command(run_cmd(tasks, out, "-m " + twin.string() + " --tasks mc_colours,gen_colours --energy estimate"));
    ASSERT_EQ(r.status, 0) << r.err;
    const json from_run = read_json(out / "report.json");

    r = run_command(cli() + " report --input " + out.string() + " --json " + (dir / "analysis.json").string());
    ASSERT_EQ(r.status, 0) << r.err;
    const json from_report = read_json(dir / "analysis.json");

    r = run_command(cli() + " per --input " + out.string() + " --format json");
    ASSERT_EQ(r.status, 0) << r.err;
    const json from_per = json::parse(r.out);

    ASSERT_EQ(from_run["tasks"].size(), 2u);
    ASSERT_EQ(from_report["tasks"].size(), 2u);
    size_t recommendations = 0;
    for (size_t i = 0; i < from_run["tasks"].size(); ++i) {
        const auto & a = from_run["tasks"][i];
        const auto & b = from_report["tasks"][i];
        const std::string task = a["task"];
        SCOPED_TRACE(task);
        EXPECT_EQ(b["task"], a["task"]);
        EXPECT_EQ(sorted_sets(a["pareto"]), sorted_sets(b["pareto"]));
        ASSERT_TRUE(from_per["pareto"].contains(task));
        EXPECT_EQ(sorted_sets(from_per["pareto"][task]), sorted_sets(a["pareto"])) << "rightsize per names other Pareto sets";
        EXPECT_FALSE(a["pareto"]["all_dimensions"].empty());
        // The same recommendation, word for word.
        ASSERT_TRUE(a.contains("recommendation")) << a.dump();
        json ra = a["recommendation"], rb = b["recommendation"];
        for (auto * r : {&ra, &rb}) (*r)["within"] = sorted_sets({{"x", (*r)["within"]}})["x"], (*r)["pareto"] = sorted_sets({{"x", (*r)["pareto"]}})["x"];
        EXPECT_EQ(ra, rb);
        bool found = false;
        for (const auto & rec : from_per["recommendations"]) {
            if (rec["task"] != task) continue;
            found = true;
            json rp = rec;
            rp["within"] = sorted_sets({{"x", rp["within"]}})["x"];
            rp["pareto"] = sorted_sets({{"x", rp["pareto"]}})["x"];
            EXPECT_EQ(rp, ra);
        }
        EXPECT_TRUE(found) << "rightsize per made no recommendation for " << task;
        ++recommendations;
        // PER of every model: the same numbers in all three.
        for (const auto & row : a["rows"]) {
            bool matched = false;
            for (const auto & p : from_per["rows"]) {
                if (p["task"] != task || p["model"] != row["model"]) continue;
                matched = true;
                EXPECT_DOUBLE_EQ(p["per"].get<double>(), row["per"]["per"].get<double>());
            }
            EXPECT_TRUE(matched) << row["model"];
        }
    }
    EXPECT_EQ(recommendations, 2u);
}
