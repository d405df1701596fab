// rightsize serve's request bodies, read field by field (OpenAI's completions and chat completions,
// vLLM's and llama-server's tokenizer routes) into plain structs; nothing here knows the model, so a
// fuzz target (fuzz/fuzz_serve_request.cpp) reads any body through it. Every problem is an ApiError
// that names the field, with the HTTP status OpenAI's API would answer.
#pragma once

#include <rightsize/requests.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rightsize::serve {

// OpenAI's error object: {"error": {"message", "type", "param", "code"}} with its HTTP status.
class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string message, std::string param = "", std::string code = "");
    int status() const { return status_; }
    const std::string & param() const { return param_; }
    const std::string & code() const { return code_; }
    std::string type() const;  // invalid_request_error, authentication_error, not_found_error, …
    nlohmann::json body() const;

private:
    int status_;
    std::string param_, code_;
};

// A prompt as the client sent it: text, or token ids.
struct Prompt {
    std::string text;
    std::vector<int32_t> tokens;
    bool is_tokens = false;
};

// What completions and chat completions share.
struct Sampling {
    std::string model;                     // empty: not given
    int max_tokens = -1;                   // -1: not given
    float temperature = 1.0f;              // OpenAI's default
    float top_p = 1.0f;
    int top_k = 0;                         // vLLM and llama-server accept it; 0: off
    std::optional<uint32_t> seed;
    std::vector<std::string> stop;
    bool stream = false;
    bool include_usage = false;            // stream_options.include_usage
    bool ignore_eos = false;               // vLLM's extension, for benchmarks
    std::optional<int> truncate_prompt_tokens;  // vLLM's: keep the last N prompt tokens
};

struct CompletionRequest {
    std::vector<Prompt> prompts;
    Sampling sampling;
    bool echo = false;
    int logprobs = -1;  // -1: not asked; k ≥ 0: the sampled token's and the k most likely
};

struct ChatRequest {
    std::vector<ChatMessage> messages;
    Sampling sampling;
    bool logprobs = false;
    int top_logprobs = 0;
};

// /tokenize in vLLM's shape ({"prompt", "add_special_tokens"} or {"messages", ...}) or llama-server's
// ({"content", "add_special", "parse_special"}).
struct TokenizeRequest {
    std::string text;
    std::vector<ChatMessage> messages;  // vLLM's chat form: rendered with the template first
    bool add_special = true;
    bool parse_special = true;
    bool add_generation_prompt = true;
    bool is_chat = false;
};

// The largest top-k a request may ask (vLLM's default bound is 20; OpenAI's chat allows 20).
constexpr int kMaxTopLogprobs = 20;

// Each throws ApiError (400, 413 or 422) naming the field. `body` is the raw request body.
nlohmann::json parse_body(const std::string & body);
CompletionRequest parse_completion_request(const nlohmann::json & body);
ChatRequest parse_chat_request(const nlohmann::json & body);
TokenizeRequest parse_tokenize_request(const nlohmann::json & body);
std::vector<int32_t> parse_detokenize_request(const nlohmann::json & body);

}  // namespace rightsize::serve
