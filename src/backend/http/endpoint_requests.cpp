// Generation and scoring through an OpenAI-compatible endpoint (endpoint_backend.h).
#include "endpoint_impl.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace rightsize {

using nlohmann::json;

void in_parallel(size_t n, int width, const std::function<void(size_t)> & fn) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex m;
    const auto worker = [&] {
        for (size_t i; !failed && (i = next++) < n;) {
            try {
                fn(i);
            } catch (...) {
                std::lock_guard lock(m);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    std::vector<std::thread> threads;
    for (int w = 1; w < std::min<int>(width, int(n)); ++w) threads.emplace_back(worker);
    worker();
    for (auto & t : threads) t.join();
    if (error) std::rethrow_exception(error);
}

namespace {

// The reply's text up to the first stop string (the server should have stopped there already).
void cut_at_stop(std::string & text, const std::vector<std::string> & until) {
    size_t cut = text.size();
    for (const auto & u : until) {
        if (!u.empty()) cut = std::min(cut, text.find(u));
    }
    if (cut < text.size()) text.resize(cut);
}

}  // namespace

GenerateResult EndpointBackend::Impl::generate_one(size_t index, const GenerateRequest & rq, const StreamCallback & on_token) {
    // Chat mode sends the conversation to /chat/completions (the server applies its own template);
    // otherwise the prompt text goes to /completions.
    const bool chat = !rq.messages.empty();
    const std::string route = chat ? "/chat/completions" : "/completions";
    json body = {{"model", name}, {"max_tokens", rq.max_tokens}, {"stream", true}, {"stream_options", {{"include_usage", true}}},
                 {"temperature", rq.sampling.temperature}};
    if (chat) {
        json messages = json::array();
        for (const auto & m : rq.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
        body["messages"] = std::move(messages);
    } else {
        body["prompt"] = rq.prompt;
    }
    if (!rq.until.empty()) body["stop"] = rq.until;
    if (rq.sampling.temperature > 0) {
        body["top_p"] = rq.sampling.top_p;
        body["seed"] = rq.sampling.seed;
        if (rq.sampling.top_k > 0) body["top_k"] = rq.sampling.top_k;
    }
    if (rq.ignore_eos) body["ignore_eos"] = true;  // llama-server's and vLLM's extension
    body = with_server_fields(std::move(body));
    CompletionStream stream(chat, api->base().url(route), [&](std::string_view piece, double t) {
        if (on_token) {
            std::lock_guard lock(stream_mutex);
            on_token(StreamEvent{index, piece, t});
        }
    });
    const HttpReply r = api->post_stream(route, body.dump(), [&](std::string_view bytes) {
        stream.feed(bytes);
        return true;
    });
    if (r.status < 200 || r.status >= 300) fail(*api, route, r, "check the model name '" + name + "' and the request's options");
    GenerateResult result = stream.finish();
    cut_at_stop(result.text, rq.until);
    return result;
}

std::vector<GenerateResult> EndpointBackend::generate(std::span<const GenerateRequest> requests, const StreamCallback & on_token,
                                                      const FinishCallback & on_finished) {
    auto & d = *impl_;
    std::vector<GenerateResult> out(requests.size());
    in_parallel(requests.size(), d.o.concurrency, [&](size_t i) {
        out[i] = d.generate_one(i, requests[i], on_token);
        if (on_finished) {
            std::lock_guard lock(d.stream_mutex);
            on_finished(i);
        }
    });
    return out;
}

}  // namespace rightsize
