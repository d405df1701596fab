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

// The uncertainty of a ratio of sums over documents, Σnum / Σden (a throughput: documents or
// tokens per second; a latency: seconds per document or token; energy per document), from a
// bootstrap over the documents: `resamples` draws of n documents with replacement (a fixed seed,
// so the same documents give the same interval), numerator and denominator of a document drawn
// together. `scale` multiplies the ratio (1000 for per-second from milliseconds).
struct RatioInterval {
    double value = 0;        // the ratio over every document
    double stderr_ = 0;      // the bootstrap's standard deviation
    double lo = 0, hi = 0;   // the 2.5th and 97.5th percentiles
    size_t n = 0;            // documents
};
RatioInterval bootstrap_ratio(std::span<const double> num, std::span<const double> den, double scale = 1.0,
                              int resamples = 1000, unsigned seed = 1234);
// The same over units of several documents: documents with the same `unit` id (a batch measured
// together) are summed first and drawn together; RatioInterval::n counts the units.
RatioInterval bootstrap_ratio_by_unit(std::span<const double> num, std::span<const double> den, std::span<const long long> unit,
                                      double scale = 1.0, int resamples = 1000, unsigned seed = 1234);

}  // namespace rightsize
