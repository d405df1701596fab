// Replies of OpenAI-compatible servers (openai_reply.h).
#include "openai_reply.h"

#include <rightsize/error.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace rightsize {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string & where, const std::string & field, const std::string & what) {
    throw Error(where + ": the reply's " + field + " " + what + "; is this an OpenAI-compatible server (the URL up to /v1)?");
}

const json & member(const json & j, const char * key, const std::string & where, const std::string & path) {
    const auto it = j.find(key);
    if (it == j.end()) bad(where, path + "." + key, "is missing");
    return *it;
}

std::string text_or_null(const json & j, const std::string & where, const std::string & path) {
    if (j.is_null()) return "";
    if (!j.is_string()) bad(where, path, std::string("is ") + j.type_name() + ", not a string");
    return j.get<std::string>();
}

CompletionPiece piece_of(const json & c, size_t i, bool chat, const std::string & where) {
    const std::string path = "choices[" + std::to_string(i) + "]";
    if (!c.is_object()) bad(where, path, std::string("is ") + c.type_name() + ", not an object");
    CompletionPiece p;
    p.index = i;
    if (const auto idx = c.find("index"); idx != c.end()) {
        if (!idx->is_number_unsigned()) bad(where, path + ".index", "is not a non-negative integer");
        p.index = idx->get<size_t>();
    }
    if (chat) {
        const char * holder = c.contains("delta") ? "delta" : "message";
        const json & m = member(c, holder, where, path);
        if (!m.is_object()) bad(where, path + "." + holder, "is not an object");
        if (m.contains("content")) p.text = text_or_null(m["content"], where, path + "." + holder + ".content");
    } else {
        p.text = text_or_null(member(c, "text", where, path), where, path + ".text");
    }
    if (const auto f = c.find("finish_reason"); f != c.end() && !f->is_null()) {
        if (!f->is_string()) bad(where, path + ".finish_reason", "is not a string");
        p.finish_reason = f->get<std::string>();
    }
    return p;
}

long count_of(const json & u, const char * key, const std::string & where) {
    const auto it = u.find(key);
    if (it == u.end() || it->is_null()) return 0;
    if (!it->is_number_integer() || it->get<long>() < 0) bad(where, std::string("usage.") + key, "is not a non-negative integer");
    return it->get<long>();
}

}  // namespace

json parse_reply_json(const std::string & text, const std::string & where) {
    try {
        return json::parse(text);
    } catch (const json::exception & e) {  // parse_error, or out_of_range for a number beyond a double
        const std::string head = text.substr(0, 120);
        throw Error(where + ": the reply is not JSON that rightsize can read (" + std::string(e.what()) + "): " + head +
                    (text.size() > 120 ? "…" : ""));
    }
}

CompletionReply parse_completion(const json & reply, bool chat, const std::string & where) {
    if (!reply.is_object()) bad(where, "top level", std::string("is ") + reply.type_name() + ", not an object");
    if (const auto e = reply.find("error"); e != reply.end() && !e->is_null()) {
        const auto m = e->is_object() ? e->find("message") : e->end();
        const std::string message = e->is_object() && m != e->end() && m->is_string() ? m->get<std::string>() : e->dump();
        throw Error(where + ": the server answered with an error: " + message);
    }
    CompletionReply r;
    const json & choices = member(reply, "choices", where, "reply");
    if (!choices.is_array()) bad(where, "choices", "is not a list");
    for (size_t i = 0; i < choices.size(); ++i) r.choices.push_back(piece_of(choices[i], i, chat, where));
    if (const auto u = reply.find("usage"); u != reply.end() && !u->is_null()) {
        if (!u->is_object()) bad(where, "usage", "is not an object");
        r.usage = CompletionUsage{count_of(*u, "prompt_tokens", where), count_of(*u, "completion_tokens", where),
                                  count_of(*u, "total_tokens", where)};
    }
    if (const auto t = reply.find("timings"); t != reply.end() && t->is_object()) r.timings = *t;
    return r;
}

TokenLogprobs parse_token_logprobs(const json & choice, const std::string & where) {
    const json & lp = member(choice, "logprobs", where, "choices[0]");
    if (!lp.is_object()) bad(where, "choices[0].logprobs", "is not an object (did the server ignore \"logprobs\"?)");
    TokenLogprobs out;
    const json & tokens = member(lp, "tokens", where, "choices[0].logprobs");
    const json & values = member(lp, "token_logprobs", where, "choices[0].logprobs");
    if (!tokens.is_array() || !values.is_array()) bad(where, "choices[0].logprobs.tokens/token_logprobs", "are not lists");
    if (tokens.size() != values.size()) bad(where, "choices[0].logprobs", "has lists of tokens and token_logprobs of different lengths");
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string path = "choices[0].logprobs.token_logprobs[" + std::to_string(i) + "]";
        if (!tokens[i].is_string()) bad(where, "choices[0].logprobs.tokens[" + std::to_string(i) + "]", "is not a string");
        out.tokens.push_back(tokens[i].get<std::string>());
        if (values[i].is_null()) out.token_logprobs.push_back(std::nullopt);
        else if (values[i].is_number()) out.token_logprobs.push_back(values[i].get<double>());
        else bad(where, path, "is neither a number nor null");
    }
    if (const auto top = lp.find("top_logprobs"); top != lp.end() && top->is_array()) {
        for (size_t i = 0; i < top->size(); ++i) {
            std::vector<std::pair<std::string, double>> alts;
            const json & t = (*top)[i];
            if (t.is_object()) {
                for (const auto & [tok, v] : t.items()) {
                    if (!v.is_number()) bad(where, "choices[0].logprobs.top_logprobs[" + std::to_string(i) + "]", "holds a value that is not a number");
                    alts.emplace_back(tok, v.get<double>());
                }
            } else if (!t.is_null()) {
                bad(where, "choices[0].logprobs.top_logprobs[" + std::to_string(i) + "]", "is neither an object nor null");
            }
            out.top_logprobs.push_back(std::move(alts));
        }
    }
    if (const auto off = lp.find("text_offset"); off != lp.end() && off->is_array()) {
        for (const auto & o : *off) {
            if (!o.is_number_integer()) bad(where, "choices[0].logprobs.text_offset", "holds a value that is not an integer");
            out.text_offset.push_back(o.get<long>());
        }
    }
    return out;
}

namespace {

// A count the models entry gives (llama-server's meta): absent or null is 0; anything but a
// non-negative integer within `max` is an error naming the field.
uint64_t entry_count(const json & j, const char * key, uint64_t max, const std::string & where, const std::string & path) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return 0;
    if (!it->is_number_unsigned() || it->get<uint64_t>() > max) {
        bad(where, path + "." + key, "is not a whole number from 0 to " + std::to_string(max));
    }
    return it->get<uint64_t>();
}

const json & object_reply(const json & reply, const std::string & where) {
    if (!reply.is_object()) bad(where, "top level", std::string("is ") + reply.type_name() + ", not an object");
    return reply;
}

}  // namespace

ModelsList parse_models(const json & reply, const std::string & wanted, const std::string & where) {
    const json & data = member(object_reply(reply, where), "data", where, "reply");
    if (!data.is_array() || data.empty()) {
        throw Error(where + ": the reply has no list of models in \"data\"; is this an OpenAI-compatible server?");
    }
    ModelsList out;
    for (size_t i = 0; i < data.size(); ++i) {
        const json & m = data[i];
        const std::string path = "data[" + std::to_string(i) + "]";
        if (!m.is_object()) bad(where, path, std::string("is ") + m.type_name() + ", not an object");
        const std::string id = text_or_null(member(m, "id", where, path), where, path + ".id");
        out.ids.push_back(id);
        if (out.entry.is_null() && !id.empty() && (wanted.empty() || id == wanted)) {
            out.entry = m;
            out.id = id;
        }
    }
    return out;
}

void read_served_facts(const json & entry, ModelFacts & facts, const std::string & where) {
    constexpr uint64_t int_max = uint64_t(std::numeric_limits<int>::max());
    facts.n_ctx_train = int(entry_count(entry, "max_model_len", int_max, where, "data[]"));  // vLLM
    if (const auto o = entry.find("owned_by"); o != entry.end() && o->is_string()) facts.description += " (" + o->get<std::string>() + ")";
    const auto meta = entry.find("meta");  // llama-server describes the GGUF
    if (meta == entry.end() || meta->is_null()) return;
    if (!meta->is_object()) bad(where, "data[].meta", "is not an object");
    const std::string path = "data[].meta";
    facts.n_params = entry_count(*meta, "n_params", std::numeric_limits<uint64_t>::max(), where, path);
    facts.file_bytes = entry_count(*meta, "size", std::numeric_limits<uint64_t>::max(), where, path);
    if (const uint64_t n = entry_count(*meta, "n_ctx_train", int_max, where, path)) facts.n_ctx_train = int(n);
    facts.n_embd = int(entry_count(*meta, "n_embd", int_max, where, path));
    facts.n_vocab = int(entry_count(*meta, "n_vocab", int_max, where, path));
}

std::vector<int32_t> parse_tokenize(const json & reply, const std::string & where) {
    const json & tokens = member(object_reply(reply, where), "tokens", where, "reply");
    if (!tokens.is_array()) bad(where, "tokens", "is not a list");
    std::vector<int32_t> out;
    out.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        const json & t = tokens[i];
        // llama-server answers {"id", "piece"} objects when asked with_pieces; rightsize never asks.
        if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
            bad(where, "tokens[" + std::to_string(i) + "]", "is not a token id (a whole number from 0 to 2147483647)");
        }
        out.push_back(t.get<int32_t>());
    }
    return out;
}

std::string parse_detokenize(const json & reply, const std::string & where) {
    const json & j = object_reply(reply, where);
    for (const char * key : {"content", "prompt", "text"}) {  // llama-server, vLLM, llama-cpp-python
        if (const auto it = j.find(key); it != j.end()) return text_or_null(*it, where, key);
    }
    bad(where, "content (llama-server), prompt (vLLM) or text (llama-cpp-python)", "is missing");
}

std::string parse_applied_template(const json & reply, const std::string & where) {
    const json & prompt = member(object_reply(reply, where), "prompt", where, "reply");
    if (!prompt.is_string()) bad(where, "prompt", "is not text");
    return prompt.get<std::string>();
}

namespace {

// The result for the tokens after the first n_context of `whole`, before their log-probabilities.
LoglikelihoodResult continuation_of(std::span<const int32_t> whole, size_t n_context) {
    LoglikelihoodResult out;
    out.n_context_tokens = int(n_context);
    out.tokens.assign(whole.begin() + long(n_context), whole.end());
    out.is_greedy = true;
    return out;
}

// vLLM's "prompt_logprobs": per prompt token (the first null) an object keyed by token id, each
// {"logprob", "rank", "decoded_token"}, holding the prompt's own token and the top alternatives.
LoglikelihoodResult score_prompt_logprobs(const json & pl, std::span<const int32_t> whole, size_t n_context, const std::string & where) {
    if (pl.size() < whole.size()) {
        bad(where, "choices[0].prompt_logprobs", "has " + std::to_string(pl.size()) + " entries for a prompt of " + std::to_string(whole.size()) + " tokens");
    }
    n_context = std::min(n_context, whole.size());
    LoglikelihoodResult out = continuation_of(whole, n_context);
    for (size_t k = n_context; k < whole.size(); ++k) {
        const std::string path = "choices[0].prompt_logprobs[" + std::to_string(k) + "]";
        if (!pl[k].is_object()) bad(where, path, "is not an object of token ids");
        const auto it = pl[k].find(std::to_string(whole[k]));
        if (it == pl[k].end() || !it->is_object()) bad(where, path, "does not hold the prompt's token " + std::to_string(whole[k]));
        const auto v = it->find("logprob");
        if (v == it->end() || !v->is_number() || !(v->get<double>() <= 0)) bad(where, path + ".logprob", "is not a log-probability (a number <= 0)");
        out.token_logprobs.push_back(float(v->get<double>()));
        out.logprob += v->get<double>();
        if (const auto rank = it->find("rank"); rank != it->end() && rank->is_number_integer() && rank->get<long>() != 1) out.is_greedy = false;
    }
    return out;
}

}  // namespace

LoglikelihoodResult score_echoed_prompt(const json & reply, std::span<const int32_t> whole, size_t n_context, const std::string & where) {
    const CompletionReply c = parse_completion(reply, false, where);
    if (c.choices.empty()) bad(where, "choices", "is empty");
    const json & choice = reply["choices"][0];
    if (const auto pl = choice.find("prompt_logprobs"); pl != choice.end() && pl->is_array()) {
        return score_prompt_logprobs(*pl, whole, n_context, where);  // vLLM's own shape, when asked for it
    }
    const auto lp_it = choice.find("logprobs");
    if (lp_it == choice.end() || !lp_it->is_object() || !lp_it->contains("token_logprobs") ||
        !(*lp_it)["token_logprobs"].is_array() || (*lp_it)["token_logprobs"].size() < whole.size()) {
        throw NoPromptLogprobs(where + ": the server does not return the prompt's log-probabilities (\"echo\": true with \"logprobs\"), as "
                    "llama-server, Ollama and TGI do not; multiple-choice and perplexity tasks (loglikelihood requests) cannot be "
                    "scored through it, generation tasks can. Use a server that echoes them (vLLM) or run the GGUF in-process");
    }
    const TokenLogprobs lp = parse_token_logprobs(choice, where);
    n_context = std::min(n_context, whole.size());
    LoglikelihoodResult out = continuation_of(whole, n_context);
    for (size_t k = n_context; k < whole.size(); ++k) {
        const std::string path = "choices[0].logprobs.token_logprobs[" + std::to_string(k) + "]";
        if (!lp.token_logprobs[k]) bad(where, path, "is null, but it is a continuation token's");
        if (!(*lp.token_logprobs[k] <= 0.0)) bad(where, path, "is not a log-probability (a number <= 0)");
        out.token_logprobs.push_back(float(*lp.token_logprobs[k]));
        out.logprob += *lp.token_logprobs[k];
        if (k < lp.top_logprobs.size() && !lp.top_logprobs[k].empty()) {
            const auto best = std::max_element(lp.top_logprobs[k].begin(), lp.top_logprobs[k].end(),
                                               [](const auto & a, const auto & b) { return a.second < b.second; });
            if (best->first != lp.tokens[k] && best->second > *lp.token_logprobs[k]) out.is_greedy = false;
        }
    }
    return out;
}

std::vector<TopToken> parse_next_token_logprobs(const json & reply, const std::string & where) {
    const CompletionReply c = parse_completion(reply, false, where);
    if (c.choices.empty()) bad(where, "choices", "is empty");
    const json & lp = member(reply["choices"][0], "logprobs", where, "choices[0]");
    if (!lp.is_object()) bad(where, "choices[0].logprobs", "is not an object (did the server ignore \"logprobs\"?)");
    std::vector<TopToken> out;
    const auto number = [&](const json & v, const std::string & path) {
        if (!v.is_number() || !(v.get<double>() <= 0)) bad(where, path, "is not a log-probability (a number <= 0)");
        return v.get<double>();
    };
    if (const auto content = lp.find("content"); content != lp.end()) {  // the chat shape
        if (!content->is_array() || content->empty() || !(*content)[0].is_object()) bad(where, "choices[0].logprobs.content", "is not a list of tokens");
        const json & top = member((*content)[0], "top_logprobs", where, "choices[0].logprobs.content[0]");
        if (!top.is_array()) bad(where, "choices[0].logprobs.content[0].top_logprobs", "is not a list");
        for (size_t i = 0; i < top.size(); ++i) {
            const std::string path = "choices[0].logprobs.content[0].top_logprobs[" + std::to_string(i) + "]";
            if (!top[i].is_object()) bad(where, path, "is not an object");
            TopToken t;
            t.text = text_or_null(member(top[i], "token", where, path), where, path + ".token");
            t.logprob = number(member(top[i], "logprob", where, path), path + ".logprob");
            if (const auto id = top[i].find("id"); id != top[i].end()) {
                if (!id->is_number_integer() || id->get<int64_t>() < 0 || id->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
                    bad(where, path + ".id", "is not a token id");
                }
                t.id = id->get<int32_t>();
            }
            out.push_back(std::move(t));
        }
        return out;
    }
    const json & top = member(lp, "top_logprobs", where, "choices[0].logprobs");  // the legacy shape
    if (!top.is_array() || top.empty() || !top[0].is_object()) bad(where, "choices[0].logprobs.top_logprobs", "is not a list of objects");
    for (const auto & [token, v] : top[0].items()) {
        out.push_back({std::nullopt, token, number(v, "choices[0].logprobs.top_logprobs[0]." + token)});
    }
    return out;
}

CompletionStream::CompletionStream(bool chat, std::string where, OnText on_text)
    : chat_(chat), where_(std::move(where)), on_text_(std::move(on_text)), sse_([this](const SseEvent & e) { event(e); }) {}

double CompletionStream::ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
}

void CompletionStream::event(const SseEvent & e) {
    if (done_) bad(where_, "stream", "goes on after \"data: [DONE]\"");
    if (e.data == "[DONE]") {
        done_ = true;
        return;
    }
    const CompletionReply c = parse_completion(parse_reply_json(e.data, where_), chat_, where_);
    if (c.usage) usage_ = c.usage;
    if (c.timings.is_object()) read_timings(c.timings);
    for (const auto & p : c.choices) {
        if (p.index != 0) bad(where_, "choices[].index", "is " + std::to_string(p.index) + ", but one completion was asked for");
        if (!p.text.empty()) {
            const double t = ms();
            if (chunks_with_text_++ == 0) result_.ttft_ms = t;
            result_.token_times_ms.push_back(t);
            result_.text += p.text;
            if (on_text_) on_text_(p.text, t);
        }
        if (p.finish_reason) finish_ = p.finish_reason;
    }
}

void CompletionStream::read_timings(const json & t) {
    // llama-server's final chunk: prompt_n, prompt_ms, predicted_n, predicted_ms (and rates).
    const auto number = [&](const char * key) -> std::optional<double> {
        const auto it = t.find(key);
        if (it == t.end() || it->is_null()) return std::nullopt;
        if (!it->is_number() || !(it->get<double>() >= 0) || !std::isfinite(it->get<double>())) bad(where_, std::string("timings.") + key, "is not a non-negative number");
        return it->get<double>();
    };
    const auto prompt_ms = number("prompt_ms"), predicted_ms = number("predicted_ms");
    const auto prompt_n = number("prompt_n"), predicted_n = number("predicted_n");
    if (prompt_ms) result_.server_prompt_ms = *prompt_ms;
    if (predicted_ms) result_.server_predicted_ms = *predicted_ms;
    if (prompt_n) result_.server_prompt_tokens = int(std::min(*prompt_n, 2e9));
    if (predicted_n) result_.server_predicted_tokens = int(std::min(*predicted_n, 2e9));
}

GenerateResult CompletionStream::finish() {
    sse_.finish();  // an event left open by a cut stream is read (and is an error if incomplete)
    if (!done_ && !finish_) throw Error(where_ + ": the stream ended before the completion finished (no finish_reason, no [DONE])");
    result_.e2e_ms = ms();
    result_.finish = finish_ && *finish_ == "length" ? FinishReason::Length : FinishReason::Stop;
    result_.n_generated_tokens = usage_ ? int(std::min<long>(usage_->completion_tokens, std::numeric_limits<int>::max()))
                                        : int(chunks_with_text_);
    result_.n_prompt_tokens = usage_ ? int(std::min<long>(usage_->prompt_tokens, std::numeric_limits<int>::max())) : 0;
    return std::move(result_);
}

}  // namespace rightsize
