// A model behind an OpenAI-compatible endpoint (llama-server, vLLM, llama-cpp-python, Ollama, TGI,
// hosted APIs) as a Backend: the same three request types as the in-process engine, over HTTP.
//
//   generate_until        POST /v1/completions, streamed (SSE): every request has TTFT, the arrival
//                         of each chunk and its end-to-end time; the finish reason kept
//   loglikelihood         POST /v1/completions with the prompt as token ids (context + continuation,
//                         split where the context's own tokens end, as lm-eval's local-completions
//                         does), "echo": true, "logprobs": 1, "max_tokens": 1 (as lm-eval asks):
//                         the continuation's echoed token_logprobs summed; is_greedy from top_logprobs
//   (next-token route)    a server that does not echo them (llama-server, Ollama, TGI): when every
//                         continuation is one token, one request per context with max_tokens 1 and
//                         the top log-probabilities of the next token (the whole vocabulary when a
//                         choice is not in the first 20); results carry route "next-token"
//   tokenize/detokenize   POST /tokenize and /detokenize at the server's root, in llama-server's and
//                         vLLM's request shapes
//
// A server that does not echo prompt log-probabilities (llama-server, Ollama, TGI) is detected from
// its reply and named in an Error that says which request types need them.
#pragma once

#include <rightsize/backend.h>

#include <functional>
#include <memory>
#include <string>

namespace rightsize {

struct EndpointOptions {
    std::string url;            // http(s)://host:port/v1, optionally "#served-model-name"
    std::string api_key;        // "Authorization: Bearer …"; never written anywhere
    int concurrency = 4;        // requests in flight
    int timeout_s = 600;        // per request
    int retries = 5;            // transient failures (connection, 429, 5xx) retried with backoff
    // llama-server only: every prompt is evaluated from scratch ("cache_prompt": false), because one
    // evaluated on top of another request's cached prefix gives slightly different log-probabilities
    // (up to ~0.1 on SmolLM2), so a result would depend on the requests before it. rightsize load
    // turns it off, to measure the server as its clients use it.
    bool reproducible = true;
    // Told, once, what a person should know about how requests are served (e.g. that one-token
    // choices are scored by the next-token route because the server does not echo prompts).
    std::function<void(const std::string &)> on_note;
};

// "http://h:8080/v1#qwen" → {"http://h:8080/v1", "qwen"}; no '#': the name is empty.
std::pair<std::string, std::string> split_endpoint_model(const std::string & spec);
// Whether a -m argument names an endpoint (http:// or https://) rather than a GGUF file.
bool is_endpoint(const std::string & model);

class EndpointBackend final : public Backend {
public:
    // Asks GET /v1/models for the served model (the first one unless named after '#'). Throws
    // rightsize::Error naming the URL when the server does not answer or does not serve the model.
    explicit EndpointBackend(const EndpointOptions & options);
    ~EndpointBackend() override;

    const ModelFacts & facts() const override;
    const std::string & served_model() const;
    const nlohmann::json & models_entry() const;  // the server's /v1/models entry for the model

    std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const override;
    std::string detokenize(std::span<const int32_t> tokens) const override;
    std::string apply_chat_template(std::span<const ChatMessage> messages, bool add_assistant) const override;
    std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest> requests) override;
    std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) override;
    std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests, const StreamCallback & on_token = {},
                                         const FinishCallback & on_finished = {}) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rightsize
