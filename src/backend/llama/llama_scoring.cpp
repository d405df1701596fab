// loglikelihood and loglikelihood_rolling for the llama backend.
#include "llama_impl.h"

#include <rightsize/error.h>

#include <algorithm>
#include <limits>
#include <map>

namespace rightsize {

using namespace llama_detail;

namespace {

// The helpers take the backend's state as `const auto &` (or a template parameter): its type,
// LlamaBackend::Impl, is private to the class, so only the class's members can name it.

// One request after tokenisation: inputs are context + continuation minus its last token;
// the continuation's tokens are predicted by the outputs at positions n_ctx_tok-1 … end-1.
struct Encoded {
    std::vector<llama_token> context;
    std::vector<llama_token> continuation;
    bool truncated = false;
};

// A set of requests sharing one (tokenised) context: the context is decoded once, its tokens
// belonging to every member's sequence.
struct Group {
    const std::vector<llama_token> * context = nullptr;
    std::vector<size_t> members;
    int n_tokens() const;  // tokens this group feeds to the model
    const std::vector<Encoded> * enc = nullptr;
};

int Group::n_tokens() const {
    int n = int(context->size());
    for (size_t m : members) n += int((*enc)[m].continuation.size()) - 1;
    return n;
}

// Where an output row's logits go: the request, and the position (in context + continuation) of
// the token the row predicts.
struct Target {
    size_t request;
    size_t position;
};

// A common context prefix shorter than this is not worth its own sequence.
constexpr size_t kMinSharedPrefix = 16;

// lm-eval's pair encoding: trailing spaces of the context move to the continuation, the whole
// string is tokenised and the context's token count splits it.
Encoded encode_pair(const auto & d, const LoglikelihoodRequest & rq) {
    std::string context = rq.context;
    std::string continuation = rq.continuation;
    const size_t n_spaces = context.size() - std::min(context.size(), context.find_last_not_of(' ') + 1);
    if (n_spaces > 0 && !context.empty()) {
        continuation = context.substr(context.size() - n_spaces) + continuation;
        context.resize(context.size() - n_spaces);
    }
    // parse_special: a chat-templated context ("<|im_start|>user…") must reach the model as
    // its control tokens, as generate() sends prompts and as Hugging Face tokenizers (lm-eval)
    // encode text; as plain text the model would score the continuation after a template it
    // never saw in training.
    auto whole = d.tokenize(context + continuation, true, true);
    auto ctx_tok = d.tokenize(context, true, true);
    if (ctx_tok.empty()) {
        ctx_tok = {d.prefix_token()};
        whole.insert(whole.begin(), d.prefix_token());
    }
    const size_t split = std::min(ctx_tok.size(), whole.size());
    Encoded e;
    e.context.assign(whole.begin(), whole.begin() + long(split));
    e.continuation.assign(whole.begin() + long(split), whole.end());
    return e;
}

// Encodes every request and prepares its result: an empty continuation is trivially scored, one
// longer than the window is refused, and a context too long for the window loses tokens.
std::vector<Encoded> encode_requests(const auto & d, std::span<const LoglikelihoodRequest> requests, int window,
                                     std::vector<LoglikelihoodResult> & results) {
    std::vector<Encoded> enc(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        Encoded & e = enc[i];
        e = encode_pair(d, requests[i]);
        results[i].n_context_tokens = int(e.context.size());
        if (e.continuation.empty()) {  // nothing to score: log 1 = 0, trivially greedy
            results[i].is_greedy = true;
            continue;
        }
        if (int(e.continuation.size()) > window) {
            throw Error("loglikelihood request " + std::to_string(i) + ": the continuation has " +
                        std::to_string(e.continuation.size()) + " tokens, more than the context window (-c " +
                        std::to_string(window) + ")");
        }
        const int inputs = int(e.context.size() + e.continuation.size()) - 1;
        if (inputs > window) {  // left truncation keeps the tokens nearest the continuation
            e.context.erase(e.context.begin(), e.context.begin() + (inputs - window));
            e.truncated = true;
        }
        results[i].n_context_tokens = int(e.context.size());
        results[i].truncated = e.truncated;
        results[i].token_logprobs.assign(e.continuation.size(), 0.0f);
        results[i].tokens.assign(e.continuation.begin(), e.continuation.end());
        results[i].is_greedy = true;
    }
    return enc;
}

// Groups identical contexts, in first-seen order so results do not depend on map order. A
// group's context points into `enc`, which must outlive it.
std::vector<Group> group_by_context(const std::vector<Encoded> & enc) {
    std::map<std::vector<llama_token>, size_t> group_of;
    std::vector<Group> groups;
    for (size_t i = 0; i < enc.size(); ++i) {
        if (enc[i].continuation.empty()) continue;
        auto [it, fresh] = group_of.try_emplace(enc[i].context, groups.size());
        if (fresh) groups.push_back({&enc[i].context, {}, &enc});
        groups[it->second].members.push_back(i);
    }
    return groups;
}

// The contexts of one call often start with the same tokens (a task's description and fixed
// few-shot examples, a QA primer). Those are decoded once, on a sequence of their own that
// lives across passes, and every pass's sequences join its cells (llama_memory_seq_cp adds
// sequence ids to cells of the unified KV cache; nothing is copied). Each context's last
// token is always decoded in its own pass: its logits predict the first continuation token.
size_t shared_prefix_length(const std::vector<Group> & groups, int n_seq) {
    if (groups.empty() || n_seq <= 1) return 0;
    const auto & c0 = *groups[0].context;
    size_t shared = c0.size() - 1;
    for (const Group & g : groups) {
        const auto & c = *g.context;
        size_t k = 0;
        const size_t limit = std::min(shared, c.size() - 1);
        while (k < limit && c[k] == c0[k]) ++k;
        shared = k;
    }
    return shared < kMinSharedPrefix ? 0 : shared;
}

// Splits groups that need more sequences or tokens than one pass holds.
std::vector<Group> split_groups(const std::vector<Group> & groups, const std::vector<Encoded> & enc, int unit_seqs, int window) {
    std::vector<Group> units;
    for (const Group & g : groups) {
        Group cur{g.context, {}, &enc};
        for (size_t m : g.members) {
            Group trial = cur;
            trial.members.push_back(m);
            if (!cur.members.empty() && (int(trial.members.size()) > unit_seqs || trial.n_tokens() > window)) {
                units.push_back(cur);
                cur.members = {m};
            } else {
                cur = trial;
            }
        }
        units.push_back(cur);
    }
    return units;
}

// How one call's requests reach the model: the shared prefix once, then passes of whole units.
struct PassPlan {
    size_t shared = 0;                                  // tokens of the shared prefix (0: none)
    const std::vector<llama_token> * prefix = nullptr;  // a context that starts with them
    llama_seq_id prefix_seq = 0;                        // the sequence that holds them
    int unit_seqs = 0;                                  // sequences left to the passes
    int pass_tokens = 0;                                // tokens one pass may feed
    std::vector<Group> units;
};

PassPlan plan_passes(const std::vector<Group> & groups, const std::vector<Encoded> & enc, int n_seq, int window, int n_batch) {
    PassPlan plan;
    plan.shared = shared_prefix_length(groups, n_seq);
    if (plan.shared > 0) plan.prefix = groups[0].context;
    plan.prefix_seq = n_seq - 1;
    plan.unit_seqs = plan.shared > 0 ? n_seq - 1 : n_seq;
    plan.pass_tokens = std::min(window - int(plan.shared), n_batch);
    plan.units = split_groups(groups, enc, plan.unit_seqs, window);
    return plan;
}

// --exact: one plan per request, each its own context on one sequence with nothing shared, so a
// request's scores never depend on which other requests came in the same call.
std::vector<PassPlan> plans_one_request_each(const std::vector<Encoded> & enc, int n_batch) {
    std::vector<PassPlan> plans;
    for (size_t i = 0; i < enc.size(); ++i) {
        if (enc[i].continuation.empty()) continue;
        PassPlan p;
        p.unit_seqs = 1;
        p.pass_tokens = n_batch;
        p.units.push_back(Group{&enc[i].context, {i}, &enc});
        plans.push_back(std::move(p));
    }
    return plans;
}

// The end of the pass that starts at unit u: as many whole units as fit in the sequences and
// tokens, and always at least one.
size_t pass_end(const PassPlan & plan, size_t u) {
    int used_tokens = 0;
    int used_seqs = 0;
    size_t end = u;
    while (end < plan.units.size()) {
        const int t = plan.units[end].n_tokens() - int(plan.shared);
        const int s = int(plan.units[end].members.size());
        if (end > u && (used_tokens + t > plan.pass_tokens || used_seqs + s > plan.unit_seqs)) break;
        used_tokens += t;
        used_seqs += s;
        ++end;
    }
    return end;
}

// Where loglikelihood's rows go: the continuation tokens' log-probabilities and greediness.
struct ContinuationSink {
    const std::vector<Encoded> & enc;
    std::vector<LoglikelihoodResult> & results;
    int n_vocab;

    void write(const float * logits, float lse, llama_token best, const Target & t) {
        const size_t i = t.position - enc[t.request].context.size();
        const llama_token want = enc[t.request].continuation[i];
        results[t.request].token_logprobs[i] = logits[want] - lse;
        if (want != best) results[t.request].is_greedy = false;
    }
};

// The tokens of a call on their way to the model: rows that predict tokens remember their
// targets, and each decode hands those rows to the sink.
template <class Model, class Sink> class ScoringBatch {
public:
    ScoringBatch(const Model & d, Sink & sink) : d_(d), sink_(sink), batch_(d.n_batch(), d.n_seq_max()) {}

    // Adds one token; chunks the pass across decode calls when it exceeds n_batch.
    void push(llama_token tok, llama_pos pos, std::span<const llama_seq_id> seqs, std::vector<Target> targets) {
        if (batch_.size() == batch_.capacity()) flush();
        const bool output = !targets.empty();
        if (output) {
            row_index_.push_back(batch_.size());
            row_targets_.push_back(std::move(targets));
        }
        batch_.add(tok, pos, seqs, output);
    }

    void flush() {
        if (batch_.size() == 0) return;
        d_.decode(batch_, "scoring loglikelihood requests");
        for (size_t r = 0; r < row_targets_.size(); ++r) {
            // One normaliser and argmax per row, shared by every target on it.
            const float * logits = llama_get_logits_ith(d_.ctx.get(), row_index_[r]);
            const llama_token best = argmax(logits, d_.n_vocab);
            const float lse = log_sum_exp(logits, d_.n_vocab);
            for (const Target & t : row_targets_[r]) sink_.write(logits, lse, best, t);
        }
        batch_.clear();
        row_targets_.clear();
        row_index_.clear();
    }

private:
    const Model & d_;
    Sink & sink_;
    Batch batch_;
    std::vector<std::vector<Target>> row_targets_;  // per batch row with output
    std::vector<int32_t> row_index_;                // batch index of each output row
};

// Targets for every request at one position (echoed prompts score their context tokens too).
std::vector<Target> every_request(const std::vector<size_t> & requests, size_t position) {
    std::vector<Target> out;
    out.reserve(requests.size());
    for (size_t r : requests) out.push_back({r, position});
    return out;
}

// Decodes the shared prefix on its own sequence, where it stays for every pass. `echoed`: the
// requests whose prefix tokens are scored as well (none for loglikelihood).
template <class Batch> void decode_shared_prefix(Batch & batch, const PassPlan & plan, const std::vector<size_t> & echoed) {
    const auto & c0 = *plan.prefix;
    for (size_t p = 0; p < plan.shared; ++p) batch.push(c0[p], llama_pos(p), {&plan.prefix_seq, 1}, every_request(echoed, p + 1));
    batch.flush();
}

// Feeds one unit on sequences first_seq, first_seq + 1, … (one per member): the context once on
// all of them (after the shared prefix, whose cells they join), each continuation on its own.
// Returns the next free sequence. `echo`: every context token is scored, not only the last.
template <class Model, class Batch>
llama_seq_id feed_unit(const Model & d, Batch & batch, const PassPlan & plan, const Group & g, const std::vector<Encoded> & enc,
                       llama_seq_id first_seq, bool echo) {
    std::vector<llama_seq_id> seqs;
    llama_seq_id next_seq = first_seq;
    for (size_t j = 0; j < g.members.size(); ++j) seqs.push_back(next_seq++);
    if (plan.shared > 0) {
        for (llama_seq_id s : seqs) llama_memory_seq_cp(d.mem(), plan.prefix_seq, s, -1, -1);
    }
    const auto & ctx_tok = *g.context;
    for (size_t p = plan.shared; p < ctx_tok.size(); ++p) {
        const bool scored = echo || p + 1 == ctx_tok.size();
        batch.push(ctx_tok[p], llama_pos(p), seqs, scored ? every_request(g.members, p + 1) : std::vector<Target>{});
    }
    for (size_t j = 0; j < g.members.size(); ++j) {
        const auto & cont = enc[g.members[j]].continuation;
        for (size_t c = 0; c + 1 < cont.size(); ++c) {
            const size_t at = ctx_tok.size() + c;
            batch.push(cont[c], llama_pos(at), {&seqs[j], 1}, {{g.members[j], at + 1}});
        }
    }
    return next_seq;
}

// Decodes a plan: the shared prefix once, then passes of whole units; every pass's sequences are
// removed after it (the shared prefix stays). `echo`: every prompt token is scored.
template <class Model, class Batch> void run_passes(const Model & d, Batch & batch, const PassPlan & plan, const std::vector<Encoded> & enc, bool echo) {
    llama_memory_clear(d.mem(), false);
    if (plan.shared > 0) {
        std::vector<size_t> echoed;
        if (echo) {
            for (const Group & g : plan.units) echoed.insert(echoed.end(), g.members.begin(), g.members.end());
        }
        decode_shared_prefix(batch, plan, echoed);
    }
    for (size_t u = 0; u < plan.units.size();) {
        for (llama_seq_id s = 0; s < plan.unit_seqs; ++s) llama_memory_seq_rm(d.mem(), s, -1, -1);
        const size_t end = pass_end(plan, u);
        llama_seq_id next_seq = 0;
        for (size_t k = u; k < end; ++k) next_seq = feed_unit(d, batch, plan, plan.units[k], enc, next_seq, echo);
        batch.flush();
        u = end;
    }
    llama_memory_clear(d.mem(), false);
}

// Where score_prompts' rows go: every prompt token's log-probability (and top tokens), and the
// tokens after the prompt (the row of the prompt's last token predicts the placeholder).
struct PromptSink {
    std::span<const PromptScoreRequest> requests;
    std::vector<PromptScores> & scores;
    int n_vocab;

    void write(const float * logits, float lse, llama_token best, const Target & t) {
        const auto & rq = requests[t.request];
        auto & out = scores[t.request];
        if (t.position == rq.tokens.size()) {
            out.next = top(logits, lse, best, std::max(1, rq.top_logprobs));
            return;
        }
        out.token_logprobs[t.position] = logits[rq.tokens[t.position]] - lse;
        if (rq.top_logprobs > 0) out.top_logprobs[t.position] = top(logits, lse, best, rq.top_logprobs);
    }

    // The row's k most likely tokens; k = 1 (what lm-eval asks) is the argmax the batch already
    // found, so a context row shared by many prompts is not searched once per prompt.
    std::vector<TopLogprob> top(const float * logits, float lse, llama_token best, int k) const {
        if (k == 1) return {{best, logits[best] - lse}};
        return top_logprobs(logits, n_vocab, lse, k);
    }
};

size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
    const size_t n = std::min(a.size(), b.size());
    size_t k = 0;
    while (k < n && a[k] == b[k]) ++k;
    return k;
}

// Splits prompts into a context shared with others and the rest. In token order, prompts that share
// leading tokens are neighbours; a run of neighbours each sharing at least half of the shorter
// prompt (and kMinSharedPrefix tokens, or all but one) becomes one group whose context is the run's
// common prefix. Every context keeps at least one token and leaves each prompt at least one.
// The continuation ends with a placeholder: its row predicts what follows the prompt.
std::vector<Encoded> encode_prompts_shared(std::span<const PromptScoreRequest> requests) {
    std::vector<size_t> order(requests.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return std::lexicographical_compare(requests[a].tokens.begin(), requests[a].tokens.end(), requests[b].tokens.begin(),
                                            requests[b].tokens.end()) ||
               (requests[a].tokens == requests[b].tokens && a < b);
    });
    std::vector<Encoded> enc(requests.size());
    for (size_t start = 0; start < order.size();) {
        size_t shared = requests[order[start]].tokens.size() - 1;
        size_t end = start + 1;
        for (; end < order.size(); ++end) {
            const auto & x = requests[order[end - 1]].tokens;
            const auto & y = requests[order[end]].tokens;
            const size_t shorter = std::min(x.size(), y.size());
            const size_t l = std::min(common_prefix(x, y), shorter - 1);
            if (l < 1 || 2 * l < shorter || (l < kMinSharedPrefix && l + 1 < shorter)) break;
            shared = std::min(shared, l);
        }
        shared = std::max<size_t>(shared, 1);
        for (size_t k = start; k < end; ++k) {
            const auto & t = requests[order[k]].tokens;
            Encoded & e = enc[order[k]];
            e.context.assign(t.begin(), t.begin() + long(shared));
            e.continuation.assign(t.begin() + long(shared), t.end());
            e.continuation.push_back(0);  // the placeholder: never decoded
        }
        start = end;
    }
    return enc;
}

}  // namespace

std::vector<LoglikelihoodResult> LlamaBackend::loglikelihood(std::span<const LoglikelihoodRequest> requests) {
    Impl & d = *impl_;
    d.use_context(true, d.options.n_parallel);
    const int window = d.n_ctx();
    std::vector<LoglikelihoodResult> results(requests.size());
    const std::vector<Encoded> enc = encode_requests(d, requests, window, results);
    ContinuationSink sink{enc, results, d.n_vocab};
    ScoringBatch batch(d, sink);
    if (d.options.exact) {
        for (const PassPlan & alone : plans_one_request_each(enc, d.n_batch())) run_passes(d, batch, alone, enc, false);
    } else {
        run_passes(d, batch, plan_passes(group_by_context(enc), enc, d.n_seq_max(), window, d.n_batch()), enc, false);
    }

    for (auto & r : results) {
        double sum = 0.0;
        for (float lp : r.token_logprobs) sum += lp;
        r.logprob = sum;
    }
    return results;
}

std::vector<RollingResult> LlamaBackend::loglikelihood_rolling(std::span<const RollingRequest> requests) {
    Impl & d = *impl_;
    d.use_context(true, d.options.n_parallel);
    const int window = d.n_ctx();
    std::vector<RollingResult> results(requests.size());
    Batch batch(d.n_batch(), 1);
    const llama_seq_id seq0 = 0;

    for (size_t r = 0; r < requests.size(); ++r) {
        std::vector<llama_token> all = d.tokenize(requests[r].text, false, false);
        const int n = int(all.size());
        all.insert(all.begin(), d.prefix_token());  // all[i] predicts text token i
        RollingResult & out = results[r];
        for (int s = 0; s < n;) {
            const int e = std::min(s + window, n);
            const int a = std::max(0, e - window);
            llama_memory_clear(d.mem(), false);
            std::vector<std::pair<int32_t, int>> outputs;  // batch row, text token index
            batch.clear();
            auto run = [&]() {
                d.decode(batch, "scoring a rolling window");
                for (auto [row, tok] : outputs) {
                    out.logprob += token_logprob(llama_get_logits_ith(d.ctx.get(), row), d.n_vocab, all[size_t(tok) + 1]);
                    ++out.n_tokens;
                }
                outputs.clear();
                batch.clear();
            };
            for (int i = a; i < e; ++i) {
                if (batch.size() == batch.capacity()) run();
                const bool want = i >= s;
                if (want) outputs.emplace_back(batch.size(), i);
                batch.add(all[size_t(i)], llama_pos(i - a), {&seq0, 1}, want);
            }
            run();
            ++out.n_windows;
            s = e;
        }
    }
    llama_memory_clear(d.mem(), false);
    return results;
}

std::vector<PromptScores> LlamaBackend::score_prompts(std::span<const PromptScoreRequest> requests) {
    Impl & d = *impl_;
    d.use_context(true, d.options.n_parallel);
    const int window = d.n_ctx();
    std::vector<PromptScores> scores(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        const auto & t = requests[i].tokens;
        const std::string what = "prompt " + std::to_string(i);
        if (t.empty()) throw Error(what + " has no tokens");
        if (int(t.size()) > window) {
            throw Error(what + " has " + std::to_string(t.size()) + " tokens, more than the context window (-c " + std::to_string(window) + ")");
        }
        for (const int32_t id : t) {
            if (id < 0 || id >= d.n_vocab) {
                throw Error(what + ": token id " + std::to_string(id) + " is outside the vocabulary (0 to " + std::to_string(d.n_vocab - 1) + ")");
            }
        }
        scores[i].token_logprobs.assign(t.size(), std::numeric_limits<float>::quiet_NaN());
        if (requests[i].top_logprobs > 0) scores[i].top_logprobs.resize(t.size());
    }
    const std::vector<Encoded> enc = encode_prompts_shared(requests);
    const PassPlan plan = plan_passes(group_by_context(enc), enc, d.n_seq_max(), window, d.n_batch());
    PromptSink sink{requests, scores, d.n_vocab};
    ScoringBatch batch(d, sink);
    run_passes(d, batch, plan, enc, true);
    return scores;
}

}  // namespace rightsize
