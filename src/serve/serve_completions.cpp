// rightsize serve's generating routes: /v1/completions and /v1/chat/completions (serve_impl.h).
#include "serve_impl.h"

#include <rightsize/error.h>

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>

namespace rightsize::serve {

using nlohmann::json;

namespace {

// The results of one request's generations (one per prompt), for a reply sent when all are done.
struct Gather {
    std::mutex mu;
    std::condition_variable cv;
    size_t remaining;
    std::vector<GenerateResult> results;
    std::string error;
    explicit Gather(size_t n) : remaining(n), results(n) {}
    void done(size_t i, GenerateResult && r, const std::string & e) {
        std::lock_guard lock(mu);
        if (!e.empty() && error.empty()) error = e;
        results[i] = std::move(r);
        --remaining;
        cv.notify_all();
    }
    void wait() {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return remaining == 0; });
    }
};

// A streamed reply's events on their way from the engine thread to the HTTP worker that writes them.
struct Channel {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> events;
    size_t open_choices = 0;
    std::atomic<bool> gone{false};  // the client went away: generation stops at the next token
    json usage_tail;                // sent before [DONE] when stream_options.include_usage
    uint64_t prompt_tokens = 0, completion_tokens = 0;
    std::string error;

    void push(std::string e) {
        {
            std::lock_guard lock(mu);
            events.push_back(std::move(e));
        }
        cv.notify_all();
    }
    // Waits for the next event; false when every choice has ended and everything was taken.
    bool next(std::string & out) {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !events.empty() || open_choices == 0; });
        if (events.empty()) return false;
        out = std::move(events.front());
        events.pop_front();
        return true;
    }
};

void record_timing(State & st, const GenerateResult & r) {
    st.metrics.tokens(uint64_t(r.n_prompt_tokens), uint64_t(r.n_generated_tokens));
    if (r.token_times_ms.empty()) return;
    st.metrics.first_token(r.ttft_ms / 1000.0);
    for (size_t i = 1; i < r.token_times_ms.size(); ++i) st.metrics.inter_token((r.token_times_ms[i] - r.token_times_ms[i - 1]) / 1000.0);
}

GenerateRequest generation_of(const Sampling & s, std::vector<int32_t> tokens, int max_tokens, int top_logprobs) {
    GenerateRequest g;
    g.prompt_tokens = std::move(tokens);
    g.until = s.stop;
    g.max_tokens = max_tokens;
    g.sampling.temperature = s.temperature;
    g.sampling.top_p = s.top_p;
    g.sampling.top_k = s.top_k;
    g.sampling.seed = s.seed ? *s.seed : std::random_device{}();
    g.ignore_eos = s.ignore_eos;
    g.top_logprobs = top_logprobs;
    return g;
}

void check_generation_fits(const State & st, size_t prompt, int max_tokens, const std::string & param) {
    const int window = st.engine.sequence_window();
    if (int(prompt) + max_tokens > window) {
        throw ApiError(400, "this server's sequences hold " + std::to_string(window) + " tokens (-c / -np); the request asks for " +
                                std::to_string(prompt) + " prompt tokens and " + std::to_string(max_tokens) +
                                " to generate; shorten the prompt, lower max_tokens, or restart with a larger -c or smaller -np",
                       param, "context_length_exceeded");
    }
}

// Generations for every prompt, each reply part delivered to `done(i, result, error)`.
void start(State & st, std::vector<GenerateRequest> gens, const std::function<bool(const StreamEvent &, size_t)> & on_token,
           const std::function<void(size_t, GenerateResult &&, const std::string &)> & done) {
    for (size_t i = 0; i < gens.size(); ++i) {
        EngineJob job;
        job.request = std::move(gens[i]);
        if (on_token) job.on_token = [on_token, i](const StreamEvent & ev) { return on_token(ev, i); };
        job.on_done = [&st, done, i](GenerateResult && r, const std::string & error) {
            if (error.empty()) record_timing(st, r);
            done(i, std::move(r), error);
        };
        st.engine.generate(std::move(job));
    }
}

// The one greedy token after a scored prompt (echo with max_tokens 1 and temperature 0: what
// lm-eval's local-completions asks), taken from the scoring pass instead of a generation.
GenerateResult next_token_result(const State & st, const PromptScores & s, int max_tokens, const std::vector<std::string> & stop) {
    GenerateResult r;
    if (max_tokens < 1 || s.next.empty()) return r;
    const int32_t tok = s.next[0].token;
    r.tokens = {tok};
    r.token_logprobs = {s.next[0].logprob};
    r.top_logprobs = {s.next};
    r.n_generated_tokens = 1;
    r.finish = FinishReason::Length;
    if (st.backend.is_end_of_generation(tok)) {
        r.finish = FinishReason::EndOfGeneration;
        return r;
    }
    r.text = st.backend.detokenize(std::span<const int32_t>(&tok, 1));
    for (const auto & x : stop) {
        if (const size_t at = x.empty() ? std::string::npos : r.text.find(x); at != std::string::npos) {
            r.text.resize(at);
            r.finish = FinishReason::Stop;
        }
    }
    return r;
}

struct CompletionPrompt {
    std::vector<int32_t> tokens;
    std::string text;                    // as sent, or the ids detokenised
    const PromptScores * scores = nullptr;  // with echo and logprobs
};

json completion_choice(const State & st, const CompletionRequest & rq, size_t i, const CompletionPrompt & p, const GenerateResult & g) {
    json choice = {{"index", i}, {"text", (rq.echo ? p.text : std::string()) + g.text}, {"finish_reason", finish_reason(g.finish)}};
    if (rq.logprobs < 0) {
        choice["logprobs"] = nullptr;
        return choice;
    }
    LegacyLogprobs lp;
    if (rq.echo && p.scores) {
        for (size_t t = 0; t < p.tokens.size(); ++t) {
            const auto * top = t < p.scores->top_logprobs.size() ? &p.scores->top_logprobs[t] : nullptr;
            lp.add(st, p.tokens[t], p.scores->token_logprobs[t], top, rq.logprobs);
        }
    }
    for (size_t t = 0; t < g.tokens.size(); ++t) {
        const auto * top = t < g.top_logprobs.size() ? &g.top_logprobs[t] : nullptr;
        lp.add(st, g.tokens[t], g.token_logprobs[t], top, rq.logprobs);
    }
    choice["logprobs"] = lp.to_json();
    return choice;
}

json completion_object(State & st, const std::string & id, const json & choices, const json & usage) {
    json j = {{"id", id}, {"object", "text_completion"}, {"created", std::time(nullptr)}, {"model", st.model_name}, {"choices", choices}};
    if (!usage.is_null()) j["usage"] = usage;
    return j;
}

std::vector<CompletionPrompt> completion_prompts(State & st, const CompletionRequest & rq) {
    std::vector<CompletionPrompt> out;
    for (size_t i = 0; i < rq.prompts.size(); ++i) {
        const Prompt & p = rq.prompts[i];
        const std::string param = rq.prompts.size() == 1 ? "prompt" : "prompt[" + std::to_string(i) + "]";
        CompletionPrompt cp;
        cp.tokens = st.prompt_tokens(p, param, rq.sampling.truncate_prompt_tokens);
        if (rq.echo) cp.text = p.is_tokens ? st.backend.detokenize(cp.tokens) : p.text;
        out.push_back(std::move(cp));
    }
    return out;
}

std::vector<PromptScores> score_echoed(State & st, const CompletionRequest & rq, const std::vector<CompletionPrompt> & prompts) {
    std::vector<PromptScoreRequest> asks;
    for (size_t i = 0; i < prompts.size(); ++i) {
        if (int(prompts[i].tokens.size()) > st.n_ctx) {
            throw ApiError(400, "the prompt has " + std::to_string(prompts[i].tokens.size()) + " tokens, more than the context window (" +
                                    std::to_string(st.n_ctx) + ", -c); shorten it or send truncate_prompt_tokens",
                           rq.prompts.size() == 1 ? "prompt" : "prompt[" + std::to_string(i) + "]", "context_length_exceeded");
        }
        asks.push_back({prompts[i].tokens, std::max(0, rq.logprobs)});
    }
    auto scores = st.engine.score(std::move(asks));
    uint64_t n = 0;
    for (const auto & p : prompts) n += p.tokens.size();
    st.metrics.tokens(n, 0);
    return scores;
}

void reply_json(httplib::Response & res, const json & j) {
    res.status = 200;
    res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// A streamed reply: `begin` sends the first events and starts the work; the HTTP worker writes the
// events as they come; when the client goes away, generation stops at its next token.
void stream_reply(httplib::Response & res, const std::shared_ptr<Channel> & ch) {
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [ch](size_t, httplib::DataSink & sink) {
        std::string event;
        if (ch->next(event)) {
            if (!sink.write(event.data(), event.size())) ch->gone = true;
            return !ch->gone.load();
        }
        std::string tail;
        if (!ch->error.empty()) tail += sse(ApiError(500, ch->error).body());
        if (!ch->usage_tail.is_null()) {
            ch->usage_tail["usage"] = usage_json(ch->prompt_tokens, ch->completion_tokens);
            tail += sse(ch->usage_tail);
        }
        tail += "data: [DONE]\n\n";
        sink.write(tail.data(), tail.size());
        sink.done();
        return true;
    });
}

void finish_choice(Channel & ch, const std::string & error, const GenerateResult & r, json chunk) {
    {
        std::lock_guard lock(ch.mu);
        if (!error.empty() && ch.error.empty()) ch.error = error;
        ch.completion_tokens += uint64_t(r.n_generated_tokens);
        if (error.empty()) ch.events.push_back(sse(chunk));
        --ch.open_choices;
    }
    ch.cv.notify_all();
}

void stream_completions(State & st, const CompletionRequest & rq, const std::vector<CompletionPrompt> & prompts,
                        std::vector<GenerateRequest> gens, httplib::Response & res) {
    auto ch = std::make_shared<Channel>();
    const std::string id = st.new_id("cmpl-");
    ch->open_choices = prompts.size();
    for (const auto & p : prompts) ch->prompt_tokens += p.tokens.size();
    if (rq.sampling.include_usage) ch->usage_tail = completion_object(st, id, json::array(), nullptr);
    for (size_t i = 0; i < prompts.size() && rq.echo; ++i) {
        json echoed = completion_choice(st, rq, i, prompts[i], {});  // the prompt first, as vLLM streams it
        echoed["finish_reason"] = nullptr;
        ch->push(sse(completion_object(st, id, json::array({echoed}), nullptr)));
    }
    auto on_token = [&st, ch, id, rq](const StreamEvent & ev, size_t i) {
        json c = {{"index", i}, {"text", std::string(ev.piece)}, {"finish_reason", nullptr}, {"logprobs", nullptr}};
        if (rq.logprobs >= 0 && ev.so_far && !ev.so_far->tokens.empty()) {
            LegacyLogprobs lp;
            const auto & r = *ev.so_far;
            lp.add(st, r.tokens.back(), r.token_logprobs.back(), r.top_logprobs.empty() ? nullptr : &r.top_logprobs.back(), rq.logprobs);
            c["logprobs"] = lp.to_json();
        }
        ch->push(sse(completion_object(st, id, json::array({c}), nullptr)));
        return !ch->gone.load();
    };
    auto done = [&st, ch, id](size_t i, GenerateResult && r, const std::string & error) {
        json c = {{"index", i}, {"text", ""}, {"finish_reason", finish_reason(r.finish)}, {"logprobs", nullptr}};
        finish_choice(*ch, error, r, completion_object(st, id, json::array({c}), nullptr));
    };
    start(st, std::move(gens), on_token, done);
    stream_reply(res, ch);
}

}  // namespace

void handle_completions(State & st, const httplib::Request & req, httplib::Response & res) {
    const CompletionRequest rq = parse_completion_request(parse_body(req.body));
    st.check_model(rq.sampling.model);
    std::vector<CompletionPrompt> prompts = completion_prompts(st, rq);
    const int max_tokens = rq.sampling.max_tokens;
    // lm-eval's loglikelihood request: echo, logprobs, temperature 0, one token (or none) after.
    const bool from_scores = rq.echo && rq.logprobs >= 0 && (max_tokens == 0 || (max_tokens == 1 && rq.sampling.temperature == 0));
    std::vector<PromptScores> scores;
    if (rq.echo && rq.logprobs >= 0) scores = score_echoed(st, rq, prompts);
    for (size_t i = 0; i < scores.size(); ++i) prompts[i].scores = &scores[i];
    std::vector<GenerateResult> results(prompts.size());
    if (from_scores) {
        for (size_t i = 0; i < prompts.size(); ++i) results[i] = next_token_result(st, scores[i], max_tokens, rq.sampling.stop);
    }
    std::vector<GenerateRequest> gens;
    if (!from_scores) {
        for (size_t i = 0; i < prompts.size(); ++i) {
            check_generation_fits(st, prompts[i].tokens.size(), max_tokens, "max_tokens");
            gens.push_back(generation_of(rq.sampling, prompts[i].tokens, max_tokens, rq.logprobs));
        }
    }
    if (rq.sampling.stream && !from_scores) return stream_completions(st, rq, prompts, std::move(gens), res);
    if (!from_scores) {
        auto gather = std::make_shared<Gather>(gens.size());
        start(st, std::move(gens), {}, [gather](size_t i, GenerateResult && r, const std::string & e) { gather->done(i, std::move(r), e); });
        gather->wait();
        if (!gather->error.empty()) throw Error(gather->error);
        results = std::move(gather->results);
    }
    json choices = json::array();
    uint64_t prompt_n = 0, completion_n = 0;
    for (size_t i = 0; i < prompts.size(); ++i) {
        choices.push_back(completion_choice(st, rq, i, prompts[i], results[i]));
        prompt_n += prompts[i].tokens.size();
        completion_n += uint64_t(results[i].n_generated_tokens);
    }
    const std::string id = st.new_id("cmpl-");
    if (!rq.sampling.stream) return reply_json(res, completion_object(st, id, choices, usage_json(prompt_n, completion_n)));
    auto ch = std::make_shared<Channel>();  // scored: the whole answer in one event
    ch->push(sse(completion_object(st, id, choices, nullptr)));
    if (rq.sampling.include_usage) ch->usage_tail = completion_object(st, id, json::array(), nullptr);
    ch->prompt_tokens = prompt_n;
    ch->completion_tokens = completion_n;
    stream_reply(res, ch);
}

namespace {

json chat_object(State & st, const std::string & id, const char * object, const json & choices, const json & usage) {
    json j = {{"id", id}, {"object", object}, {"created", std::time(nullptr)}, {"model", st.model_name}, {"choices", choices}};
    if (!usage.is_null()) j["usage"] = usage;
    return j;
}

json chat_logprobs(const State & st, const GenerateResult & r) {
    json content = json::array();
    for (size_t t = 0; t < r.tokens.size(); ++t) {
        if (t + 1 == r.tokens.size() && r.finish == FinishReason::EndOfGeneration) break;  // not part of the message
        content.push_back(chat_logprob(st, r.tokens[t], r.token_logprobs[t], t < r.top_logprobs.size() ? r.top_logprobs[t] : std::vector<TopLogprob>{}));
    }
    return {{"content", content}};
}

void stream_chat(State & st, const ChatRequest & rq, GenerateRequest gen, httplib::Response & res) {
    auto ch = std::make_shared<Channel>();
    const std::string id = st.new_id("chatcmpl-");
    ch->open_choices = 1;
    ch->prompt_tokens = gen.prompt_tokens.size();
    if (rq.sampling.include_usage) ch->usage_tail = chat_object(st, id, "chat.completion.chunk", json::array(), nullptr);
    json first = {{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
    ch->push(sse(chat_object(st, id, "chat.completion.chunk", json::array({first}), nullptr)));
    const bool logprobs = rq.logprobs;
    auto on_token = [&st, ch, id, logprobs](const StreamEvent & ev, size_t) {
        json c = {{"index", 0}, {"delta", {{"content", std::string(ev.piece)}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
        if (logprobs && ev.so_far && !ev.so_far->tokens.empty()) {
            const auto & r = *ev.so_far;
            c["logprobs"] = {{"content", json::array({chat_logprob(st, r.tokens.back(), r.token_logprobs.back(),
                                                                   r.top_logprobs.empty() ? std::vector<TopLogprob>{} : r.top_logprobs.back())})}};
        }
        ch->push(sse(chat_object(st, id, "chat.completion.chunk", json::array({c}), nullptr)));
        return !ch->gone.load();
    };
    auto done = [&st, ch, id](size_t, GenerateResult && r, const std::string & error) {
        json c = {{"index", 0}, {"delta", json::object()}, {"logprobs", nullptr}, {"finish_reason", finish_reason(r.finish)}};
        finish_choice(*ch, error, r, chat_object(st, id, "chat.completion.chunk", json::array({c}), nullptr));
    };
    std::vector<GenerateRequest> gens;
    gens.push_back(std::move(gen));
    start(st, std::move(gens), on_token, done);
    stream_reply(res, ch);
}

}  // namespace

void handle_chat(State & st, const httplib::Request & req, httplib::Response & res) {
    const ChatRequest rq = parse_chat_request(parse_body(req.body));
    st.check_model(rq.sampling.model);
    std::string rendered;
    try {
        rendered = st.backend.apply_chat_template(rq.messages, true);
    } catch (const Error & e) {
        throw ApiError(400, std::string("the model's chat template could not render these messages: ") + e.what(), "messages");
    }
    Prompt p{rendered, {}, false};
    std::vector<int32_t> tokens = st.prompt_tokens(p, "messages", rq.sampling.truncate_prompt_tokens);
    int max_tokens = rq.sampling.max_tokens;
    if (max_tokens < 0) max_tokens = std::max(1, st.engine.sequence_window() - int(tokens.size()));  // vLLM: what is left
    check_generation_fits(st, tokens.size(), max_tokens, "max_tokens");
    GenerateRequest gen = generation_of(rq.sampling, std::move(tokens), max_tokens, rq.logprobs ? rq.top_logprobs : -1);
    if (rq.sampling.stream) return stream_chat(st, rq, std::move(gen), res);
    const size_t prompt_n = gen.prompt_tokens.size();
    auto gather = std::make_shared<Gather>(1);
    std::vector<GenerateRequest> gens;
    gens.push_back(std::move(gen));
    start(st, std::move(gens), {}, [gather](size_t i, GenerateResult && r, const std::string & e) { gather->done(i, std::move(r), e); });
    gather->wait();
    if (!gather->error.empty()) throw Error(gather->error);
    const GenerateResult & r = gather->results[0];
    json choice = {{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", r.text}}},
                   {"logprobs", rq.logprobs ? chat_logprobs(st, r) : json()},
                   {"finish_reason", finish_reason(r.finish)}};
    reply_json(res, chat_object(st, st.new_id("chatcmpl-"), "chat.completion", json::array({choice}), usage_json(prompt_n, uint64_t(r.n_generated_tokens))));
}

}  // namespace rightsize::serve
