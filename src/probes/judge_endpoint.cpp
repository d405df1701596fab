// The endpoint judge: the choice asked of a model behind an OpenAI-compatible chat-completions API
// (llama-server, vLLM, Ollama, TGI, hosted APIs), with retries for transient failures and errors
// that say which URL and which field failed.
#include <rightsize/error.h>
#include "probes/judge.h"
#include "backend/http/http_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

namespace rightsize {

namespace {

using nlohmann::json;

std::string snippet(const std::string & body) {
    std::string s = body.substr(0, 300);
    for (char & c : s) if (c == '\n' || c == '\r') c = ' ';
    return body.size() > 300 ? s + "…" : s;
}

std::string trimmed(std::string s) {
    const auto ws = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!s.empty() && ws(s.back())) s.pop_back();
    size_t b = 0;
    while (b < s.size() && ws(s[b])) ++b;
    return s.substr(b);
}

// The margin from an OpenAI logprobs block: find the token holding the reply's deciding digit;
// when that token is the digit alone (spaces aside) and the other digit is among its top
// alternatives, margin = log P("1") − log P("2") at that position. Anything else: unknown.
std::optional<double> logprob_margin(const json & choice, const std::string & content, size_t digit_at) {
    const auto lp = choice.find("logprobs");
    if (lp == choice.end() || !lp->is_object()) return std::nullopt;
    const auto tokens = lp->find("content");
    if (tokens == lp->end() || !tokens->is_array()) return std::nullopt;
    size_t offset = 0;
    for (const auto & t : *tokens) {
        if (!t.is_object() || !t.contains("token") || !t["token"].is_string() || !t.contains("logprob") ||
            !t["logprob"].is_number()) {
            return std::nullopt;
        }
        const std::string text = t["token"].get<std::string>();
        if (content.compare(offset, text.size(), text) != 0) return std::nullopt;  // tokens do not spell the reply
        if (digit_at >= offset + text.size()) {
            offset += text.size();
            continue;
        }
        const std::string digit = trimmed(text);
        if (digit != "1" && digit != "2") return std::nullopt;
        const std::string other = digit == "1" ? "2" : "1";
        std::optional<double> best_other;
        if (t.contains("top_logprobs") && t["top_logprobs"].is_array()) {
            for (const auto & alt : t["top_logprobs"]) {
                if (!alt.is_object() || !alt.contains("token") || !alt["token"].is_string() || !alt.contains("logprob") ||
                    !alt["logprob"].is_number() || trimmed(alt["token"].get<std::string>()) != other) {
                    continue;
                }
                const double v = alt["logprob"].get<double>();
                if (!best_other || v > *best_other) best_other = v;
            }
        }
        if (!best_other) return std::nullopt;
        const double chosen = t["logprob"].get<double>();
        return digit == "1" ? chosen - *best_other : *best_other - chosen;
    }
    return std::nullopt;
}

class EndpointJudge final : public Judge {
public:
    explicit EndpointJudge(const EndpointJudgeOptions & o)
        : o_(o), client_(parse_api_base(o.base_url, "judge endpoint", {"/chat/completions"}), http_options(o)),
          url_(client_.base().url("/chat/completions")), logprobs_(o.logprobs) {
        if (o_.model.empty()) throw Error("judge endpoint " + url_ + ": the model name is empty (the request's \"model\")");
        if (o_.name.empty()) o_.name = o_.model;
        if (o_.timeout_s < 1 || o_.retries < 0 || o_.max_tokens < 1 || o_.parallel < 1 || o_.backoff_s < 0) {
            throw Error("judge endpoint " + url_ + ": timeout_s, max_tokens and parallel must be at least 1, retries and "
                        "backoff_s not negative");
        }
    }

    const std::string & name() const override { return o_.name; }

    std::vector<JudgeDecision> decide(std::span<const JudgePrompt> prompts) override {
        std::vector<JudgeDecision> out(prompts.size());
        const size_t n_threads = std::min(prompts.size(), size_t(o_.parallel));
        if (n_threads <= 1) {
            for (size_t i = 0; i < prompts.size(); ++i) out[i] = ask(prompts[i]);
            return out;
        }
        // Workers take the next prompt until none is left or one has failed; the first failure
        // is rethrown here once all have stopped.
        std::atomic<size_t> next{0};
        std::atomic<bool> failed{false};
        std::exception_ptr error;
        std::mutex error_mutex;
        std::vector<std::thread> workers;
        for (size_t w = 0; w < n_threads; ++w) {
            workers.emplace_back([&] {
                for (size_t i; !failed && (i = next++) < prompts.size();) {
                    try {
                        out[i] = ask(prompts[i]);
                    } catch (...) {
                        std::lock_guard lock(error_mutex);
                        if (!error) error = std::current_exception();
                        failed = true;
                    }
                }
            });
        }
        for (auto & w : workers) w.join();
        if (error) std::rethrow_exception(error);
        return out;
    }

private:
    json request_body(const JudgePrompt & p, bool with_logprobs) const {
        json messages = json::array();
        for (const auto & m : judge_messages(p)) messages.push_back({{"role", m.role}, {"content", m.content}});
        json body = {{"model", o_.model},
                     {"messages", messages},
                     {"temperature", 0},
                     {"max_tokens", o_.max_tokens},
                     {"seed", o_.seed},
                     {"stream", false}};
        if (with_logprobs) {
            body["logprobs"] = true;
            body["top_logprobs"] = 5;
        }
        return body;
    }

    JudgeDecision ask(const JudgePrompt & p) {
        for (;;) {
            const bool with_logprobs = logprobs_;
            const HttpReply r = client_.post("/chat/completions", request_body(p, with_logprobs).dump());
            if (r.status >= 200 && r.status < 300) return read_reply(r.body);
            if (r.status == 400 && with_logprobs) {
                logprobs_ = false;  // some servers reject logprobs; the choice itself does not need them
                continue;
            }
            throw Error("judge endpoint " + url_ + ": HTTP " + std::to_string(r.status) + " (" + snippet(r.body) + "); " + hint(r.status));
        }
    }

    std::string hint(int status) const {
        if (status == 401 || status == 403) return "check the API key (--judge-api-key-env names the variable holding it)";
        if (status == 404) {
            return "check that the URL is the API base up to its version (e.g. http://127.0.0.1:8080/v1) and that the "
                   "server has model '" + o_.model + "'";
        }
        return "check the model name '" + o_.model + "' and that the server implements OpenAI chat completions";
    }

    JudgeDecision read_reply(const std::string & body) const {
        const json j = json::parse(body, nullptr, false);
        if (j.is_discarded()) {
            throw Error("judge endpoint " + url_ + ": the reply is not JSON (" + snippet(body) +
                        "); the URL must be an OpenAI-compatible API base such as http://127.0.0.1:8080/v1");
        }
        const json * choice = nullptr;
        if (j.is_object() && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) choice = &j["choices"][0];
        const json * content = nullptr;
        if (choice && choice->is_object() && choice->contains("message") && (*choice)["message"].is_object() &&
            (*choice)["message"].contains("content")) {
            content = &(*choice)["message"]["content"];
        }
        if (!content || !content->is_string()) {
            throw Error("judge endpoint " + url_ + ": the reply has no text in choices[0].message.content (" + snippet(body) +
                        "); the server must implement OpenAI chat completions (a reasoning model may need a larger "
                        "max_tokens)");
        }
        const std::string text = content->get<std::string>();
        JudgeDecision d = parse_judge_reply(text);
        if (d.parsed) d.margin = logprob_margin(*choice, text, text.find_first_of("12"));
        return d;
    }

    static HttpOptions http_options(const EndpointJudgeOptions & o) {
        HttpOptions h;
        h.timeout_s = std::max(1, o.timeout_s);
        h.retries = std::max(0, o.retries);
        h.backoff_s = std::max(0.0, o.backoff_s);
        h.api_key = o.api_key;
        return h;
    }

    EndpointJudgeOptions o_;
    HttpClient client_;
    std::string url_;
    std::atomic<bool> logprobs_;
};

}  // namespace

std::unique_ptr<Judge> make_endpoint_judge(const EndpointJudgeOptions & options) {
    return std::make_unique<EndpointJudge>(options);
}

}  // namespace rightsize
