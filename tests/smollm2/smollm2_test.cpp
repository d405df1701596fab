// Integration tests on the real SmolLM2-135M-Instruct (Q4_1) from scripts/fetch-models.sh.
#include "test_support.h"

#include <rightsize/error.h>
#include <rightsize/evaluator.h>

#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

class SmolLM2 : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ASSERT_TRUE(std::filesystem::exists(smollm2_path())) << "run scripts/fetch-models.sh first";
        backend_ = new LlamaBackend(model_options(smollm2_path(), 2048, 8));
    }
    static void TearDownTestSuite() {
        delete backend_;
        backend_ = nullptr;
    }
    static LlamaBackend * backend_;
};
LlamaBackend * SmolLM2::backend_ = nullptr;

// Multiple-choice items written for this test (ARC-style), each context shared by its choices.
std::vector<LoglikelihoodRequest> choice_requests() {
    const std::vector<std::pair<std::string, std::vector<std::string>>> items = {
        {"Question: Which gas do plants take in from the air to make food?\nAnswer:",
         {" oxygen", " carbon dioxide", " nitrogen", " helium"}},
        {"Question: What is the boiling point of water at sea level in degrees Celsius?\nAnswer:",
         {" 50", " 100", " 150", " 212"}},
        {"Question: Which planet is closest to the Sun?\nAnswer:", {" Mercury", " Venus", " Earth", " Mars"}},
        {"The capital of France is", {" Paris", " London", " Berlin"}},
    };
    std::vector<LoglikelihoodRequest> out;
    for (const auto & [ctx, choices] : items)
        for (const auto & c : choices) out.push_back({ctx, c});
    return out;
}

}  // namespace

TEST_F(SmolLM2, FactsDescribeTheRealModel) {
    const ModelFacts & f = backend_->facts();
    EXPECT_EQ(f.architecture, "llama");
    EXPECT_NEAR(double(f.n_params), 134.5e6, 1.5e6);
    EXPECT_EQ(f.file_bytes, 98362432u);
    EXPECT_NE(f.quantization.find("Q4_1"), std::string::npos) << f.quantization;
    EXPECT_EQ(f.n_layer, 30);
    EXPECT_EQ(f.n_embd, 576);
    EXPECT_EQ(f.n_vocab, 49152);
    EXPECT_GE(f.n_ctx_train, 2048);
    EXPECT_FALSE(f.chat_template.empty());
}

TEST_F(SmolLM2, PrefixSharedBatchEqualsOneAtATimeWithin1e4PerToken) {
    const auto reqs = choice_requests();
    const auto batched = backend_->loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = backend_->loglikelihood({&reqs[i], 1}).front();
        ASSERT_EQ(alone.token_logprobs.size(), batched[i].token_logprobs.size());
        for (size_t t = 0; t < alone.token_logprobs.size(); ++t) {
            EXPECT_NEAR(alone.token_logprobs[t], batched[i].token_logprobs[t], 1e-4) << "request " << i << " token " << t;
        }
        EXPECT_EQ(alone.is_greedy, batched[i].is_greedy) << "request " << i;
    }
}

// Several passes over one context (more choices than -np sequences), continuations of different
// lengths sharing a pass: each continuation still equals its score alone. With flash attention on:
// with it off, this llama.cpp's CPU attention scores a continuation placed in later KV cells than
// when alone differently (0.075 nats on the third token here); docs/serve.md has the measurements.
TEST_F(SmolLM2, ContinuationsOfDifferentLengthsInLaterPassesEqualOneAtATime) {
    LlamaOptions o = model_options(smollm2_path(), 4096, 4);
    o.flash_attn = "on";
    LlamaBackend four(o);
    const std::string q = "Question: What is the boiling point of pure water at sea level, in degrees Celsius?\nAnswer:";
    std::vector<LoglikelihoodRequest> reqs(5, {q, " 0 degrees Celsius"});
    reqs.push_back({q, " 100 degrees Celsius"});
    const auto batched = four.loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = four.loglikelihood({&reqs[i], 1}).front();
        for (size_t t = 0; t < alone.token_logprobs.size(); ++t) {
            EXPECT_NEAR(alone.token_logprobs[t], batched[i].token_logprobs[t], 1e-3) << "request " << i << " token " << t;
        }
    }
}

// The same with score_prompts (rightsize serve's echo): every token of every prompt.
TEST_F(SmolLM2, EchoedPromptsInLaterPassesEqualOneAtATime) {
    LlamaOptions o = model_options(smollm2_path(), 4096, 4);
    o.flash_attn = "on";
    LlamaBackend four(o);
    const std::string q = "Question: What is the boiling point of water at sea level?\nAnswer:";
    std::vector<PromptScoreRequest> reqs(5, {four.tokenize(q + " 0 degrees Celsius", true, true), 1});
    reqs.push_back({four.tokenize(q + " 100 degrees Celsius", true, true), 1});
    const auto batched = four.score_prompts(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = four.score_prompts({&reqs[i], 1}).front();
        for (size_t t = 1; t < alone.token_logprobs.size(); ++t) {
            EXPECT_NEAR(alone.token_logprobs[t], batched[i].token_logprobs[t], 1e-3) << "request " << i << " token " << t;
        }
        EXPECT_EQ(alone.next[0].token, batched[i].next[0].token) << i;
        for (size_t t = 18; t < reqs[i].tokens.size(); ++t) {
            const auto logits = four.last_logits(std::span<const int32_t>(reqs[i].tokens.data(), t));
            double mx = -1e30, sum = 0;
            for (float x : logits) mx = std::max(mx, double(x));
            for (float x : logits) sum += std::exp(double(x) - mx);
            const double ref = logits[size_t(reqs[i].tokens[t])] - mx - std::log(sum);
            EXPECT_NEAR(ref, batched[i].token_logprobs[t], 1e-3) << "vs sequential: request " << i << " token " << t;
            EXPECT_NEAR(ref, alone.token_logprobs[t], 1e-3) << "alone vs sequential: request " << i << " token " << t;
        }
    }
}

TEST_F(SmolLM2, KnowsEasyFacts) {
    const auto reqs = choice_requests();
    const auto r = backend_->loglikelihood(reqs);
    // Paris beats London and Berlin as the capital of France.
    EXPECT_GT(r[12].logprob, r[13].logprob);
    EXPECT_GT(r[12].logprob, r[14].logprob);
    // Plants take in carbon dioxide.
    EXPECT_GT(r[1].logprob, std::max({r[0].logprob, r[2].logprob, r[3].logprob}));
}

TEST_F(SmolLM2, GreedyGenerationIsDeterministicAndAnswers) {
    // A system turn of our own: under its template's default one the 135M model wanders off (into French).
    const std::vector<ChatMessage> msgs{{"system", "You are a helpful assistant. Answer in one short sentence."},
                                        {"user", "What is the capital of France?"}};
    GenerateRequest rq;
    rq.prompt = backend_->apply_chat_template(msgs, true);
    rq.max_tokens = 24;
    const auto a = backend_->generate({&rq, 1}).front();
    const auto b = backend_->generate({&rq, 1}).front();
    EXPECT_EQ(a.text, b.text);
    EXPECT_NE(a.text.find("Paris"), std::string::npos) << a.text;
    EXPECT_GT(a.n_prompt_tokens, 10);
}

TEST_F(SmolLM2, ChatTemplateIsChatML) {
    const std::vector<ChatMessage> msgs{{"system", "You are brief."}, {"user", "Hello"}};
    const std::string p = backend_->apply_chat_template(msgs, true);
    EXPECT_NE(p.find("<|im_start|>system\nYou are brief.<|im_end|>"), std::string::npos) << p;
    EXPECT_NE(p.find("<|im_start|>user\nHello<|im_end|>"), std::string::npos) << p;
    EXPECT_EQ(p.substr(p.size() - std::string("<|im_start|>assistant\n").size()), "<|im_start|>assistant\n");
    // The template's markers are single control tokens when special parsing is on.
    const auto toks = backend_->tokenize("<|im_start|>user", false, true);
    EXPECT_EQ(toks.size(), 2u);
}

TEST_F(SmolLM2, EndOfTurnStopsGenerationAndStopStringsCut) {
    const std::vector<ChatMessage> msgs{{"user", "Say hello in one short sentence."}};
    GenerateRequest rq;
    rq.prompt = backend_->apply_chat_template(msgs, true);
    rq.max_tokens = 200;
    const auto free_run = backend_->generate({&rq, 1}).front();
    EXPECT_EQ(free_run.finish, FinishReason::EndOfGeneration) << free_run.text;
    EXPECT_EQ(free_run.text.find("<|im_end|>"), std::string::npos);
    ASSERT_GT(free_run.text.size(), 4u);
    const std::string stop = free_run.text.substr(2, 2);
    rq.until = {stop};
    const auto cut = backend_->generate({&rq, 1}).front();
    EXPECT_EQ(cut.finish, FinishReason::Stop);
    EXPECT_EQ(cut.text, free_run.text.substr(0, free_run.text.find(stop)));
}

// Quantised kernels take different paths for different batch shapes, so parallel decoding is
// not bit-identical to one sequence at a time (llama.cpp makes no such promise either): a
// near-tie can flip late in a long answer. The answers must agree well past the start.
TEST_F(SmolLM2, ParallelGreedyMatchesSequential) {
    std::vector<GenerateRequest> reqs;
    for (const char * q : {"Name a colour.", "Count to five.", "What is 2+2?"}) {
        GenerateRequest rq;
        const std::vector<ChatMessage> msgs{{"user", q}};
        rq.prompt = backend_->apply_chat_template(msgs, true);
        rq.max_tokens = 16;
        reqs.push_back(rq);
    }
    const auto together = backend_->generate(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const std::string alone = backend_->generate({&reqs[i], 1}).front().text;
        const std::string & par = together[i].text;
        size_t common = 0;
        while (common < std::min(alone.size(), par.size()) && alone[common] == par[common]) ++common;
        EXPECT_GE(common, std::min(alone.size(), par.size()) / 2) << "request " << i << ": '" << par << "' vs '" << alone << "'";
        EXPECT_GT(together[i].n_generated_tokens, 0);
        EXPECT_LE(together[i].n_generated_tokens, 16);
    }
}

TEST_F(SmolLM2, LoraChangesLogitsAndRemovingItRestoresThem) {
    const auto lora = (temp_dir() / "smollm2-lora.gguf").string();
    fixture::write_lora_for(smollm2_path(), lora);
    const auto toks = backend_->tokenize("The capital of France is", true, false);
    const auto base = backend_->last_logits(toks);
    backend_->set_loras({{lora, 1.0f}});
    const auto with = backend_->last_logits(toks);
    backend_->set_loras({});
    const auto restored = backend_->last_logits(toks);
    double moved = 0, back = 0;
    for (size_t i = 0; i < base.size(); ++i) {
        moved = std::max(moved, double(std::fabs(with[i] - base[i])));
        back = std::max(back, double(std::fabs(restored[i] - base[i])));
    }
    EXPECT_GT(moved, 0.05);
    EXPECT_LT(back, 1e-4);
}

TEST_F(SmolLM2, PerplexityOfOrdinaryTextIsPlausible) {
    const RollingRequest rr{"The sun rose over the quiet village. Children walked to school while their parents "
                            "went to work in the fields. In the evening, families gathered for dinner and talked "
                            "about their day."};
    const auto r = backend_->loglikelihood_rolling({&rr, 1}).front();
    const double ppl = std::exp(-r.logprob / r.n_tokens);
    EXPECT_GT(ppl, 1.5);
    EXPECT_LT(ppl, 60.0) << "a 135M instruct model should find plain English fairly predictable";
}

// With flash attention off (rightsize run's default) a document's scores barely depend on which
// other documents share its batch: only the quantised matmul kernels differ with batch size
// (~1e-3 per token). llama.cpp's CPU flash attention rounds through F16 and moved HellaSwag
// scores by up to 0.05 nats per token, enough to flip close items.
TEST(SmolLM2Scoring, BatchCompositionDoesNotChangeScoresWithoutFlashAttention) {
    auto o = model_options(smollm2_path(), 2048, 8);
    o.flash_attn = "off";
    LlamaBackend backend(o);
    const auto reqs = choice_requests();
    const auto together = backend.loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = backend.loglikelihood(std::span(&reqs[i], 1));
        const double per_token = std::abs(together[i].logprob - alone[0].logprob) / double(alone[0].token_logprobs.size());
        EXPECT_LT(per_token, 5e-3) << i;
    }
}

// --exact scores each request alone, so its scores are the same bits whatever else is in the call
// and whatever -np is; the batched scores stay within rounding of them.
TEST(SmolLM2Scoring, ExactScoresDoNotDependOnTheCallOrParallelSequences) {
    auto o = model_options(smollm2_path(), 2048, 8);
    o.flash_attn = "off";
    o.exact = true;
    LlamaBackend wide(o);
    o.n_parallel = 1;
    LlamaBackend narrow(o);
    auto batched_options = o;
    batched_options.exact = false;
    batched_options.n_parallel = 8;
    LlamaBackend batched(batched_options);
    const auto reqs = choice_requests();
    const auto together = wide.loglikelihood(reqs);
    const auto together_np1 = narrow.loglikelihood(reqs);
    const auto shared = batched.loglikelihood(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
        const auto alone = wide.loglikelihood(std::span(&reqs[i], 1)).front();
        ASSERT_EQ(alone.token_logprobs.size(), together[i].token_logprobs.size()) << i;
        for (size_t t = 0; t < alone.token_logprobs.size(); ++t) {
            EXPECT_EQ(alone.token_logprobs[t], together[i].token_logprobs[t]) << "request " << i << " token " << t;
            EXPECT_EQ(alone.token_logprobs[t], together_np1[i].token_logprobs[t]) << "request " << i << " token " << t;
        }
        EXPECT_EQ(alone.is_greedy, together[i].is_greedy) << i;
        EXPECT_LT(std::abs(shared[i].logprob - alone.logprob) / double(alone.token_logprobs.size()), 5e-3) << i;
    }
}

namespace {

TaskEvaluator shared_data_task(Backend & backend, const std::string & name, double limit, bool chat = false) {
    TaskRegistry reg;
    reg.add_directory(std::string(RIGHTSIZE_TASKS_DIR));
    EvalOptions o;
    o.limit = limit;
    o.apply_chat_template = chat;
    o.data.data_dir = RIGHTSIZE_SHARED_DATA;
    o.data.allow_download = false;
    return TaskEvaluator(backend, reg.resolve({name}, nullptr, nullptr).at(0), o);
}

}  // namespace

// ARC-Easy: 4 choices, chance is 25%; SmolLM2-135M scores well above it (its model card reports
// about 60%). 60 questions give a standard error near 6 points, so 40% is a safe floor.
TEST_F(SmolLM2, ArcEasyIsWellAboveChance) {
    auto ev = shared_data_task(*backend_, "arc_easy", 60);
    const auto samples = ev.run({});
    const auto agg = ev.aggregate(samples);
    EXPECT_GT(agg["acc,none"].get<double>(), 0.40) << agg.dump();
    EXPECT_GT(agg["acc_norm,none"].get<double>(), 0.30) << agg.dump();
}

// Chat mode: few-shot examples become user/assistant turns of the model's ChatML template.
// The GGUF's Jinja template runs as Hugging Face's apply_chat_template runs it (lm-eval's chat mode):
// SmolLM2's adds its default system turn when the conversation has none, which llama.cpp's built-in
// ChatML rendering left out (found when llama-server's answers differed from in-process ones).
TEST_F(SmolLM2, ChatTemplateRunsAsJinjaWithItsDefaultSystemTurn) {
    EXPECT_EQ(backend_->facts().chat_template_engine, "jinja");
    const std::vector<ChatMessage> user_only{{"user", "Hello"}};
    EXPECT_EQ(backend_->apply_chat_template(user_only, true),
              "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
              "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
    const std::vector<ChatMessage> with_system{{"system", "Be brief."}, {"user", "Hello"}};
    EXPECT_EQ(backend_->apply_chat_template(with_system, false),
              "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n");
}

TEST_F(SmolLM2, ChatModeRendersFewShotAsTurns) {
    auto ev = shared_data_task(*backend_, "mmlu_anatomy", 1, true);
    const std::string p = ev.prompt(0);
    size_t users = 0, assistants = 0;
    for (size_t at = p.find("<|im_start|>user"); at != std::string::npos; at = p.find("<|im_start|>user", at + 1)) ++users;
    for (size_t at = p.find("<|im_start|>assistant"); at != std::string::npos; at = p.find("<|im_start|>assistant", at + 1)) ++assistants;
    EXPECT_EQ(users, 6u) << p;
    EXPECT_EQ(assistants, 6u) << p;  // 5 answered examples and the open turn
    EXPECT_NE(p.find("<|im_start|>system\nThe following are multiple choice questions (with answers) about anatomy."),
              std::string::npos) << p;
    EXPECT_TRUE(p.ends_with("<|im_start|>assistant\n")) << p;
    const auto samples = ev.run({});
    EXPECT_EQ(samples.size(), 1u);
}

TEST(Gemma3, LoadsAndScores) {
    ASSERT_TRUE(std::filesystem::exists(gemma_path())) << "run scripts/fetch-models.sh first";
    LlamaBackend b(model_options(gemma_path(), 512, 1));
    EXPECT_EQ(b.facts().architecture, "gemma3");
    EXPECT_NEAR(double(b.facts().n_params), 268e6, 10e6);
    const std::vector<LoglikelihoodRequest> reqs{{"The capital of France is", " Paris"}, {"The capital of France is", " London"}};
    const auto r = b.loglikelihood(reqs);
    EXPECT_GT(r[0].logprob, r[1].logprob);
}

// Gemma 3's GGUF carries no tokenizer.chat_template: chat mode falls back to llama.cpp's built-in
// Gemma template rather than failing; --chat-template overrides any model's.
TEST(Gemma3, ChatModeFallsBackToTheGemmaTemplate) {
    auto o = model_options(gemma_path(), 512, 1);
    LlamaBackend gemma(o);
    ASSERT_TRUE(gemma.facts().chat_template.empty());
    const std::vector<ChatMessage> msgs = {{"user", "Hello"}};
    const std::string p = gemma.apply_chat_template(msgs, true);
    EXPECT_EQ(gemma.facts().chat_template_engine, "llama.cpp built-in 'gemma'");
    EXPECT_NE(p.find("<start_of_turn>user\nHello<end_of_turn>"), std::string::npos) << p;
    EXPECT_TRUE(p.ends_with("<start_of_turn>model\n")) << p;
    o.chat_template = "chatml";
    LlamaBackend chatml(o);
    EXPECT_NE(chatml.apply_chat_template(msgs, true).find("<|im_start|>user\nHello<|im_end|>"), std::string::npos);
}

