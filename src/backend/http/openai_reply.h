// The replies of OpenAI-compatible servers (/v1/completions, /v1/chat/completions, streamed or
// whole, with or without log-probabilities), read field by field: anything that is not what the
// protocol says is a rightsize::Error naming the URL and the field, never a silently wrong score.
#pragma once

#include "sse.h"

#include <rightsize/error.h>
#include <rightsize/model_facts.h>
#include <rightsize/requests.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rightsize {

struct CompletionUsage {
    long prompt_tokens = 0, completion_tokens = 0, total_tokens = 0;
};

// One choice of a completion, or the piece of it one streamed chunk carries.
struct CompletionPiece {
    size_t index = 0;
    std::string text;                          // completions: "text"; chat: "delta.content" / "message.content"
    std::optional<std::string> finish_reason;  // "stop", "length", … once the choice ends
};

struct CompletionReply {
    std::vector<CompletionPiece> choices;
    std::optional<CompletionUsage> usage;  // sent whole, or in the last chunk with include_usage
    nlohmann::json timings;                // llama-server's own timings when present, else null
};

// A whole reply or one streamed chunk ("data: {...}"). `chat` picks the chat shape; `where` (the
// URL) starts every error. An {"error": {...}} object becomes an error quoting its message.
CompletionReply parse_completion(const nlohmann::json & reply, bool chat, const std::string & where);
// Parses the text of one SSE data line or a whole body; invalid JSON is an error naming `where`.
nlohmann::json parse_reply_json(const std::string & text, const std::string & where);

// The legacy completions "logprobs" block of an echoed prompt (lm-eval's local-completions reads
// the same): per token its text, log-probability (null for the first prompt token), the top
// alternatives and the offset of its text.
struct TokenLogprobs {
    std::vector<std::string> tokens;
    std::vector<std::optional<double>> token_logprobs;
    std::vector<std::vector<std::pair<std::string, double>>> top_logprobs;  // per token; may be empty
    std::vector<long> text_offset;                                           // may be empty
};
TokenLogprobs parse_token_logprobs(const nlohmann::json & choice, const std::string & where);

// GET /v1/models: the entry named `wanted` (the first one when empty), with every id served for
// the error that names them.
struct ModelsList {
    nlohmann::json entry;  // null when `wanted` is not served
    std::string id;
    std::vector<std::string> ids;
};
ModelsList parse_models(const nlohmann::json & reply, const std::string & wanted, const std::string & where);
// What a /v1/models entry says of the model: vLLM's max_model_len, llama-server's "meta" (the
// GGUF's parameters, size, context, embedding width, vocabulary). Fields of the wrong type are
// errors naming them.
void read_served_facts(const nlohmann::json & entry, ModelFacts & facts, const std::string & where);
// POST /tokenize (llama-server's and vLLM's replies both carry "tokens"); every id must fit int32.
std::vector<int32_t> parse_tokenize(const nlohmann::json & reply, const std::string & where);
// POST /detokenize: llama-server's "content" or vLLM's "prompt".
std::string parse_detokenize(const nlohmann::json & reply, const std::string & where);
// POST /apply-template (llama-server): the rendered "prompt".
std::string parse_applied_template(const nlohmann::json & reply, const std::string & where);

// A loglikelihood request scored from an echoed prompt, as lm-eval's local-completions does:
// `whole` is the prompt's token ids (context then continuation), the first `n_context` of them the
// context; the continuation's log-probabilities are summed, and is_greedy comes from top_logprobs.
// vLLM's "prompt_logprobs" (per token an object keyed by token id, with "logprob" and "rank") is
// read when the reply carries it.
// A reply without the prompt's log-probabilities is a NoPromptLogprobs error that says which
// servers lack them.
struct NoPromptLogprobs : Error {
    using Error::Error;
};
// An echo whose log-probabilities disagree with the server's own next-token ones (llama-cpp-python
// 0.3's is shifted by one token): no score may be read from it.
struct MisalignedEcho : Error {
    using Error::Error;
};
LoglikelihoodResult score_echoed_prompt(const nlohmann::json & reply, std::span<const int32_t> whole, size_t n_context,
                                        const std::string & where);

// The top log-probabilities of the first generated token, in either shape servers send: the chat
// shape llama-server uses on /v1/completions too (choices[0].logprobs.content[0].top_logprobs, a list
// of {id, token, logprob}) or the legacy one (choices[0].logprobs.top_logprobs[0], {token: logprob}).
struct TopToken {
    std::optional<int32_t> id;  // when the server says it (llama-server)
    std::string text;
    double logprob = 0;
};
std::vector<TopToken> parse_next_token_logprobs(const nlohmann::json & reply, const std::string & where);

// One streamed completion (SSE over /v1/completions or /v1/chat/completions), fed the body's bytes
// as they arrive: its text, the arrival time of every chunk with text, the finish reason and the
// usage. finish() checks that the stream ended as the protocol says.
class CompletionStream {
public:
    using OnText = std::function<void(std::string_view piece, double t_ms)>;
    CompletionStream(bool chat, std::string where, OnText on_text = {});
    void feed(std::string_view bytes) { sse_.feed(bytes); }
    // The result (text, finish, token counts from usage or chunks, ttft/e2e/token times); an
    // error when the stream stopped before a finish_reason or "[DONE]".
    GenerateResult finish();

private:
    void event(const SseEvent & e);
    void read_timings(const nlohmann::json & t);
    double ms() const;
    bool chat_;
    std::string where_;
    OnText on_text_;
    SseParser sse_;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    GenerateResult result_;
    bool done_ = false;  // "data: [DONE]" arrived
    std::optional<std::string> finish_;
    std::optional<CompletionUsage> usage_;
    size_t chunks_with_text_ = 0;
};

}  // namespace rightsize
