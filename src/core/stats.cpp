#include <rightsize/stats.h>

#include <algorithm>
#include <cmath>

namespace rightsize {

double percentile(std::span<const double> values, double p) {
    if (values.empty()) return 0.0;
    std::vector<double> v(values.begin(), values.end());
    std::sort(v.begin(), v.end());
    const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * double(v.size() - 1);
    const size_t lo = size_t(std::floor(rank));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

double mean(std::span<const double> values) {
    if (values.empty()) return 0.0;
    double s = 0.0;
    for (double x : values) s += x;
    return s / double(values.size());
}

double stddev(std::span<const double> values) {
    if (values.size() < 2) return 0.0;
    const double m = mean(values);
    double s = 0.0;
    for (double x : values) s += (x - m) * (x - m);
    return std::sqrt(s / double(values.size() - 1));
}

Summary summarize(std::span<const double> values) {
    Summary s;
    s.n = values.size();
    if (values.empty()) return s;
    s.mean = mean(values);
    s.p50 = percentile(values, 50);
    s.p90 = percentile(values, 90);
    s.p99 = percentile(values, 99);
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    return s;
}

}  // namespace rightsize
