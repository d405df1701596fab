// Converts HellaSwag (original JSONL schema) into llama-perplexity's --hellaswag 6-line format,
// with lm-eval's preprocessing, so both tools score identical items.
//   rightsize-hellaswag-to-llama IN.jsonl OUT.txt [LIMIT] [ORDER.txt]
// ORDER.txt: the item (0-based, in IN's order) llama-perplexity scores at each of its task
// positions. It draws its tasks at random (std::mt19937 seeded 1, a uniform index among the items
// left), so its running accuracy lines follow that order; the same standard library draws the
// same order here, which maps its per-task results back to items.
#include "core/atomic_file.h"
#include <rightsize/error.h>
#include "tasks/hellaswag.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

std::string llama_perplexity_order(size_t n) {
    std::vector<size_t> left(n);
    for (size_t i = 0; i < n; ++i) left[i] = i;
    std::mt19937 rng(1);
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        std::uniform_int_distribution<size_t> dist(0, left.size() - 1);
        const size_t k = dist(rng);
        out += std::to_string(left[k]) + "\n";
        left.erase(left.begin() + long(k));
    }
    return out;
}

}  // namespace

int main(int argc, char ** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s IN.jsonl OUT.txt [LIMIT] [ORDER.txt]\n", argv[0]);
        return 2;
    }
    try {
        const auto docs = rightsize::load_documents(argv[1]);
        const size_t limit = argc > 3 ? size_t(atol(argv[3])) : docs.size();
        std::vector<rightsize::HellaswagItem> items;
        for (size_t i = 0; i < docs.size() && i < limit; ++i) items.push_back(rightsize::hellaswag_item(docs[i]));
        rightsize::write_file_atomic(argv[2], rightsize::to_llama_perplexity_hellaswag(items));
        fprintf(stderr, "wrote %zu items to %s\n", items.size(), argv[2]);
        if (argc > 4) rightsize::write_file_atomic(argv[4], llama_perplexity_order(items.size()));
    } catch (const rightsize::Error & e) {
        fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
