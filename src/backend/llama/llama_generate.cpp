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

struct Slot {
    size_t request = 0;
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

}  // namespace

std::vector<GenerateResult> LlamaBackend::generate(std::span<const GenerateRequest> requests, const StreamCallback & on_token,
                                                   const FinishCallback & on_finished) {
    Impl & d = *impl_;
    const int window = d.n_ctx();
    std::vector<GenerateResult> results(requests.size());
    std::vector<std::vector<llama_token>> prompts(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        const auto & rq = requests[i];
        if (rq.max_tokens < 1) throw Error("generate request " + std::to_string(i) + ": max_tokens must be at least 1");
        if (rq.max_tokens >= window) {
            throw Error("generate request " + std::to_string(i) + ": max_tokens " + std::to_string(rq.max_tokens) +
                        " does not fit the context window (-c " + std::to_string(window) + ")");
        }
        prompts[i] = d.tokenize(rq.prompt, true, true);
        if (prompts[i].empty()) prompts[i] = {d.prefix_token()};
        // Keep room for the answer: cut the prompt from the left (lm-eval's convention).
        const int room = window - rq.max_tokens;
        if (int(prompts[i].size()) > room) prompts[i].erase(prompts[i].begin(), prompts[i].end() - room);
        results[i].n_prompt_tokens = int(prompts[i].size());
    }
    // One KV stream per parallel sequence, each large enough for the longest request: as many
    // sequences as -np allows and the window holds.
    int need_max = 1;
    for (size_t i = 0; i < requests.size(); ++i) need_max = std::max(need_max, int(prompts[i].size()) + requests[i].max_tokens);
    const int n_seq = std::max(1, std::min({d.options.n_parallel, int(std::max<size_t>(1, requests.size())), window / need_max}));
    d.use_context(false, n_seq);

    std::deque<size_t> queue;
    for (size_t i = 0; i < requests.size(); ++i) queue.push_back(i);
    std::vector<Slot> slots(size_t(d.n_seq_max()));
    for (size_t s = 0; s < slots.size(); ++s) slots[s].seq = llama_seq_id(s);
    int reserved = 0;
    Batch batch(d.n_batch(), 1);
    llama_memory_clear(d.mem(), false);

    // Consumes one sampled token for a slot; returns false when the request is finished.
    auto accept = [&](Slot & s, llama_token tok) -> bool {
        GenerateResult & res = results[s.request];
        const GenerateRequest & rq = requests[s.request];
        const double t = ms_since(s.start);
        if (res.n_generated_tokens == 0) res.ttft_ms = t;
        res.token_times_ms.push_back(t);
        res.e2e_ms = t;
        ++res.n_generated_tokens;
        if (!rq.ignore_eos && llama_vocab_is_eog(d.vocab, tok)) {
            res.finish = FinishReason::EndOfGeneration;
            return false;
        }
        s.pending += d.piece(tok);
        const size_t ready = utf8_complete_prefix(s.pending);
        const size_t before = res.text.size();
        res.text.append(s.pending, 0, ready);
        s.pending.erase(0, ready);
        if (on_token && !on_token({s.request, std::string_view(res.text).substr(before), t})) {
            res.finish = FinishReason::Stop;
            return false;
        }
        // A stop string can only end inside the new text: search from just before it.
        const size_t from = before > s.max_stop ? before - s.max_stop : 0;
        size_t cut = std::string::npos;
        for (const auto & stop : rq.until) {
            if (stop.empty()) continue;
            const size_t at = res.text.find(stop, from);
            if (at != std::string::npos) cut = std::min(cut, at);
        }
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
    };
    auto release = [&](Slot & s) {
        if (on_finished) on_finished(s.request);
        llama_memory_seq_rm(d.mem(), s.seq, -1, -1);
        reserved -= s.reserved;
        s.active = false;
        s.sampler.reset();
        s.pending.clear();
    };

    std::vector<llama_token> last_token(slots.size(), LLAMA_TOKEN_NULL);
    for (;;) {
        // Admit queued requests into free slots while their KV reservation fits.
        std::vector<Slot *> admitted;
        for (Slot & s : slots) {
            if (s.active || queue.empty()) continue;
            const size_t r = queue.front();
            const int need = int(prompts[r].size()) + requests[r].max_tokens;
            if (reserved + need > window && reserved > 0) break;
            queue.pop_front();
            s = Slot{};
            s.seq = llama_seq_id(&s - slots.data());
            s.request = r;
            s.sampler = make_sampler(requests[r].sampling);
            s.reserved = need;
            for (const auto & stop : requests[r].until) s.max_stop = std::max(s.max_stop, stop.size());
            s.active = true;
            s.start = Clock::now();
            reserved += need;
            admitted.push_back(&s);
        }
        // Prefill the admitted prompts together, chunked by n_batch. A slot samples right after
        // the decode that holds its last prompt token: a later chunk would overwrite its logits.
        if (!admitted.empty()) {
            std::vector<Slot *> ready;  // slots whose output row is in the current batch
            auto flush = [&]() {
                d.decode(batch, "processing prompts");
                for (Slot * s : ready) {
                    const llama_token tok = llama_sampler_sample(s->sampler.get(), d.ctx.get(), s->output_row);
                    s->output_row = -1;
                    if (accept(*s, tok)) {
                        last_token[size_t(s->seq)] = tok;
                    } else {
                        release(*s);
                    }
                }
                ready.clear();
                batch.clear();
            };
            batch.clear();
            for (Slot * s : admitted) {
                const auto & p = prompts[s->request];
                for (size_t i = 0; i < p.size(); ++i) {
                    if (batch.size() == batch.capacity()) flush();
                    const bool last = i + 1 == p.size();
                    if (last) {
                        s->output_row = batch.size();
                        ready.push_back(s);
                    }
                    batch.add(p[i], llama_pos(i), {&s->seq, 1}, last);
                }
                s->n_past = int(p.size());
            }
            if (batch.size() > 0) flush();
        }
        // One decode step: every active slot feeds its last sampled token.
        batch.clear();
        for (Slot & s : slots) {
            if (!s.active) continue;
            s.output_row = batch.size();
            batch.add(last_token[size_t(s.seq)], llama_pos(s.n_past), {&s.seq, 1}, true);
            ++s.n_past;
        }
        if (batch.size() == 0) {
            if (queue.empty()) break;
            continue;
        }
        d.decode(batch, "generating");
        for (Slot & s : slots) {
            if (!s.active) continue;
            const llama_token tok = llama_sampler_sample(s.sampler.get(), d.ctx.get(), s.output_row);
            if (accept(s, tok)) {
                last_token[size_t(s.seq)] = tok;
            } else {
                release(s);
            }
        }
    }
    llama_memory_clear(d.mem(), false);
    return results;
}

}  // namespace rightsize
