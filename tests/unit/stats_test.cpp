#include <rightsize/stats.h>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace rightsize;

TEST(Stats, PercentileInterpolatesLinearlyLikeNumpy) {
    const std::vector<double> v{4, 1, 3, 2};  // sorted: 1 2 3 4
    EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
    EXPECT_DOUBLE_EQ(percentile(v, 0), 1.0);
    EXPECT_DOUBLE_EQ(percentile(v, 100), 4.0);
    // numpy.percentile([1,2,3,4], 90) = 3.7
    EXPECT_NEAR(percentile(v, 90), 3.7, 1e-12);
    // numpy.percentile([1,2,3,4], 99) = 3.97
    EXPECT_NEAR(percentile(v, 99), 3.97, 1e-12);
}

TEST(Stats, SingleValueAndEmpty) {
    const std::vector<double> one{7.5};
    EXPECT_DOUBLE_EQ(percentile(one, 99), 7.5);
    EXPECT_DOUBLE_EQ(stddev(one), 0.0);
    const std::vector<double> none;
    EXPECT_DOUBLE_EQ(percentile(none, 50), 0.0);
    EXPECT_EQ(summarize(none).n, 0u);
}

TEST(Stats, MeanAndSampleStddev) {
    const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
    EXPECT_DOUBLE_EQ(mean(v), 5.0);
    // sample variance = 32/7
    EXPECT_NEAR(stddev(v), std::sqrt(32.0 / 7.0), 1e-12);
    const Summary s = summarize(v);
    EXPECT_EQ(s.n, 8u);
    EXPECT_DOUBLE_EQ(s.min, 2.0);
    EXPECT_DOUBLE_EQ(s.max, 9.0);
    EXPECT_DOUBLE_EQ(s.p50, 4.5);
}

TEST(Stats, BootstrapRatioOverBatchesGivesTheRatioAndAnIntervalAroundIt) {
    // Four batches of two documents: 1000 ms per batch of 2, except one slow batch of 2000 ms.
    const std::vector<double> cost = {500, 500, 500, 500, 1000, 1000, 500, 500};
    const std::vector<double> docs(8, 1.0);
    const std::vector<long long> batch = {0, 0, 2, 2, 4, 4, 6, 6};
    const auto r = rightsize::bootstrap_ratio_by_unit(docs, cost, batch, 1000.0);
    EXPECT_EQ(r.n, 4u);
    EXPECT_DOUBLE_EQ(r.value, 8.0 / 5.0);  // 8 documents in 5 s
    EXPECT_GT(r.stderr_, 0.0);
    EXPECT_LE(r.lo, r.value);
    EXPECT_GE(r.hi, r.value);
    EXPECT_GE(r.lo, 8.0 / 8.0 - 1e-12);  // no resample is slower than four slow batches
    EXPECT_LE(r.hi, 2.0 + 1e-12);        // nor faster than four fast ones
    // The same documents give the same interval (a fixed seed).
    const auto again = rightsize::bootstrap_ratio_by_unit(docs, cost, batch, 1000.0);
    EXPECT_EQ(again.lo, r.lo);
    EXPECT_EQ(again.hi, r.hi);
    // Equal batches: no spread. One batch: no interval.
    const std::vector<double> even = {500, 500, 500, 500};
    EXPECT_NEAR(rightsize::bootstrap_ratio_by_unit(std::vector<double>(4, 1.0), even, std::vector<long long>{0, 0, 2, 2}).stderr_, 0.0, 1e-12);
    const auto one = rightsize::bootstrap_ratio_by_unit(std::vector<double>(2, 1.0), std::vector<double>{500, 700}, std::vector<long long>{0, 0});
    EXPECT_EQ(one.n, 1u);
    EXPECT_EQ(one.stderr_, 0.0);
}
