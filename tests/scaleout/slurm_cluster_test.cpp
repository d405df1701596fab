// The Slurm recipe on a real one-node Slurm cluster (Debian's slurm-wlm, started here by
// deploy/slurm/local-cluster.sh): deploy/slurm/submit.sh submits the array and the merge with
// sbatch, and the merged result equals the unsharded run.
#include "scaleout_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace rightsize::testing::scaleout {
namespace {

// The local cluster, stopped at the end.
struct LocalSlurm {
    fs::path dir = fresh_subdir("slurm-cluster");
    bool up = false;
    std::string why;
    LocalSlurm() {
        const auto r = run_command(quote(std::string(RIGHTSIZE_SOURCE_DIR) + "/deploy/slurm/local-cluster.sh") + " start " + quote(dir.string()));
        up = r.status == 0;
        why = r.err;
    }
    ~LocalSlurm() { run_command(quote(std::string(RIGHTSIZE_SOURCE_DIR) + "/deploy/slurm/local-cluster.sh") + " stop " + quote(dir.string())); }
    std::string env() const { return "SLURM_CONF=" + quote((dir / "slurm.conf").string()) + " "; }
};

TEST(SlurmCluster, SbatchArrayAndMergeJobEqualTheUnshardedRun) {
    if (run_command("command -v sbatch").status != 0) GTEST_SKIP() << "no sbatch: scripts/install-deps.sh installs slurm-wlm";
    const fs::path reference = unsharded_run();
    LocalSlurm cluster;
    ASSERT_TRUE(cluster.up) << cluster.why;
    const fs::path work = fresh_subdir("slurm-submit");
    std::string models_list;
    for (const auto & m : models()) models_list += (models_list.empty() ? "" : ",") + m;
    const std::string env = cluster.env() + "RIGHTSIZE=" + quote(run_cli::cli()) + " RS_MODELS=" + quote(models_list) + " RS_TASKS=" + kTasks +
                            " RS_THREADS=2 RS_OUT=" + quote((work / "out").string()) + " RS_ARGS=" +
                            quote(std::string("--data-dir ") + RIGHTSIZE_SHARED_DATA + " " + kSmall) +
                            " RS_SBATCH_ARGS='--cpus-per-task=1 --mem=2000' RIGHTSIZE_OFFLINE=1 ";
    const auto submitted = run_command("cd " + quote(work.string()) + " && " + env + "sh " +
                                       quote(std::string(RIGHTSIZE_SOURCE_DIR) + "/deploy/slurm/submit.sh") + " 3");
    ASSERT_EQ(submitted.status, 0) << submitted.err;
    EXPECT_NE(submitted.out.find("(array 0-2)"), std::string::npos) << submitted.out;
    // Wait for every job to leave the queue (the merge runs after the array: afterok).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(8);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto q = run_command(cluster.env() + "squeue -h -o %i");
        if (q.status == 0 && q.out.empty()) break;
        std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    std::string logs;
    for (const auto & e : fs::directory_iterator(work)) {
        if (e.path().extension() == ".log") logs += e.path().filename().string() + ":\n" + run_cli::read_text(e.path()).substr(0, 2000) + "\n";
    }
    ASSERT_TRUE(fs::exists(work / "out" / "merged" / "merge.json")) << logs;
    for (int i = 0; i < 3; ++i) {
        EXPECT_NE(logs.find("from Slurm job array (SLURM_ARRAY_TASK_ID " + std::to_string(i) + ")"), std::string::npos) << logs;
    }
    for (const auto & m : models()) {
        const std::string key = model_key(m);
        EXPECT_EQ(read_json(work / "out" / "merged" / key / "results.json")["results"], read_json(reference / key / "results.json")["results"]);
    }
}

}  // namespace
}  // namespace rightsize::testing::scaleout
