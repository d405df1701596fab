// The run as a library object (run.h), embedded as a program would: a RunSession over the tiny
// generated model evaluates, checkpoints, reports through its events, writes every output file,
// and a second session resumes a run the first one left unfinished.
#include "cli/run_test_support.h"

#include <rightsize/error.h>
#include <rightsize/run.h>

#include <stdexcept>

using namespace rightsize;
using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

RunOptions tiny_run(const fs::path & tasks, const fs::path & out) { return tiny_run_options(tasks, out, {"mc_colours", "gen_colours"}); }


}  // namespace

TEST(RunSession, EvaluatesWritesEveryFileAndReportsThroughEvents) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-run");
    Recorder rec;
    RunSession session(tiny_run(tasks, out), rec.events());
    ASSERT_EQ(session.tasks().size(), 2u);
    EXPECT_EQ(session.config_hash().size(), 16u);
    EXPECT_FALSE(fs::exists(out / "rightsize.sqlite")) << "the constructor writes nothing";

    const RunOutcome r = session.run();
    EXPECT_FALSE(r.resumed);
    ASSERT_EQ(r.results.size(), 1u);
    const std::string key = fs::path(tiny_model_path()).stem().string();
    // What run() returns is what it wrote.
    const json on_disk = read_json(out / key / "results.json");
    EXPECT_EQ(on_disk["results"], r.results[0]["results"]);
    EXPECT_EQ(on_disk["run_id"].get<std::string>(), r.run_id);
    EXPECT_EQ(read_json(r.files.report_json), r.analysis);
    for (const auto & f : {r.files.db, r.files.emissions_csv, r.files.report_html, r.files.report_md, r.files.per_csv}) {
        EXPECT_TRUE(fs::is_regular_file(f)) << f;
    }
    EXPECT_EQ(read_jsonl(out / key / "samples_mc_colours.jsonl").size(), 6u);
    EXPECT_EQ(r.analysis["tasks"].size(), 2u);
    EXPECT_NE(r.energy_source.find("estimated"), std::string::npos) << r.energy_source;
    // Every speed and energy figure comes with its interval from the three batches: the figure lies
    // inside it, and a generation task's mean TTFT and TPOT have theirs.
    const json & eff = on_disk["efficiency"];
    for (const auto & [task, field] : {std::pair{"mc_colours", "samples_per_s"}, {"mc_colours", "ms_per_sample"},
                                        {"gen_colours", "tokens_per_s"}, {"gen_colours", "ms_per_token"}}) {
        const json & iv = eff[task]["uncertainty"][field];
        ASSERT_TRUE(iv.contains("ci95")) << task << " " << field << ": " << eff[task]["uncertainty"].dump();
        const double v = eff[task][field].get<double>();
        EXPECT_LE(iv["ci95"][0].get<double>(), v * (1 + 1e-9)) << task << " " << field;
        EXPECT_GE(iv["ci95"][1].get<double>(), v * (1 - 1e-9)) << task << " " << field;
        EXPECT_GE(iv["se"].get<double>(), 0.0);
    }
    EXPECT_EQ(eff["gen_colours"]["uncertainty"]["units"], 3);
    for (const char * field : {"ttft_ms_mean", "tpot_ms_mean"}) {
        const json & iv = eff["gen_colours"]["uncertainty"][field];
        ASSERT_TRUE(iv.contains("ci95")) << field << ": " << eff["gen_colours"]["uncertainty"].dump();
        const std::string what = std::string(field).substr(0, 7);
        const double mean = eff["gen_colours"][what]["mean"].get<double>();
        EXPECT_LE(iv["ci95"][0].get<double>(), mean * (1 + 1e-9)) << field;
        EXPECT_GE(iv["ci95"][1].get<double>(), mean * (1 - 1e-9)) << field;
    }
    EXPECT_TRUE(eff["mc_colours"]["energy"]["uncertainty"].contains("j_per_sample"));

    // Events: two tasks started and finished in order, progress reaching every document, three
    // checkpoints per task, and the run's id among the messages.
    ASSERT_EQ(rec.started.size(), 2u);
    EXPECT_EQ(std::get<1>(rec.started[0]), "mc_colours");
    EXPECT_EQ(std::get<2>(rec.started[0]), 0u);
    EXPECT_EQ(std::get<3>(rec.started[0]), 6u);
    EXPECT_EQ(rec.finished, (std::vector<std::string>{"mc_colours", "gen_colours"}));
    ASSERT_FALSE(rec.progress.empty());
    EXPECT_EQ(rec.progress.back(), 6u);
    EXPECT_EQ(rec.checkpoints, 6);
    EXPECT_TRUE(rec.said("run " + r.run_id)) << "no message names the run";
}

TEST(RunSession, ASecondSessionResumesTheInterruptedRun) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-resume");
    Recorder first;
    first.throw_after = 1;  // one chunk of mc_colours committed, then the program stops
    RunSession interrupted(tiny_run(tasks, out), first.events());
    EXPECT_THROW(interrupted.run(), std::runtime_error);

    Recorder second;
    RunSession again(tiny_run(tasks, out), second.events());
    EXPECT_EQ(again.config_hash(), interrupted.config_hash());
    const RunOutcome r = again.run();
    EXPECT_TRUE(r.resumed);
    ASSERT_FALSE(second.started.empty());
    EXPECT_EQ(std::get<2>(second.started[0]), 2u) << "the committed chunk is not evaluated again";
    EXPECT_TRUE(second.said("resuming, 2 of 6 documents already scored"));
    // Only the remaining chunks were evaluated, and the results cover all six documents.
    EXPECT_EQ(second.checkpoints, 2 + 3);
    const std::string key = fs::path(tiny_model_path()).stem().string();
    EXPECT_EQ(r.results[0]["n-samples"]["mc_colours"]["effective"].get<int>(), 6);
    EXPECT_EQ(read_jsonl(out / key / "samples_mc_colours.jsonl").size(), 6u);
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM runs"), 1);
}

TEST(RunSession, RefusesOptionsItCannotHonour) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-refuse");
    RunOptions o = tiny_run(tasks, out);
    o.task_limits["nonexistent"] = 3;
    const std::string msg = error_message([&] { RunSession s(o); });
    EXPECT_NE(msg.find("'nonexistent' is not one of this run's tasks (mc_colours, gen_colours)"), std::string::npos) << msg;
    EXPECT_THROW(RunSession{o}, OptionError);

    o = tiny_run(tasks, out);
    o.models.clear();
    EXPECT_THROW(RunSession{o}, OptionError);

    o = tiny_run(tasks, out);
    o.models = {(out / "missing.gguf").string()};
    const std::string missing = error_message([&] { RunSession s(o); });
    EXPECT_NE(missing.find("missing.gguf"), std::string::npos) << missing;
    EXPECT_FALSE(fs::exists(out / "rightsize.sqlite"));
}
