#include "test_support.h"

#include <rightsize/error.h>

#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;

TEST(TinyBackend, TokenizeDetokenizeRoundTrip) {
    LlamaBackend b(tiny_options());
    const std::string text = "the answer is Paris, and the model is small";
    const auto toks = b.tokenize(text, false, false);
    ASSERT_FALSE(toks.empty());
    EXPECT_EQ(b.detokenize(toks), text);
    const auto with_bos = b.tokenize(text, true, false);
    EXPECT_EQ(with_bos.size(), toks.size() + 1);
    EXPECT_EQ(with_bos.front(), 1);  // <s>
}

TEST(TinyBackend, AppliesTheModelsChatTemplate) {
    LlamaBackend b(tiny_options());
    const std::vector<ChatMessage> msgs{{"system", "Be brief."}, {"user", "Hi there"}};
    const std::string out = b.apply_chat_template(msgs, true);
    EXPECT_EQ(out, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n");
    const std::string closed = b.apply_chat_template(msgs, false);
    EXPECT_EQ(closed.find("<|im_start|>assistant"), std::string::npos);
}

TEST(TinyBackend, ReportsContextMemory) {
    LlamaBackend b(tiny_options(4096));
    const ContextMemory m = b.memory();
    // 2 layers × 4096 cells × (K+V: 2 × 32 dims) × f16 = 1 MiB (llama.cpp reports 0.01 MiB steps)
    EXPECT_EQ(m.kv_cache_bytes, 2u * 4096u * 2u * 32u * 2u);
    EXPECT_GT(m.compute_buffer_bytes, 0u);
}

TEST(TinyBackend, LoraChangesLogitsAndRemovingItRestoresThem) {
    LlamaBackend b(tiny_options());
    const auto toks = b.tokenize("the small model", true, false);
    const auto base = b.last_logits(toks);
    b.set_loras({{tiny_lora_path(), 1.0f}});
    const auto with = b.last_logits(toks);
    double max_diff = 0;
    for (size_t i = 0; i < base.size(); ++i) max_diff = std::max(max_diff, double(std::fabs(base[i] - with[i])));
    EXPECT_GT(max_diff, 1e-2) << "the adapter should move the logits";
    b.set_loras({{tiny_lora_path(), 0.5f}});
    const auto half = b.last_logits(toks);
    double half_diff = 0;
    for (size_t i = 0; i < base.size(); ++i) half_diff = std::max(half_diff, double(std::fabs(base[i] - half[i])));
    EXPECT_GT(half_diff, 0.0);
    EXPECT_LT(half_diff, max_diff);
    b.set_loras({});
    const auto restored = b.last_logits(toks);
    for (size_t i = 0; i < base.size(); ++i) ASSERT_NEAR(base[i], restored[i], 1e-5) << "token " << i;
}
