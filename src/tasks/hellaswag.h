// HellaSwag as lm-evaluation-harness prepares it, and llama-perplexity's 6-line task format, so
// the two tools can be compared on identical items.
#pragma once

#include <rightsize/dataset.h>

#include <array>
#include <string>
#include <vector>

namespace rightsize {

struct HellaswagItem {
    std::string query;                  // "<activity_label>: <ctx_a> <Ctx_b>", preprocessed
    std::vector<std::string> choices;   // the four endings, preprocessed
    int gold = -1;
};

// lm-eval's preprocess: strip; " [title]" → ". "; drop "[...]" (shortest match); one pass of
// "  " → " " (as Python's str.replace, so three spaces become two).
std::string hellaswag_preprocess(const std::string & text);

// A document of the original HellaSwag schema (activity_label, ctx_a, ctx_b, endings, label).
// ctx_b is capitalised as Python's str.capitalize (first letter upper, the rest lower).
// Throws rightsize::Error naming the missing or malformed field.
HellaswagItem hellaswag_item(const Document & doc);

// llama-perplexity --hellaswag input: per item the context, the gold index, then four endings,
// one per line (newlines inside texts become spaces).
std::string to_llama_perplexity_hellaswag(const std::vector<HellaswagItem> & items);

}  // namespace rightsize
