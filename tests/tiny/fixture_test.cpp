#include "test_support.h"

#include <rightsize/error.h>

#include <fstream>
#include <iterator>

using namespace rightsize;
using namespace rightsize::testing;

namespace {
std::string read_all(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST(Fixture, SameSeedSameBytesOtherSeedOtherWeights) {
    const auto a = (temp_dir() / "seed-a.gguf").string();
    const auto b = (temp_dir() / "seed-b.gguf").string();
    const auto c = (temp_dir() / "seed-c.gguf").string();
    fixture::write_tiny_llama(a);
    fixture::write_tiny_llama(b);
    fixture::TinyLlamaSpec other;
    other.seed = 43;
    fixture::write_tiny_llama(c, other);
    const std::string ba = read_all(a), bb = read_all(b), bc = read_all(c);
    EXPECT_EQ(ba, bb);
    EXPECT_EQ(ba.size(), bc.size());
    EXPECT_NE(ba, bc);
    EXPECT_LT(ba.size(), 1u << 20) << "the tiny model should stay well under a megabyte";
}

TEST(Fixture, TinyModelLoadsWithTheFactsItWasWrittenWith) {
    const ModelFacts f = read_model_facts(tiny_model_path());
    EXPECT_EQ(f.architecture, "llama");
    EXPECT_EQ(f.n_layer, 2);
    EXPECT_EQ(f.n_embd, 64);
    EXPECT_EQ(f.n_head, 4);
    EXPECT_EQ(f.n_head_kv, 2);
    EXPECT_EQ(f.n_ctx_train, 512);
    EXPECT_GT(f.n_vocab, 400);
    EXPECT_NE(f.chat_template.find("im_start"), std::string::npos);
    EXPECT_EQ(f.name, "rightsize-tiny-llama");
    // Parameters: embeddings + output + 2 blocks; all F32, so tensor bytes = 4 × params.
    EXPECT_EQ(f.tensor_bytes, f.n_params * 4);
    EXPECT_GT(f.file_bytes, f.tensor_bytes);
}

TEST(Fixture, LoraMatchesItsBaseModel) {
    LlamaOptions o = tiny_options();
    o.loras = {{tiny_lora_path(), 1.0f}};
    EXPECT_NO_THROW({ LlamaBackend b(o); });
}
