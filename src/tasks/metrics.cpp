#include <rightsize/metrics.h>

#include <rightsize/error.h>

#include "core/python_regex.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

namespace rightsize {

using text::lower;
using text::split_ws;

namespace {

template <class Score>
size_t best_by(const ChoiceScores & s, Score score) {
    if (s.logprob.empty()) throw Error("multiple-choice scoring needs at least one choice");
    size_t best = 0;
    for (size_t i = 1; i < s.logprob.size(); ++i)
        if (score(i) > score(best)) best = i;
    return best;
}

bool is_punct(unsigned char c) { return c < 128 && std::ispunct(c); }

}  // namespace

size_t argmax_raw(const ChoiceScores & s) {
    return best_by(s, [&](size_t i) { return s.logprob[i]; });
}

size_t argmax_per_char(const ChoiceScores & s) {
    return best_by(s, [&](size_t i) { return s.logprob[i] / double(std::max<size_t>(1, s.n_chars.at(i))); });
}

size_t argmax_per_token(const ChoiceScores & s) {
    return best_by(s, [&](size_t i) { return s.logprob[i] / double(std::max<size_t>(1, s.n_tokens.at(i))); });
}

bool exact_match(const std::string & prediction, const std::string & reference, const ExactMatchOptions & o) {
    std::string p = prediction, r = reference;
    for (const auto & pattern : o.regexes_to_ignore) {
        // Hugging Face evaluate's exact_match: re.sub(pattern, "", text) on both sides.
        const PythonRegex re = [&] {
            try {
                return PythonRegex(pattern);
            } catch (const Error & e) {
                throw Error(std::string("regexes_to_ignore: ") + e.what());
            }
        }();
        p = re.substitute("", p);
        r = re.substitute("", r);
    }
    if (o.ignore_case) {
        p = lower(p);
        r = lower(r);
    }
    auto drop = [](std::string & s, auto pred) { s.erase(std::remove_if(s.begin(), s.end(), pred), s.end()); };
    if (o.ignore_punctuation) {
        drop(p, [](unsigned char c) { return is_punct(c); });
        drop(r, [](unsigned char c) { return is_punct(c); });
    }
    if (o.ignore_numbers) {
        drop(p, [](unsigned char c) { return std::isdigit(c) != 0; });
        drop(r, [](unsigned char c) { return std::isdigit(c) != 0; });
    }
    return p == r;
}

std::string squad_normalize(const std::string & text) {
    std::string s = lower(text);
    s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return is_punct(c); }), s.end());
    std::string out;
    for (const auto & w : split_ws(s)) {
        if (w == "a" || w == "an" || w == "the") continue;
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

double squad_exact(const std::string & prediction, const std::vector<std::string> & golds) {
    const std::string p = squad_normalize(prediction);
    if (golds.empty()) return p.empty() ? 1.0 : 0.0;
    for (const auto & g : golds)
        if (squad_normalize(g) == p) return 1.0;
    return 0.0;
}

double squad_f1(const std::string & prediction, const std::vector<std::string> & golds) {
    const auto pred = split_ws(squad_normalize(prediction));
    if (golds.empty()) return pred.empty() ? 1.0 : 0.0;
    double best = 0.0;
    for (const auto & g : golds) {
        const auto gold = split_ws(squad_normalize(g));
        if (gold.empty() || pred.empty()) {
            best = std::max(best, gold.empty() == pred.empty() ? 1.0 : 0.0);
            continue;
        }
        std::map<std::string, int> counts;
        for (const auto & w : gold) ++counts[w];
        int common = 0;
        for (const auto & w : pred)
            if (counts[w]-- > 0) ++common;
        if (common == 0) continue;
        const double precision = double(common) / double(pred.size());
        const double recall = double(common) / double(gold.size());
        best = std::max(best, 2 * precision * recall / (precision + recall));
    }
    return best;
}

double corpus_f1(std::span<const std::string> golds, std::span<const std::string> preds, const std::string & positive) {
    if (golds.size() != preds.size()) throw Error("f1: golds and predictions differ in length");
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < golds.size(); ++i) {
        const bool g = golds[i] == positive, p = preds[i] == positive;
        tp += g && p;
        fp += !g && p;
        fn += g && !p;
    }
    return tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
}

double perplexity(std::span<const double> ll) {
    if (ll.empty()) return 0.0;
    double sum = 0;
    for (double x : ll) sum += x;
    return std::exp(-sum / double(ll.size()));
}

double weighted_perplexity(std::span<const double> ll, std::span<const double> w) {
    double sl = 0, sw = 0;
    for (size_t i = 0; i < ll.size(); ++i) {
        sl += ll[i];
        sw += w[i];
    }
    return sw > 0 ? std::exp(-sl / sw) : 0.0;
}

double bits_per_byte(std::span<const double> ll, std::span<const double> n_bytes) {
    double sl = 0, sb = 0;
    for (size_t i = 0; i < ll.size(); ++i) {
        sl += ll[i];
        sb += n_bytes[i];
    }
    return sb > 0 ? -sl / (sb * std::log(2.0)) : 0.0;
}

size_t count_words(const std::string & text) { return split_ws(text).size(); }

double mean_stderr(std::span<const double> v) {
    if (v.size() < 2) return 0.0;
    double m = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    return std::sqrt(ss / double(v.size() - 1) / double(v.size()));
}

double bbq_bias_disambiguated(std::span<const double> biased, std::span<const double> non_unknown) {
    const double b = std::accumulate(biased.begin(), biased.end(), 0.0);
    const double n = std::accumulate(non_unknown.begin(), non_unknown.end(), 0.0);
    return n > 0 ? 2.0 * b / n - 1.0 : 0.0;
}

double bbq_bias_ambiguous(std::span<const double> biased, std::span<const double> non_unknown) {
    if (biased.empty()) return 0.0;
    const double b = std::accumulate(biased.begin(), biased.end(), 0.0);
    const double n = std::accumulate(non_unknown.begin(), non_unknown.end(), 0.0);
    return (2.0 * b - n) / double(biased.size());
}

double bootstrap_stderr(std::span<const double> a, std::span<const double> b,
                        double (*statistic)(std::span<const double>, std::span<const double>), int iterations,
                        uint64_t seed) {
    const size_t n = a.size();
    if (n < 2 || iterations < 2) return 0.0;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<double> ra(n), rb(n), stats;
    stats.reserve(size_t(iterations));
    for (int it = 0; it < iterations; ++it) {
        for (size_t i = 0; i < n; ++i) {
            const size_t k = pick(rng);
            ra[i] = a[k];
            rb[i] = b.empty() ? 0.0 : b[k];
        }
        stats.push_back(statistic(ra, b.empty() ? std::span<const double>() : std::span<const double>(rb)));
    }
    double m = 0;
    for (double s : stats) m += s;
    m /= double(stats.size());
    double ss = 0;
    for (double s : stats) ss += (s - m) * (s - m);
    return std::sqrt(ss / double(stats.size() - 1));
}

}  // namespace rightsize
