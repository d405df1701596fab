// The in-process llama.cpp backend. This header is the only door to llama.cpp: it does not
// include llama.h, so the rest of rightsize (and embedding programs) never see its types.
#pragma once

#include <rightsize/backend.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rightsize {

struct LoraAdapter {
    std::string path;
    float scale = 1.0f;
};

// Parses llama.cpp's "--lora path[:scale]" form; a suffix that is not a number stays in the path.
LoraAdapter parse_lora_arg(const std::string & arg);

// Options use llama.cpp's flag names (see `rightsize bench --help`).
struct LlamaOptions {
    std::string model_path;
    int n_threads = 0;          // -t; 0 = all hardware threads
    int n_ctx = 4096;           // -c; total KV cells, shared by the parallel sequences
    int n_batch = 2048;         // -b; logical batch
    int n_ubatch = 512;         // -ub; physical batch
    int n_gpu_layers = -1;      // -ngl; -1 = all (no effect on a CPU-only build)
    std::string flash_attn = "auto";  // -fa on|off|auto
    int n_parallel = 8;         // -np; sequences decoded together
    // --exact: every scoring request is decoded alone (its own KV cache, one sequence, nothing
    // shared with another request) and generations run one at a time: the reference a batched
    // score is compared with, since llama.cpp's CPU kernels round differently by batch shape.
    bool exact = false;
    std::vector<LoraAdapter> loras;
    std::string chat_template;  // --chat-template: a llama.cpp built-in name or template text; empty = the model's
    bool verbose = false;       // pass llama.cpp's own log through to stderr
    // --rpc: llama.cpp rpc-servers (HOST:PORT) whose devices take layers, as llama.cpp's tools do
    // (a model larger than one machine). Each must answer, or the load fails naming it.
    std::vector<std::string> rpc_servers;
};

// Per-context memory as llama.cpp allocated it (measured from its allocation report).
struct ContextMemory {
    uint64_t kv_cache_bytes = 0;
    uint64_t compute_buffer_bytes = 0;
};

// llama-bench's two micro-benchmarks, reproduced on a private context so rightsize's pp/tg
// figures are defined exactly as llama-bench's: random tokens, no sampling, synchronised.
class DecodeProbe {
public:
    virtual ~DecodeProbe() = default;
    virtual void clear() = 0;                 // empty the KV cache
    virtual void prompt(int n_tokens) = 0;    // decode n_tokens in n_batch-sized chunks
    virtual void generate(int n_tokens) = 0;  // decode n_tokens one at a time
    virtual ContextMemory memory() const = 0;
};

// A prompt scored token by token: what a server's "echo" with log-probabilities returns.
struct PromptScoreRequest {
    std::vector<int32_t> tokens;  // as given (no BOS added); at least one
    int top_logprobs = 0;         // also the k most likely tokens at every position
};

struct PromptScores {
    // Per position i ≥ 1: log P(tokens[i] | tokens before it); position 0 has none (NaN).
    std::vector<float> token_logprobs;
    // With top_logprobs k > 0: per position (empty at 0), the k most likely tokens, most likely first.
    std::vector<std::vector<TopLogprob>> top_logprobs;
    // The max(1, k) most likely tokens after the whole prompt (the greedy next token first).
    std::vector<TopLogprob> next;
};

// A request for a GenerationSession. Its callbacks run on the thread that calls step().
struct GenerationJob {
    GenerateRequest request;                         // prompt_tokens, or prompt (tokenised with BOS)
    StreamCallback on_token;                         // optional; StreamEvent::request_index is the job's id
    std::function<void(GenerateResult &&)> on_done;  // once, when the request ends (any reason)
};

// Continuous batching (rightsize serve): requests join a running generation and leave it as they
// finish. Every step() admits queued requests into free sequences, prefills their prompts together
// and decodes one token for every active request. While requests are active nothing else may use
// the backend (scoring replaces the context they live in).
class GenerationSession {
public:
    virtual ~GenerationSession() = default;
    // Queues a request. Throws rightsize::Error (nothing queued) for max_tokens < 1, a token id
    // outside the vocabulary, or a prompt + max_tokens larger than sequence_window().
    virtual void submit(size_t id, GenerationJob job) = 0;
    virtual bool step() = 0;  // false: nothing was active or queued
    virtual size_t active() const = 0;
    virtual size_t queued() const = 0;
    virtual int sequence_window() const = 0;       // KV cells one request may use: -c / -np
    virtual std::vector<size_t> cancel_all() = 0;  // drops every request (after an error); their ids
};

class LlamaBackend final : public Backend {
public:
    // Loads the model. Throws rightsize::Error naming the file for a missing, truncated or
    // non-GGUF file, and for an adapter that does not fit the model.
    explicit LlamaBackend(const LlamaOptions & options);
    ~LlamaBackend() override;
    LlamaBackend(const LlamaBackend &) = delete;
    LlamaBackend & operator=(const LlamaBackend &) = delete;

    const ModelFacts & facts() const override;
    std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const override;
    std::string detokenize(std::span<const int32_t> tokens) const override;
    std::string apply_chat_template(std::span<const ChatMessage> messages, bool add_assistant) const override;

    // Requests whose contexts tokenize identically are evaluated once: the context tokens
    // belong to every continuation's sequence in one batch. Contexts longer than the window
    // are cut from the left (lm-eval's convention); LoglikelihoodResult::truncated says so.
    std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest> requests) override;
    // Windows of n_ctx tokens (at most), each scoring tokens no earlier window scored, with
    // the longest possible preceding context (lm-eval's rolling windows, context_len = 1).
    std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) override;
    // Scores every token of every prompt. Prompts sharing leading tokens (a question's answer
    // choices, a few-shot preamble) are decoded once for all of them, whatever their order in the
    // call, exactly as loglikelihood shares contexts. Throws rightsize::Error for an empty prompt,
    // a token id outside the vocabulary or a prompt longer than -c.
    std::vector<PromptScores> score_prompts(std::span<const PromptScoreRequest> requests);
    // Up to n_parallel requests decode together, one token each per step.
    std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests,
                                         const StreamCallback & on_token = {},
                                         const FinishCallback & on_finished = {}) override;

    // The text of one token as a client shows it: control tokens as their text ("<|im_end|>").
    std::string token_text(int32_t token) const;
    // BOS and EOS (-1 and "" when the model has none) and whether tokenising adds BOS.
    struct SpecialTokens {
        int32_t bos = -1, eos = -1;
        std::string bos_text, eos_text;
        bool add_bos = false;
    };
    SpecialTokens special_tokens() const;
    bool is_end_of_generation(int32_t token) const;

    // Replaces the active LoRA adapters (an empty list removes them). Adapters are loaded once
    // and kept for the backend's lifetime.
    void set_loras(const std::vector<LoraAdapter> & loras);

    // Raw next-token logits for a token sequence (a fresh evaluation), for checks and tools.
    std::vector<float> last_logits(std::span<const int32_t> tokens);

    ContextMemory memory() const;
    const LlamaOptions & options() const;

    std::unique_ptr<DecodeProbe> open_decode_probe(int n_ctx);

    // A continuous-batching generation over -np sequences of -c / -np cells each (the backend
    // must outlive it).
    std::unique_ptr<GenerationSession> open_generation_session();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Reads a model's facts without creating a context (fast; used by `rightsize info`).
ModelFacts read_model_facts(const std::string & path);

// A device llama.cpp can compute on: the CPU, a GPU, or a remote rpc-server's device.
struct ComputeDevice {
    std::string name;         // llama.cpp's name: "CPU", "CUDA0", "RPC0[127.0.0.1:50052]"
    std::string description;  // e.g. the GPU's or CPU's model
    std::string type;         // "cpu" | "gpu" | "igpu" | "accel"
    uint64_t memory_total_bytes = 0;
    uint64_t memory_free_bytes = 0;
};

// Every device this process's llama.cpp has registered (RPC servers once added), in its order.
std::vector<ComputeDevice> compute_devices();

// Each --rpc server (HOST:PORT) answers a TCP connection within 5 s; throws rightsize::Error naming
// the first that does not (llama.cpp's own client would abort the process).
void check_rpc_servers(const std::vector<std::string> & servers);

// llama.cpp's version string and commit this build links.
std::string llama_version_string();

// Checks that `path` is a readable, complete GGUF file (magic, version, header, tensor data
// within the file) and throws rightsize::Error with a precise message if not.
void validate_gguf_file(const std::string & path);

}  // namespace rightsize
