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
