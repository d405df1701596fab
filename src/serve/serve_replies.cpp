// rightsize serve's reply shapes (serve_impl.h): OpenAI's completions and chat objects.
#include "serve_impl.h"

#include "../core/utf8.h"

#include <cmath>

namespace rightsize::serve {

using nlohmann::json;

const char * finish_reason(FinishReason f) { return f == FinishReason::Length ? "length" : "stop"; }

json usage_json(uint64_t prompt_tokens, uint64_t completion_tokens) {
    return {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}, {"total_tokens", prompt_tokens + completion_tokens}};
}

namespace {

// A token's text as JSON: invalid UTF-8 (half of a multi-byte character) is replaced, since a JSON
// string must be valid text; the exact bytes travel in chat's "bytes".
json token_string(const std::string & text) {
    size_t replaced = 0;
    return utf8_replace_invalid(text, replaced);
}

json bytes_of(const std::string & text) {
    json out = json::array();
    for (unsigned char c : text) out.push_back(int(c));
    return out;
}

}  // namespace

void LegacyLogprobs::add(const State & st, int32_t token, float logprob, const std::vector<TopLogprob> * top, int k) {
    const std::string text = st.backend.token_text(token);
    tokens.push_back(token_string(text));
    text_offset.push_back(offset);
    offset += text.size();
    if (std::isnan(logprob)) {  // the first prompt token: nothing before it to predict it
        token_logprobs.push_back(nullptr);
        top_logprobs.push_back(nullptr);
        return;
    }
    token_logprobs.push_back(logprob);
    json entries = json::object();
    if (top && k > 0) {
        for (const TopLogprob & t : *top) {
            const std::string key = token_string(st.backend.token_text(t.token)).get<std::string>();
            if (!entries.contains(key)) entries[key] = t.logprob;  // equal texts: the likelier one
        }
    }
    // The chosen token is always among them (OpenAI's and vLLM's convention), even when less likely.
    const std::string own = tokens.back().get<std::string>();
    if (!entries.contains(own)) entries[own] = logprob;
    top_logprobs.push_back(std::move(entries));
}

json LegacyLogprobs::to_json() const {
    return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top_logprobs}, {"text_offset", text_offset}};
}

json chat_logprob(const State & st, int32_t token, float logprob, const std::vector<TopLogprob> & top) {
    const std::string text = st.backend.token_text(token);
    json tops = json::array();
    for (const TopLogprob & t : top) {
        const std::string tt = st.backend.token_text(t.token);
        tops.push_back({{"token", token_string(tt)}, {"logprob", t.logprob}, {"bytes", bytes_of(tt)}});
    }
    return {{"token", token_string(text)}, {"logprob", logprob}, {"bytes", bytes_of(text)}, {"top_logprobs", tops}};
}

std::string sse(const json & j) { return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n"; }

}  // namespace rightsize::serve
