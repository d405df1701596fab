// The endpoint backend's state, shared by its files (endpoint_backend.cpp: the model, tokenizer and
// chat template; endpoint_requests.cpp: generation and scoring).
#pragma once

#include <rightsize/endpoint_backend.h>

#include "http_client.h"
#include "openai_reply.h"
#include "sse.h"

#include <rightsize/error.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>

namespace rightsize {

using nlohmann::json;

struct EndpointBackend::Impl {
    EndpointOptions o;
    std::unique_ptr<HttpClient> api, root;
    std::string name;
    nlohmann::json entry;
    ModelFacts facts;
    std::mutex stream_mutex;  // on_token is called from one thread at a time
    // llama-server (its /v1/models entry is owned by "llamacpp") gets "cache_prompt": false when
    // o.reproducible (see EndpointOptions); other servers are sent only OpenAI's fields.
    bool llama_server = false;
    json with_server_fields(json body) const {
        if (llama_server && o.reproducible) body["cache_prompt"] = false;
        return body;
    }

    HttpOptions http() const {
        HttpOptions h;
        h.timeout_s = o.timeout_s;
        h.retries = o.retries;
        h.api_key = o.api_key;
        return h;
    }
    [[noreturn]] static void fail(const HttpClient & c, const std::string & route, const HttpReply & r, const std::string & hint) {
        throw Error(c.base().url(route) + ": HTTP " + std::to_string(r.status) + " (" + first_line(r.body) + "); " + hint);
    }
    nlohmann::json post_json(HttpClient & c, const std::string & route, const nlohmann::json & body, const std::string & hint) {
        const HttpReply r = c.post(route, body.dump());
        if (r.status < 200 || r.status >= 300) fail(c, route, r, hint);
        return parse_reply_json(r.body, c.base().url(route));
    }
    void pick_model(const std::string & wanted);
    std::vector<int32_t> tokens(std::string_view text, bool add_special, bool parse_special);
    GenerateResult generate_one(size_t index, const GenerateRequest & rq, const StreamCallback & on_token);
    // Scoring (endpoint_scoring.cpp). A request's tokens as lm-eval splits them: the whole text's,
    // and how many of them are the context's own.
    struct Split {
        std::string text;  // context + continuation
        std::vector<int32_t> whole;
        size_t n_context = 0;
        bool single_token() const { return whole.size() == n_context + 1; }
    };
    std::vector<Split> split_all(std::span<const LoglikelihoodRequest> requests);
    LoglikelihoodResult score_echo(const Split & s);
    std::vector<LoglikelihoodResult> score_next_token(std::span<const LoglikelihoodRequest> requests, std::span<const Split> splits);
    std::vector<TopToken> next_token_logprobs(const json & context, int top_k);  // context: token ids or text
    // Once, on the first echoed reply: its log-probabilities must equal the server's next-token ones.
    void check_echo(const Split & s, const json & reply);
    std::atomic<bool> echo_checked{false};
    std::string detokenize_ids(const std::vector<int32_t> & ids);
    std::string piece(int32_t id);  // one token's text (/detokenize), cached
    std::map<int32_t, std::string> pieces;
    // How the server gives prompt log-probabilities: -1 not known yet, 0 it does not, 1 echo with
    // logprobs (OpenAI's legacy completions), 2 vLLM's "prompt_logprobs".
    int echo = -1;
    // Set when the echo check failed (MisalignedEcho): its message, for requests the next-token route
    // cannot score.
    std::string misaligned_echo;
    // The server has no /apply-template: chat prompts are recorded as a transcript (generation sends
    // the messages; scoring in chat mode is refused, since its context would not be the model's).
    bool template_as_transcript = false;
    // The server tokenizes at llama-cpp-python's /extras/tokenize (no /tokenize), which always adds
    // BOS: extras_prefix is what it gives the empty text, taken off when BOS is not wanted.
    std::atomic<bool> extras_tokenize{false}, extras_prefix_known{false};
    std::vector<int32_t> extras_prefix;
    std::atomic<bool> text_prompts{false};  // the server refuses token-id prompts: send the text  // whether the server echoes prompt log-probabilities: -1 not known yet, 0 no, 1 yes
};

// Runs fn(0..n-1) on up to `width` threads; the first exception is rethrown once all have stopped.
void in_parallel(size_t n, int width, const std::function<void(size_t)> & fn);

}  // namespace rightsize
