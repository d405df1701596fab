// Interleaved models (RunOptions::interleave): SmolLM2 and Gemma loaded together, taking turns
// chunk by chunk, give the same scores, the same resume and the same per-model memory as one
// model after the other.
#include "../cli/run_test_support.h"

#include <rightsize/run.h>

#include <algorithm>
#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

// ARC-Easy (4 documents, scored) and the colours generation task (6 documents), chunks of 2.
RunOptions two_models(const fs::path & out, bool interleave) {
    RunOptions o = tiny_run_options(make_tasks(), out, {"arc_easy", "gen_colours"});
    o.models = {smollm2_path(), gemma_path()};
    o.task_limits["arc_easy"] = 4;
    o.eval.data.data_dir = RIGHTSIZE_SHARED_DATA;
    o.eval.data.allow_download = false;
    o.interleave = interleave;
    return o;
}

// Who held each checkpoint: the model of the latest task start or turn before it.
struct Timeline {
    std::string holder;
    std::vector<std::string> checkpoints;
    std::vector<std::string> turns;

    void attach(RunEvents & ev) {
        auto started = ev.task_started;
        ev.task_started = [this, started](const std::string & m, const std::string & t, size_t d, size_t n) {
            holder = m;
            if (started) started(m, t, d, n);
        };
        ev.turn = [this](const std::string & m, const std::string & t) {
            holder = m;
            turns.push_back(m + " · " + t);
        };
        auto checkpoint = ev.checkpoint;
        ev.checkpoint = [this, checkpoint](long n) {
            checkpoints.push_back(holder);
            if (checkpoint) checkpoint(n);
        };
    }
};

RunOutcome run(const RunOptions & o, Recorder & rec, Timeline * timeline = nullptr) {
    RunEvents ev = rec.events();
    if (timeline) timeline->attach(ev);
    RunSession s(o, ev);
    return s.run();
}

// Every sample's scores, per model × task: what must not depend on the order models run in.
std::map<std::string, std::vector<json>> scores(const fs::path & out) {
    std::map<std::string, std::vector<json>> all;
    for (const std::string model : {"smollm2-135m-instruct-q4_1", "gemma-3-270m-q4_k_m"}) {
        for (const std::string task : {"arc_easy", "gen_colours"}) {
            for (const auto & s : read_jsonl(out / model / ("samples_" + task + ".jsonl"))) {
                all[model + " · " + task].push_back({s["doc_id"], s["filtered_resps"], s["metrics"]});
            }
        }
    }
    return all;
}

double peak_rss(const fs::path & out, const std::string & model, const std::string & task) {
    return read_json(out / model / "results.json")["efficiency"][task]["peak_rss_mb"].get<double>();
}

}  // namespace

TEST(Interleave, TurnsAlternateAndScoresMemoryAndResumeEqualOneModelAfterAnother) {
    const fs::path root = temp_dir() / "interleave";
    fs::remove_all(root);
    Recorder seq_rec, int_rec;
    run(two_models(root / "sequential", false), seq_rec);
    EXPECT_TRUE(seq_rec.said("--no-interleave"));

    Timeline timeline;
    run(two_models(root / "interleaved", true), int_rec, &timeline);
    EXPECT_TRUE(int_rec.said("interleaving 2 models chunk by chunk"));
    // 2 + 3 chunks per model, in turns: SmolLM2, Gemma, SmolLM2, Gemma …
    ASSERT_EQ(timeline.checkpoints.size(), 10u);
    for (size_t i = 0; i < timeline.checkpoints.size(); ++i) {
        EXPECT_EQ(timeline.checkpoints[i], i % 2 == 0 ? "smollm2-135m-instruct-q4_1" : "gemma-3-270m-q4_k_m") << "checkpoint " << i;
    }
    EXPECT_FALSE(timeline.turns.empty());
    EXPECT_EQ(scores(root / "interleaved"), scores(root / "sequential"));

    // Each model's own memory, with the other's subtracted: within 15 % of its peak alone (Gemma's
    // ~550 MiB would otherwise be in SmolLM2's ~330).
    for (const std::string model : {"smollm2-135m-instruct-q4_1", "gemma-3-270m-q4_k_m"}) {
        const double alone = peak_rss(root / "sequential", model, "arc_easy");
        const double together = peak_rss(root / "interleaved", model, "arc_easy");
        EXPECT_NEAR(together, alone, 0.15 * alone) << model;
    }
    const json doc = read_json(root / "interleaved" / "gemma-3-270m-q4_k_m" / "results.json");
    EXPECT_NE(doc["efficiency"]["arc_easy"]["peak_rss_scope"].get<std::string>().find("interleaved"), std::string::npos);

    // Interrupted in SmolLM2's second turn (the third checkpoint), the interleaved run resumes and
    // ends with the same scores.
    Recorder cut;
    cut.throw_after = 3;
    EXPECT_THROW(run(two_models(root / "resumed", true), cut), std::runtime_error);
    Recorder again;
    run(two_models(root / "resumed", true), again);
    EXPECT_TRUE(again.said("resuming"));
    EXPECT_EQ(scores(root / "resumed"), scores(root / "sequential"));
}
