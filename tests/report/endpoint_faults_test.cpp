// Served models through a loopback proxy that injects faults in front of a real llama-server: 10 % of
// connections dropped without a reply, 10 % answered 429 with Retry-After, 10 % answered 503. A run
// with retries gives exactly the fault-free run's results; a load test with no retries counts each
// faulted request as failed and names why.
#include "test_support.h"
#include "fault_proxy.h"
#include "llama_server.h"
#include "../cli/run_test_support.h"

#include <rightsize/load_test.h>
#include <rightsize/run.h>

#include <sstream>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

#ifdef RIGHTSIZE_LLAMA_SERVER

namespace {

// doc_id → filtered_resps of every sample of a task, from the model's samples file.
std::map<int, nlohmann::json> answers(const fs::path & model_dir, const std::string & task) {
    std::map<int, nlohmann::json> out;
    std::istringstream in(run_cli::read_text(model_dir / ("samples_" + task + ".jsonl")));
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line);
        out[j["doc_id"].get<int>()] = j["filtered_resps"];
    }
    return out;
}

}  // namespace

TEST(EndpointFaults, ARunThroughDroppedAndRefusedRequestsEqualsTheFaultFreeRun) {
    const auto dir = fresh_subdir("endpoint-faults");
    const int port = free_port();
    LlamaServer server(RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log");
    ASSERT_TRUE(server.wait_ready(std::chrono::seconds(120))) << server.log_text();
    FaultProxy proxy(port, "..d..r..s.");
    const std::string direct = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    const std::string faulty = "http://127.0.0.1:" + std::to_string(proxy.port()) + "/v1";

    const auto tasks = run_cli::make_tasks();
    const auto run = [&](const std::string & url, const std::string & out) {
        RunOptions o = run_cli::tiny_run_options(tasks, dir / out, {"gen_colours", "mc_colours"});
        o.models = {url};
        o.endpoint.retries = 8;
        o.endpoint.concurrency = 2;
        return RunSession(o).run();
    };
    const RunOutcome clean = run(direct, "clean");
    const RunOutcome faults = run(faulty, "faults");
    EXPECT_GE(proxy.dropped.load(), 2);
    EXPECT_GE(proxy.too_many.load(), 2);
    EXPECT_GE(proxy.unavailable.load(), 2);
    for (const char * task : {"gen_colours", "mc_colours"}) {
        EXPECT_EQ(faults.results[0]["results"][task], clean.results[0]["results"][task]) << task;
        const auto a = answers(dir / "clean" / clean.results[0]["model"]["key"].get<std::string>(), task);
        const auto b = answers(dir / "faults" / faults.results[0]["model"]["key"].get<std::string>(), task);
        ASSERT_EQ(a.size(), 6u) << task;
        EXPECT_EQ(a, b) << task << ": every answer the same as without faults";
    }
}

TEST(EndpointFaults, ALoadTestWithoutRetriesCountsEachFaultedRequest) {
    const auto dir = fresh_subdir("load-faults");
    const int port = free_port();
    LlamaServer server(RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log");
    ASSERT_TRUE(server.wait_ready(std::chrono::seconds(120))) << server.log_text();
    EndpointOptions direct;
    direct.url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    EndpointBackend clean(direct);
    const auto prompts = random_prompts(clean, 10, 12, 4, 0.0, 3);

    FaultProxy proxy(port, "..d..r..s.");  // request 0 is /v1/models; then the ten completions
    EndpointOptions through = direct;
    through.url = "http://127.0.0.1:" + std::to_string(proxy.port()) + "/v1";
    through.retries = 0;
    EndpointBackend faulty(through);
    LoadTestOptions o;
    o.max_concurrency = 1;
    const LoadResult r = run_load(faulty, prompts, o);
    EXPECT_EQ(r.failed, 3u);
    EXPECT_EQ(r.completed, 7u);
    EXPECT_EQ(r.total_output_tokens, 7 * 4);
    ASSERT_EQ(r.errors.size(), 3u);
    std::string all;
    for (const auto & e : r.errors) all += e + "\n";
    EXPECT_NE(all.find("no reply"), std::string::npos) << all;
    EXPECT_NE(all.find("HTTP 429"), std::string::npos) << all;
    EXPECT_NE(all.find("HTTP 503 ({\"error\": {\"message\": \"loading\"}})"), std::string::npos) << all;
    EXPECT_EQ(r.requests[1].ok, false) << "the dropped one";
    EXPECT_DOUBLE_EQ(r.request_throughput, 7 / r.duration_s) << "failed requests do not count as throughput";
}
#endif

#ifdef RIGHTSIZE_LLAMA_SERVER
// Chat mode sends the conversation to /v1/chat/completions: the same answers as the GGUF in-process
// with its template; a server without /apply-template (a proxy answers 404 for it, as vLLM and hosted
// APIs would) still generates, records a transcript as the prompt, and refuses chat-mode scoring.
TEST(EndpointChat, ChatModeGoesToChatCompletionsWithTheInProcessAnswers) {
    const auto dir = fresh_subdir("endpoint-chat");
    const int port = free_port();
    LlamaServer server(RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log");
    ASSERT_TRUE(server.wait_ready(std::chrono::seconds(120))) << server.log_text();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    const auto tasks = run_cli::make_tasks();
    RunOptions o = run_cli::tiny_run_options(tasks, dir / "chat", {"gen_colours"});
    o.models = {url, smollm2_path()};
    o.eval.apply_chat_template = true;
    const RunOutcome r = RunSession(o).run();
    const auto served = answers(dir / "chat" / r.results[0]["model"]["key"].get<std::string>(), "gen_colours");
    const auto local = answers(dir / "chat" / r.results[1]["model"]["key"].get<std::string>(), "gen_colours");
    ASSERT_EQ(served.size(), 6u);
    EXPECT_EQ(served, local) << "the server's template and the GGUF's (rendered as Jinja) give the same greedy answers";
    EXPECT_EQ(r.results[1]["model"]["chat_template_engine"], "jinja");

    FaultProxy proxy(port, "");
    proxy.missing_routes = {"/apply-template"};
    RunOptions t = o;
    t.output_dir = (dir / "transcript").string();
    t.models = {"http://127.0.0.1:" + std::to_string(proxy.port()) + "/v1"};
    const RunOutcome tr = RunSession(t).run();
    const fs::path tdir = dir / "transcript" / tr.results[0]["model"]["key"].get<std::string>();
    EXPECT_EQ(answers(tdir, "gen_colours"), served) << "the messages are what the server answers, with or without /apply-template";
    const auto paths = proxy.seen();
    EXPECT_EQ(std::count(paths.begin(), paths.end(), "POST /v1/chat/completions"), 6) << "each document asked as a chat";
    EXPECT_EQ(std::count(paths.begin(), paths.end(), "POST /v1/completions"), 0);
    const std::string first = run_cli::read_text(tdir / "samples_gen_colours.jsonl");
    EXPECT_NE(first.find("\"prompt\":\"<user>\\n"), std::string::npos) << "the recorded prompt is a transcript";
    RunOptions mc = t;
    mc.output_dir = (dir / "mc").string();
    mc.tasks = {"mc_colours"};
    const std::string msg = error_message([&] { RunSession(mc).run(); });
    EXPECT_NE(msg.find("cannot render its chat template as text"), std::string::npos) << msg;
}
#endif
