// Scoring throughput of the llama backend on multiple-choice-shaped requests: N contexts of about
// C tokens, each with K continuations. Prints requests/s and items/s; used to measure changes to
// the scoring path (batching, prefix sharing, log-softmax).
//   rightsize-bench-ll MODEL [items=32] [choices=4] [threads=2] [reps=3]
#include <rightsize/llama_backend.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char ** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [items] [choices] [threads] [reps]\n", argv[0]);
        return 2;
    }
    const int items = argc > 2 ? atoi(argv[2]) : 32;
    const int choices = argc > 3 ? atoi(argv[3]) : 4;
    rightsize::LlamaOptions o;
    o.model_path = argv[1];
    o.n_threads = argc > 4 ? atoi(argv[4]) : 2;
    const int reps = argc > 5 ? atoi(argv[5]) : 3;
    o.n_ctx = 2048;
    o.n_parallel = 16;
    rightsize::LlamaBackend backend(o);
    std::vector<rightsize::LoglikelihoodRequest> reqs;
    const char * endings[] = {" the river was calm and wide.", " a dog barked at the moon all night.",
                              " the market opened early that day.", " nobody noticed the change at first."};
    for (int i = 0; i < items; ++i) {
        std::string ctx = "Story " + std::to_string(i) + ": The town woke slowly while fishermen carried their nets to "
                          "the water and the baker opened his shutters. Then";
        for (int c = 0; c < choices; ++c) reqs.push_back({ctx, endings[c % 4]});
    }
    backend.loglikelihood(reqs);  // warm-up
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        backend.loglikelihood(reqs);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    printf("%s: %d items x %d choices, best of %d: %.3f s, %.1f requests/s, %.2f items/s\n", argv[1], items, choices,
           reps, best, double(reqs.size()) / best, double(items) / best);
    return 0;
}
