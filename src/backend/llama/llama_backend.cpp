#include "llama_impl.h"

#include <rightsize/error.h>

#include <gguf.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

namespace fs = std::filesystem;

namespace rightsize {
namespace llama_detail {

Batch::Batch(int32_t capacity, int32_t n_seq_max) : capacity_(capacity) {
    b_ = llama_batch_init(capacity, 0, n_seq_max);
    b_.n_tokens = 0;
}

Batch::~Batch() { llama_batch_free(b_); }

void Batch::add(llama_token token, llama_pos pos, std::span<const llama_seq_id> seqs, bool output) {
    const int32_t i = b_.n_tokens;
    b_.token[i] = token;
    b_.pos[i] = pos;
    b_.n_seq_id[i] = int32_t(seqs.size());
    for (size_t s = 0; s < seqs.size(); ++s) b_.seq_id[i][s] = seqs[s];
    b_.logits[i] = output ? 1 : 0;
    b_.n_tokens = i + 1;
}

LogCapture & LogCapture::instance() {
    static LogCapture capture;
    return capture;
}

void LogCapture::set_verbose(bool v) {
    std::lock_guard lock(mu_);
    verbose_ = v;
}

void LogCapture::begin() {
    std::lock_guard lock(mu_);
    mem_ = {};
    errors_.clear();
}

ContextMemory LogCapture::memory() const {
    std::lock_guard lock(mu_);
    return mem_;
}

std::string LogCapture::last_error() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto & e : errors_) {
        if (!out.empty()) out += "; ";
        out += e;
    }
    return out;
}

static uint64_t parse_mib_after(const std::string & line, const char * key) {
    const auto at = line.find(key);
    if (at == std::string::npos) return 0;
    const auto eq = line.find('=', at);
    if (eq == std::string::npos) return 0;
    return uint64_t(std::strtod(line.c_str() + eq + 1, nullptr) * 1024.0 * 1024.0 + 0.5);
}

void LogCapture::callback(ggml_log_level level, const char * text, void * user) {
    auto * self = static_cast<LogCapture *>(user);
    std::lock_guard lock(self->mu_);
    if (self->verbose_) fputs(text, stderr);
    // llama.cpp sends continuation fragments with GGML_LOG_LEVEL_CONT; assemble whole lines.
    self->line_ += text;
    if (self->line_.empty() || self->line_.back() != '\n') return;
    std::string line;
    line.swap(self->line_);
    line.pop_back();
    self->mem_.kv_cache_bytes += parse_mib_after(line, "KV buffer size");
    self->mem_.compute_buffer_bytes += parse_mib_after(line, "compute buffer size =");
    if (level == GGML_LOG_LEVEL_ERROR) {
        const auto colon = line.find(": ");
        self->errors_.push_back(colon != std::string::npos && colon < 48 ? line.substr(colon + 2) : line);
        if (self->errors_.size() > 4) self->errors_.erase(self->errors_.begin());
    }
}

void ensure_backend_initialised() {
    static std::once_flag once;
    std::call_once(once, [] {
        llama_log_set(&LogCapture::callback, &LogCapture::instance());
        llama_backend_init();
    });
}

double token_logprob(const float * logits, int n_vocab, llama_token token) {
    return double(logits[token]) - double(log_sum_exp(logits, n_vocab));
}

llama_token argmax(const float * logits, int n_vocab) {
    return llama_token(std::max_element(logits, logits + n_vocab) - logits);
}

std::vector<TopLogprob> top_logprobs(const float * logits, int n_vocab, float lse, int k) {
    k = std::clamp(k, 0, n_vocab);
    if (k == 1) {
        const llama_token best = argmax(logits, n_vocab);
        return {{best, logits[best] - lse}};
    }
    std::vector<llama_token> ids(static_cast<size_t>(n_vocab));
    for (int i = 0; i < n_vocab; ++i) ids[size_t(i)] = i;
    // Most likely first; equal logits by token id, so the list never depends on the sort's order.
    auto before = [logits](llama_token a, llama_token b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), before);
    std::vector<TopLogprob> out(static_cast<size_t>(k));
    for (int i = 0; i < k; ++i) out[size_t(i)] = {ids[size_t(i)], logits[ids[size_t(i)]] - lse};
    return out;
}

llama_context_params context_params(const LlamaOptions & o, int n_ctx, int n_seq_max) {
    llama_context_params p = llama_context_default_params();
    p.n_ctx = uint32_t(n_ctx);
    p.n_batch = uint32_t(std::min(o.n_batch, n_ctx));
    p.n_ubatch = uint32_t(std::min(o.n_ubatch, int(p.n_batch)));
    p.n_seq_max = uint32_t(n_seq_max);
    const int threads = o.n_threads > 0 ? o.n_threads : int(std::max(1u, std::thread::hardware_concurrency()));
    p.n_threads = threads;
    p.n_threads_batch = threads;
    p.kv_unified = true;  // shared prompt prefixes need one KV buffer across sequences
    p.no_perf = true;
    if (o.flash_attn == "on") {
        p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    } else if (o.flash_attn == "off") {
        p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    } else {
        p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_AUTO;
    }
    return p;
}

}  // namespace llama_detail

using namespace llama_detail;

LoraAdapter parse_lora_arg(const std::string & arg) {
    const auto colon = arg.rfind(':');
    if (colon != std::string::npos && colon + 1 < arg.size()) {
        char * end = nullptr;
        const float scale = std::strtof(arg.c_str() + colon + 1, &end);
        if (end && *end == '\0') return {arg.substr(0, colon), scale};
    }
    return {arg, 1.0f};
}

void validate_gguf_file(const std::string & path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw Error("model file '" + path + "' does not exist; check the path (models from scripts/fetch-models.sh are under models/)");
    }
    if (fs::is_directory(path, ec)) throw Error("model path '" + path + "' is a directory, not a GGUF file");
    const uint64_t size = fs::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("model file '" + path + "' cannot be opened for reading");
    char magic[4] = {};
    in.read(magic, 4);
    if (in.gcount() < 4 || std::memcmp(magic, "GGUF", 4) != 0) {
        throw Error("'" + path + "' is not a GGUF file (it does not start with the bytes 'GGUF'); "
                    "rightsize runs llama.cpp GGUF models: convert with llama.cpp's convert_hf_to_gguf.py "
                    "or download a .gguf build");
    }
    gguf_init_params ip{};
    ip.no_alloc = true;
    ip.ctx = nullptr;
    gguf_context * g = gguf_init_from_file(path.c_str(), ip);
    if (!g) {
        throw Error("'" + path + "' has a GGUF magic but its header cannot be read (" + std::to_string(size) +
                    " bytes): the file is truncated or corrupt; download it again");
    }
    uint64_t needed = gguf_get_data_offset(g);
    for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
        needed = std::max<uint64_t>(needed, gguf_get_data_offset(g) + gguf_get_tensor_offset(g, i) + gguf_get_tensor_size(g, i));
    }
    gguf_free(g);
    if (needed > size) {
        throw Error("'" + path + "' is truncated: its tensors need " + std::to_string(needed) + " bytes but the file has " +
                    std::to_string(size) + "; download it again");
    }
}

static std::string meta_str(const llama_model * m, const char * key) {
    char buf[512];
    const int32_t n = llama_model_meta_val_str(m, key, buf, sizeof buf);
    return n >= 0 ? std::string(buf) : std::string();
}

static std::string quant_name(const std::string & desc) {
    // llama_model_desc: "<arch> <size> <ftype name>", e.g. "llama 135M Q4_1".
    const auto first = desc.find(' ');
    const auto second = first == std::string::npos ? first : desc.find(' ', first + 1);
    return second == std::string::npos ? std::string() : desc.substr(second + 1);
}

static ModelFacts facts_of(const llama_model * m, const std::string & path) {
    ModelFacts f;
    f.path = path;
    f.name = meta_str(m, "general.name");
    if (f.name.empty()) f.name = fs::path(path).stem().string();
    f.architecture = meta_str(m, "general.architecture");
    char desc[256];
    llama_model_desc(m, desc, sizeof desc);
    f.description = desc;
    f.quantization = quant_name(f.description);
    f.n_params = llama_model_n_params(m);
    std::error_code ec;
    f.file_bytes = fs::file_size(path, ec);
    f.tensor_bytes = llama_model_size(m);
    f.n_ctx_train = llama_model_n_ctx_train(m);
    f.n_embd = llama_model_n_embd(m);
    f.n_layer = llama_model_n_layer(m);
    f.n_head = llama_model_n_head(m);
    f.n_head_kv = llama_model_n_head_kv(m);
    f.n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(m));
    if (const char * t = llama_model_chat_template(m, nullptr)) f.chat_template = t;
    return f;
}


static ModelPtr load_model(const std::string & path, int n_gpu_layers, const std::vector<std::string> & rpc_servers = {},
                           std::vector<std::string> * device_names = nullptr) {
    validate_gguf_file(path);
    ensure_backend_initialised();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = n_gpu_layers;
    std::vector<ggml_backend_dev_t> devices = model_devices(rpc_servers);
    mp.devices = devices.data();
    if (device_names) {
        // Where the weights are: the devices (with the layers offloaded to them), then the CPU.
        for (ggml_backend_dev_t d : devices) {
            if (d) device_names->push_back(std::string(ggml_backend_dev_name(d)) + " (" + ggml_backend_dev_description(d) + ")");
        }
        device_names->push_back("CPU");
    }
    LogCapture::instance().begin();
    ModelPtr model(llama_model_load_from_file(path.c_str(), mp));
    if (!model) {
        const std::string why = LogCapture::instance().last_error();
        throw Error("llama.cpp could not load '" + path + "'" + (why.empty() ? "" : ": " + why) +
                    " (is the architecture supported by llama.cpp " + llama_version_string() + "?)");
    }
    return model;
}

ModelFacts read_model_facts(const std::string & path) {
    // A full (memory-mapped) load: llama.cpp's metadata-only modes do not fill every hyper-parameter.
    ModelPtr model = load_model(path, 0);
    return facts_of(model.get(), path);
}

std::string llama_version_string() {
#ifdef RIGHTSIZE_LLAMA_VERSION
    return std::string(RIGHTSIZE_LLAMA_VERSION) + " (commit " + RIGHTSIZE_LLAMA_COMMIT + ")";
#else
    return llama_version();
#endif
}

LlamaBackend::LlamaBackend(const LlamaOptions & options) : impl_(std::make_unique<Impl>()) {
    Impl & d = *impl_;
    d.options = options;
    if (options.n_ctx < 8) throw Error("-c (context size) must be at least 8, got " + std::to_string(options.n_ctx));
    if (options.n_batch < 1 || options.n_ubatch < 1) throw Error("-b and -ub must be positive");
    if (options.n_parallel < 1 || size_t(options.n_parallel) > llama_max_parallel_sequences()) {
        throw Error("-np must be between 1 and " + std::to_string(llama_max_parallel_sequences()));
    }
    if (options.flash_attn != "on" && options.flash_attn != "off" && options.flash_attn != "auto") {
        throw Error("-fa must be on, off or auto, got '" + options.flash_attn + "'");
    }
    LogCapture::instance().set_verbose(options.verbose);
    std::vector<std::string> devices;
    d.model = load_model(options.model_path, options.n_gpu_layers, options.rpc_servers, &devices);
    d.facts = facts_of(d.model.get(), options.model_path);
    d.facts.devices = std::move(devices);
    d.vocab = llama_model_get_vocab(d.model.get());
    d.n_vocab = llama_vocab_n_tokens(d.vocab);
    d.choose_chat_engine();

    d.use_context(true, options.n_parallel);
    d.memory = LogCapture::instance().memory();
    set_loras(options.loras);
}

void LlamaBackend::Impl::use_context(bool kv_unified, int n_seq) {
    if (ctx && unified == kv_unified && n_seqs == n_seq) return;
    ctx.reset();
    llama_context_params p = context_params(options, options.n_ctx, n_seq);
    p.kv_unified = kv_unified;
    LogCapture::instance().begin();
    ctx.reset(llama_init_from_model(model.get(), p));
    if (!ctx) {
        throw Error("llama.cpp could not create a context for '" + options.model_path + "' with -c " +
                    std::to_string(options.n_ctx) + ": " + LogCapture::instance().last_error());
    }
    unified = kv_unified;
    n_seqs = n_seq;
    if (!lora_handles.empty() &&
        llama_set_adapters_lora(ctx.get(), lora_handles.data(), lora_handles.size(), lora_scales.data()) != 0) {
        throw Error("llama.cpp refused the LoRA adapter set");
    }
}

LlamaBackend::~LlamaBackend() = default;

const ModelFacts & LlamaBackend::facts() const { return impl_->facts; }
const LlamaOptions & LlamaBackend::options() const { return impl_->options; }
ContextMemory LlamaBackend::memory() const { return impl_->memory; }

void LlamaBackend::Impl::decode(const Batch & batch, const char * what) const {
    const int32_t rc = llama_decode(ctx.get(), batch.get());
    if (rc != 0) {
        throw Error(std::string("llama_decode failed while ") + what + " (status " + std::to_string(rc) +
                    (rc == 1 ? ": no KV slot; raise -c or lower -np" : "") + ")");
    }
}

std::vector<llama_token> LlamaBackend::Impl::tokenize(std::string_view text, bool add_special, bool parse_special) const {
    if (text.size() > size_t(std::numeric_limits<int32_t>::max() / 2)) throw Error("text too long to tokenize");
    std::vector<llama_token> out(text.size() + 8);
    int32_t n = llama_tokenize(vocab, text.data(), int32_t(text.size()), out.data(), int32_t(out.size()), add_special, parse_special);
    if (n < 0) {
        out.resize(size_t(-n));
        n = llama_tokenize(vocab, text.data(), int32_t(text.size()), out.data(), int32_t(out.size()), add_special, parse_special);
    }
    if (n < 0) throw Error("tokenization failed");
    out.resize(size_t(n));
    return out;
}

std::string LlamaBackend::Impl::piece(llama_token t) const {
    char buf[256];
    const int32_t n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, false);
    if (n >= 0) return std::string(buf, size_t(n));
    std::string big(size_t(-n), '\0');
    llama_token_to_piece(vocab, t, big.data(), int32_t(big.size()), 0, false);
    return big;
}

llama_token LlamaBackend::Impl::prefix_token() const {
    const llama_token bos = llama_vocab_bos(vocab);
    if (llama_vocab_get_add_bos(vocab) && bos != LLAMA_TOKEN_NULL) return bos;
    const llama_token eos = llama_vocab_eos(vocab);
    return eos != LLAMA_TOKEN_NULL ? eos : bos;
}

std::vector<int32_t> LlamaBackend::tokenize(std::string_view text, bool add_special, bool parse_special) const {
    return impl_->tokenize(text, add_special, parse_special);
}

std::string LlamaBackend::detokenize(std::span<const int32_t> tokens) const {
    std::string out(tokens.size() * 8 + 16, '\0');
    int32_t n = llama_detokenize(impl_->vocab, tokens.data(), int32_t(tokens.size()), out.data(), int32_t(out.size()), false, false);
    if (n < 0) {
        out.resize(size_t(-n));
        n = llama_detokenize(impl_->vocab, tokens.data(), int32_t(tokens.size()), out.data(), int32_t(out.size()), false, false);
    }
    out.resize(size_t(std::max(n, 0)));
    return out;
}

std::string LlamaBackend::token_text(int32_t token) const {
    if (token < 0 || token >= impl_->n_vocab) return "";
    char buf[256];
    const int32_t n = llama_token_to_piece(impl_->vocab, token, buf, sizeof buf, 0, true);
    if (n >= 0) return std::string(buf, size_t(n));
    std::string big(size_t(-n), '\0');
    llama_token_to_piece(impl_->vocab, token, big.data(), int32_t(big.size()), 0, true);
    return big;
}

LlamaBackend::SpecialTokens LlamaBackend::special_tokens() const {
    SpecialTokens s;
    s.bos = llama_vocab_bos(impl_->vocab);
    s.eos = llama_vocab_eos(impl_->vocab);
    if (s.bos == LLAMA_TOKEN_NULL) s.bos = -1;
    if (s.eos == LLAMA_TOKEN_NULL) s.eos = -1;
    s.bos_text = s.bos >= 0 ? token_text(s.bos) : "";
    s.eos_text = s.eos >= 0 ? token_text(s.eos) : "";
    s.add_bos = llama_vocab_get_add_bos(impl_->vocab);
    return s;
}

bool LlamaBackend::is_end_of_generation(int32_t token) const {
    return token >= 0 && token < impl_->n_vocab && llama_vocab_is_eog(impl_->vocab, token);
}

void LlamaBackend::set_loras(const std::vector<LoraAdapter> & loras) {
    Impl & d = *impl_;
    std::vector<llama_adapter_lora *> handles;
    std::vector<float> scales;
    for (const auto & l : loras) {
        auto it = d.adapters.find(l.path);
        if (it == d.adapters.end()) {
            validate_gguf_file(l.path);
            LogCapture::instance().begin();
            llama_adapter_lora * a = llama_adapter_lora_init(d.model.get(), l.path.c_str());
            if (!a) {
                throw Error("LoRA adapter '" + l.path + "' does not fit model '" + d.options.model_path +
                            "': " + LogCapture::instance().last_error());
            }
            it = d.adapters.emplace(l.path, a).first;
        }
        handles.push_back(it->second);
        scales.push_back(l.scale);
    }
    if (llama_set_adapters_lora(d.ctx.get(), handles.data(), handles.size(), scales.data()) != 0) {
        throw Error("llama.cpp refused the LoRA adapter set");
    }
    d.lora_handles = std::move(handles);
    d.lora_scales = std::move(scales);
    d.options.loras = loras;
}

std::vector<float> LlamaBackend::last_logits(std::span<const int32_t> tokens) {
    Impl & d = *impl_;
    if (tokens.empty()) throw Error("last_logits needs at least one token");
    if (int(tokens.size()) > d.n_ctx()) throw Error("sequence longer than the context (-c)");
    d.use_context(true, d.options.n_parallel);
    llama_memory_clear(d.mem(), true);
    Batch batch(d.n_batch(), 1);
    const llama_seq_id seq0 = 0;
    for (size_t i = 0; i < tokens.size();) {
        batch.clear();
        for (; i < tokens.size() && batch.size() < batch.capacity(); ++i) {
            batch.add(tokens[i], llama_pos(i), {&seq0, 1}, i + 1 == tokens.size());
        }
        d.decode(batch, "computing logits");
    }
    const float * logits = llama_get_logits_ith(d.ctx.get(), -1);
    std::vector<float> out(logits, logits + d.n_vocab);
    llama_memory_clear(d.mem(), true);
    return out;
}

namespace {

class LlamaDecodeProbe final : public DecodeProbe {
public:
    LlamaDecodeProbe(llama_model * model, const LlamaOptions & o, int n_ctx, std::vector<llama_adapter_lora *> loras,
                     std::vector<float> scales) {
        LogCapture::instance().begin();
        // llama-bench's context: one sequence, no unified KV, a sliding-window cache of window
        // size (swa_full off), everything else as for the backend.
        llama_context_params cp = context_params(o, n_ctx, 1);
        cp.kv_unified = false;
        cp.swa_full = false;
        ctx_.reset(llama_init_from_model(model, cp));
        if (!ctx_) throw Error("could not create a benchmark context of " + std::to_string(n_ctx) + " tokens");
        // The probe measures the model as configured, adapters included.
        if (!loras.empty()) llama_set_adapters_lora(ctx_.get(), loras.data(), loras.size(), scales.data());
        mem_ = LogCapture::instance().memory();
        vocab_ = llama_model_get_vocab(model);
        n_vocab_ = llama_vocab_n_tokens(vocab_);
        n_batch_ = int(llama_n_batch(ctx_.get()));
        rng_.seed(1234);
    }

    void clear() override { llama_memory_clear(llama_get_memory(ctx_.get()), false); }

    void prompt(int n_tokens) override {
        std::vector<llama_token> tokens(static_cast<size_t>(n_batch_));
        for (int done = 0; done < n_tokens;) {
            const int n = std::min(n_tokens - done, n_batch_);
            for (int i = 0; i < n; ++i) tokens[size_t(i)] = random_token();
            if (done == 0 && llama_vocab_get_add_bos(vocab_)) tokens[0] = llama_vocab_bos(vocab_);
            if (llama_decode(ctx_.get(), llama_batch_get_one(tokens.data(), n)) != 0) throw Error("prompt benchmark decode failed");
            done += n;
        }
        llama_synchronize(ctx_.get());
    }

    void generate(int n_tokens) override {
        llama_token t = llama_vocab_get_add_bos(vocab_) ? llama_vocab_bos(vocab_) : random_token();
        for (int i = 0; i < n_tokens; ++i) {
            if (llama_decode(ctx_.get(), llama_batch_get_one(&t, 1)) != 0) throw Error("generation benchmark decode failed");
            llama_synchronize(ctx_.get());
            t = random_token();
        }
    }

    ContextMemory memory() const override { return mem_; }

private:
    llama_token random_token() { return llama_token(rng_() % uint32_t(n_vocab_)); }
    ContextPtr ctx_;
    const llama_vocab * vocab_ = nullptr;
    int n_vocab_ = 0;
    int n_batch_ = 0;
    ContextMemory mem_;
    std::minstd_rand rng_;
};

}  // namespace

std::unique_ptr<DecodeProbe> LlamaBackend::open_decode_probe(int n_ctx) {
    std::vector<llama_adapter_lora *> loras;
    std::vector<float> scales;
    for (const auto & l : impl_->options.loras) {
        loras.push_back(impl_->adapters.at(l.path));
        scales.push_back(l.scale);
    }
    return std::make_unique<LlamaDecodeProbe>(impl_->model.get(), impl_->options, n_ctx, std::move(loras), std::move(scales));
}

}  // namespace rightsize
