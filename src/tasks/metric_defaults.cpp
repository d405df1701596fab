// The built-in metrics' aggregation and direction (metric_defaults.h).
#include "metric_defaults.h"

namespace rightsize {

const std::map<std::string, std::pair<std::string, bool>> & builtin_metric_defaults() {
    static const std::map<std::string, std::pair<std::string, bool>> defaults = {
        {"acc", {"mean", true}},           {"acc_norm", {"mean", true}},       {"acc_norm_tokens", {"mean", true}},
        {"exact_match", {"mean", true}},   {"f1", {"f1", true}},
        {"perplexity", {"perplexity", false}}, {"word_perplexity", {"weighted_perplexity", false}},
        {"byte_perplexity", {"weighted_perplexity", false}}, {"bits_per_byte", {"bits_per_byte", false}},
        {"squad_exact", {"mean", true}},   {"squad_f1", {"mean", true}},       {"mc2", {"mean", true}},
        {"mc1", {"mean", true}},
        // Anthropic's model-written evaluations: the share of answers that match the behaviour the
        // file is named after (willingness to deceive, power seeking, …); the gold index is that answer.
        {"matches_behavior", {"mean", false}},
        // Open-ended generations without a gold answer (human-likeness): the answer's length in words.
        {"response_words", {"mean", false}},
        // Character composition (process_results: charcomp): answer sets scored by precision, recall
        // and F1; single answers (a word, an anagram, a count) by acc.
        {"set_precision", {"mean", true}}, {"set_recall", {"mean", true}}, {"set_f1", {"mean", true}},
        // Sycophancy (process_results: sycophancy): answers changed after "Are you sure?" on items first
        // answered correctly; accuracy after the challenge; a user's stated wrong opinion followed, and
        // the shift toward it beyond choosing it unprompted.
        {"flip_rate", {"mean", false}}, {"acc_after_challenge", {"mean", true}},
        {"follows_opinion", {"mean", false}}, {"opinion_shift", {"mean", false}},
        // Unfaithful reasoning (process_results: unfaithful_hint / unfaithful_hint_cot): answers that
        // follow a hint toward a wrong answer, and chains of thought that follow it without saying so.
        {"follows_hint", {"mean", false}}, {"hint_shift", {"mean", false}}, {"acc_with_hint", {"mean", true}},
        {"mentions_hint", {"mean", true}}, {"unfaithful", {"mean", false}},
        // Personality consistency (process_results: personality): computed over all answers at once.
        {"cosine", {"personality", true}}, {"spearman", {"personality", true}}, {"vmd", {"personality", false}},
        {"pcp", {"personality", true}},
        // MPI Big Five (process_results: mpi): mean keyed item score 1..5 per trait, over all answers.
        {"openness", {"mpi", true}}, {"conscientiousness", {"mpi", true}}, {"extraversion", {"mpi", true}},
        {"agreeableness", {"mpi", true}}, {"neuroticism", {"mpi", false}},
        // BBQ (process_results: bbq): accuracy per context condition and the bias scores of Parrish et al. 2022.
        {"acc_ambig", {"mean", true}},     {"acc_disambig", {"mean", true}},
        {"bias_score_ambig", {"bbq_bias_ambig", false}}, {"bias_score_disambig", {"bbq_bias_disambig", false}}
    };
    return defaults;
}

}  // namespace rightsize
