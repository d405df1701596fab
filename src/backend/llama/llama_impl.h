// Internal to the llama backend: the state shared by its translation units.
#pragma once

#include <rightsize/jinja.h>
#include <rightsize/llama_backend.h>

#include <llama.h>

#include <algorithm>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rightsize::llama_detail {

struct ModelDeleter {
    void operator()(llama_model * m) const { llama_model_free(m); }
};
struct ContextDeleter {
    void operator()(llama_context * c) const { llama_free(c); }
};
struct SamplerDeleter {
    void operator()(llama_sampler * s) const { llama_sampler_free(s); }
};
using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// A llama_batch that frees itself; add() appends one token belonging to one or more sequences.
class Batch {
public:
    Batch(int32_t capacity, int32_t n_seq_max);
    ~Batch();
    Batch(const Batch &) = delete;
    Batch & operator=(const Batch &) = delete;

    void clear() { b_.n_tokens = 0; }
    void add(llama_token token, llama_pos pos, std::span<const llama_seq_id> seqs, bool output);
    int32_t size() const { return b_.n_tokens; }
    int32_t capacity() const { return capacity_; }
    const llama_batch & get() const { return b_; }

private:
    llama_batch b_{};
    int32_t capacity_;
};

// Routes llama.cpp's log: warnings and errors are kept (the last ones go into our error
// messages), allocation reports are parsed into ContextMemory, the rest is dropped unless
// verbose. The route is process-wide, as llama.cpp's logger is.
class LogCapture {
public:
    static LogCapture & instance();
    void set_verbose(bool v);
    // Starts recording allocation reports and errors for one operation (model load, context).
    void begin();
    ContextMemory memory() const;
    std::string last_error() const;
    static void callback(ggml_log_level level, const char * text, void * user);

private:
    mutable std::mutex mu_;
    bool verbose_ = false;
    std::string line_;
    ContextMemory mem_;
    std::vector<std::string> errors_;
};

void ensure_backend_initialised();
// The devices a model is loaded on: each --rpc server's (registered once per process, each checked
// to answer first), then this machine's GPUs; without --rpc never an RPC device another model
// registered. Null-terminated, as llama_model_params.devices wants; only the terminator means the
// CPU alone (llama_devices.cpp).
std::vector<ggml_backend_dev_t> model_devices(const std::vector<std::string> & rpc_servers);

// log Σ exp(logits): the log-softmax normaliser of one row (vectorised, see log_softmax.cpp).
float log_sum_exp(const float * logits, int n);
// log P(token) from a row of logits: logit[token] − logsumexp(logits).
double token_logprob(const float * logits, int n_vocab, llama_token token);
// Index of the largest logit.
llama_token argmax(const float * logits, int n_vocab);
// The k most likely tokens of a row whose log-softmax normaliser is lse, most likely first.
std::vector<TopLogprob> top_logprobs(const float * logits, int n_vocab, float lse, int k);

llama_context_params context_params(const LlamaOptions & o, int n_ctx, int n_seq_max);

}  // namespace rightsize::llama_detail

namespace rightsize {

struct LlamaBackend::Impl {
    LlamaOptions options;
    ModelFacts facts;
    // The chat template (llama_chat.cpp): the model's Jinja template rendered by rightsize's Jinja
    // engine, as Hugging Face's apply_chat_template renders it, or llama.cpp's built-in rendering.
    std::string chat_source;                  // the template text or built-in name; empty: none
    std::optional<Template> chat_jinja;       // set when rendered as Jinja
    void choose_chat_engine();
    llama_detail::ModelPtr model;
    llama_detail::ContextPtr ctx;
    const llama_vocab * vocab = nullptr;
    int n_vocab = 0;
    ContextMemory memory;
    std::map<std::string, llama_adapter_lora *> adapters;  // owned by the model
    std::vector<llama_adapter_lora *> lora_handles;         // the set applied to ctx
    std::vector<float> lora_scales;
    // The context's KV layout. Scoring uses one unified buffer (sequences share prompt prefixes);
    // generation uses one stream per sequence, so each token attends over its own sequence's
    // cells only instead of every cell in use (np times less attention work with -fa off).
    bool unified = true;
    int n_seqs = 0;

    // The window requests may use: the -c the user asked for (llama.cpp pads its own context
    // size up, e.g. to a multiple of 256; the padding is not ours to hand out).
    int n_ctx() const { return std::min(options.n_ctx, int(llama_n_ctx(ctx.get()))); }
    int n_batch() const { return int(llama_n_batch(ctx.get())); }
    int n_seq_max() const { return int(llama_n_seq_max(ctx.get())); }
    llama_memory_t mem() const { return llama_get_memory(ctx.get()); }
    // Recreates ctx when its layout differs (the old KV buffer is freed first); LoRAs re-applied.
    void use_context(bool kv_unified, int n_seq);
    // Decodes, turning llama.cpp's status codes into rightsize::Error.
    void decode(const llama_detail::Batch & batch, const char * what) const;
    std::vector<llama_token> tokenize(std::string_view text, bool add_special, bool parse_special) const;
    std::string piece(llama_token t) const;
    // Token that stands for "nothing before": BOS if the model uses one, else EOS (lm-eval's
    // prefix token for an empty context).
    llama_token prefix_token() const;
};

}  // namespace rightsize
