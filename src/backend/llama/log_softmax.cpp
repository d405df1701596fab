// The log-softmax normaliser over a vocabulary row, the hot loop of log-likelihood scoring
// (Gemma 3 has 262,144 tokens: one row is a quarter of a million exponentials). This file alone
// is compiled with -ffast-math so the loops vectorise (glibc's vector expf); inputs are finite
// logits; block sums keep the result within ~1e-6 of a double-precision evaluation.
// Declared in llama_impl.h; kept free of other headers so -ffast-math touches nothing else.

#include <cmath>

namespace rightsize::llama_detail {

float log_sum_exp(const float * logits, int n) {
    float mx = logits[0];
    for (int i = 1; i < n; ++i) mx = logits[i] > mx ? logits[i] : mx;
    // Vectorised float sums over blocks, blocks added in double: the error stays near float
    // epsilon instead of growing with the vocabulary size.
    constexpr int kBlock = 512;
    double sum = 0.0;
    for (int b = 0; b < n; b += kBlock) {
        const int e = b + kBlock < n ? b + kBlock : n;
        float part = 0.0f;
        for (int i = b; i < e; ++i) part += std::exp(logits[i] - mx);
        sum += double(part);
    }
    return mx + float(std::log(sum));
}

}  // namespace rightsize::llama_detail
