// llama-cpp-python's OpenAI-compatible server (PyPI, built into deps/ by scripts/fetch-llama-cpp-python.sh)
// on 127.0.0.1 serving SmolLM2: its tokenizer route (/extras/tokenize) and text-only prompts are
// handled, and its echoed prompt log-probabilities, which version 0.3 reports one token late (each
// token under the distribution after it), are caught by the echo check and refused, never scored.
#include "test_support.h"
#include "llama_server.h"

#include <rightsize/endpoint_backend.h>
#include <rightsize/llama_backend.h>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

#ifdef RIGHTSIZE_LLAMA_CPP_PYTHON
namespace {

// llama-cpp-python's server on SmolLM2 on a free loopback port, for as long as the test runs.
struct PythonServer {
    int port = free_port();
    ServerProcess server;
    explicit PythonServer(const fs::path & dir)
        : server({RIGHTSIZE_LLAMA_CPP_PYTHON, "-m", "llama_cpp.server", "--model", smollm2_path(), "--host", "127.0.0.1", "--port",
                  std::to_string(port), "--n_ctx", "2048", "--n_threads", "2", "--logits_all", "true"},
                 port, dir / "server.log", "/v1/models") {}
    EndpointOptions options() const {
        EndpointOptions o;
        o.url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
        o.retries = 1;
        return o;
    }
};

}  // namespace

TEST(LlamaCppPython, ItsMisalignedEchoIsRefusedNotScored) {
    ASSERT_TRUE(fs::exists(RIGHTSIZE_LLAMA_CPP_PYTHON)) << "run scripts/fetch-llama-cpp-python.sh";
    const auto dir = fresh_subdir("llama-cpp-python");
    PythonServer py(dir);
    ASSERT_TRUE(py.server.wait_ready(std::chrono::seconds(120))) << py.server.log_text();
    EndpointOptions o = py.options();
    EndpointBackend served(o);
    LlamaOptions lo = model_options(smollm2_path(), 2048, 1);
    lo.flash_attn = "off";
    LlamaBackend local(lo);
    const std::string text = "The capital of France is";
    EXPECT_EQ(served.tokenize(text, true, false), local.tokenize(text, true, false)) << "/extras/tokenize, the same tokens";
    EXPECT_EQ(served.detokenize(local.tokenize(text, false, false)), text) << "/extras/detokenize";

    const std::vector<LoglikelihoodRequest> ll = {{text, " Paris is in France"}};
    const std::string msg = error_message([&] { served.loglikelihood(ll); });
    EXPECT_NE(msg.find("echoed prompt log-probabilities disagree with its own next-token ones"), std::string::npos) << msg;
    EXPECT_NE(msg.find("every score read from it would be wrong"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rightsize serve"), std::string::npos) << msg;
}

// Where every choice is one token, the misaligned echo is not read and the next-token route scores
// them instead, labelled so, with the in-process engine's numbers.
TEST(LlamaCppPython, OneTokenChoicesFallBackToTheNextTokenRoute) {
    const auto dir = fresh_subdir("llama-cpp-python-next");
    PythonServer py(dir);
    ASSERT_TRUE(py.server.wait_ready(std::chrono::seconds(120))) << py.server.log_text();
    EndpointOptions o = py.options();
    std::vector<std::string> notes;
    o.on_note = [&](const std::string & n) { notes.push_back(n); };
    EndpointBackend served(o);
    LlamaOptions lo = model_options(smollm2_path(), 2048, 1);
    lo.flash_attn = "off";
    LlamaBackend local(lo);
    const std::string q = "The capital of France is";
    const std::vector<LoglikelihoodRequest> ll = {{q, " Paris"}, {q, " the"}, {q, " a"}};  // among its top 20
    const auto got = served.loglikelihood(ll);
    const auto want = local.loglikelihood(ll);
    ASSERT_EQ(got.size(), 3u);
    for (size_t i = 0; i < ll.size(); ++i) {
        EXPECT_EQ(got[i].route, "next-token") << i;
        EXPECT_NEAR(got[i].logprob, want[i].logprob, 0.05) << i << ": its own build of llama.cpp, its own batch";
    }
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("misaligned"), std::string::npos) << notes[0];
}
#else
TEST(LlamaCppPython, IsInstalled) { FAIL() << "deps/llama-cpp-python was not found when configuring: run scripts/fetch-llama-cpp-python.sh, then cmake again"; }
#endif
