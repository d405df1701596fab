// Internal to rightsize serve: the state every route shares, and the reply shapes.
#pragma once

#include "serve_engine.h"
#include "serve_metrics.h"
#include "serve_request.h"

#include <rightsize/serve.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace rightsize::serve {

struct State {
    LlamaBackend & backend;
    ServeOptions options;
    std::string model_name;
    int n_ctx = 0;    // the scoring window: -c
    int n_vocab = 0;
    Engine engine;
    Metrics metrics;

    State(LlamaBackend & b, ServeOptions o);
    // ApiError 404 when the request names another model than the one served.
    void check_model(const std::string & requested) const;
    // A prompt as tokens (text tokenised with BOS as `rightsize run` does), checked against the
    // vocabulary, cut to its last `keep` tokens when asked.
    std::vector<int32_t> prompt_tokens(const Prompt & p, const std::string & param, std::optional<int> keep) const;
    std::string new_id(const char * prefix);

private:
    std::atomic<uint64_t> next_id_{1};
};

// The routes that generate (serve_completions.cpp).
void handle_completions(State & st, const httplib::Request & req, httplib::Response & res);
void handle_chat(State & st, const httplib::Request & req, httplib::Response & res);

// Reply shapes (serve_replies.cpp).
const char * finish_reason(FinishReason f);
nlohmann::json usage_json(uint64_t prompt_tokens, uint64_t completion_tokens);
// Completions' legacy logprobs object over tokens[from, to): "tokens", "token_logprobs" (NaN → null),
// "top_logprobs" (token text → log-probability; null where none), "text_offset" from `offset`.
// `k` < 1 keeps only the chosen token in each top_logprobs entry. Returns the text length covered.
struct LegacyLogprobs {
    nlohmann::json tokens = nlohmann::json::array(), token_logprobs = nlohmann::json::array(),
                   top_logprobs = nlohmann::json::array(), text_offset = nlohmann::json::array();
    size_t offset = 0;
    void add(const State & st, int32_t token, float logprob, const std::vector<TopLogprob> * top, int k);
    nlohmann::json to_json() const;
};
// Chat's logprobs entry for one token: {"token", "logprob", "bytes", "top_logprobs": [...]}.
nlohmann::json chat_logprob(const State & st, int32_t token, float logprob, const std::vector<TopLogprob> & top);
// "data: {json}\n\n"
std::string sse(const nlohmann::json & j);

}  // namespace rightsize::serve
