// The request/response contract between tasks and backends (lm-evaluation-harness's three
// request types). A task never knows which backend serves it; a backend never knows the task.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

// log P(continuation | context), summed over the continuation's tokens.
struct LoglikelihoodRequest {
    std::string context;
    std::string continuation;
};

struct LoglikelihoodResult {
    double logprob = 0.0;               // sum of the per-token log-probabilities (natural log)
    std::vector<float> token_logprobs;  // one per continuation token
    std::vector<int32_t> tokens;        // the continuation's token ids
    bool is_greedy = false;             // every continuation token was the argmax
    int n_context_tokens = 0;           // after truncation (see truncated)
    bool truncated = false;             // the context was cut from the left to fit the window
    // How the score was obtained when not from the prompt's own log-probabilities: "next-token" (a
    // served model that does not echo them; a one-token continuation read from the top
    // log-probabilities of the token after the context). Empty otherwise.
    std::string route;
};

// Log-likelihood of a whole text, evaluated in windows (perplexity).
struct RollingRequest {
    std::string text;
};

struct RollingResult {
    double logprob = 0.0;  // sum over every token of the text but the first (or BOS-conditioned)
    int n_tokens = 0;      // tokens scored
    int n_windows = 0;
};

struct SamplingParams {
    float temperature = 0.0f;  // 0 = greedy
    float top_p = 1.0f;
    int top_k = 0;             // 0 = off
    uint32_t seed = 0;
};

struct ChatMessage {
    std::string role;  // "system", "user", "assistant"
    std::string content;
};

// One of the most likely tokens at a position, with its log-probability (natural log).
struct TopLogprob {
    int32_t token = 0;
    float logprob = 0.0f;
};

struct GenerateRequest {
    std::string prompt;
    // The prompt as token ids (a server's client sent them); when given, used instead of `prompt`,
    // exactly as given (no BOS added).
    std::vector<int32_t> prompt_tokens;
    // Chat mode: the conversation `prompt` was rendered from (empty otherwise). A backend that talks
    // to a chat API (an endpoint's /v1/chat/completions) sends these; one that renders itself uses
    // `prompt`.
    std::vector<ChatMessage> messages;
    std::vector<std::string> until;  // stop strings; the returned text excludes them
    int max_tokens = 256;
    SamplingParams sampling;
    bool ignore_eos = false;  // keep generating past end-of-generation tokens (benchmarks)
    // Log-probabilities of the generated tokens: -1 none, 0 the chosen token's only, k also the k
    // most likely tokens at each position (GenerateResult's tokens/token_logprobs/top_logprobs).
    int top_logprobs = -1;
};

enum class FinishReason { Stop, Length, EndOfGeneration };

struct GenerateResult {
    std::string text;
    FinishReason finish = FinishReason::Length;
    int n_prompt_tokens = 0;            // after truncation (see truncated)
    int n_generated_tokens = 0;
    bool truncated = false;             // the prompt was cut from the left to leave room for max_tokens
    // Timing (vLLM bench conventions), milliseconds since the request was started.
    double ttft_ms = 0.0;                  // first token
    double e2e_ms = 0.0;                   // last token
    std::vector<double> token_times_ms;    // arrival of each generated token
    // With GenerateRequest::top_logprobs ≥ 0: every generated token (the end-of-generation token
    // included when it ended the request), its log-probability under the model's distribution
    // (before temperature and top-p) and, with k > 0, the k most likely tokens, most likely first.
    std::vector<int32_t> tokens;
    std::vector<float> token_logprobs;
    std::vector<std::vector<TopLogprob>> top_logprobs;
    // A served model's server's own account when it sends one (llama-server's "timings"): prompt
    // processing and generation time and their token counts. Negative times: not sent.
    double server_prompt_ms = -1, server_predicted_ms = -1;
    int server_prompt_tokens = 0, server_predicted_tokens = 0;
};

// Called once per generated token while a request streams. `piece` is the text the token
// completes (may be empty while a UTF-8 sequence is incomplete). Return false to stop early.
struct StreamEvent {
    size_t request_index;
    std::string_view piece;
    double t_ms;  // since the request started
    // The request's result so far, this token included (its id and log-probabilities when asked);
    // null where the backend does not keep one.
    const GenerateResult * so_far = nullptr;
};
using StreamCallback = std::function<bool(const StreamEvent &)>;
// Called once per request when it finishes (any reason), with its index: for progress.
using FinishCallback = std::function<void(size_t request_index)>;

const char * to_string(FinishReason r);

}  // namespace rightsize
