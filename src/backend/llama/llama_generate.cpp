// generate_until for the llama backend: parallel sequences, sampling, stop strings, streaming.
#include "llama_impl.h"

#include <rightsize/error.h>

#include <algorithm>
#include <chrono>
#include <deque>

namespace rightsize {

using namespace llama_detail;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Length of the longest prefix of `s` that does not end inside a UTF-8 sequence.
size_t utf8_complete_prefix(const std::string & s) {
    size_t i = s.size();
    size_t back = 0;
    while (i > 0 && back < 4) {
        const auto c = static_cast<unsigned char>(s[i - 1]);
        if ((c & 0xC0) != 0x80) {  // a lead byte (or ASCII): is its sequence complete?
            const size_t need = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
            return back + 1 >= need ? s.size() : i - 1;
        }
        --i;
        ++back;
    }
    return s.size();
}

SamplerPtr make_sampler(const SamplingParams & p) {
    llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    cp.no_perf = true;
    SamplerPtr chain(llama_sampler_chain_init(cp));
    if (p.temperature <= 0.0f) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
        return chain;
    }
    if (p.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(p.top_k));
    if (p.top_p < 1.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(p.top_p, 1));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(p.temperature));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(p.seed));
    return chain;
}

// One request on its way through a Generation: what was asked, its prompt as tokens, its result so
// far and where the result goes.
struct Job {
    size_t id = 0;
    GenerateRequest rq;
    std::vector<llama_token> prompt;
    GenerateResult res;
    StreamCallback on_token;
    std::function<void(GenerateResult &&)> on_done;
};

struct Slot {
    std::unique_ptr<Job> job;
    llama_seq_id seq = 0;
    SamplerPtr sampler;
    Clock::time_point start;
    int n_past = 0;
    int reserved = 0;       // KV cells held for this request (prompt + max_tokens)
    int32_t output_row = -1;  // batch row whose logits this slot samples next
    std::string pending;    // bytes of an incomplete UTF-8 sequence
    size_t max_stop = 0;
    bool active = false;
};

// A prompt as tokens: the client's ids (checked against the vocabulary) or the text tokenised with
// BOS; never empty. The backend's state comes as `const auto &` here and as a template parameter
// below: its type, LlamaBackend::Impl, is private to the class, so only its members can name it.
std::vector<llama_token> prompt_tokens(const auto & d, const GenerateRequest & rq, const std::string & what) {
    std::vector<llama_token> p;
    if (!rq.prompt_tokens.empty()) {
        for (const int32_t t : rq.prompt_tokens) {
            if (t < 0 || t >= d.n_vocab) {
                throw Error(what + ": token id " + std::to_string(t) + " is outside the vocabulary (0 to " +
                            std::to_string(d.n_vocab - 1) + ")");
            }
        }
        p.assign(rq.prompt_tokens.begin(), rq.prompt_tokens.end());
    } else {
        p = d.tokenize(rq.prompt, true, true);
    }
    if (p.empty()) p = {d.prefix_token()};
    return p;
}

// The prompts as tokens; each result learns its prompt's length.
std::vector<std::vector<llama_token>> encode_prompts(const auto & d, std::span<const GenerateRequest> requests, int window,
                                                     std::vector<GenerateResult> & results) {
    std::vector<std::vector<llama_token>> prompts(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        const auto & rq = requests[i];
        if (rq.max_tokens < 1) throw Error("generate request " + std::to_string(i) + ": max_tokens must be at least 1");
        if (rq.max_tokens >= window) {
            throw Error("generate request " + std::to_string(i) + ": max_tokens " + std::to_string(rq.max_tokens) +
                        " does not fit the context window (-c " + std::to_string(window) + ")");
        }
        prompts[i] = prompt_tokens(d, rq, "generate request " + std::to_string(i));
        // Keep room for the answer: cut the prompt from the left (lm-eval's convention).
        const int room = window - rq.max_tokens;
        if (int(prompts[i].size()) > room) {
            prompts[i].erase(prompts[i].begin(), prompts[i].end() - room);
            results[i].truncated = true;
        }
        results[i].n_prompt_tokens = int(prompts[i].size());
    }
    return prompts;
}

// One KV stream per parallel sequence, each large enough for the longest request: as many
// sequences as -np allows and the window holds.
int parallel_sequences(std::span<const GenerateRequest> requests, const std::vector<std::vector<llama_token>> & prompts, int n_parallel,
                       int window) {
    int need_max = 1;
    for (size_t i = 0; i < requests.size(); ++i) need_max = std::max(need_max, int(prompts[i].size()) + requests[i].max_tokens);
    return std::max(1, std::min({n_parallel, int(std::max<size_t>(1, requests.size())), window / need_max}));
}

// Where the earliest stop string starts in `text` at or after `from`, or npos.
size_t first_stop(const std::string & text, size_t from, const std::vector<std::string> & until) {
    size_t cut = std::string::npos;
    for (const auto & stop : until) {
        if (stop.empty()) continue;
        const size_t at = text.find(stop, from);
        if (at != std::string::npos) cut = std::min(cut, at);
    }
    return cut;
}

// Requests wait in a queue for a free slot (a sequence) whose KV reservation fits the window,
// their prompts are prefilled together, then every active slot advances one token per decode
// until its request finishes. Requests may join while others generate (continuous batching).
template <class Model> class Generation {
public:
    Generation(const Model & d, int window, int n_seq) : d_(d), window_(window), slots_(size_t(n_seq)), batch_(d.n_batch(), 1),
                                                          last_token_(slots_.size(), LLAMA_TOKEN_NULL) {
        for (size_t s = 0; s < slots_.size(); ++s) slots_[s].seq = llama_seq_id(s);
    }

    void enqueue(std::unique_ptr<Job> job) { queue_.push_back(std::move(job)); }
    size_t queued() const { return queue_.size(); }
    size_t active() const {
        return size_t(std::count_if(slots_.begin(), slots_.end(), [](const Slot & s) { return s.active; }));
    }

    // Admits and prefills what fits, then one decode step. False when nothing was active or queued.
    bool step() {
        std::vector<Slot *> running;
        for (Slot & s : slots_) {
            if (s.active) running.push_back(&s);
        }
        const std::vector<Slot *> admitted = admit();
        if (admitted.empty()) return decode_step() || !queue_.empty();
        // The running requests' next tokens ride in the first batch of the new prompts, as
        // llama-server does, instead of waiting for the whole prefill.
        prefill(admitted, running);
        return true;
    }

    void run() {
        llama_memory_clear(d_.mem(), false);
        while (step()) {
        }
        llama_memory_clear(d_.mem(), false);
    }

    std::vector<size_t> cancel_all() {
        std::vector<size_t> ids;
        for (auto & job : queue_) ids.push_back(job->id);
        queue_.clear();
        for (Slot & s : slots_) {
            if (!s.active) continue;
            ids.push_back(s.job->id);
            llama_memory_seq_rm(d_.mem(), s.seq, -1, -1);
            free_slot(s);
        }
        reserved_ = 0;
        return ids;
    }

private:
    // Back to an empty slot on the same sequence.
    static void free_slot(Slot & s) {
        const llama_seq_id seq = s.seq;
        s = Slot();
        s.seq = seq;
    }

    // Admits queued requests into free slots while their KV reservation fits.
    std::vector<Slot *> admit() {
        std::vector<Slot *> admitted;
        for (Slot & s : slots_) {
            if (s.active || queue_.empty()) continue;
            const Job & next = *queue_.front();
            const int need = int(next.prompt.size()) + next.rq.max_tokens;
            if (reserved_ + need > window_ && reserved_ > 0) break;
            free_slot(s);
            s.job = std::move(queue_.front());
            queue_.pop_front();
            s.sampler = make_sampler(s.job->rq.sampling);
            s.reserved = need;
            for (const auto & stop : s.job->rq.until) s.max_stop = std::max(s.max_stop, stop.size());
            s.active = true;
            s.start = Clock::now();
            reserved_ += need;
            admitted.push_back(&s);
        }
        return admitted;
    }

    // Prefills the admitted prompts together, chunked by n_batch, after the running slots' next
    // tokens. A slot samples right after the decode that holds its row: a later chunk would
    // overwrite its logits.
    void prefill(const std::vector<Slot *> & admitted, const std::vector<Slot *> & running) {
        std::vector<Slot *> ready;  // slots whose output row is in the current batch
        batch_.clear();
        for (Slot * s : running) {
            s->output_row = batch_.size();
            batch_.add(last_token_[size_t(s->seq)], llama_pos(s->n_past), {&s->seq, 1}, true);
            ++s->n_past;
            ready.push_back(s);
        }
        for (Slot * s : admitted) {
            const auto & p = s->job->prompt;
            for (size_t i = 0; i < p.size(); ++i) {
                if (batch_.size() == batch_.capacity()) decode_prompts(ready);
                const bool last = i + 1 == p.size();
                if (last) {
                    s->output_row = batch_.size();
                    ready.push_back(s);
                }
                batch_.add(p[i], llama_pos(i), {&s->seq, 1}, last);
            }
            s->n_past = int(p.size());
        }
        if (batch_.size() > 0) decode_prompts(ready);
    }

    void decode_prompts(std::vector<Slot *> & ready) {
        d_.decode(batch_, "processing prompts");
        for (Slot * s : ready) sample(*s);
        ready.clear();
        batch_.clear();
    }

    // One decode step: every active slot feeds its last sampled token. False when none is active.
    bool decode_step() {
        batch_.clear();
        for (Slot & s : slots_) {
            if (!s.active) continue;
            s.output_row = batch_.size();
            batch_.add(last_token_[size_t(s.seq)], llama_pos(s.n_past), {&s.seq, 1}, true);
            ++s.n_past;
        }
        if (batch_.size() == 0) return false;
        d_.decode(batch_, "generating");
        for (Slot & s : slots_) {
            if (s.active) sample(s);
        }
        return true;
    }

    // Samples the slot's next token (recording its log-probabilities when asked), then feeds it
    // back next step, or frees the slot when its request is finished.
    void sample(Slot & s) {
        const llama_token tok = llama_sampler_sample(s.sampler.get(), d_.ctx.get(), s.output_row);
        if (s.job->rq.top_logprobs >= 0) record_logprobs(s, tok);
        s.output_row = -1;
        if (accept(s, tok)) {
            last_token_[size_t(s.seq)] = tok;
        } else {
            release(s);
        }
    }

    void record_logprobs(Slot & s, llama_token tok) {
        const float * logits = llama_get_logits_ith(d_.ctx.get(), s.output_row);
        const float lse = log_sum_exp(logits, d_.n_vocab);
        GenerateResult & res = s.job->res;
        res.tokens.push_back(tok);
        res.token_logprobs.push_back(logits[tok] - lse);
        if (s.job->rq.top_logprobs > 0) res.top_logprobs.push_back(top_logprobs(logits, d_.n_vocab, lse, s.job->rq.top_logprobs));
    }

    // Consumes one sampled token for a slot; returns false when the request is finished.
    bool accept(Slot & s, llama_token tok) {
        Job & job = *s.job;
        GenerateResult & res = job.res;
        const GenerateRequest & rq = job.rq;
        const double t = ms_since(s.start);
        if (res.n_generated_tokens == 0) res.ttft_ms = t;
        res.token_times_ms.push_back(t);
        res.e2e_ms = t;
        ++res.n_generated_tokens;
        if (!rq.ignore_eos && llama_vocab_is_eog(d_.vocab, tok)) {
            res.finish = FinishReason::EndOfGeneration;
            return false;
        }
        s.pending += d_.piece(tok);
        const size_t ready = utf8_complete_prefix(s.pending);
        const size_t before = res.text.size();
        res.text.append(s.pending, 0, ready);
        s.pending.erase(0, ready);
        if (job.on_token && !job.on_token({job.id, std::string_view(res.text).substr(before), t, &res})) {
            res.finish = FinishReason::Stop;
            return false;
        }
        // A stop string can only end inside the new text: search from just before it.
        const size_t cut = first_stop(res.text, before > s.max_stop ? before - s.max_stop : 0, rq.until);
        if (cut != std::string::npos) {
            res.text.resize(cut);
            res.finish = FinishReason::Stop;
            return false;
        }
        if (res.n_generated_tokens >= rq.max_tokens) {
            res.finish = FinishReason::Length;
            return false;
        }
        return true;
    }

    void release(Slot & s) {
        std::unique_ptr<Job> job = std::move(s.job);
        llama_memory_seq_rm(d_.mem(), s.seq, -1, -1);
        reserved_ -= s.reserved;
        free_slot(s);
        if (job->on_done) job->on_done(std::move(job->res));
    }

    const Model & d_;
    const int window_;  // the window the prompts were cut for
    std::deque<std::unique_ptr<Job>> queue_;
    std::vector<Slot> slots_;
    int reserved_ = 0;  // KV cells reserved by the active slots
    Batch batch_;
    std::vector<llama_token> last_token_;  // per sequence: the token it feeds next step
};

}  // namespace

std::vector<GenerateResult> LlamaBackend::generate(std::span<const GenerateRequest> requests, const StreamCallback & on_token,
                                                   const FinishCallback & on_finished) {
    Impl & d = *impl_;
    const int window = d.n_ctx();
    std::vector<GenerateResult> results(requests.size());
    auto prompts = encode_prompts(d, requests, window, results);
    // --exact: one generation at a time, so none shares a decode with another.
    const int n_seq = d.options.exact ? 1 : parallel_sequences(requests, prompts, d.options.n_parallel, window);
    d.use_context(false, n_seq);
    Generation gen(d, window, d.n_seq_max());
    for (size_t i = 0; i < requests.size(); ++i) {
        auto job = std::make_unique<Job>(Job{i, requests[i], std::move(prompts[i]), std::move(results[i]), on_token, {}});
        job->on_done = [&results, &on_finished, i](GenerateResult && r) {
            results[i] = std::move(r);
            if (on_finished) on_finished(i);
        };
        gen.enqueue(std::move(job));
    }
    gen.run();
    return results;
}

namespace {

// GenerationSession over the backend's context, in its per-sequence layout: -np sequences.
template <class Model> class LlamaGenerationSession final : public GenerationSession {
public:
    explicit LlamaGenerationSession(Model & d) : d_(d), n_seq_(std::max(1, d.options.n_parallel)) {
        d_.use_context(false, n_seq_);
        gen_ = std::make_unique<Generation<Model>>(d_, d_.n_ctx(), d_.n_seq_max());
    }

    void submit(size_t id, GenerationJob job) override {
        const std::string what = "generate request " + std::to_string(id);
        if (job.request.max_tokens < 1) throw Error(what + ": max_tokens must be at least 1");
        auto prompt = prompt_tokens(d_, job.request, what);
        const int need = int(prompt.size()) + job.request.max_tokens;
        if (need > sequence_window()) {
            throw Error(what + ": the prompt's " + std::to_string(prompt.size()) + " tokens and max_tokens " +
                        std::to_string(job.request.max_tokens) + " need " + std::to_string(need) +
                        " KV cells, more than one sequence holds (" + std::to_string(sequence_window()) + " = -c / -np)");
        }
        GenerateResult res;
        res.n_prompt_tokens = int(prompt.size());
        gen_->enqueue(std::make_unique<Job>(
            Job{id, std::move(job.request), std::move(prompt), std::move(res), std::move(job.on_token), std::move(job.on_done)}));
    }

    bool step() override {
        // Another call (scoring) may have replaced the context while no request was active.
        if (gen_->active() == 0) d_.use_context(false, n_seq_);
        return gen_->step();
    }
    size_t active() const override { return gen_->active(); }
    size_t queued() const override { return gen_->queued(); }
    int sequence_window() const override { return d_.n_ctx() / n_seq_; }
    std::vector<size_t> cancel_all() override { return gen_->cancel_all(); }

private:
    Model & d_;
    const int n_seq_;
    std::unique_ptr<Generation<Model>> gen_;
};

}  // namespace

std::unique_ptr<GenerationSession> LlamaBackend::open_generation_session() {
    return std::make_unique<LlamaGenerationSession<Impl>>(*impl_);
}

}  // namespace rightsize
