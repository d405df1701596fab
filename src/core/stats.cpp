#include <rightsize/stats.h>

#include <algorithm>
#include <map>
#include <random>
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

RatioInterval bootstrap_ratio(std::span<const double> num, std::span<const double> den, double scale, int resamples, unsigned seed) {
    RatioInterval r;
    r.n = std::min(num.size(), den.size());
    if (r.n == 0) return r;
    const auto ratio = [scale](double a, double b) { return b != 0 ? scale * a / b : 0.0; };
    double sn = 0, sd = 0;
    for (size_t i = 0; i < r.n; ++i) {
        sn += num[i];
        sd += den[i];
    }
    r.value = ratio(sn, sd);
    r.lo = r.hi = r.value;
    if (r.n < 2 || resamples < 2) return r;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, r.n - 1);
    std::vector<double> draws(static_cast<size_t>(resamples), 0.0);
    for (auto & d : draws) {
        double a = 0, b = 0;
        for (size_t k = 0; k < r.n; ++k) {
            const size_t i = pick(rng);
            a += num[i];
            b += den[i];
        }
        d = ratio(a, b);
    }
    r.stderr_ = stddev(draws);
    r.lo = percentile(draws, 2.5);
    r.hi = percentile(draws, 97.5);
    return r;
}

RatioInterval bootstrap_ratio_by_unit(std::span<const double> num, std::span<const double> den, std::span<const long long> unit,
                                      double scale, int resamples, unsigned seed) {
    std::map<long long, std::pair<double, double>> sums;
    const size_t n = std::min({num.size(), den.size(), unit.size()});
    for (size_t i = 0; i < n; ++i) {
        auto & s = sums[unit[i]];
        s.first += num[i];
        s.second += den[i];
    }
    std::vector<double> a, b;
    for (const auto & [id, s] : sums) {
        a.push_back(s.first);
        b.push_back(s.second);
    }
    return bootstrap_ratio(a, b, scale, resamples, seed);
}

}  // namespace rightsize
