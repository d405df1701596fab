// Replies of OpenAI-compatible servers (openai_reply.h).
#include "openai_reply.h"

#include <rightsize/error.h>

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
    } catch (const json::parse_error & e) {
        const std::string head = text.substr(0, 120);
        throw Error(where + ": the reply is not JSON (" + std::string(e.what()) + "): " + head + (text.size() > 120 ? "…" : ""));
    }
}

CompletionReply parse_completion(const json & reply, bool chat, const std::string & where) {
    if (!reply.is_object()) bad(where, "top level", std::string("is ") + reply.type_name() + ", not an object");
    if (const auto e = reply.find("error"); e != reply.end() && !e->is_null()) {
        const std::string message = e->is_object() ? e->value("message", e->dump()) : e->dump();
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

}  // namespace rightsize
