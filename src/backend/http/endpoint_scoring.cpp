// Loglikelihood requests through an OpenAI-compatible endpoint (endpoint_backend.h): the echo
// route (the prompt's own log-probabilities, as lm-eval's local-completions reads them) and, for a
// server that does not echo them, the next-token route for one-token continuations.
#include "endpoint_impl.h"

#include <algorithm>
#include <cmath>

namespace rightsize {

using nlohmann::json;

namespace {

constexpr int kTopK = 20;  // the top log-probabilities asked first (vLLM's default cap)

}  // namespace

std::vector<EndpointBackend::Impl::Split> EndpointBackend::Impl::split_all(std::span<const LoglikelihoodRequest> requests) {
    // lm-eval's split: the whole text's tokens, the context's own tokens, the rest is the
    // continuation. Each distinct context is tokenized once (a multiple-choice document's choices
    // share theirs).
    std::map<std::string, size_t> context_tokens;
    std::mutex m;
    std::vector<std::string> contexts;
    for (const auto & r : requests) {
        if (context_tokens.emplace(r.context, 0).second) contexts.push_back(r.context);
    }
    in_parallel(contexts.size(), o.concurrency, [&](size_t i) {
        const size_t n = tokens(contexts[i], true, false).size();
        std::lock_guard lock(m);
        context_tokens[contexts[i]] = n;
    });
    std::vector<Split> out(requests.size());
    in_parallel(requests.size(), o.concurrency, [&](size_t i) {
        out[i].text = requests[i].context + requests[i].continuation;
        out[i].whole = tokens(out[i].text, true, false);
        out[i].n_context = std::min(context_tokens.at(requests[i].context), out[i].whole.size() - std::min<size_t>(out[i].whole.size(), 1));
    });
    return out;
}

LoglikelihoodResult EndpointBackend::Impl::score_echo(const Split & s) {
    // As lm-eval's local-completions asks: max_tokens 1 (llama-cpp-python reads 0 as "fill the
    // context"), the generated token ignored.
    const std::string where = api->base().url("/completions");
    json body = with_server_fields({{"model", name}, {"prompt", text_prompts ? json(s.text) : json(s.whole)}, {"max_tokens", 1},
                                    {"echo", true}, {"logprobs", 1}, {"temperature", 0}});
    if (echo == 2) body["prompt_logprobs"] = 1;  // vLLM's extension, asked only of a server that answered it
    HttpReply r = api->post("/completions", body.dump());
    if ((r.status == 400 || r.status == 422) && !text_prompts) {
        // A server that takes only text prompts (llama-cpp-python): it tokenizes the text as its
        // /extras/tokenize did, so the split point stands.
        body["prompt"] = s.text;
        r = api->post("/completions", body.dump());
        if (r.status >= 200 && r.status < 300) text_prompts = true;
    }
    if (r.status < 200 || r.status >= 300) fail(*api, "/completions", r, "the server must accept prompts with echo and logprobs");
    const json reply = parse_reply_json(r.body, where);
    if (!echo_checked.exchange(true)) check_echo(s, reply);
    return score_echoed_prompt(reply, s.whole, s.n_context, where);
}

void EndpointBackend::Impl::check_echo(const Split & s, const json & reply) {
    // The log-probability the echo gives a prompt token must be the one the server gives it as the
    // next token after the tokens before it. A server whose echo is misaligned (llama-cpp-python 0.3
    // reports each token under the distribution after it) would give every score wrong, silently.
    const std::string where = api->base().url("/completions");
    const json & choice = reply.at("choices").at(0);
    if (!choice.contains("logprobs") || !choice["logprobs"].is_object() || !choice["logprobs"].contains("token_logprobs")) return;
    const TokenLogprobs lp = parse_token_logprobs(choice, where);
    int tries = 0;
    for (size_t p = std::min(s.whole.size(), lp.token_logprobs.size()); p-- > 1 && tries < 4;) {
        if (!lp.token_logprobs[p]) continue;
        const std::vector<int32_t> prefix(s.whole.begin(), s.whole.begin() + long(p));
        json prompt = prefix;
        if (text_prompts) {  // the prefix as text, when the server reads it back as the same tokens
            const std::string text = detokenize_ids(prefix);
            if (tokens(text, true, false) != prefix) continue;
            prompt = text;
        }
        ++tries;
        const auto top = next_token_logprobs(prompt, kTopK);
        const auto it = std::find_if(top.begin(), top.end(), [&](const TopToken & t) {
            return t.id ? *t.id == s.whole[p] : t.text == piece(s.whole[p]);
        });
        if (it == top.end()) continue;  // not among the top: another position is tried
        if (std::fabs(it->logprob - *lp.token_logprobs[p]) > 0.05) {
            throw MisalignedEcho(where + ": the server's echoed prompt log-probabilities disagree with its own next-token ones (token " +
                                 std::to_string(p) + " '" + lp.tokens[p] + "': " + std::to_string(*lp.token_logprobs[p]) + " echoed, " +
                                 std::to_string(it->logprob) + " as the next token): its echo is misaligned (llama-cpp-python 0.3's is "
                                 "shifted by one token), so every score read from it would be wrong. Use a server whose echo is right "
                                 "(vLLM; for a GGUF, rightsize serve), or run the GGUF in-process");
        }
        return;
    }
}

std::vector<TopToken> EndpointBackend::Impl::next_token_logprobs(const json & context, int top_k) {
    // "logprobs" is the OpenAI field; llama-server reads "n_probs" on its own routes.
    json body = {{"model", name}, {"prompt", context}, {"max_tokens", 1}, {"logprobs", top_k}, {"temperature", 0}};
    if (llama_server) body["n_probs"] = top_k;
    body = with_server_fields(std::move(body));
    const json reply = post_json(*api, "/completions", body, "the next-token route asks max_tokens 1 with \"logprobs\": " + std::to_string(top_k));
    return parse_next_token_logprobs(reply, api->base().url("/completions"));
}

std::vector<LoglikelihoodResult> EndpointBackend::Impl::score_next_token(std::span<const LoglikelihoodRequest> requests,
                                                                         std::span<const Split> splits) {
    // One request per distinct context; every choice is read from its top log-probabilities,
    // asking for the whole vocabulary when a choice is not among the first kTopK.
    std::map<std::vector<int32_t>, std::vector<size_t>> by_context;
    for (size_t i = 0; i < splits.size(); ++i) {
        by_context[std::vector<int32_t>(splits[i].whole.begin(), splits[i].whole.begin() + long(splits[i].n_context))].push_back(i);
    }
    std::vector<std::pair<const std::vector<int32_t>, std::vector<size_t>> *> groups;
    for (auto & g : by_context) groups.push_back(&g);
    std::vector<LoglikelihoodResult> out(requests.size());
    in_parallel(groups.size(), o.concurrency, [&](size_t gi) {
        const auto & [context, members] = *groups[gi];
        // A server that reads text prompts only (llama-cpp-python) gets the context as text.
        const json prompt = text_prompts ? json(detokenize_ids(context)) : json(context);
        std::vector<TopToken> top = next_token_logprobs(prompt, kTopK);
        const auto find = [&](int32_t id) -> const TopToken * {
            for (const auto & t : top) {
                if (t.id ? *t.id == id : t.text == piece(id)) return &t;
            }
            return nullptr;
        };
        const bool all_found = std::all_of(members.begin(), members.end(), [&](size_t i) { return find(splits[i].whole.back()); });
        if (!all_found && facts.n_vocab > kTopK) top = next_token_logprobs(prompt, facts.n_vocab);
        double best = -std::numeric_limits<double>::infinity();
        for (const auto & t : top) best = std::max(best, t.logprob);
        for (const size_t i : members) {
            const int32_t id = splits[i].whole.back();
            const TopToken * t = find(id);
            if (!t) {
                throw Error(api->base().url("/completions") + ": the continuation '" + requests[i].continuation +
                            "' (token " + std::to_string(id) + ") is not among the " + std::to_string(top.size()) +
                            " top log-probabilities the server returns, so the next-token route cannot score it; use a server "
                            "that echoes prompt log-probabilities (vLLM; for a GGUF, rightsize serve) or run the GGUF in-process");
            }
            LoglikelihoodResult & r = out[i];
            r.logprob = t->logprob;
            r.token_logprobs = {float(t->logprob)};
            r.tokens = {id};
            r.is_greedy = t->logprob >= best;
            r.n_context_tokens = int(splits[i].n_context);
            r.route = "next-token";
        }
    });
    return out;
}

std::vector<LoglikelihoodResult> EndpointBackend::loglikelihood(std::span<const LoglikelihoodRequest> requests) {
    auto & d = *impl_;
    if (d.template_as_transcript) {
        throw Error(d.root->base().url("/apply-template") + ": the server cannot render its chat template as text, so a "
                    "chat-mode prompt to score (--apply-chat-template with a multiple-choice or perplexity task) cannot be "
                    "built exactly; run such tasks without --apply-chat-template, or generation tasks (sent as messages to "
                    "/v1/chat/completions)");
    }
    const std::vector<Impl::Split> splits = d.split_all(requests);
    std::vector<LoglikelihoodResult> out(requests.size());
    const bool single = std::all_of(splits.begin(), splits.end(), [](const Impl::Split & s) { return s.single_token(); });
    if (d.echo != 0 && !requests.empty()) {
        try {
            out[0] = d.score_echo(splits[0]);  // the first request tells whether the server echoes
            if (d.echo == -1) d.echo = 1;
            in_parallel(requests.size() - 1, d.o.concurrency, [&](size_t i) { out[i + 1] = d.score_echo(splits[i + 1]); });
            return out;
        } catch (const MisalignedEcho & e) {
            // Never read again; one-token choices can still be scored from the next token's
            // log-probabilities, which the check found right.
            d.echo = 0;
            d.misaligned_echo = e.what();
            if (!single) throw;
            if (d.o.on_note) {
                d.o.on_note(d.name + ": the server's echoed prompt log-probabilities are misaligned (so never read); these choices "
                            "are single tokens, scored from the top log-probabilities of the next token instead (labelled "
                            "next-token in the samples and results.json)");
            }
        } catch (const NoPromptLogprobs &) {
            d.echo = 0;
            try {  // vLLM answers its own "prompt_logprobs" where echo gives none; one request tells
                d.echo = 2;
                out[0] = d.score_echo(splits[0]);
            } catch (const Error &) {  // not answered, or the field refused: neither route works here
                d.echo = 0;
            }
            if (d.echo == 2) {
                in_parallel(requests.size() - 1, d.o.concurrency, [&](size_t i) { out[i + 1] = d.score_echo(splits[i + 1]); });
                return out;
            }
            if (single && d.o.on_note) {
                d.o.on_note(d.name + ": the server does not echo prompt log-probabilities; these choices are single tokens, so "
                            "they are scored from the top log-probabilities of the next token (labelled next-token in the samples "
                            "and results.json; the same numbers, when every choice is among them)");
            }
        }
    }
    if (!single && !d.misaligned_echo.empty()) throw Error(d.misaligned_echo);
    for (size_t i = 0; i < splits.size(); ++i) {
        if (!splits[i].single_token()) {
            throw Error(d.api->base().url("/completions") + ": the server does not return the prompt's log-probabilities (\"echo\": "
                        "true with \"logprobs\"), and the continuation '" + requests[i].continuation + "' is " +
                        std::to_string(splits[i].whole.size() - splits[i].n_context) +
                        " tokens, so the next-token route (one-token choices) cannot score it either. Use a server that echoes "
                        "them (vLLM; for a GGUF, rightsize serve) or run the GGUF in-process; generation tasks work on this server");
        }
    }
    return d.score_next_token(requests, splits);
}

std::vector<RollingResult> EndpointBackend::loglikelihood_rolling(std::span<const RollingRequest> requests) {
    // One window per text: the whole text conditioned on nothing but the BOS the tokenizer adds.
    std::vector<LoglikelihoodRequest> asked;
    for (const auto & r : requests) asked.push_back({"", r.text});
    const auto scored = loglikelihood(asked);
    std::vector<RollingResult> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        out[i].logprob = scored[i].logprob;
        out[i].n_tokens = int(scored[i].token_logprobs.size());
        out[i].n_windows = 1;
    }
    return out;
}

}  // namespace rightsize
