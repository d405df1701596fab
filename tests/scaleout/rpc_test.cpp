// Models larger than one machine (issue 14): llama.cpp's RPC backend. Two rpc-server processes on
// 127.0.0.1 take the layers; scores and answers equal the in-process ones.
#include "scaleout_support.h"
#include "llama_server.h"

#include <rightsize/error.h>
#include <rightsize/llama_backend.h>

#include <gtest/gtest.h>

namespace rightsize::testing::scaleout {
namespace {

#ifdef RIGHTSIZE_RPC_SERVER

// One llama.cpp rpc-server on 127.0.0.1 (one CPU thread), ready when it accepts connections.
struct RpcServer {
    explicit RpcServer(const std::string & name)
        : port(free_port()),
          process({RIGHTSIZE_RPC_SERVER, "-H", "127.0.0.1", "-p", std::to_string(port), "-t", "1"}, port, temp_dir() / (name + ".log")) {
        for (int i = 0; i < 100; ++i) {
            try {
                check_rpc_servers({endpoint()});
                return;
            } catch (const Error &) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        throw std::runtime_error("rpc-server did not start: " + process.log_text());
    }
    std::string endpoint() const { return "127.0.0.1:" + std::to_string(port); }
    int port;
    ServerProcess process;
};

std::vector<LoglikelihoodRequest> arc_like_requests() {
    std::vector<LoglikelihoodRequest> r;
    const char * questions[] = {"Question: Which gas do plants take in for photosynthesis?\nAnswer:",
                                "Question: What is the boiling point of water at sea level?\nAnswer:"};
    const char * answers[] = {" carbon dioxide", " oxygen", " nitrogen", " 100 degrees Celsius", " 50 degrees Celsius"};
    for (const char * q : questions) {
        for (const char * a : answers) r.push_back({q, a});
    }
    return r;
}

std::vector<std::string> greedy_answers(LlamaBackend & b) {
    std::vector<GenerateRequest> reqs(2);
    reqs[0].prompt = "The capital of France is";
    reqs[1].prompt = "Water is made of hydrogen and";
    for (auto & q : reqs) q.max_tokens = 12;
    std::vector<std::string> out;
    for (const auto & r : b.generate(reqs)) out.push_back(r.text);
    return out;
}

TEST(Rpc, TwoRpcServersGiveTheInProcessScoresAndAnswersAndAreRecorded) {
    LlamaOptions o = model_options(smollm2_path(), 2048, 4);
    o.flash_attn = "off";
    LlamaBackend local(o);
    const auto expected = local.loglikelihood(arc_like_requests());
    const auto expected_answers = greedy_answers(local);

    RpcServer a("rpc-a"), b("rpc-b");
    LlamaOptions remote_options = o;
    remote_options.rpc_servers = {a.endpoint(), b.endpoint()};
    LlamaBackend remote(remote_options);
    const auto & devices = remote.facts().devices;
    ASSERT_EQ(devices.size(), 3u);
    EXPECT_EQ(devices[0], "RPC0 (" + a.endpoint() + ")");
    EXPECT_EQ(devices[1], "RPC1 (" + b.endpoint() + ")");
    EXPECT_EQ(devices[2], "CPU");
    const auto got = remote.loglikelihood(arc_like_requests());
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
        // The servers run the same CPU kernels on the same batches: the backend's tolerance for
        // one batch layout is exact to rounding (measured: identical).
        EXPECT_NEAR(got[i].logprob, expected[i].logprob, 1e-4) << i;
        EXPECT_EQ(got[i].is_greedy, expected[i].is_greedy) << i;
    }
    EXPECT_EQ(greedy_answers(remote), expected_answers);

    // A model loaded afterwards without --rpc stays on this machine.
    LlamaBackend again(o);
    EXPECT_EQ(again.facts().devices, std::vector<std::string>{"CPU"});
}

TEST(Rpc, BenchReportsTheRpcDevices) {
    RpcServer a("rpc-bench-a"), b("rpc-bench-b");
    const auto r = run_command(quote(run_cli::cli()) + " bench -m " + quote(smollm2_path()) + " -p 32 -n 8 -r 1 -t 2 -o json --rpc " +
                               a.endpoint() + "," + b.endpoint());
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    const json & model = j.is_array() ? j[0] : j.value("models", json::array())[0];
    EXPECT_EQ(model["devices"], json::array({"RPC0 (" + a.endpoint() + ")", "RPC1 (" + b.endpoint() + ")", "CPU"})) << r.out;
    EXPECT_GT(model["tg_tokens_per_s"].get<double>(), 0);
}

TEST(Rpc, AnUnreachableRpcServerIsOneErrorNamingIt) {
    const std::string nobody = "127.0.0.1:" + std::to_string(free_port());
    LlamaOptions o = model_options(smollm2_path(), 512, 1);
    o.rpc_servers = {nobody};
    const std::string e = error_message([&] { LlamaBackend b(o); });
    EXPECT_NE(e.find("--rpc " + nobody + ": the RPC server is unreachable"), std::string::npos) << e;
    const fs::path dir = fresh_subdir("rpc-unreachable");
    const auto r = run_command(quote(run_cli::cli()) + " run -m " + quote(smollm2_path()) + " --tasks arc_easy --limit 2 --data-dir " +
                               quote(RIGHTSIZE_SHARED_DATA) + " -o " + quote((dir / "out").string()) + " --rpc " + nobody);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find(nobody), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing is written";
}

#else
TEST(Rpc, NeedsTheRpcServer) { GTEST_SKIP() << "built without RIGHTSIZE_RPC: no ggml-rpc-server"; }
#endif

}  // namespace
}  // namespace rightsize::testing::scaleout
