// Small descriptive statistics used across measurements.
#pragma once

#include <span>
#include <vector>

namespace rightsize {

// Percentiles use linear interpolation between closest ranks (numpy's default, which vLLM's
// benchmark reports use), so p50 of {1,2,3,4} is 2.5.
double percentile(std::span<const double> values, double p);
double mean(std::span<const double> values);
double stddev(std::span<const double> values);  // sample standard deviation (n−1), 0 for n < 2

struct Summary {
    double mean = 0, p50 = 0, p90 = 0, p99 = 0, min = 0, max = 0;
    size_t n = 0;
};
Summary summarize(std::span<const double> values);

}  // namespace rightsize
