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
        // Open-ended generations without a gold answer: the answer's length in words.
        {"response_words", {"mean", false}},
    };
    return defaults;
}

}  // namespace rightsize
