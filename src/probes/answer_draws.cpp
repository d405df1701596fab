// Repeated samples of a fixed-option answer, drawn from the option distribution the model already
// gave (personality.h: draw_options). The generator is written out (splitmix64) rather than taken
// from <random>, whose distributions differ between standard libraries: a seed gives the same
// draws on every platform.
#include <rightsize/error.h>
#include "probes/personality.h"

#include <algorithm>
#include <cmath>

namespace rightsize::personality {

namespace {

uint64_t splitmix64(uint64_t & state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace

uint64_t draw_seed(uint64_t sampling_seed, const std::string & prompt_key) {
    uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a over the key, then mixed with the seed
    for (unsigned char c : prompt_key) h = (h ^ c) * 0x100000001B3ULL;
    uint64_t state = h ^ (sampling_seed * 0x9E3779B97F4A7C15ULL);
    return splitmix64(state);
}

std::vector<int> draw_options(std::span<const double> logprobs, int n, uint64_t seed) {
    if (logprobs.empty()) throw Error("draw_options: no options to draw from");
    if (n < 1) throw Error("draw_options: the number of draws must be at least 1, got " + std::to_string(n));
    const double top = *std::max_element(logprobs.begin(), logprobs.end());
    std::vector<double> cumulative;
    double sum = 0;
    for (double lp : logprobs) {
        sum += std::isfinite(lp) ? std::exp(lp - top) : 0.0;
        cumulative.push_back(sum);
    }
    std::vector<int> out;
    out.reserve(size_t(n));
    uint64_t state = seed;
    for (int i = 0; i < n; ++i) {
        const double u = double(splitmix64(state) >> 11) * 0x1.0p-53 * sum;  // uniform in [0, sum)
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        out.push_back(int(std::min<size_t>(size_t(it - cumulative.begin()), logprobs.size() - 1)));
    }
    return out;
}

}  // namespace rightsize::personality
