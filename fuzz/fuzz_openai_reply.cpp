// The whole replies of OpenAI-compatible servers, through every reader of the endpoint backend
// (backend/http/openai_reply.h): a completion (plain and chat), its echoed log-probabilities scored
// as a loglikelihood request, the next token's top log-probabilities (both shapes), /v1/models and what its entry says of the model, /tokenize,
// /detokenize and /apply-template. Only rightsize::Error may escape, and a score must be a sum of
// log-probabilities (finite, at most 0).
#include "fuzz_support.h"

#include "backend/http/openai_reply.h"

#include <cmath>
#include <numeric>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    using nlohmann::json;
    json reply;
    bool parsed = false;
    expect_only_rightsize_errors([&] {
        reply = rightsize::parse_reply_json(as_text(data, size), "fuzz");
        parsed = true;
    });
    if (!parsed) return 0;
    expect_only_rightsize_errors([&] { (void)rightsize::parse_completion(reply, false, "fuzz"); });
    expect_only_rightsize_errors([&] { (void)rightsize::parse_completion(reply, true, "fuzz"); });
    expect_only_rightsize_errors([&] {
        // The prompt as many tokens as the reply has log-probabilities (at most 4096), half of them context.
        size_t n = 0;
        if (reply.is_object() && reply.contains("choices") && reply["choices"].is_array() && !reply["choices"].empty()) {
            const json & c = reply["choices"][0];
            if (c.is_object() && c.contains("logprobs") && c["logprobs"].is_object() && c["logprobs"].contains("token_logprobs")) {
                n = std::min<size_t>(c["logprobs"]["token_logprobs"].size(), 4096);
            } else if (c.is_object() && c.contains("prompt_logprobs") && c["prompt_logprobs"].is_array()) {
                n = std::min<size_t>(c["prompt_logprobs"].size(), 4096);  // vLLM's shape; token ids 0, 1, 2, …
            }
        }
        std::vector<int32_t> whole(n);
        std::iota(whole.begin(), whole.end(), 0);
        const auto scored = rightsize::score_echoed_prompt(reply, whole, n / 2, "fuzz");
        if (!std::isfinite(scored.logprob) && !std::isinf(scored.logprob)) {
            std::fprintf(stderr, "FINDING: a loglikelihood of NaN was accepted\n");
            std::abort();
        }
        if (scored.logprob > 0 || scored.tokens.size() != n - n / 2) {
            std::fprintf(stderr, "FINDING: a score above 0 or of the wrong length was accepted\n");
            std::abort();
        }
    });
    expect_only_rightsize_errors([&] {
        const auto list = rightsize::parse_models(reply, "", "fuzz");
        rightsize::ModelFacts facts;
        if (!list.entry.is_null()) rightsize::read_served_facts(list.entry, facts, "fuzz");
    });
    expect_only_rightsize_errors([&] {
        for (const auto & t : rightsize::parse_next_token_logprobs(reply, "fuzz")) {
            if (!(t.logprob <= 0)) {
                std::fprintf(stderr, "FINDING: a next-token log-probability above 0 or NaN was accepted\n");
                std::abort();
            }
        }
    });
    expect_only_rightsize_errors([&] { (void)rightsize::parse_tokenize(reply, "fuzz"); });
    expect_only_rightsize_errors([&] { (void)rightsize::parse_detokenize(reply, "fuzz"); });
    expect_only_rightsize_errors([&] { (void)rightsize::parse_applied_template(reply, "fuzz"); });
    return 0;
}
