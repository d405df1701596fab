#include "test_support.h"

#include <rightsize/error.h>

#include <algorithm>
#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;

namespace {
GenerateRequest greedy(const std::string & prompt, int max_tokens) {
    GenerateRequest r;
    r.prompt = prompt;
    r.max_tokens = max_tokens;
    return r;
}
}  // namespace

TEST(TinyGenerate, GreedyIsDeterministicAndRunsToTheCap) {
    LlamaBackend b(tiny_options());
    const auto rq = greedy("the question is", 24);
    const auto a = b.generate({&rq, 1}).front();
    const auto c = b.generate({&rq, 1}).front();
    EXPECT_EQ(a.text, c.text);
    EXPECT_FALSE(a.text.empty());
    EXPECT_EQ(a.n_generated_tokens, 24);
    EXPECT_EQ(a.finish, FinishReason::Length);
    EXPECT_EQ(a.token_times_ms.size(), 24u);
    EXPECT_GT(a.ttft_ms, 0.0);
    EXPECT_GE(a.e2e_ms, a.ttft_ms);
    EXPECT_DOUBLE_EQ(a.ttft_ms, a.token_times_ms.front());
    EXPECT_DOUBLE_EQ(a.e2e_ms, a.token_times_ms.back());
}

TEST(TinyGenerate, ParallelSequencesEqualOneAtATime) {
    LlamaBackend b(tiny_options());  // -np 4
    std::vector<GenerateRequest> reqs;
    for (const char * p : {"the question is", "a small model", "water and people", "one two", "the capital of", "how"}) {
        reqs.push_back(greedy(p, 12));
    }
    const auto together = b.generate(reqs);  // six requests through four slots
    ASSERT_EQ(together.size(), reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = b.generate({&reqs[i], 1}).front();
        EXPECT_EQ(together[i].text, alone.text) << "request " << i;
        EXPECT_EQ(together[i].n_generated_tokens, 12);
    }
}

TEST(TinyGenerate, PromptsSpanningSeveralPrefillBatchesKeepTheirOwnLogits) {
    LlamaOptions o = tiny_options();
    o.n_batch = 16;  // four prompts of ~12 tokens need several prefill decodes
    o.n_ubatch = 16;
    LlamaBackend small(o);
    LlamaBackend wide(tiny_options());
    std::vector<GenerateRequest> reqs;
    for (const char * p : {"the question is what the", "a small model can answer", "water and people go up", "one two the capital"}) {
        reqs.push_back(greedy(p, 8));
    }
    const auto together = small.generate(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_EQ(together[i].text, wide.generate({&reqs[i], 1}).front().text) << "request " << i;
    }
}

TEST(TinyGenerate, StopStringEndsTheTextBeforeIt) {
    LlamaBackend b(tiny_options());
    auto rq = greedy("the question is", 32);
    const std::string full = b.generate({&rq, 1}).front().text;
    ASSERT_GT(full.size(), 12u);
    const std::string stop = full.substr(full.size() / 2, 3);
    rq.until = {stop, "never-appears-here"};
    const auto r = b.generate({&rq, 1}).front();
    EXPECT_EQ(r.finish, FinishReason::Stop);
    EXPECT_EQ(r.text, full.substr(0, full.find(stop)));
    EXPECT_LT(r.n_generated_tokens, 32);
}

TEST(TinyGenerate, StreamingCallbackSeesEveryTokenInOrder) {
    LlamaBackend b(tiny_options());
    const auto rq = greedy("a small model", 16);
    std::string streamed;
    std::vector<double> times;
    const auto r = b.generate({&rq, 1}, [&](const StreamEvent & e) {
        EXPECT_EQ(e.request_index, 0u);
        streamed += e.piece;
        times.push_back(e.t_ms);
        return true;
    }).front();
    EXPECT_EQ(streamed, r.text);
    ASSERT_EQ(times.size(), 16u);
    for (size_t i = 1; i < times.size(); ++i) EXPECT_GE(times[i], times[i - 1]);
}

TEST(TinyGenerate, CallbackCanStopARequest) {
    LlamaBackend b(tiny_options());
    const auto rq = greedy("a small model", 50);
    int calls = 0;
    const auto r = b.generate({&rq, 1}, [&](const StreamEvent &) { return ++calls < 5; }).front();
    EXPECT_EQ(calls, 5);
    EXPECT_EQ(r.n_generated_tokens, 5);
    EXPECT_EQ(r.finish, FinishReason::Stop);
}

TEST(TinyGenerate, SeededSamplingIsRepeatableAndSeedsMatter) {
    LlamaBackend b(tiny_options());
    auto rq = greedy("the question is", 20);
    rq.sampling.temperature = 1.5f;
    rq.sampling.top_k = 40;
    rq.sampling.top_p = 0.95f;
    rq.sampling.seed = 11;
    const auto a = b.generate({&rq, 1}).front().text;
    const auto a2 = b.generate({&rq, 1}).front().text;
    EXPECT_EQ(a, a2);
    int different = 0;
    for (uint32_t seed : {12u, 13u, 14u}) {
        rq.sampling.seed = seed;
        different += b.generate({&rq, 1}).front().text != a;
    }
    EXPECT_GT(different, 0);
    rq.sampling.temperature = 0.0f;
    const auto g = b.generate({&rq, 1}).front().text;
    rq.sampling.seed = 99;
    EXPECT_EQ(b.generate({&rq, 1}).front().text, g) << "greedy ignores the seed";
}

TEST(TinyGenerate, LongPromptIsCutFromTheLeftToLeaveRoomForTheAnswer) {
    LlamaBackend b(tiny_options(64));
    std::string prompt;
    for (int i = 0; i < 100; ++i) prompt += "the model ";
    const auto rq = greedy(prompt, 16);
    const auto r = b.generate({&rq, 1}).front();
    EXPECT_EQ(r.n_prompt_tokens, 64 - 16);
    EXPECT_EQ(r.n_generated_tokens, 16);
}

TEST(TinyGenerate, MaxTokensBeyondTheContextIsAnError) {
    LlamaBackend b(tiny_options(64));
    const auto rq = greedy("the", 64);
    EXPECT_THROW(b.generate({&rq, 1}), Error);
}

TEST(TinyGenerate, FinishCallbackReportsEachRequestOnce) {
    LlamaBackend b(tiny_options());
    std::vector<GenerateRequest> reqs = {greedy("a small model", 3), greedy("the question is", 9), greedy("one two", 5)};
    std::vector<size_t> order;
    const auto r = b.generate(reqs, {}, [&](size_t i) { order.push_back(i); });
    ASSERT_EQ(order.size(), 3u);
    std::vector<size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<size_t>{0, 1, 2}));
    EXPECT_EQ(order.back(), 1u);  // the longest request ends last
    EXPECT_EQ(r[1].n_generated_tokens, 9);
}

// Continuous batching: requests that join while others generate (rightsize serve's way) get the
// same greedy text as the same requests generated together in one call.
TEST(TinyGenerationSession, RequestsJoiningMidwayEqualOneCall) {
    LlamaBackend b(tiny_options());  // -np 4
    std::vector<GenerateRequest> reqs;
    for (const char * p : {"the question is", "a small model", "water and people", "one two", "the capital of", "how"}) {
        reqs.push_back(greedy(p, 10));
    }
    const auto together = b.generate(reqs);
    auto session = b.open_generation_session();
    EXPECT_EQ(session->sequence_window(), tiny_options().n_ctx / tiny_options().n_parallel);
    std::vector<GenerateResult> joined(reqs.size());
    std::vector<int> done(reqs.size(), 0);
    auto submit = [&](size_t i) {
        session->submit(i, {reqs[i], {}, [&, i](GenerateResult && r) {
                                joined[i] = std::move(r);
                                ++done[i];
                            }});
    };
    submit(0);
    submit(1);
    int steps = 0;
    size_t next = 2;
    while (session->step()) {
        ++steps;
        if (steps % 3 == 0 && next < reqs.size()) submit(next++);  // joins while 0 and 1 generate
        if (next == reqs.size() && session->active() == 0 && session->queued() == 0) break;
    }
    while (next < reqs.size()) submit(next++);
    while (session->step()) {
    }
    for (size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_EQ(done[i], 1) << i;
        EXPECT_EQ(joined[i].text, together[i].text) << "request " << i;
        EXPECT_EQ(joined[i].n_generated_tokens, together[i].n_generated_tokens) << i;
    }
    // A request that cannot fit one sequence is refused when submitted, and nothing is queued.
    GenerateRequest big = greedy("the question is", session->sequence_window());
    EXPECT_THROW(session->submit(99, {big, {}, {}}), Error);
    GenerateRequest bad = greedy("", 4);
    bad.prompt_tokens = {1, 2, 1 << 30};
    EXPECT_THROW(session->submit(98, {bad, {}, {}}), Error);
    EXPECT_EQ(session->queued(), 0u);
}

// Token ids as the prompt give the same text as the text they tokenise to; asked for, each
// generated token comes with its log-probability and the k most likely tokens, which agree with
// the model's logits after the same tokens.
TEST(TinyGenerate, TokenPromptsAndGeneratedLogprobs) {
    LlamaBackend b(tiny_options());
    GenerateRequest text = greedy("the question is", 5);
    GenerateRequest ids = text;
    ids.prompt.clear();
    ids.prompt_tokens = b.tokenize(text.prompt, true, true);
    ids.top_logprobs = 3;
    const auto a = b.generate({&text, 1}).front();
    const auto c = b.generate({&ids, 1}).front();
    EXPECT_EQ(a.text, c.text);
    EXPECT_TRUE(a.tokens.empty()) << "not asked for";
    ASSERT_EQ(c.tokens.size(), 5u);
    ASSERT_EQ(c.token_logprobs.size(), 5u);
    ASSERT_EQ(c.top_logprobs.size(), 5u);
    std::vector<int32_t> seq = ids.prompt_tokens;
    for (size_t i = 0; i < c.tokens.size(); ++i) {
        const auto logits = b.last_logits(seq);
        double mx = logits[0], sum = 0;
        for (float l : logits) mx = std::max<double>(mx, l);
        for (float l : logits) sum += std::exp(double(l) - mx);
        const double lse = mx + std::log(sum);
        EXPECT_NEAR(c.token_logprobs[i], logits[size_t(c.tokens[i])] - lse, 1e-3) << i;
        ASSERT_EQ(c.top_logprobs[i].size(), 3u);
        EXPECT_EQ(c.top_logprobs[i][0].token, c.tokens[i]) << "greedy picks the most likely token";
        EXPECT_GE(c.top_logprobs[i][0].logprob, c.top_logprobs[i][1].logprob);
        EXPECT_GE(c.top_logprobs[i][1].logprob, c.top_logprobs[i][2].logprob);
        EXPECT_NEAR(c.top_logprobs[i][1].logprob, logits[size_t(c.top_logprobs[i][1].token)] - lse, 1e-3);
        seq.push_back(c.tokens[i]);
    }
}
