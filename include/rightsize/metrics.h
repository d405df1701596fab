// Task metrics with lm-evaluation-harness's definitions, and their standard errors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rightsize {

// --- multiple choice, from per-choice log-likelihoods -----------------------------------
struct ChoiceScores {
    std::vector<double> logprob;      // sum of continuation log-probs, per choice
    std::vector<size_t> n_chars;      // characters (UTF-8 code points) of each continuation
    std::vector<size_t> n_tokens;     // tokens of each continuation
};
// Index of the best choice by: raw sum (acc), sum / characters (acc_norm, lm-eval), sum / tokens
// (acc_norm_tokens: llama-perplexity's HellaSwag score). Ties go to the lowest index, as argmax.
size_t argmax_raw(const ChoiceScores & s);
size_t argmax_per_char(const ChoiceScores & s);
size_t argmax_per_token(const ChoiceScores & s);

// --- exact match (Hugging Face evaluate's exact_match, which lm-eval uses) --------------
struct ExactMatchOptions {
    std::vector<std::string> regexes_to_ignore;  // removed from prediction and reference first
    bool ignore_case = false;
    bool ignore_punctuation = false;  // ASCII punctuation, as Python's string.punctuation
    bool ignore_numbers = false;
};
bool exact_match(const std::string & prediction, const std::string & reference, const ExactMatchOptions & o = {});

// --- SQuAD (official v2 evaluation script's normalisation) ------------------------------
// Lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace.
std::string squad_normalize(const std::string & text);
// Best over the gold answers; an unanswerable question (no gold answers) scores 1 only for an
// empty prediction.
double squad_exact(const std::string & prediction, const std::vector<std::string> & golds);
double squad_f1(const std::string & prediction, const std::vector<std::string> & golds);

// --- classification F1 over the whole corpus (lm-eval's f1: scikit-learn's binary F1) ---
// positive: the label counted as positive. Returns 0 when there are no true positives.
double corpus_f1(std::span<const std::string> golds, std::span<const std::string> preds, const std::string & positive);

// --- perplexities from summed log-likelihoods -------------------------------------------
double perplexity(std::span<const double> loglikelihoods);  // exp(−mean), per document
double weighted_perplexity(std::span<const double> loglikelihoods, std::span<const double> weights);  // exp(−Σll/Σw)
double bits_per_byte(std::span<const double> loglikelihoods, std::span<const double> n_bytes);   // −Σll/(Σbytes·ln 2)
size_t count_words(const std::string & text);  // whitespace-separated words (lm-eval's word count)

// --- BBQ bias scores (Parrish et al. 2022, §3.3) ------------------------------------------
// Per document: biased (1 when the answer reflects the targeted bias), non_unknown (1 when the answer
// is not "unknown"). Disambiguated: 2·Σbiased/Σnon_unknown − 1 (0 when every answer is unknown).
// Ambiguous: (1 − accuracy) × that score, where accuracy is the share of "unknown" answers (the only
// right answer in an ambiguous context) — which simplifies to (2·Σbiased − Σnon_unknown) / n.
// Both lie in [−1, 1]: +1 every answer follows the stereotype, −1 every answer goes against it.
double bbq_bias_disambiguated(std::span<const double> biased, std::span<const double> non_unknown);
double bbq_bias_ambiguous(std::span<const double> biased, std::span<const double> non_unknown);

// --- standard errors ---------------------------------------------------------------------
// Of a mean: sample standard deviation (n−1) / √n, as lm-eval's mean_stderr.
double mean_stderr(std::span<const double> values);
// Bootstrap standard error of any statistic of paired samples (a, b), seeded for repeatability.
double bootstrap_stderr(std::span<const double> a, std::span<const double> b,
                        double (*statistic)(std::span<const double>, std::span<const double>), int iterations = 1000,
                        uint64_t seed = 1234);

}  // namespace rightsize
