// Scale-out (issue 14): the recipes in deploy/ run as three local processes with a scheduler's
// variables, and their merge equals the unsharded run document for document.
#include "scaleout_support.h"

#include <gtest/gtest.h>

namespace rightsize::testing::scaleout {
namespace {

// Every model's scores and every sample (timing aside) of `merged` equal those of `reference`.
void expect_same_results(const fs::path & reference, const fs::path & merged) {
    for (const auto & m : models()) {
        const std::string key = model_key(m);
        const json a = read_json(reference / key / "results.json"), b = read_json(merged / key / "results.json");
        EXPECT_EQ(a["results"], b["results"]) << key;
        EXPECT_EQ(a["n-samples"], b["n-samples"]) << key;
        EXPECT_EQ(a["config_hash"], b["config_hash"]) << key << ": the merge is the unsharded run's configuration";
        for (const std::string task : {"arc_easy", "boolq", "cute_spell"}) {
            const auto sa = read_jsonl(reference / key / ("samples_" + task + ".jsonl"));
            const auto sb = read_jsonl(merged / key / ("samples_" + task + ".jsonl"));
            ASSERT_EQ(sa.size(), 6u) << key << " " << task;
            ASSERT_EQ(sa.size(), sb.size()) << key << " " << task;
            for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(timeless(sa[i]), timeless(sb[i])) << key << " " << task << " document " << i;
        }
    }
}

// Energy and documents of a merged model × task add up over its shards.
void expect_sums_over_shards(const fs::path & shards_dir, const fs::path & merged) {
    for (const auto & m : models()) {
        const std::string key = model_key(m);
        const json doc = read_json(merged / key / "results.json");
        for (const std::string task : {"arc_easy", "boolq", "cute_spell"}) {
            const json & eff = doc["efficiency"][task];
            double joules = 0;
            size_t documents = 0;
            for (int i = 0; i < 3; ++i) {
                const fs::path f = shards_dir / ("shard-" + std::to_string(i) + "-of-3") / key / ("samples_" + task + ".jsonl");
                if (!fs::exists(f)) continue;
                for (const auto & s : read_jsonl(f)) {
                    joules += s["energy"]["cpu_j"].get<double>() + s["energy"]["ram_j"].get<double>() + s["energy"]["gpu_j"].get<double>();
                    ++documents;
                }
            }
            EXPECT_EQ(documents, 6u) << key << " " << task;
            EXPECT_NEAR(eff["energy"]["total_j"].get<double>(), joules, 1e-9 * joules) << key << " " << task;
            EXPECT_TRUE(eff["hardware_class"].is_string()) << eff.dump();
            EXPECT_GT(eff["samples_per_s"].get<double>(), 0);
            EXPECT_TRUE(eff["co2e"].is_object());
        }
    }
}

TEST(ScaleOut, SlurmArrayShardsMergeIntoTheUnshardedRunDocumentForDocument) {
    const fs::path reference = unsharded_run();
    const fs::path out = slurm_shards().out;
    const auto & results = slurm_shards().results;
    size_t units = 0;
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(results[i].status, 0) << results[i].err;
        EXPECT_NE(results[i].err.find("shard " + std::to_string(i) + "/3 (from Slurm job array (SLURM_ARRAY_TASK_ID " + std::to_string(i + 1)),
                  std::string::npos) << results[i].err;
        const json manifest = read_json(out / ("shard-" + std::to_string(i) + "-of-3") / "shard.json");
        EXPECT_EQ(manifest["status"], "complete");
        EXPECT_EQ(manifest["shard"]["units_total"], 18);
        units += manifest["shard"]["units"].get<size_t>();
    }
    EXPECT_EQ(units, 18u) << "every model × task × chunk belongs to exactly one shard";
    fs::remove_all(out / "merged");
    const auto merged = merge(quote((out / "merged").string()) + " " + quote(out.string()));
    ASSERT_EQ(merged.status, 0) << merged.err;
    expect_same_results(reference, out / "merged");
    expect_sums_over_shards(out, out / "merged");
    for (const char * f : {"report.html", "report.md", "report.json", "per.csv", "emissions.csv", "merge.json", "rightsize.sqlite"}) {
        EXPECT_TRUE(fs::exists(out / "merged" / f)) << f;
    }
    EXPECT_FALSE(read_json(out / "merged" / "merge.json")["partial"].get<bool>());
}

TEST(ScaleOut, KubernetesIndexedJobShardsMergeIntoTheUnshardedRun) {
    const fs::path reference = unsharded_run();
    const fs::path out = fresh_subdir("k8s-out");
    const IndexedJob job = indexed_job(out);
    ASSERT_EQ(job.completions, 3);
    const auto count = std::find(job.argv.begin(), job.argv.end(), "--shard-count");
    ASSERT_NE(count, job.argv.end());
    EXPECT_EQ(*(count + 1), std::to_string(job.completions)) << "--shard-count must equal the Job's completions";
    std::vector<std::string> commands;
    for (int i = 0; i < job.completions; ++i) commands.push_back(indexed_job_command(job, i));
    const auto results = run_together(commands, temp_dir() / "k8s-logs");
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(results[i].status, 0) << results[i].err;
        EXPECT_NE(results[i].err.find("Kubernetes Indexed Job (JOB_COMPLETION_INDEX " + std::to_string(i) + ")"), std::string::npos)
            << results[i].err;
    }
    const auto merged = merge(quote((out / "merged").string()) + " " + quote(out.string()));
    ASSERT_EQ(merged.status, 0) << merged.err;
    expect_same_results(reference, out / "merged");
}

}  // namespace
}  // namespace rightsize::testing::scaleout
