// rightsize load against a real llama-server on 127.0.0.1 serving SmolLM2: every request runs to its
// length (ignore_eos), the figures hang together as vLLM's definitions say, arrivals keep the rate
// asked, --duration stops by itself, and `rightsize load --sweep` prints vLLM-style figures and
// writes load.json and load.html.
#include "test_support.h"
#include "llama_server.h"

#include <rightsize/load_test.h>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path & p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

#ifdef RIGHTSIZE_LLAMA_SERVER

namespace {

struct Served {
    fs::path dir = fresh_subdir("load-llama-server");
    int port = free_port();
    LlamaServer server{RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log", {"-np", "2"}};
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/v1"; }
    EndpointOptions options() const {
        EndpointOptions o;
        o.url = url();
        o.timeout_s = 60;
        o.retries = 0;
        return o;
    }
};

}  // namespace

TEST(LoadTest, MeasuresARealLlamaServerAsVllmBenchDefinesIt) {
    ASSERT_TRUE(fs::exists(smollm2_path())) << "run scripts/fetch-models.sh first";
    Served s;
    ASSERT_TRUE(s.server.wait_ready(std::chrono::seconds(120))) << s.server.log_text();
    EndpointBackend backend(s.options());
    const auto prompts = random_prompts(backend, 6, 24, 8, 0.0, 7);
    ASSERT_EQ(prompts.size(), 6u);
    EXPECT_EQ(backend.tokenize(prompts[0].text, false, false).size(), 24u) << "random prompts re-tokenize to about their length";
    EXPECT_EQ(random_prompts(backend, 2, 24, 8, 0.0, 7)[1].text, prompts[1].text) << "a seed gives the same prompts";

    LoadTestOptions o;
    o.max_concurrency = 2;
    const LoadResult r = run_load(backend, prompts, o);
    ASSERT_EQ(r.completed, 6u) << (r.errors.empty() ? "" : r.errors[0]);
    EXPECT_EQ(r.total_output_tokens, 6 * 8) << "ignore_eos: every request runs to its max_tokens";
    EXPECT_GE(r.total_input_tokens, 6 * 24) << "the server counts the prompt (and its BOS)";
    for (const auto & q : r.requests) {
        EXPECT_GT(q.ttft_ms, 0);
        EXPECT_GE(q.e2el_ms, q.ttft_ms);
        ASSERT_EQ(q.itl_ms.size(), 7u) << "llama-server streams one chunk per token";
        double sum = 0;
        for (double g : q.itl_ms) sum += g;
        // TTFT + the gaps is the last text chunk's time; E2EL adds only the usage chunk and [DONE].
        EXPECT_LE(q.ttft_ms + sum, q.e2el_ms + 1e-9);
        EXPECT_LT(q.e2el_ms - (q.ttft_ms + sum), 0.1 * q.e2el_ms + 20) << "TTFT + the gaps = E2EL, but for the stream's end";
    }
    EXPECT_NEAR(r.tpot.mean * 7, r.e2el.mean - r.ttft.mean, 1e-6 + 0.01 * r.e2el.mean);
    EXPECT_NEAR(r.request_throughput, 6 / r.duration_s, 1e-9);
    // llama-server's own timings for the same requests, beside the client's figures.
    EXPECT_EQ(r.server_tpot.n, 6u);
    EXPECT_GT(r.server_tpot.mean, 0.0);
    EXPECT_LT(r.server_tpot.mean, 1.5 * r.tpot.mean + 5) << "the server's per-token time is within the client's";
    EXPECT_EQ(to_json(r)["server"]["requests"], 6);
    EXPECT_LE(r.duration_s * 1000, 6 * r.e2el.max) << "two in flight finish faster than one after another";

    // A finite rate with regular gaps: requests go out on time.
    LoadTestOptions paced;
    paced.request_rate = 4;
    paced.burstiness = 1000;
    paced.max_concurrency = 6;  // a slot for each, so no request waits for one
    const LoadResult p = run_load(backend, prompts, paced);
    ASSERT_EQ(p.completed, 6u);
    for (size_t i = 0; i < p.requests.size(); ++i) EXPECT_NEAR(p.requests[i].sent_s, double(i + 1) / 4, 0.05) << "request " << i;
    EXPECT_NEAR(p.achieved_rate, 4 * 5.0 / 6, 0.4);

    // --duration: no request is sent after it, and the test stops by itself.
    LoadTestOptions timed;
    timed.request_rate = 8;
    timed.burstiness = 1000;
    timed.num_requests = 1000;
    timed.duration_s = 0.6;
    timed.max_concurrency = 8;
    const LoadResult t = run_load(backend, prompts, timed);
    EXPECT_EQ(t.num_prompts, 4u) << "sent at 0.125, 0.25, 0.375, 0.5 s; 0.625 is past the duration";
    EXPECT_EQ(t.completed, 4u);
}

TEST(LoadTest, TheSweepCommandPrintsVllmFiguresAndWritesJsonAndHtml) {
    Served s;
    ASSERT_TRUE(s.server.wait_ready(std::chrono::seconds(120))) << s.server.log_text();
    const fs::path out = s.dir / "sweep";
    const auto r = run_command(std::string(RIGHTSIZE_CLI) + " load -m " + s.url() +
                               " --num-prompts 4 --input-len 16 --output-len 6 --sweep --sweep-runs 3 --slo ttft=60000 -o " + out.string());
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char * line : {"Successful requests:                     4", "Mean TTFT (ms):", "P99 TPOT (ms):", "Median ITL (ms):",
                              "Request goodput (req/s):", "synchronous", "throughput", "constant", "one at a time"}) {
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
    EXPECT_NE(r.err.find("requests"), std::string::npos) << "progress on stderr";
    const auto j = nlohmann::json::parse(slurp(out / "load.json"));
    ASSERT_EQ(j["runs"].size(), 3u);
    EXPECT_EQ(j["runs"][0]["label"], "synchronous");
    EXPECT_EQ(j["runs"][0]["max_concurrency"], 1);
    EXPECT_EQ(j["runs"][1]["label"], "throughput");
    const double lo = j["runs"][0]["request_throughput"], hi = j["runs"][1]["request_throughput"];
    const double mid = j["runs"][2]["request_rate"];
    EXPECT_NEAR(mid, (lo + hi) / 2, 1e-9) << "the constant rate lies halfway between the synchronous and throughput rates";
    EXPECT_EQ(j["runs"][2]["completed"], 4);
    EXPECT_EQ(j["runs"][2]["request_goodput"], j["runs"][2]["request_throughput"]) << "every request meets a 60-s TTFT";
    EXPECT_FALSE(j["model"].get<std::string>().empty()) << "the served model's name";
    EXPECT_EQ(j["endpoint"], s.url());
    EXPECT_EQ(j["prompts"]["kind"], "random");
    const std::string html = slurp(out / "load.html");
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("latency vs request rate"), std::string::npos);

    const auto bad = run_command(std::string(RIGHTSIZE_CLI) + " load -m " + s.url() + " --slo ttft=soon");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--slo: 'ttft=soon'"), std::string::npos) << bad.err;
    const auto missing = run_command(std::string(RIGHTSIZE_CLI) + " load -m " + (s.dir / "no-such.gguf").string());
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("no-such.gguf"), std::string::npos) << missing.err;
}
#endif

// A GGUF instead of a URL: served in the same process by rightsize serve's engine on 127.0.0.1,
// and measured as any endpoint is (every request to its length, the figures in load.json).
TEST(LoadTest, AGgufIsServedInThisProcessAndMeasured) {
    const fs::path out = fresh_subdir("load-local");
    const auto r = run_command(std::string(RIGHTSIZE_CLI) + " load -m " + smollm2_path() +
                               " -t 2 -np 2 --num-prompts 4 --input-len 32 --output-len 8 --max-concurrency 2 -o " + out.string());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Successful requests:                     4"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("served in this process by rightsize serve's engine"), std::string::npos) << r.err;
    const auto j = nlohmann::json::parse(slurp(out / "load.json"));
    EXPECT_EQ(j["model"], "smollm2-135m-instruct-q4_1");
    EXPECT_NE(j["endpoint"].get<std::string>().find("rightsize serve in this process"), std::string::npos) << j["endpoint"];
    EXPECT_EQ(j["runs"][0]["completed"], 4);
    EXPECT_EQ(j["runs"][0]["total_output_tokens"], 32) << "every request ran to its 8 tokens";
}
