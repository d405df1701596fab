// rightsize serve (serve.h) on 127.0.0.1 serving SmolLM2: rightsize's own endpoint backend scores and
// generates through it exactly as the engine does in-process; concurrent HTTP requests are scored in
// shared batches with the same answers; the queue bound, the API key, malformed bodies, the
// tokenizer routes, streaming and /metrics behave as documented; SIGTERM finishes requests in flight.
#include "test_support.h"
#include "llama_server.h"

#include <rightsize/endpoint_backend.h>
#include <rightsize/llama_backend.h>
#include <rightsize/serve.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <future>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

LlamaOptions serve_options(int np = 4) {
    LlamaOptions o = model_options(smollm2_path(), 4096, 2);
    o.flash_attn = "on";  // with it, this model's scores here do not depend on which prompts share a batch
    o.n_parallel = np;
    return o;
}

// rightsize serve in this process, on a free port, serving until the end of the test.
struct Serving {
    LlamaBackend backend;
    Server server;
    std::thread thread;
    Serving(LlamaOptions lo, ServeOptions so) : backend(lo), server(backend, with_free_port(std::move(so))) {
        thread = std::thread([this] { server.run(); });
    }
    ~Serving() {
        server.stop();
        thread.join();
    }
    static ServeOptions with_free_port(ServeOptions so) {
        so.port = 0;
        return so;
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()) + "/v1"; }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", server.port());
        c.set_read_timeout(120, 0);
        return c;
    }
};

// Waits until the server's /metrics shows a request generating (false after 30 s).
bool wait_running(int port) {
    httplib::Client c("127.0.0.1", port);
    for (int i = 0; i < 600; ++i) {
        if (auto r = c.Get("/metrics"); r && r->body.find("\nrightsize_requests_running 0\n") == std::string::npos &&
                                         r->body.find("\nrightsize_requests_running ") != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

httplib::Result post(const Serving & s, const std::string & path, const json & body, const httplib::Headers & h = {}) {
    auto c = s.client();
    return c.Post(path, h, body.dump(), "application/json");
}

std::vector<LoglikelihoodRequest> choices() {
    const std::string q1 = "Question: Which gas do plants take in from the air to make food?\nAnswer:";
    const std::string q2 = "Question: What is the boiling point of water at sea level?\nAnswer:";
    return {{q1, " carbon dioxide"}, {q1, " oxygen"}, {q1, " nitrogen"}, {q1, " helium"},
            {q2, " 100 degrees Celsius"}, {q2, " 50 degrees Celsius"}, {q2, " 0 degrees Celsius"}};
}

}  // namespace

TEST(Serve, ScoresAndGeneratesThroughTheEndpointBackendLikeTheEngineInProcess) {
    ASSERT_TRUE(fs::exists(smollm2_path())) << "run scripts/fetch-models.sh first";
    Serving s(serve_options(), {});
    LlamaBackend local(serve_options());
    EndpointOptions eo;
    eo.url = s.url();
    eo.retries = 0;
    EndpointBackend served(eo);
    EXPECT_EQ(served.served_model(), "smollm2-135m-instruct-q4_1");
    EXPECT_EQ(served.facts().n_params, local.facts().n_params) << "/v1/models describes the GGUF";
    const auto reqs = choices();
    const auto a = local.loglikelihood(reqs);
    const auto b = served.loglikelihood(reqs);  // echo + logprobs over token ids, the split from /tokenize
    ASSERT_EQ(b.size(), reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_NEAR(a[i].logprob, b[i].logprob, 1e-3 + 1e-5 * std::fabs(a[i].logprob)) << i;
        EXPECT_EQ(a[i].is_greedy, b[i].is_greedy) << i;
        EXPECT_TRUE(b[i].route.empty()) << "scored from the echoed prompt, not the next-token route";
    }
    std::vector<GenerateRequest> gens;
    for (const char * q : {"Question: What is 2 + 2?\nAnswer:", "The first three letters of the alphabet are"}) {
        GenerateRequest g;
        g.prompt = q;
        g.until = {"\n"};
        g.max_tokens = 16;
        gens.push_back(g);
    }
    const auto ga = local.generate(gens);
    const auto gb = served.generate(gens);  // streamed
    for (size_t i = 0; i < gens.size(); ++i) {
        EXPECT_EQ(ga[i].text, gb[i].text) << i;
        EXPECT_GT(gb[i].ttft_ms, 0.0);
    }
}

// lm-eval's own request (token ids, echo, logprobs 1, max_tokens 1, temperature 0) from many
// clients at once: answered from shared scoring batches, each answer equal to the one alone.
TEST(Serve, ConcurrentEchoRequestsShareBatchesAndEqualSequentialAnswers) {
    Serving s(serve_options(), {});
    const auto reqs = choices();
    std::vector<json> bodies;
    for (const auto & r : reqs) {
        const auto ids = s.backend.tokenize(r.context + r.continuation, true, true);
        bodies.push_back({{"prompt", ids}, {"echo", true}, {"logprobs", 1}, {"max_tokens", 1}, {"temperature", 0}});
    }
    std::vector<json> alone;
    for (const auto & b : bodies) {
        auto r = post(s, "/v1/completions", b);
        ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no reply");
        alone.push_back(json::parse(r->body));
    }
    std::vector<std::future<json>> together;
    for (int round = 0; round < 3; ++round) {
        for (const auto & b : bodies) {
            together.push_back(std::async(std::launch::async, [&s, b] { return json::parse(post(s, "/v1/completions", b)->body); }));
        }
    }
    for (size_t k = 0; k < together.size(); ++k) {
        const json got = together[k].get();
        const json & want = alone[k % bodies.size()];
        const auto & g = got["choices"][0]["logprobs"]["token_logprobs"];
        const auto & w = want["choices"][0]["logprobs"]["token_logprobs"];
        ASSERT_EQ(g.size(), w.size());
        EXPECT_TRUE(g[0].is_null());
        for (size_t t = 1; t < g.size(); ++t) EXPECT_NEAR(g[t].get<double>(), w[t].get<double>(), 1e-3 + 1e-5 * std::fabs(w[t].get<double>())) << k << " " << t;
        EXPECT_EQ(got["choices"][0]["text"], want["choices"][0]["text"]);
        EXPECT_EQ(g.size(), bodies[k % bodies.size()]["prompt"].size() + 1) << "the prompt's tokens and the one generated";
    }
    const auto metrics = s.client().Get("/metrics");
    ASSERT_TRUE(metrics && metrics->status == 200);
    auto sample = [&](const std::string & name) {  // a sample line of the Prometheus text: "NAME VALUE"
        const size_t at = metrics->body.find("\n" + name + " ");
        return at == std::string::npos ? -1.0 : std::stod(metrics->body.substr(at + name.size() + 2));
    };
    const double batches = sample("rightsize_scoring_batches_total"), prompts = sample("rightsize_scored_prompts_total");
    EXPECT_EQ(prompts, double(bodies.size() * 4));
    EXPECT_LT(batches, double(bodies.size() * 4)) << "concurrent requests were scored together";
}

TEST(Serve, TheQueueBoundAnswers503WithRetryAfter) {
    ServeOptions so;
    so.max_queue = 0;
    Serving s(serve_options(1), so);
    const json longer = {{"prompt", "Once upon a time"}, {"max_tokens", 400}, {"temperature", 0}, {"ignore_eos", true}};
    auto first = std::async(std::launch::async, [&] { return post(s, "/v1/completions", longer)->status; });
    ASSERT_TRUE(wait_running(s.server.port())) << "the first request is generating";
    auto r = post(s, "/v1/completions", {{"prompt", "Hi"}, {"max_tokens", 2}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_EQ(r->get_header_value("Retry-After"), "1");
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "queue_full");
    EXPECT_EQ(first.get(), 200);
    EXPECT_EQ(post(s, "/v1/completions", {{"prompt", "Hi"}, {"max_tokens", 2}})->status, 200) << "free again";
}

TEST(Serve, AnApiKeyIsRequiredWhenGiven) {
    ServeOptions so;
    so.api_key = "s3cret";
    Serving s(serve_options(), so);
    auto c = s.client();
    auto none = c.Get("/v1/models");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401);
    EXPECT_EQ(json::parse(none->body)["error"]["type"], "authentication_error");
    EXPECT_EQ(c.Get("/v1/models", {{"Authorization", "Bearer wrong!"}})->status, 401);
    EXPECT_EQ(c.Get("/v1/models", {{"Authorization", "Bearer s3cret"}})->status, 200);
    EXPECT_EQ(c.Get("/health")->status, 200) << "liveness needs no key";
    EndpointOptions eo;
    eo.url = s.url();
    eo.api_key = "s3cret";
    EXPECT_EQ(EndpointBackend(eo).served_model(), "smollm2-135m-instruct-q4_1");
}

TEST(Serve, MalformedRequestsGetOpenAIsErrorObjectNamingTheField) {
    Serving s(serve_options(), {});
    struct Case {
        std::string path, body;
        int status;
        std::string param;
    };
    const std::vector<Case> cases = {
        {"/v1/completions", "{not json", 400, ""},
        {"/v1/completions", "[1,2]", 400, ""},
        {"/v1/completions", R"({"max_tokens": 3})", 400, "prompt"},
        {"/v1/completions", R"({"prompt": {"a": 1}})", 400, "prompt"},
        {"/v1/completions", R"({"prompt": [[1, 2], "x", 7]})", 400, "prompt[2]"},
        {"/v1/completions", R"({"prompt": [1, -2]})", 400, "prompt[1]"},
        {"/v1/completions", R"({"prompt": [1, 99999999]})", 400, "prompt[1]"},
        {"/v1/completions", R"({"prompt": "x", "max_tokens": "many"})", 400, "max_tokens"},
        {"/v1/completions", R"({"prompt": "x", "max_tokens": 0})", 400, "max_tokens"},
        {"/v1/completions", R"({"prompt": "x", "temperature": 9})", 400, "temperature"},
        {"/v1/completions", R"({"prompt": "x", "logprobs": 99})", 400, "logprobs"},
        {"/v1/completions", R"({"prompt": "x", "stop": [1]})", 400, "stop[0]"},
        {"/v1/completions", R"({"prompt": "x", "n": 2})", 400, "n"},
        {"/v1/completions", R"({"prompt": "x", "model": "gpt-9"})", 404, "model"},
        {"/v1/completions", R"({"prompt": "x", "max_tokens": 5000})", 400, "max_tokens"},
        {"/v1/chat/completions", R"({"messages": []})", 400, "messages"},
        {"/v1/chat/completions", R"({"messages": [{"content": "hi"}]})", 400, "messages[0].role"},
        {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", 422, "messages[0].content[0]"},
        {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2})", 400, "top_logprobs"},
        {"/tokenize", R"({"nothing": 1})", 400, "prompt"},
        {"/detokenize", R"({"tokens": "abc"})", 400, "tokens"},
    };
    for (const auto & c : cases) {
        auto cl = s.client();
        auto r = cl.Post(c.path, c.body, "application/json");
        ASSERT_TRUE(r) << c.body;
        EXPECT_EQ(r->status, c.status) << c.path << " " << c.body << " → " << r->body;
        const json e = json::parse(r->body, nullptr, false);
        ASSERT_TRUE(e.is_object() && e.contains("error")) << r->body;
        for (const char * k : {"message", "type", "param", "code"}) EXPECT_TRUE(e["error"].contains(k)) << k << " in " << r->body;
        EXPECT_EQ(e["error"]["param"], c.param.empty() ? json() : json(c.param)) << c.body;
    }
    // A prompt longer than the window: 400 naming it, unless the request asks for truncation.
    const std::vector<int32_t> huge(5000, 28);
    auto over = post(s, "/v1/completions", {{"prompt", huge}, {"echo", true}, {"logprobs", 1}, {"max_tokens", 0}});
    EXPECT_EQ(over->status, 400);
    EXPECT_EQ(json::parse(over->body)["error"]["code"], "context_length_exceeded");
    auto cut = post(s, "/v1/completions", {{"prompt", huge}, {"echo", true}, {"logprobs", 1}, {"max_tokens", 0}, {"truncate_prompt_tokens", 100}});
    EXPECT_EQ(cut->status, 200) << cut->body;
    EXPECT_EQ(json::parse(cut->body)["usage"]["prompt_tokens"], 100);
    auto cl = s.client();
    auto missing = cl.Get("/v2/nothing");
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(json::parse(missing->body)["error"]["type"], "not_found_error");
}

TEST(Serve, TokenizerRoutesAnswerInVllmsAndLlamaServersShapes) {
    Serving s(serve_options(), {});
    const std::string text = "The capital of France is";
    const auto ids = s.backend.tokenize(text, false, true);
    auto v = post(s, "/tokenize", {{"prompt", text}, {"add_special_tokens", false}});
    EXPECT_EQ(json::parse(v->body)["tokens"].get<std::vector<int32_t>>(), ids);
    EXPECT_EQ(json::parse(v->body)["count"], ids.size());
    auto l = post(s, "/tokenize", {{"content", text}});
    EXPECT_EQ(json::parse(l->body)["tokens"].get<std::vector<int32_t>>(), ids);
    auto d = post(s, "/detokenize", {{"tokens", ids}});
    EXPECT_EQ(json::parse(d->body)["prompt"], text);
    EXPECT_EQ(json::parse(d->body)["content"], text);
    auto info = s.client().Get("/tokenizer_info");
    const json j = json::parse(info->body);
    EXPECT_EQ(j["eos_token"], s.backend.token_text(s.backend.special_tokens().eos));
    EXPECT_FALSE(j["chat_template"].get<std::string>().empty());
    EXPECT_EQ(j["model_max_length"], 4096);
    auto chat = post(s, "/tokenize", {{"messages", {{{"role", "user"}, {"content", "hi"}}}}});
    const auto chat_ids = json::parse(chat->body)["tokens"].get<std::vector<int32_t>>();
    const std::vector<ChatMessage> msgs = {{"user", "hi"}};
    EXPECT_EQ(chat_ids, s.backend.tokenize(s.backend.apply_chat_template(msgs, true), false, true));
}

namespace {

// The data events of an SSE body, [DONE] excluded.
std::vector<json> events_of(const std::string & body, bool * done) {
    std::vector<json> out;
    size_t at = 0;
    *done = false;
    while ((at = body.find("data: ", at)) != std::string::npos) {
        const size_t end = body.find("\n\n", at);
        const std::string data = body.substr(at + 6, end - at - 6);
        at = end;
        if (data == "[DONE]") {
            *done = true;
            break;
        }
        out.push_back(json::parse(data));
    }
    return out;
}

}  // namespace

TEST(Serve, StreamsCompletionsAndChatWithTheSameTextAsWhole) {
    Serving s(serve_options(), {});
    const json body = {{"prompt", "Question: What is 2 + 2?\nAnswer:"}, {"max_tokens", 12}, {"temperature", 0}, {"logprobs", 2}};
    const json whole = json::parse(post(s, "/v1/completions", body)->body);
    json streamed_body = body;
    streamed_body["stream"] = true;
    streamed_body["stream_options"] = {{"include_usage", true}};
    bool done = false;
    const auto events = events_of(post(s, "/v1/completions", streamed_body)->body, &done);
    EXPECT_TRUE(done) << "ends with data: [DONE]";
    std::string text;
    size_t with_logprobs = 0;
    for (const auto & e : events) {
        for (const auto & c : e["choices"]) {
            text += c["text"].get<std::string>();
            if (!c["logprobs"].is_null()) ++with_logprobs;
        }
    }
    EXPECT_EQ(text, whole["choices"][0]["text"]);
    EXPECT_GT(with_logprobs, 0u);
    EXPECT_EQ(events.back()["usage"], whole["usage"]) << "include_usage: the last event before [DONE]";
    EXPECT_EQ(events[events.size() - 2]["choices"][0]["finish_reason"], whole["choices"][0]["finish_reason"]);

    const json chat = {{"messages", {{{"role", "user"}, {"content", "Name a colour."}}}}, {"max_tokens", 10}, {"temperature", 0}};
    const json chat_whole = json::parse(post(s, "/v1/chat/completions", chat)->body);
    json chat_stream = chat;
    chat_stream["stream"] = true;
    std::string chat_text;
    for (const auto & e : events_of(post(s, "/v1/chat/completions", chat_stream)->body, &done)) {
        EXPECT_EQ(e["object"], "chat.completion.chunk");
        if (e["choices"][0]["delta"].contains("content")) chat_text += e["choices"][0]["delta"]["content"].get<std::string>();
    }
    EXPECT_TRUE(done);
    EXPECT_EQ(chat_text, chat_whole["choices"][0]["message"]["content"]);
    EXPECT_EQ(chat_whole["choices"][0]["message"]["role"], "assistant");
}

// The command as users run it: SIGTERM lets the generation in flight finish, then it exits 0.
TEST(Serve, SigtermFinishesTheRequestInFlightThenExits) {
    const fs::path dir = fresh_subdir("serve-sigterm");
    const int port = free_port();
    ServerProcess p({RIGHTSIZE_CLI, "serve", "-m", smollm2_path(), "--port", std::to_string(port), "-t", "2", "-c", "2048"}, port,
                    dir / "serve.log");
    ASSERT_TRUE(p.wait_ready(std::chrono::seconds(60))) << p.log_text();
    auto reply = std::async(std::launch::async, [port] {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(60, 0);
        const json body = {{"prompt", "Once upon a time"}, {"max_tokens", 200}, {"temperature", 0}, {"ignore_eos", true}};
        auto r = c.Post("/v1/completions", body.dump(), "application/json");
        return r ? json::parse(r->body) : json();
    });
    ASSERT_TRUE(wait_running(port)) << "the request is generating before the signal";
    EXPECT_EQ(p.terminate_and_wait(std::chrono::seconds(60)), 0) << p.log_text();
    const json r = reply.get();
    ASSERT_TRUE(r.contains("usage")) << r.dump();
    EXPECT_EQ(r["usage"]["completion_tokens"], 200) << "finished, not cut";
    EXPECT_NE(p.log_text().find("finishing the requests in flight"), std::string::npos);
}

// The command as users run it with an adapter: `rightsize serve -m TINY --lora A:4` scores an echoed
// prompt as the in-process engine does with that adapter, and differently from the base model.
TEST(Serve, ServesAModelWithItsLoraAdapter) {
    const fs::path dir = fresh_subdir("serve-lora");
    const int port = free_port();
    ServerProcess p({RIGHTSIZE_CLI, "serve", "-m", tiny_model_path(), "--lora", tiny_lora_path() + ":4", "--port", std::to_string(port),
                     "-t", "2", "-c", "512", "-np", "1", "-fa", "on"},
                    port, dir / "serve.log");
    ASSERT_TRUE(p.wait_ready(std::chrono::seconds(60))) << p.log_text();
    LlamaOptions o = tiny_options();
    o.n_parallel = 1;
    o.flash_attn = "on";
    LlamaBackend base(o);
    o.loras = {{tiny_lora_path(), 4.0f}};
    LlamaBackend adapted(o);
    const auto ids = base.tokenize("the question is what a small model", true, true);
    httplib::Client c("127.0.0.1", port);
    const std::string id = json::parse(c.Get("/v1/models")->body)["data"][0]["id"];
    EXPECT_NE(id.find("+tiny-lora@4"), std::string::npos) << id << ": the adapter and its scale are part of the served model's name";
    auto r = c.Post("/v1/completions", json({{"prompt", ids}, {"echo", true}, {"logprobs", 0}, {"max_tokens", 0}}).dump(), "application/json");
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no reply");
    const auto served = json::parse(r->body)["choices"][0]["logprobs"]["token_logprobs"];
    PromptScoreRequest rq{ids, 0};
    const auto want = adapted.score_prompts({&rq, 1}).front();
    const auto plain = base.score_prompts({&rq, 1}).front();
    double from_base = 0;
    for (size_t t = 1; t < ids.size(); ++t) {
        EXPECT_NEAR(served[t].get<double>(), want.token_logprobs[t], 1e-3) << t;
        from_base = std::max(from_base, std::fabs(served[t].get<double>() - plain.token_logprobs[t]));
    }
    EXPECT_GT(from_base, 1e-2) << "the adapter is applied";
}
