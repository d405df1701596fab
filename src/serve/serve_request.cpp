// rightsize serve's request bodies (serve_request.h).
#include "serve_request.h"

#include <cmath>
#include <limits>

namespace rightsize::serve {

using nlohmann::json;

ApiError::ApiError(int status, std::string message, std::string param, std::string code)
    : std::runtime_error(std::move(message)), status_(status), param_(std::move(param)), code_(std::move(code)) {}

std::string ApiError::type() const {
    switch (status_) {
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 503: return "overloaded_error";
    default: return status_ >= 500 ? "server_error" : "invalid_request_error";
    }
}

json ApiError::body() const {
    return {{"error",
             {{"message", what()},
              {"type", type()},
              {"param", param_.empty() ? json() : json(param_)},
              {"code", code_.empty() ? json() : json(code_)}}}};
}

namespace {

[[noreturn]] void bad(const std::string & param, const std::string & problem, int status = 400) {
    throw ApiError(status, "'" + param + "' " + problem, param);
}

const json * field(const json & body, const char * key) {
    const auto it = body.find(key);
    return it == body.end() || it->is_null() ? nullptr : &*it;
}

bool boolean(const json & body, const char * key, bool fallback) {
    const json * v = field(body, key);
    if (!v) return fallback;
    if (!v->is_boolean()) bad(key, "must be true or false");
    return v->get<bool>();
}

// A whole number in [lo, hi]; JSON's 5.0 counts as 5 (Python clients send floats sometimes).
int64_t whole(const json & v, const std::string & param, int64_t lo, int64_t hi) {
    double d = 0;
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) bad(param, "is too large");
        d = double(v.get<int64_t>());
        if (v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
            bad(param, "must be from " + std::to_string(lo) + " to " + std::to_string(hi) + " (got " + v.dump() + ")");
        }
        return v.get<int64_t>();
    }
    if (!v.is_number()) bad(param, "must be a whole number");
    d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) bad(param, "must be a whole number (got " + v.dump() + ")");
    if (d < double(lo) || d > double(hi)) bad(param, "must be from " + std::to_string(lo) + " to " + std::to_string(hi) + " (got " + v.dump() + ")");
    return int64_t(d);
}

std::optional<int64_t> whole_at(const json & body, const char * key, int64_t lo, int64_t hi) {
    const json * v = field(body, key);
    if (!v) return std::nullopt;
    return whole(*v, key, lo, hi);
}

float real_at(const json & body, const char * key, float fallback, double lo, double hi) {
    const json * v = field(body, key);
    if (!v) return fallback;
    if (!v->is_number()) bad(key, "must be a number");
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) bad(key, "must be from " + std::to_string(lo).substr(0, 4) + " to " + std::to_string(hi).substr(0, 4));
    return float(d);
}

std::string text_at(const json & v, const std::string & param) {
    if (!v.is_string()) bad(param, "must be text");
    return v.get<std::string>();
}

std::vector<int32_t> token_list(const json & v, const std::string & param) {
    std::vector<int32_t> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) out.push_back(int32_t(whole(v[i], param + "[" + std::to_string(i) + "]", 0, std::numeric_limits<int32_t>::max())));
    return out;
}

// OpenAI's four prompt forms: text, a list of texts, token ids, a list of token-id lists.
std::vector<Prompt> prompts_of(const json & body) {
    const json * p = field(body, "prompt");
    if (!p) bad("prompt", "is required");
    if (p->is_string()) return {{p->get<std::string>(), {}, false}};
    if (!p->is_array()) bad("prompt", "must be text, a list of texts, a list of token ids or a list of such lists");
    if (p->empty()) bad("prompt", "is an empty list");
    if ((*p)[0].is_number()) return {{"", token_list(*p, "prompt"), true}};
    std::vector<Prompt> out;
    for (size_t i = 0; i < p->size(); ++i) {
        const json & e = (*p)[i];
        const std::string param = "prompt[" + std::to_string(i) + "]";
        if (e.is_string()) {
            out.push_back({e.get<std::string>(), {}, false});
        } else if (e.is_array()) {
            if (e.empty()) bad(param, "is an empty list of token ids");
            out.push_back({"", token_list(e, param), true});
        } else {
            bad(param, "must be text or a list of token ids");
        }
    }
    return out;
}

std::vector<std::string> stops_of(const json & body) {
    const json * s = field(body, "stop");
    if (!s) return {};
    if (s->is_string()) return {s->get<std::string>()};
    if (!s->is_array()) bad("stop", "must be text or a list of texts");
    if (s->size() > 16) bad("stop", "has more than 16 entries");
    std::vector<std::string> out;
    for (size_t i = 0; i < s->size(); ++i) out.push_back(text_at((*s)[i], "stop[" + std::to_string(i) + "]"));
    return out;
}

Sampling sampling_of(const json & body, const char * max_tokens_key) {
    Sampling s;
    if (const json * m = field(body, "model")) s.model = text_at(*m, "model");
    if (const auto n = whole_at(body, max_tokens_key, 0, 1 << 24)) s.max_tokens = int(*n);
    s.temperature = real_at(body, "temperature", 1.0f, 0.0, 2.0);
    s.top_p = real_at(body, "top_p", 1.0f, 0.0, 1.0);
    if (s.top_p <= 0.0f) bad("top_p", "must be greater than 0");
    if (const auto k = whole_at(body, "top_k", -1, 1 << 20)) s.top_k = int(std::max<int64_t>(0, *k));
    if (const auto seed = whole_at(body, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())) {
        s.seed = uint32_t(uint64_t(*seed));
    }
    s.stop = stops_of(body);
    s.stream = boolean(body, "stream", false);
    if (const json * o = field(body, "stream_options")) {
        if (!o->is_object()) bad("stream_options", "must be an object");
        if (!s.stream) bad("stream_options", "is only allowed when 'stream' is true");
        s.include_usage = boolean(*o, "include_usage", false);
    }
    s.ignore_eos = boolean(body, "ignore_eos", false);
    if (const auto t = whole_at(body, "truncate_prompt_tokens", 1, 1 << 24)) s.truncate_prompt_tokens = int(*t);
    if (const auto n = whole_at(body, "n", 1, 1 << 20); n && *n != 1) bad("n", "must be 1: rightsize serve returns one choice per prompt");
    if (const auto b = whole_at(body, "best_of", 1, 1 << 20); b && *b != 1) bad("best_of", "must be 1");
    return s;
}

const json & object_body(const json & body) {
    if (!body.is_object()) throw ApiError(400, "the request body must be a JSON object");
    return body;
}

std::vector<ChatMessage> messages_of(const json & list) {
    if (!list.is_array() || list.empty()) bad("messages", "must be a non-empty list of {role, content} objects");
    std::vector<ChatMessage> out;
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string param = "messages[" + std::to_string(i) + "]";
        const json & m = list[i];
        if (!m.is_object()) bad(param, "must be an object with 'role' and 'content'");
        const json * role = field(m, "role");
        if (!role) bad(param + ".role", "is required");
        ChatMessage msg{text_at(*role, param + ".role"), ""};
        const json * content = field(m, "content");
        if (content && content->is_string()) {
            msg.content = content->get<std::string>();
        } else if (content && content->is_array()) {  // [{"type": "text", "text": …}, …]
            for (size_t k = 0; k < content->size(); ++k) {
                const std::string part = param + ".content[" + std::to_string(k) + "]";
                const json & c = (*content)[k];
                if (!c.is_object() || !field(c, "type") || (*field(c, "type")) != "text") bad(part, "must be a {\"type\": \"text\", \"text\": …} part (only text is served)", 422);
                msg.content += text_at(c.contains("text") ? c["text"] : json(), part + ".text");
            }
        } else if (content) {
            bad(param + ".content", "must be text or a list of text parts");
        }
        out.push_back(std::move(msg));
    }
    return out;
}

}  // namespace

json parse_body(const std::string & body) {
    if (body.empty()) throw ApiError(400, "the request has no body; send a JSON object");
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) throw ApiError(400, "the request body is not valid JSON (UTF-8 text with one object)");
    return j;
}

CompletionRequest parse_completion_request(const json & body) {
    object_body(body);
    CompletionRequest r;
    r.prompts = prompts_of(body);
    if (r.prompts.size() > 4096) bad("prompt", "has more than 4096 prompts", 413);
    r.sampling = sampling_of(body, "max_tokens");
    r.echo = boolean(body, "echo", false);
    if (const json * lp = field(body, "logprobs")) {
        if (lp->is_boolean()) bad("logprobs", "must be a whole number (the top-k count) for completions");
        r.logprobs = int(whole(*lp, "logprobs", 0, kMaxTopLogprobs));
    }
    if (r.sampling.max_tokens == 0 && !r.echo) bad("max_tokens", "may be 0 only with \"echo\": true");
    if (r.sampling.max_tokens < 0) r.sampling.max_tokens = 16;  // OpenAI's default for completions
    return r;
}

ChatRequest parse_chat_request(const json & body) {
    object_body(body);
    ChatRequest r;
    const json * m = field(body, "messages");
    if (!m) bad("messages", "is required");
    r.messages = messages_of(*m);
    r.sampling = sampling_of(body, field(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
    if (r.sampling.max_tokens == 0) bad("max_tokens", "must be at least 1");
    r.logprobs = boolean(body, "logprobs", false);
    if (const auto k = whole_at(body, "top_logprobs", 0, kMaxTopLogprobs)) {
        if (!r.logprobs) bad("top_logprobs", "needs \"logprobs\": true");
        r.top_logprobs = int(*k);
    }
    return r;
}

TokenizeRequest parse_tokenize_request(const json & body) {
    object_body(body);
    TokenizeRequest r;
    if (const json * m = field(body, "messages")) {
        r.messages = messages_of(*m);
        r.is_chat = true;
        r.add_generation_prompt = boolean(body, "add_generation_prompt", true);
        r.add_special = boolean(body, "add_special_tokens", false);  // vLLM's default for chat
    } else if (const json * p = field(body, "prompt")) {  // vLLM
        r.text = text_at(*p, "prompt");
        r.add_special = boolean(body, "add_special_tokens", true);
    } else if (const json * c = field(body, "content")) {  // llama-server
        r.text = text_at(*c, "content");
        r.add_special = boolean(body, "add_special", false);
    } else {
        bad("prompt", "is required (or 'messages', or llama-server's 'content')");
    }
    r.parse_special = boolean(body, "parse_special", true);
    return r;
}

std::vector<int32_t> parse_detokenize_request(const json & body) {
    object_body(body);
    const json * t = field(body, "tokens");
    if (!t) bad("tokens", "is required");
    if (!t->is_array()) bad("tokens", "must be a list of token ids");
    return token_list(*t, "tokens");
}

}  // namespace rightsize::serve
