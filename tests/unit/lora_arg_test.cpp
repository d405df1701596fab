#include <rightsize/llama_backend.h>

#include <gtest/gtest.h>

using namespace rightsize;

TEST(LoraArg, PathWithAndWithoutScale) {
    auto a = parse_lora_arg("adapters/ft.gguf:0.5");
    EXPECT_EQ(a.path, "adapters/ft.gguf");
    EXPECT_FLOAT_EQ(a.scale, 0.5f);
    auto b = parse_lora_arg("adapters/ft.gguf");
    EXPECT_EQ(b.path, "adapters/ft.gguf");
    EXPECT_FLOAT_EQ(b.scale, 1.0f);
    // A colon that is not followed by a number belongs to the path.
    auto c = parse_lora_arg("C:dir/x.gguf");
    EXPECT_EQ(c.path, "C:dir/x.gguf");
    EXPECT_FLOAT_EQ(c.scale, 1.0f);
}
