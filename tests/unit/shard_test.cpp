// Deterministic shards (shard.h): --shard I/N, the Slurm and Kubernetes environments, and the
// assignment of work units, which must not depend on the units' order and must spread the costly ones.
#include "test_support.h"

#include <rightsize/error.h>
#include <rightsize/shard.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

std::function<const char *(const char *)> environment(std::map<std::string, std::string> vars) {
    auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
    return [held](const char * name) -> const char * {
        const auto it = held->find(name);
        return it == held->end() ? nullptr : it->second.c_str();
    };
}

}  // namespace

TEST(Shard, ParsesIndexOverCountAndNamesBadForms) {
    const Shard s = parse_shard("2/5");
    EXPECT_EQ(s.index, 2);
    EXPECT_EQ(s.count, 5);
    EXPECT_EQ(s.source, "--shard");
    for (const char * bad : {"5/5", "a/3", "1/0", "-1/2", "1", "1/2/3", "/4", "3/", " 1/4"}) {
        const auto msg = error_message([&] { parse_shard(bad); });
        EXPECT_NE(msg.find(std::string("--shard '") + bad + "'"), std::string::npos) << bad << ": " << msg;
    }
    EXPECT_NE(error_message([&] { parse_shard("5/5"); }).find("below the count (0 to 4)"), std::string::npos);
}

TEST(Shard, ComesFromSlurmArraysAndKubernetesIndexedJobs) {
    EXPECT_FALSE(shard_from_environment(environment({}), std::nullopt).has_value());
    const auto slurm = shard_from_environment(environment({{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_MIN", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}),
                                              std::nullopt);
    ASSERT_TRUE(slurm);
    EXPECT_EQ(slurm->index, 2);  // array 3-6: the third task
    EXPECT_EQ(slurm->count, 4);
    EXPECT_NE(slurm->source.find("Slurm"), std::string::npos);
    const auto k8s = shard_from_environment(environment({{"JOB_COMPLETION_INDEX", "2"}}), 3);
    ASSERT_TRUE(k8s);
    EXPECT_EQ(k8s->index, 2);
    EXPECT_EQ(k8s->count, 3);
    EXPECT_NE(k8s->source.find("Kubernetes"), std::string::npos);

    const auto outside = error_message([] {
        shard_from_environment(environment({{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}), std::nullopt);
    });
    EXPECT_NE(outside.find("outside the array 0…3"), std::string::npos) << outside;
    const auto word = error_message([] { shard_from_environment(environment({{"SLURM_ARRAY_TASK_ID", "two"}}), std::nullopt); });
    EXPECT_NE(word.find("SLURM_ARRAY_TASK_ID='two' is not a whole number"), std::string::npos) << word;
    const auto no_count = error_message([] { shard_from_environment(environment({{"JOB_COMPLETION_INDEX", "1"}}), std::nullopt); });
    EXPECT_NE(no_count.find("--shard-count"), std::string::npos) << no_count;
    const auto over = error_message([] { shard_from_environment(environment({{"JOB_COMPLETION_INDEX", "3"}}), 3); });
    EXPECT_NE(over.find("not below --shard-count 3"), std::string::npos) << over;
}

TEST(Shard, AssignmentIsBalancedSpreadsGenerationAndIgnoresOrder) {
    std::vector<WorkUnit> units;
    for (const char * model : {"smollm2", "gemma"}) {
        for (size_t c = 0; c < 2; ++c) units.push_back({model, "gsm8k", c, expected_cost(32, true, 0, 256, 1)});
        for (size_t c = 0; c < 20; ++c) units.push_back({model, "arc_easy", c, expected_cost(32, false, 4, 0, 1)});
    }
    const int n = 4;
    const auto shard = assign_shards(units, n);
    ASSERT_EQ(shard.size(), units.size());
    std::vector<double> load(n, 0);
    std::vector<int> slow(n, 0);
    for (size_t u = 0; u < units.size(); ++u) {
        ASSERT_GE(shard[u], 0);
        ASSERT_LT(shard[u], n);
        load[size_t(shard[u])] += units[u].cost;
        if (units[u].task == "gsm8k") ++slow[size_t(shard[u])];
    }
    EXPECT_EQ(slow, (std::vector<int>{1, 1, 1, 1})) << "each shard gets one of the four generation chunks";
    const double total = std::accumulate(load.begin(), load.end(), 0.0);
    double biggest = 0;
    for (const auto & u : units) biggest = std::max(biggest, u.cost);
    const double lower_bound = std::max(total / n, biggest);
    EXPECT_LE(*std::max_element(load.begin(), load.end()), lower_bound * 4.0 / 3.0);

    // The same units in another order: every unit keeps its shard.
    std::vector<size_t> perm(units.size());
    std::iota(perm.begin(), perm.end(), size_t(0));
    std::shuffle(perm.begin(), perm.end(), std::mt19937(7));
    std::vector<WorkUnit> shuffled;
    for (size_t p : perm) shuffled.push_back(units[p]);
    const auto again = assign_shards(shuffled, n);
    for (size_t k = 0; k < perm.size(); ++k) EXPECT_EQ(again[k], shard[perm[k]]) << units[perm[k]].task << " " << units[perm[k]].chunk;

    EXPECT_EQ(assign_shards(units, 1), std::vector<int>(units.size(), 0));
    EXPECT_THROW(assign_shards(units, 0), Error);
}
