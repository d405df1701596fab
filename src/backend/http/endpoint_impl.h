// The endpoint backend's state, shared by its files (endpoint_backend.cpp: the model, tokenizer and
// chat template; endpoint_requests.cpp: generation and scoring).
#pragma once

#include <rightsize/endpoint_backend.h>

#include "http_client.h"
#include "openai_reply.h"
#include "sse.h"

#include <rightsize/error.h>

#include <mutex>

namespace rightsize {

struct EndpointBackend::Impl {
    EndpointOptions o;
    std::unique_ptr<HttpClient> api, root;
    std::string name;
    nlohmann::json entry;
    ModelFacts facts;
    std::mutex stream_mutex;  // on_token is called from one thread at a time

    HttpOptions http() const {
        HttpOptions h;
        h.timeout_s = o.timeout_s;
        h.retries = o.retries;
        h.api_key = o.api_key;
        return h;
    }
    [[noreturn]] static void fail(const HttpClient & c, const std::string & route, const HttpReply & r, const std::string & hint) {
        throw Error(c.base().url(route) + ": HTTP " + std::to_string(r.status) + " (" + first_line(r.body) + "); " + hint);
    }
    nlohmann::json post_json(HttpClient & c, const std::string & route, const nlohmann::json & body, const std::string & hint) {
        const HttpReply r = c.post(route, body.dump());
        if (r.status < 200 || r.status >= 300) fail(c, route, r, hint);
        return parse_reply_json(r.body, c.base().url(route));
    }
    void pick_model(const std::string & wanted);
    std::vector<int32_t> tokens(std::string_view text, bool add_special, bool parse_special);
    GenerateResult generate_one(size_t index, const GenerateRequest & rq, const StreamCallback & on_token);
    LoglikelihoodResult score_one(const LoglikelihoodRequest & rq);
};

}  // namespace rightsize
