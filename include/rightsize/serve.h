// rightsize serve: a GGUF model behind an OpenAI-compatible HTTP API that lm-evaluation-harness's
// local-completions model (and rightsize's own endpoint backend) can score.
//
//   POST /v1/completions        text, texts, token ids or lists of them; echo with logprobs returns
//                               every prompt token's log-probability (first null) and top tokens,
//                               the legacy shape lm-eval parses; max_tokens 0 with echo; streaming
//   POST /v1/chat/completions   the model's chat template; logprobs/top_logprobs; streaming
//   GET  /v1/models             the served model, with its GGUF facts under "meta"
//   POST /tokenize /detokenize  vLLM's and llama-server's request shapes; GET /tokenizer_info
//   POST /apply-template        llama-server's: a conversation rendered as text
//   GET  /health, GET /metrics  liveness; Prometheus text (requests, tokens, latency, queue)
//
// Echoed prompts waiting together are scored in one batch that shares their leading tokens;
// generations join a continuous batch of -np sequences; requests beyond -np + max_queue get 503
// with Retry-After. Errors are OpenAI's error object naming the field.
#pragma once

#include <rightsize/llama_backend.h>

#include <functional>
#include <memory>
#include <string>

namespace rightsize {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8080;         // 0: any free port (Server::port says which)
    std::string model_name;  // the id clients send as "model"; default: the GGUF's file stem (+ADAPTER@SCALE per LoRA)
    std::string api_key;     // non-empty: every route but /health and /metrics needs "Authorization: Bearer KEY"
    int max_queue = 64;      // requests that may wait beyond the -np running ones; more are answered 503
    size_t max_body_bytes = size_t(64) << 20;  // larger bodies are answered 413
    // Called once per answered request with a one-line access log (method, path, status, ms).
    std::function<void(const std::string &)> on_log;
};

class Server {
public:
    // Binds host:port. Throws rightsize::Error naming the address when it cannot (in use, no such
    // address). The backend must outlive the server.
    Server(LlamaBackend & backend, ServeOptions options);
    ~Server();
    Server(const Server &) = delete;
    Server & operator=(const Server &) = delete;

    int port() const;
    const std::string & model_name() const;
    // Serves until stop(); returns when every accepted request has been answered.
    void run();
    // Thread-safe and callable from a signal-watching thread: stops accepting connections and lets
    // the requests in flight finish.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rightsize
