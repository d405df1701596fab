// A served model as a Backend (endpoint_backend.h) against a real llama-server on 127.0.0.1 serving
// SmolLM2 from the same GGUF the in-process tests use: the model found through /v1/models, greedy
// generation streamed with timing equal to in-process generation, the server's tokenizer equal to
// the GGUF's, its chat template, and the clear error for prompt log-probabilities it cannot return.
#include "test_support.h"
#include "llama_server.h"

#include <rightsize/endpoint_backend.h>
#include <rightsize/llama_backend.h>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

#ifdef RIGHTSIZE_LLAMA_SERVER

namespace {

struct Served {
    fs::path dir = fresh_subdir("endpoint-llama-server");
    int port = free_port();
    LlamaServer server{RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log"};
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/v1"; }
};

EndpointOptions options_for(const std::string & url) {
    EndpointOptions o;
    o.url = url;
    o.concurrency = 3;
    o.timeout_s = 60;
    o.retries = 1;
    return o;
}

}  // namespace

TEST(EndpointBackend, RealLlamaServerServesSmolLM2LikeTheEngineInProcess) {
    ASSERT_TRUE(fs::exists(smollm2_path())) << "run scripts/fetch-models.sh first";
    Served s;
    ASSERT_TRUE(s.server.wait_ready(std::chrono::seconds(120))) << s.server.log_text();
    EndpointBackend served(options_for(s.url()));
    EXPECT_FALSE(served.served_model().empty());
    EXPECT_GT(served.facts().n_params, 100'000'000u) << "llama-server describes the GGUF in /v1/models";
    EXPECT_EQ(served.facts().path, s.url() + "#" + served.served_model());

    LlamaOptions lo = model_options(smollm2_path(), 2048, 2);
    lo.flash_attn = "off";  // as the server runs (-fa off): the CPU kernel with it rounds through F16
    LlamaBackend local(lo);
    const std::string text = "The capital of France is";
    EXPECT_EQ(served.tokenize(text, true, false), local.tokenize(text, true, false)) << "one tokenizer, over HTTP and in-process";

    std::vector<GenerateRequest> reqs;
    for (const char * q : {"Question: What is 2 + 2?\nAnswer:", "The first three letters of the alphabet are", "Paris is the capital of"}) {
        GenerateRequest r;
        r.prompt = q;
        r.until = {"\n"};
        r.max_tokens = 12;
        reqs.push_back(r);
    }
    size_t streamed = 0, finished = 0;
    const auto over_http = served.generate(reqs, [&](const StreamEvent &) { return ++streamed > 0; }, [&](size_t) { ++finished; });
    const auto in_process = local.generate(reqs);
    ASSERT_EQ(over_http.size(), 3u);
    EXPECT_EQ(finished, 3u);
    EXPECT_GT(streamed, 3u);
    for (size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_EQ(over_http[i].text, in_process[i].text) << "greedy answers agree, request " << i;
        EXPECT_GT(over_http[i].ttft_ms, 0.0);
        EXPECT_GE(over_http[i].e2e_ms, over_http[i].ttft_ms);
        EXPECT_TRUE(std::is_sorted(over_http[i].token_times_ms.begin(), over_http[i].token_times_ms.end()));
        EXPECT_GT(over_http[i].n_generated_tokens, 0);
        EXPECT_GT(over_http[i].n_prompt_tokens, 0);
    }

    const std::vector<ChatMessage> chat = {{"user", "Say hello."}};
    EXPECT_NE(served.apply_chat_template(chat, true).find("Say hello."), std::string::npos);

    // llama-server does not echo prompt log-probabilities: one-token choices go by the next-token
    // route, and give the in-process scores.
    const std::vector<LoglikelihoodRequest> ll = {{"The capital of France is", " Paris"},
                                                  {"The capital of France is", " London"},
                                                  {"Question: Is the sky blue? Answer:", " yes"},
                                                  {"Question: Is the sky blue? Answer:", " zebra"}};
    std::vector<std::string> notes;
    EndpointOptions noted = options_for(s.url());
    noted.on_note = [&](const std::string & n) { notes.push_back(n); };
    EndpointBackend served_noted(noted);
    const auto by_route = served_noted.loglikelihood(ll);
    const auto exact = local.loglikelihood(ll);
    ASSERT_EQ(notes.size(), 1u) << "said once";
    EXPECT_NE(notes[0].find("scored from the top log-probabilities of the next token"), std::string::npos) << notes[0];
    for (size_t i = 0; i < ll.size(); ++i) {
        EXPECT_EQ(by_route[i].route, "next-token");
        EXPECT_EQ(by_route[i].tokens, exact[i].tokens) << i;
        EXPECT_NEAR(by_route[i].logprob, exact[i].logprob, 2e-3) << "request " << i << ": the same log-probability as in-process";
        EXPECT_EQ(by_route[i].is_greedy, exact[i].is_greedy) << i;
        EXPECT_EQ(by_route[i].n_context_tokens, exact[i].n_context_tokens) << i;
    }
    EXPECT_LT(by_route[3].logprob, -10) << "' zebra' is far outside the top 20: read from the whole vocabulary";
    const std::vector<LoglikelihoodRequest> longer = {{"The capital of France is", " Paris, a city"}};
    const std::string msg = error_message([&] { served_noted.loglikelihood(longer); });
    EXPECT_NE(msg.find("does not return the prompt's log-probabilities"), std::string::npos) << msg;
    EXPECT_NE(msg.find("so the next-token route (one-token choices) cannot score it either"), std::string::npos) << msg;
    EXPECT_NE(msg.find("generation tasks work on this server"), std::string::npos) << msg;

    const std::string wrong = error_message([&] { EndpointBackend(options_for(s.url() + "#no-such-model")); });
    EXPECT_NE(wrong.find("does not serve 'no-such-model'; it serves: " + served.served_model()), std::string::npos) << wrong;
}

#endif

#ifdef RIGHTSIZE_LLAMA_SERVER
#include "cli/run_test_support.h"

#include <rightsize/run.h>

TEST(EndpointBackend, ARunMixesALocalModelWithAServedOneInOneReport) {
    const fs::path gemma = std::string(RIGHTSIZE_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";
    ASSERT_TRUE(fs::exists(gemma)) << "run scripts/fetch-models.sh first";
    const auto dir = fresh_subdir("endpoint-mixed-run");
    const int port = free_port();
    LlamaServer server(RIGHTSIZE_LLAMA_SERVER, gemma.string(), port, dir / "llama-server.log");
    ASSERT_TRUE(server.wait_ready(std::chrono::seconds(120))) << server.log_text();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";

    const auto tasks = run_cli::make_tasks();
    RunOptions o = run_cli::tiny_run_options(tasks, dir / "out", {"gen_colours"});
    o.models = {smollm2_path(), url};
    o.endpoint.concurrency = 2;
    RunSession session(o);
    const std::string served_key = session.config()["models"][1]["key"];
    EXPECT_EQ(served_key.find("@127.0.0.1_" + std::to_string(port)), served_key.size() - 11 - std::to_string(port).size()) << served_key;
    EXPECT_EQ(session.config()["models"][1]["endpoint"], url);
    const RunOutcome r = session.run();
    ASSERT_EQ(r.results.size(), 2u);
    const auto & local = r.results[0]["efficiency"]["gen_colours"];
    const auto & served = r.results[1]["efficiency"]["gen_colours"];
    EXPECT_TRUE(local["energy"].is_object()) << "the local model's energy is this machine's";
    EXPECT_TRUE(served["energy"].is_null()) << "a served model's energy is not this client's";
    EXPECT_TRUE(served["peak_rss_mb"].is_null());
    EXPECT_EQ(served["not_measured"], (nlohmann::json{"memory", "energy"}));
    EXPECT_GT(served["tokens_per_s"].get<double>(), 0.0);
    ASSERT_TRUE(served.contains("server_timings")) << "llama-server's own timings, beside the client's";
    EXPECT_EQ(served["server_timings"]["requests"], 6);
    EXPECT_GT(served["server_timings"]["predicted_ms_per_token"].get<double>(), 0.0);
    EXPECT_FALSE(local.contains("server_timings"));
    EXPECT_EQ(r.results[1]["model"]["endpoint"], url);
    EXPECT_EQ(r.results[1]["n-samples"]["gen_colours"]["effective"].get<int>(), 6);
    EXPECT_EQ(r.analysis["models"].size(), 2u) << "one report holds both";
    const std::string md = run_cli::read_text(dir / "out" / "report.md");
    EXPECT_NE(md.find(served_key), std::string::npos);
    EXPECT_NE(md.find("smollm2-135m-instruct-q4_1"), std::string::npos);

    // A multiple-choice task whose choices are one token each: scored by the next-token route,
    // labelled so, with the accuracy the same GGUF gives in-process.
    RunOptions mc = run_cli::tiny_run_options(tasks, dir / "mc", {"mc_colours"});
    mc.models = {url, gemma.string()};
    const RunOutcome m = RunSession(mc).run();
    const auto & over_http = m.results[0];
    const auto & in_process = m.results[1];
    EXPECT_EQ(over_http["efficiency"]["mc_colours"]["loglikelihood_route"], (nlohmann::json{{"next-token", 6}}));
    EXPECT_FALSE(in_process["efficiency"]["mc_colours"].contains("loglikelihood_route"));
    EXPECT_EQ(over_http["results"]["mc_colours"]["acc,none"], in_process["results"]["mc_colours"]["acc,none"]);
    EXPECT_NEAR(over_http["results"]["mc_colours"]["acc_norm,none"].get<double>(),
                in_process["results"]["mc_colours"]["acc_norm,none"].get<double>(), 1e-9);
}
#endif
