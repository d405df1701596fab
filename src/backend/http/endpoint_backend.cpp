// A model behind an OpenAI-compatible endpoint (endpoint_backend.h).
#include <rightsize/endpoint_backend.h>

#include "endpoint_impl.h"

#include <algorithm>

#include <rightsize/error.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

namespace rightsize {

using nlohmann::json;

std::pair<std::string, std::string> split_endpoint_model(const std::string & spec) {
    const auto hash = spec.find('#');
    if (hash == std::string::npos) return {spec, ""};
    return {spec.substr(0, hash), spec.substr(hash + 1)};
}

bool is_endpoint(const std::string & model) { return model.rfind("http://", 0) == 0 || model.rfind("https://", 0) == 0; }



void EndpointBackend::Impl::pick_model(const std::string & wanted) {
    const HttpReply r = api->get("/models");
    if (r.status < 200 || r.status >= 300) fail(*api, "/models", r, "is the URL the API base up to /v1, and the API key right (--api-key-env)?");
    const std::string where = api->base().url("/models");
    ModelsList list = parse_models(parse_reply_json(r.body, where), wanted, where);
    if (list.entry.is_null()) {
        std::string names;
        for (const auto & id : list.ids) names += (names.empty() ? "" : ", ") + id;
        throw Error(where + ": the server does not serve '" + wanted + "'; it serves: " + names);
    }
    entry = std::move(list.entry);
    name = list.id;
}

EndpointBackend::EndpointBackend(const EndpointOptions & options) : impl_(std::make_unique<Impl>()) {
    auto & d = *impl_;
    d.o = options;
    if (d.o.concurrency < 1) throw Error("--concurrency must be at least 1");
    const auto [url, wanted] = split_endpoint_model(d.o.url);
    ApiBase base = parse_api_base(url, "endpoint", {"/chat/completions", "/completions"});
    d.api = std::make_unique<HttpClient>(base, d.http());
    d.root = std::make_unique<HttpClient>(ApiBase{base.origin, ""}, d.http());
    d.pick_model(wanted);
    d.facts.path = base.url("") + "#" + d.name;
    d.facts.name = d.name;
    d.facts.architecture = "served";
    d.facts.description = "served by " + base.origin;
    read_served_facts(d.entry, d.facts, d.api->base().url("/models"));
    d.llama_server = d.entry.value("owned_by", json()) == "llamacpp";
}

EndpointBackend::~EndpointBackend() = default;

const ModelFacts & EndpointBackend::facts() const { return impl_->facts; }
const std::string & EndpointBackend::served_model() const { return impl_->name; }
const json & EndpointBackend::models_entry() const { return impl_->entry; }

std::vector<int32_t> EndpointBackend::Impl::tokens(std::string_view text, bool add_special, bool parse_special) {
    if (!extras_tokenize) {
        // llama-server reads "content", "add_special" and "parse_special"; vLLM reads "model", "prompt" and "add_special_tokens".
        const json body = {{"content", text},        {"add_special", add_special}, {"parse_special", parse_special},
                           {"model", name},           {"prompt", text},             {"add_special_tokens", add_special}};
        const HttpReply r = root->post("/tokenize", body.dump());
        if (r.status >= 200 && r.status < 300) return parse_tokenize(parse_reply_json(r.body, root->base().url("/tokenize")), root->base().url("/tokenize"));
        if (r.status != 404) fail(*root, "/tokenize", r, "loglikelihood requests need the server's tokenizer");
        extras_tokenize = true;  // llama-cpp-python's server: /extras/tokenize, which always adds BOS;
        text_prompts = true;     // its completions take text only (it answers token ids with HTTP 500)
    }
    const auto extras = [&](std::string_view t) {
        const json j = post_json(*root, "/extras/tokenize", {{"input", t}, {"model", name}},
                                 "the server has neither /tokenize (llama-server, vLLM) nor /extras/tokenize (llama-cpp-python); "
                                 "loglikelihood requests need the server's tokenizer");
        return parse_tokenize(j, root->base().url("/extras/tokenize"));
    };
    std::vector<int32_t> out = extras(text);
    if (!add_special) {  // asked without BOS: what the empty text gives (the BOS, if any) comes off the front
        std::vector<int32_t> prefix;
        {
            std::lock_guard lock(stream_mutex);
            prefix = extras_prefix;
        }
        if (!extras_prefix_known) {
            prefix = extras("");
            std::lock_guard lock(stream_mutex);
            extras_prefix = prefix;
            extras_prefix_known = true;
        }
        if (out.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), out.begin())) out.erase(out.begin(), out.begin() + long(prefix.size()));
    }
    return out;
}

std::string EndpointBackend::Impl::piece(int32_t id) {
    {
        std::lock_guard lock(stream_mutex);
        if (const auto it = pieces.find(id); it != pieces.end()) return it->second;
    }
    std::string text = detokenize_ids({id});
    std::lock_guard lock(stream_mutex);
    return pieces.emplace(id, std::move(text)).first->second;
}

std::vector<int32_t> EndpointBackend::tokenize(std::string_view text, bool add_special, bool parse_special) const {
    return impl_->tokens(text, add_special, parse_special);
}

std::string EndpointBackend::Impl::detokenize_ids(const std::vector<int32_t> & ids) {
    const json body = {{"tokens", ids}, {"model", name}};
    const std::string route = extras_tokenize ? "/extras/detokenize" : "/detokenize";
    const json j = post_json(*root, route, body, "the server has no " + route + " (llama-server, vLLM and llama-cpp-python have one)");
    return parse_detokenize(j, root->base().url(route));
}

std::string EndpointBackend::detokenize(std::span<const int32_t> tokens) const {
    return impl_->detokenize_ids(std::vector<int32_t>(tokens.begin(), tokens.end()));
}

std::string EndpointBackend::apply_chat_template(std::span<const ChatMessage> messages, bool) const {
    auto & d = *impl_;
    json list = json::array();
    for (const auto & m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
    if (!d.template_as_transcript) {
        const HttpReply r = d.root->post("/apply-template", json{{"messages", list}, {"model", d.name}}.dump());
        if (r.status >= 200 && r.status < 300) return parse_applied_template(parse_reply_json(r.body, d.root->base().url("/apply-template")),
                                                                            d.root->base().url("/apply-template"));
        if (r.status != 404 && r.status != 405) {
            d.fail(*d.root, "/apply-template", r, "the server could not render its chat template as text");
        }
        d.template_as_transcript = true;  // a chat API without it (vLLM, hosted APIs): generation sends the messages
    }
    // The record of what was asked, not the model's template: the server renders the messages itself.
    std::string transcript;
    for (const auto & m : messages) transcript += "<" + m.role + ">\n" + m.content + "\n";
    return transcript + "<assistant>\n";
}

}  // namespace rightsize
