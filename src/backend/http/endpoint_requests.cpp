// Generation and scoring through an OpenAI-compatible endpoint (endpoint_backend.h).
#include "endpoint_impl.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>

namespace rightsize {

using nlohmann::json;

namespace {

// Runs fn(0..n-1) on up to `width` threads; the first exception is rethrown once all have stopped.
void in_parallel(size_t n, int width, const std::function<void(size_t)> & fn) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex m;
    const auto worker = [&] {
        for (size_t i; !failed && (i = next++) < n;) {
            try {
                fn(i);
            } catch (...) {
                std::lock_guard lock(m);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    std::vector<std::thread> threads;
    for (int w = 1; w < std::min<int>(width, int(n)); ++w) threads.emplace_back(worker);
    worker();
    for (auto & t : threads) t.join();
    if (error) std::rethrow_exception(error);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

FinishReason finish_of(const std::optional<std::string> & f) {
    if (f && *f == "length") return FinishReason::Length;
    return FinishReason::Stop;
}

// The reply's text up to the first stop string (the server should have stopped there already).
void cut_at_stop(std::string & text, const std::vector<std::string> & until) {
    size_t cut = text.size();
    for (const auto & u : until) {
        if (!u.empty()) cut = std::min(cut, text.find(u));
    }
    if (cut < text.size()) text.resize(cut);
}

// The stream of one completion, read event by event: text, chunk arrival times, finish, usage.
struct StreamState {
    GenerateResult result;
    bool done = false;  // "data: [DONE]" arrived
    std::optional<std::string> finish;
    std::optional<CompletionUsage> usage;
    size_t chunks_with_text = 0;
};

}  // namespace

GenerateResult EndpointBackend::Impl::generate_one(size_t index, const GenerateRequest & rq, const StreamCallback & on_token) {
    json body = {{"model", name},       {"prompt", rq.prompt},   {"max_tokens", rq.max_tokens},
                 {"stream", true},      {"stream_options", {{"include_usage", true}}},
                 {"temperature", rq.sampling.temperature}};
    if (!rq.until.empty()) body["stop"] = rq.until;
    if (rq.sampling.temperature > 0) {
        body["top_p"] = rq.sampling.top_p;
        body["seed"] = rq.sampling.seed;
        if (rq.sampling.top_k > 0) body["top_k"] = rq.sampling.top_k;
    }
    if (rq.ignore_eos) body["ignore_eos"] = true;  // llama-server's and vLLM's extension
    const std::string where = api->base().url("/completions");
    StreamState st;
    const auto t0 = std::chrono::steady_clock::now();
    SseParser sse([&](const SseEvent & e) {
        if (e.data == "[DONE]") {
            st.done = true;
            return;
        }
        const CompletionReply c = parse_completion(parse_reply_json(e.data, where), false, where);
        if (c.usage) st.usage = c.usage;
        for (const auto & p : c.choices) {
            if (!p.text.empty()) {
                const double t = ms_since(t0);
                if (st.chunks_with_text++ == 0) st.result.ttft_ms = t;
                st.result.token_times_ms.push_back(t);
                st.result.text += p.text;
                if (on_token) {
                    std::lock_guard lock(stream_mutex);
                    on_token(StreamEvent{index, p.text, t});
                }
            }
            if (p.finish_reason) st.finish = p.finish_reason;
        }
    });
    const HttpReply r = api->post_stream("/completions", body.dump(), [&](std::string_view bytes) {
        sse.feed(bytes);
        return true;
    });
    if (r.status < 200 || r.status >= 300) fail(*api, "/completions", r, "check the model name '" + name + "' and the request's options");
    sse.finish();
    if (!st.done && !st.finish) throw Error(where + ": the stream ended before the completion finished (no finish_reason, no [DONE])");
    st.result.e2e_ms = ms_since(t0);
    cut_at_stop(st.result.text, rq.until);
    st.result.finish = finish_of(st.finish);
    st.result.n_generated_tokens = st.usage ? int(st.usage->completion_tokens) : int(st.chunks_with_text);
    st.result.n_prompt_tokens = st.usage ? int(st.usage->prompt_tokens) : 0;
    return st.result;
}

std::vector<GenerateResult> EndpointBackend::generate(std::span<const GenerateRequest> requests, const StreamCallback & on_token,
                                                      const FinishCallback & on_finished) {
    auto & d = *impl_;
    std::vector<GenerateResult> out(requests.size());
    in_parallel(requests.size(), d.o.concurrency, [&](size_t i) {
        out[i] = d.generate_one(i, requests[i], on_token);
        if (on_finished) {
            std::lock_guard lock(d.stream_mutex);
            on_finished(i);
        }
    });
    return out;
}

LoglikelihoodResult EndpointBackend::Impl::score_one(const LoglikelihoodRequest & rq) {
    // lm-eval's split: the whole text's tokens, the context's own tokens, the rest is the continuation.
    const std::string where = api->base().url("/completions");
    const auto whole = tokens(rq.context + rq.continuation, true, false);
    const size_t n_context = std::min(tokens(rq.context, true, false).size(), whole.size() - std::min<size_t>(whole.size(), 1));
    json body = {{"model", name}, {"prompt", whole}, {"max_tokens", 0}, {"echo", true}, {"logprobs", 1}, {"temperature", 0}};
    HttpReply r = api->post("/completions", body.dump());
    if (r.status == 400) {  // servers that refuse max_tokens 0 take 1 (its token is ignored)
        body["max_tokens"] = 1;
        r = api->post("/completions", body.dump());
    }
    if (r.status < 200 || r.status >= 300) fail(*api, "/completions", r, "the server must accept token-id prompts with echo and logprobs");
    const json reply = parse_reply_json(r.body, where);
    const CompletionReply c = parse_completion(reply, false, where);
    if (c.choices.empty()) throw Error(where + ": the reply has no choices");
    const json & choice = reply["choices"][0];
    if (!choice.contains("logprobs") || !choice["logprobs"].is_object() || !choice["logprobs"].contains("token_logprobs") ||
        choice["logprobs"]["token_logprobs"].size() < whole.size()) {
        throw Error(where + ": the server does not return the prompt's log-probabilities (\"echo\": true with \"logprobs\"), as "
                    "llama-server, Ollama and TGI do not; multiple-choice and perplexity tasks (loglikelihood requests) cannot be "
                    "scored through it, generation tasks can. Use a server that echoes them (vLLM, llama-cpp-python's server) or "
                    "run the GGUF in-process");
    }
    const TokenLogprobs lp = parse_token_logprobs(choice, where);
    LoglikelihoodResult out;
    out.n_context_tokens = int(n_context);
    out.tokens.assign(whole.begin() + long(n_context), whole.end());
    out.is_greedy = true;
    for (size_t k = n_context; k < whole.size(); ++k) {
        if (!lp.token_logprobs[k]) throw Error(where + ": token_logprobs[" + std::to_string(k) + "] of the continuation is null");
        out.token_logprobs.push_back(float(*lp.token_logprobs[k]));
        out.logprob += *lp.token_logprobs[k];
        if (k < lp.top_logprobs.size() && !lp.top_logprobs[k].empty()) {
            const auto best = std::max_element(lp.top_logprobs[k].begin(), lp.top_logprobs[k].end(),
                                               [](const auto & a, const auto & b) { return a.second < b.second; });
            if (best->first != lp.tokens[k] && best->second > *lp.token_logprobs[k]) out.is_greedy = false;
        }
    }
    return out;
}

std::vector<LoglikelihoodResult> EndpointBackend::loglikelihood(std::span<const LoglikelihoodRequest> requests) {
    auto & d = *impl_;
    std::vector<LoglikelihoodResult> out(requests.size());
    in_parallel(requests.size(), d.o.concurrency, [&](size_t i) { out[i] = d.score_one(requests[i]); });
    return out;
}

std::vector<RollingResult> EndpointBackend::loglikelihood_rolling(std::span<const RollingRequest> requests) {
    // One window per text: the whole text conditioned on nothing but the BOS the tokenizer adds.
    std::vector<LoglikelihoodRequest> asked;
    for (const auto & r : requests) asked.push_back({"", r.text});
    const auto scored = loglikelihood(asked);
    std::vector<RollingResult> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        out[i].logprob = scored[i].logprob;
        out[i].n_tokens = int(scored[i].token_logprobs.size());
        out[i].n_windows = 1;
    }
    return out;
}

}  // namespace rightsize
