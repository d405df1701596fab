// A probe plugged in from outside the engine, as docs/ARCHITECTURE.md "Adding a probe" shows it: a
// metric, a result processor and a report section registered by the program, a task YAML naming
// them, and a run on the tiny model whose results and report carry the probe's figures.
#include "cli/run_test_support.h"

#include "report/report_probes_common.h"

#include <rightsize/extensions.h>
#include <rightsize/report_sections.h>
#include <rightsize/run.h>

using namespace rightsize;
using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

void register_shortness_probe() {
    // prefers_short: 1 when the chosen answer is the shortest choice (lower is better here).
    register_metric("prefers_short", {"mean", false});
    register_result_processor("shortness", {.on_choice = [](const ChoiceOutcome & o, nlohmann::json & m, nlohmann::json &) {
        const auto choices = o.doc.at("choices");
        size_t shortest = 0;
        for (size_t c = 1; c < choices.size(); ++c)
            if (choices[c].get<std::string>().size() < choices[shortest].get<std::string>().size()) shortest = c;
        m["prefers_short"] = o.pred == shortest ? 1.0 : 0.0;
    }});
    register_report_section({"shortness", [](const ReportInput & in, const std::vector<std::string> & keys) -> nlohmann::json {
        using namespace report_probes;
        const Ctx c{in, keys};
        if (!has_task(c, "shortness")) return nullptr;
        auto f = family("shortness", "Preference for short answers", "a project example");
        f["tables"].push_back(table("shortness", "Short answers chosen", "",
                                    {row(c, "shortness", metric_key(c, "shortness", "prefers_short"), "prefers short", "lower", "percent")}));
        return f;
    }, {}});
}

}  // namespace

TEST(Extensions, AProbeRegisteredByTheProgramRunsAndReports) {
    register_shortness_probe();
    const auto tasks = make_tasks();
    write(tasks / "shortness.yaml", "task: shortness\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data/colours.jsonl\n"
                                    "test_split: test\noutput_type: multiple_choice\nprocess_results: shortness\n"
                                    "doc_to_text: \"Q: {{question}}\\nA:\"\ndoc_to_choice: \"{{choices}}\"\ndoc_to_target: answer\n"
                                    "metric_list:\n  - metric: prefers_short\n");
    RunOptions o;
    o.models = {tiny_model_path()};
    o.tasks = {"shortness"};
    o.include_paths = {tasks.string()};
    o.output_dir = fresh_subdir("extension-run").string();
    o.llama.n_ctx = 1024;
    o.energy.mode = "off";
    const RunOutcome r = RunSession(o).run();
    const auto & res = r.results[0]["results"]["shortness"];
    ASSERT_TRUE(res.contains("prefers_short,none")) << res.dump();
    // The figure is the share of documents whose chosen answer is the shortest choice.
    const std::string key = fs::path(tiny_model_path()).stem().string();
    double expected = 0;
    const auto samples = read_jsonl(fs::path(o.output_dir) / key / "samples_shortness.jsonl");
    for (const auto & s : samples) {
        size_t shortest = 0;
        for (size_t c = 1; c < s["choices"].size(); ++c)
            if (s["choices"][c].get<std::string>().size() < s["choices"][shortest].get<std::string>().size()) shortest = c;
        expected += s["pred"].get<size_t>() == shortest ? 1.0 : 0.0;
    }
    EXPECT_DOUBLE_EQ(res["prefers_short,none"].get<double>(), expected / double(samples.size()));
    EXPECT_FALSE(r.results[0]["higher_is_better"]["shortness"]["prefers_short"].get<bool>());
    // The report draws the section like the built-in ones.
    ASSERT_TRUE(r.analysis.contains("probes"));
    bool found = false;
    for (const auto & f : r.analysis["probes"]["families"]) found = found || f["id"] == "shortness";
    EXPECT_TRUE(found);
    EXPECT_NE(render_html(r.analysis).find("id=\"probe-shortness\""), std::string::npos);
}
