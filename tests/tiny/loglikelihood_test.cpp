#include "test_support.h"

#include <rightsize/error.h>

#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

std::vector<LoglikelihoodRequest> mixed_requests() {
    return {
        {"the question is what", " x"},
        {"the question is what", " people"},
        {"the question is what", " water is down"},
        {"a small model can", " answer"},
        {"the question is what", " the capital of France is"},
        {"", "the first word"},
        {"a small model can ", "write"},  // trailing space moves to the continuation
        {"one two", ""},
    };
}

double log_softmax_at(const std::vector<float> & logits, int token) {
    double mx = -1e30, sum = 0;
    for (float x : logits) mx = std::max(mx, double(x));
    for (float x : logits) sum += std::exp(double(x) - mx);
    return double(logits[size_t(token)]) - mx - std::log(sum);
}

}  // namespace

TEST(TinyLoglikelihood, BatchedEqualsOneAtATimePerToken) {
    LlamaBackend b(tiny_options());
    const auto reqs = mixed_requests();
    const auto batched = b.loglikelihood(reqs);
    ASSERT_EQ(batched.size(), reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = b.loglikelihood({&reqs[i], 1}).front();
        ASSERT_EQ(alone.token_logprobs.size(), batched[i].token_logprobs.size()) << "request " << i;
        for (size_t t = 0; t < alone.token_logprobs.size(); ++t) {
            EXPECT_NEAR(alone.token_logprobs[t], batched[i].token_logprobs[t], 1e-4) << "request " << i << " token " << t;
        }
        EXPECT_NEAR(alone.logprob, batched[i].logprob, 1e-3);
        EXPECT_EQ(alone.is_greedy, batched[i].is_greedy);
    }
    EXPECT_EQ(batched.back().token_logprobs.size(), 0u);
    EXPECT_DOUBLE_EQ(batched.back().logprob, 0.0);
    EXPECT_TRUE(batched.back().is_greedy);
}

TEST(TinyLoglikelihood, MatchesLogSoftmaxOfIndependentlyComputedLogits) {
    LlamaBackend b(tiny_options());
    const std::string context = "the question is what";
    const auto ctx_tok = b.tokenize(context, true, false);
    const auto whole = b.tokenize(context + " x", true, false);
    ASSERT_EQ(whole.size(), ctx_tok.size() + 1) << "' x' should be one token in the fixture vocabulary";
    const int target = whole.back();
    const auto logits = b.last_logits(ctx_tok);
    const LoglikelihoodRequest rq{context, " x"};
    const auto r = b.loglikelihood({&rq, 1}).front();
    EXPECT_NEAR(r.logprob, log_softmax_at(logits, target), 1e-4);
    const bool greedy = std::max_element(logits.begin(), logits.end()) - logits.begin() == target;
    EXPECT_EQ(r.is_greedy, greedy);
}

TEST(TinyLoglikelihood, SmallBatchAndFewSequencesGiveTheSameAnswers) {
    LlamaOptions o = tiny_options();
    o.n_batch = 16;  // forces passes to be split across several decode calls
    o.n_ubatch = 16;
    o.n_parallel = 2;  // forces groups of four continuations to be split
    LlamaBackend small(o);
    LlamaBackend wide(tiny_options());
    const auto reqs = mixed_requests();
    const auto a = small.loglikelihood(reqs);
    const auto c = wide.loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) EXPECT_NEAR(a[i].logprob, c[i].logprob, 1e-3) << "request " << i;
}

TEST(TinyLoglikelihood, LongContextIsTruncatedFromTheLeft) {
    LlamaBackend b(tiny_options(64));
    std::string context;
    for (int i = 0; i < 60; ++i) context += "the model ";
    const LoglikelihoodRequest rq{context, " answer"};
    const auto r = b.loglikelihood({&rq, 1}).front();
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(r.n_context_tokens + int(r.token_logprobs.size()) - 1, 64);
    EXPECT_TRUE(std::isfinite(r.logprob));
    EXPECT_LT(r.logprob, 0.0);
}

TEST(TinyLoglikelihood, ContinuationLongerThanTheWindowIsAnError) {
    LlamaBackend b(tiny_options(32));
    std::string cont;
    for (int i = 0; i < 40; ++i) cont += " word";
    const LoglikelihoodRequest rq{"the", cont};
    try {
        b.loglikelihood({&rq, 1});
        FAIL() << "expected an error";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("context window"), std::string::npos) << e.what();
    }
}

TEST(TinyLoglikelihood, RollingWithOneWindowEqualsLoglikelihoodFromNothing) {
    LlamaBackend b(tiny_options(512));
    const std::string text = "the question is what the small model can answer about the capital of France";
    const RollingRequest rr{text};
    const auto rolled = b.loglikelihood_rolling({&rr, 1}).front();
    const LoglikelihoodRequest lr{"", text};
    const auto direct = b.loglikelihood({&lr, 1}).front();
    EXPECT_EQ(rolled.n_windows, 1);
    EXPECT_EQ(rolled.n_tokens, int(direct.token_logprobs.size()));
    EXPECT_NEAR(rolled.logprob, direct.logprob, 1e-3);
}

TEST(TinyLoglikelihood, RollingWindowsScoreEveryTokenOnce) {
    std::string text;
    for (int i = 0; i < 30; ++i) text += "the water was down and up ";
    LlamaBackend narrow(tiny_options(32));
    LlamaBackend wide(tiny_options(512));
    const RollingRequest rr{text};
    const auto n = narrow.loglikelihood_rolling({&rr, 1}).front();
    const auto w = wide.loglikelihood_rolling({&rr, 1}).front();
    const int n_tokens = int(wide.tokenize(text, false, false).size());
    EXPECT_EQ(n.n_tokens, n_tokens);
    EXPECT_EQ(w.n_tokens, n_tokens);
    EXPECT_EQ(n.n_windows, (n_tokens + 31) / 32);
    EXPECT_EQ(w.n_windows, 1);
    // Shorter windows see less context, so the sums differ; both are proper log-probabilities.
    EXPECT_LT(n.logprob, 0.0);
    EXPECT_LT(w.logprob, 0.0);
    EXPECT_NE(n.logprob, w.logprob);
}

// Contexts that share a long beginning (a task's instructions and fixed examples): the shared
// tokens are decoded once and reused by every pass, and every score still equals the log-softmax
// of logits computed independently from the whole token sequence.
TEST(TinyLoglikelihood, SharedPromptPrefixIsReusedAcrossPassesAndStaysExact) {
    LlamaOptions o = tiny_options();
    o.n_parallel = 3;  // two sequences per pass besides the prefix's: many passes
    LlamaBackend b(o);
    const std::string prefix = "the question is what the answer is, and the answer is what the question was. ";
    std::vector<LoglikelihoodRequest> reqs;
    for (const char * q : {"one", "two people", "water is down", "a small model"}) {
        for (const char * c : {" x", " people", " the capital"}) reqs.push_back({prefix + q, c});
    }
    ASSERT_GT(b.tokenize(prefix, true, false).size(), 16u) << "the prefix must be long enough to be shared";
    const auto got = b.loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto ctx = b.tokenize(reqs[i].context, true, false);
        const auto whole = b.tokenize(reqs[i].context + reqs[i].continuation, true, false);
        ASSERT_EQ(got[i].token_logprobs.size(), whole.size() - ctx.size()) << i;
        for (size_t t = ctx.size(); t < whole.size(); ++t) {
            const std::vector<int32_t> head(whole.begin(), whole.begin() + long(t));
            EXPECT_NEAR(got[i].token_logprobs[t - ctx.size()], log_softmax_at(b.last_logits(head), whole[t]), 1e-4)
                << "request " << i << " token " << t;
        }
    }
}

// score_prompts (rightsize serve's echo): every prompt token scored, as lm-eval's local-completions
// reads it. The continuation's part equals loglikelihood on the same pair; the scores do not depend
// on which other prompts share the call or their order; the context's tokens and the next token
// agree with the model's own logits; the top tokens are sorted and hold the greedy one.
TEST(TinyPromptScores, EveryTokenScoredAndEqualToLoglikelihood) {
    LlamaBackend b(tiny_options());
    const auto reqs = mixed_requests();
    std::vector<PromptScoreRequest> prompts;
    std::vector<size_t> context_len;
    for (const auto & r : reqs) {
        if (r.continuation.empty() || r.context.empty()) continue;
        std::string ctx = r.context, cont = r.continuation;
        if (ctx.back() == ' ') {  // lm-eval's pair encoding
            ctx.pop_back();
            cont = " " + cont;
        }
        prompts.push_back({b.tokenize(ctx + cont, true, true), 2});
        context_len.push_back(b.tokenize(ctx, true, true).size());
    }
    // A few-shot-like preamble shared by two more prompts, longer than the sharing threshold.
    const std::string preamble = "water and people go up the question is what a small model can answer one two ";
    prompts.push_back({b.tokenize(preamble + "the capital of", true, true), 2});
    prompts.push_back({b.tokenize(preamble + "how", true, true), 2});
    prompts.push_back({{b.tokenize("how", true, true).back()}, 2});  // one token: only what follows
    const auto together = b.score_prompts(prompts);
    ASSERT_EQ(together.size(), prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
        const auto alone = b.score_prompts({&prompts[i], 1}).front();
        const auto & t = prompts[i].tokens;
        ASSERT_EQ(together[i].token_logprobs.size(), t.size());
        EXPECT_TRUE(std::isnan(together[i].token_logprobs[0]));
        for (size_t p = 1; p < t.size(); ++p) {
            EXPECT_NEAR(together[i].token_logprobs[p], alone.token_logprobs[p], 1e-4 + 2e-5 * std::fabs(alone.token_logprobs[p])) << i << " at " << p;
            const auto & top = together[i].top_logprobs[p];
            ASSERT_EQ(top.size(), 2u);
            EXPECT_GE(top[0].logprob, top[1].logprob);
            EXPECT_GE(top[0].logprob, together[i].token_logprobs[p] - 1e-5f);
        }
        // The context's tokens and what follows the prompt, against independently computed logits.
        const size_t mid = t.size() / 2;
        if (mid >= 1) {
            const auto logits = b.last_logits(std::span<const int32_t>(t.data(), mid));
            EXPECT_NEAR(together[i].token_logprobs[mid], log_softmax_at(logits, t[mid]), 1e-4) << i;
        }
        const auto after = b.last_logits(t);
        ASSERT_EQ(together[i].next.size(), 2u);
        EXPECT_EQ(together[i].next[0].token, std::max_element(after.begin(), after.end()) - after.begin()) << i;
        EXPECT_NEAR(together[i].next[0].logprob, log_softmax_at(after, together[i].next[0].token), 1e-4);
    }
    // The continuation tokens equal loglikelihood's, request by request.
    for (size_t i = 0; i < context_len.size(); ++i) {
        const auto & r = reqs[i < 5 ? i : i + 1];  // mixed_requests minus its empty-context entry
        const auto ll = b.loglikelihood({&r, 1}).front();
        ASSERT_EQ(ll.token_logprobs.size(), prompts[i].tokens.size() - context_len[i]) << i;
        double sum = 0;
        for (size_t p = context_len[i]; p < prompts[i].tokens.size(); ++p) sum += together[i].token_logprobs[p];
        EXPECT_NEAR(sum, ll.logprob, 1e-3) << i;
    }
    // Reversed order, same scores.
    std::vector<PromptScoreRequest> reversed(prompts.rbegin(), prompts.rend());
    const auto back = b.score_prompts(reversed);
    for (size_t i = 0; i < prompts.size(); ++i) {
        const auto & a = together[i].token_logprobs;
        const auto & c = back[prompts.size() - 1 - i].token_logprobs;
        // Another batch composition sums in another order: float tolerance relative to the value.
        for (size_t p = 1; p < a.size(); ++p) EXPECT_NEAR(a[p], c[p], 1e-4 + 2e-5 * std::fabs(a[p])) << i << " at " << p;
    }
}

TEST(TinyPromptScores, BadPromptsAreNamed) {
    LlamaBackend b(tiny_options(64));
    std::vector<PromptScoreRequest> empty{{{}, 0}};
    EXPECT_NE(error_message([&] { b.score_prompts(empty); }).find("prompt 0 has no tokens"), std::string::npos);
    std::vector<PromptScoreRequest> odd{{{1, 2}, 0}, {{1, -3}, 0}};
    EXPECT_NE(error_message([&] { b.score_prompts(odd); }).find("prompt 1: token id -3 is outside the vocabulary"), std::string::npos);
    std::vector<PromptScoreRequest> longer{{std::vector<int32_t>(65, 1), 0}};
    EXPECT_NE(error_message([&] { b.score_prompts(longer); }).find("prompt 0 has 65 tokens, more than the context window (-c 64)"),
              std::string::npos);
}
