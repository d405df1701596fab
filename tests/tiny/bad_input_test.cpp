#include "test_support.h"

#include <rightsize/error.h>

#include <filesystem>
#include <fstream>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

std::string load_error(const std::string & path) {
    try {
        LlamaOptions o = tiny_options();
        o.model_path = path;
        LlamaBackend b(o);
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

void write_file(const std::filesystem::path & p, const std::string & bytes) {
    std::ofstream out(p, std::ios::binary);
    out << bytes;
}

}  // namespace

TEST(BadInput, MissingModelFile) {
    const std::string msg = load_error("/nonexistent/model.gguf");
    EXPECT_NE(msg.find("/nonexistent/model.gguf"), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
}

TEST(BadInput, NotAGgufFile) {
    const auto p = temp_dir() / "notes.gguf";
    write_file(p, "this is a text file, not a model\n");
    const std::string msg = load_error(p.string());
    EXPECT_NE(msg.find("is not a GGUF file"), std::string::npos) << msg;
    const auto empty = temp_dir() / "empty.gguf";
    write_file(empty, "");
    EXPECT_NE(load_error(empty.string()).find("is not a GGUF file"), std::string::npos);
}

TEST(BadInput, TruncatedModelFile) {
    std::ifstream in(tiny_model_path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto half = temp_dir() / "half.gguf";
    write_file(half, bytes.substr(0, bytes.size() / 2));
    std::string msg = load_error(half.string());
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_NE(msg.find(half.string()), std::string::npos) << msg;
    // Cut inside the header (the vocabulary array): the header itself cannot be read.
    const auto head = temp_dir() / "head.gguf";
    write_file(head, bytes.substr(0, 2000));
    msg = load_error(head.string());
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(BadInput, DirectoryInsteadOfFile) {
    EXPECT_NE(load_error(temp_dir().string()).find("directory"), std::string::npos);
}

TEST(BadInput, LoraForAnotherModelShape) {
    LlamaBackend b(tiny_options());
    const std::string msg = error_message([&] { b.set_loras({{mismatched_lora_path(), 1.0f}}); });
    EXPECT_NE(msg.find("does not fit"), std::string::npos) << msg;
}

TEST(BadInput, OptionsOutOfRange) {
    LlamaOptions o = tiny_options();
    o.n_ctx = 4;
    EXPECT_THROW(LlamaBackend{o}, Error);
    o = tiny_options();
    o.flash_attn = "maybe";
    EXPECT_THROW(LlamaBackend{o}, Error);
    o = tiny_options();
    o.n_parallel = 0;
    EXPECT_THROW(LlamaBackend{o}, Error);
}
