// Converts HellaSwag (original JSONL schema) into llama-perplexity's --hellaswag 6-line format,
// with lm-eval's preprocessing, so both tools score identical items.
//   rightsize-hellaswag-to-llama IN.jsonl OUT.txt [LIMIT]
#include "core/atomic_file.h"
#include <rightsize/error.h>
#include "tasks/hellaswag.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

int main(int argc, char ** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s IN.jsonl OUT.txt [LIMIT]\n", argv[0]);
        return 2;
    }
    try {
        const auto docs = rightsize::load_documents(argv[1]);
        const size_t limit = argc > 3 ? size_t(atol(argv[3])) : docs.size();
        std::vector<rightsize::HellaswagItem> items;
        for (size_t i = 0; i < docs.size() && i < limit; ++i) items.push_back(rightsize::hellaswag_item(docs[i]));
        rightsize::write_file_atomic(argv[2], rightsize::to_llama_perplexity_hellaswag(items));
        fprintf(stderr, "wrote %zu items to %s\n", items.size(), argv[2]);
    } catch (const rightsize::Error & e) {
        fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
