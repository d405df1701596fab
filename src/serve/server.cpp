// rightsize serve: the HTTP server (serve.h). Routes, authentication, errors as OpenAI's error
// object, access log and metrics; the generating routes are in serve_completions.cpp.
#include "serve_impl.h"

#include "../run/run_identity.h"

#include <rightsize/error.h>
#include <rightsize/model_facts.h>

#include <httplib.h>

#include <algorithm>
#include <cstdio>

namespace rightsize {

using nlohmann::json;

namespace serve {

State::State(LlamaBackend & b, ServeOptions o)
    : backend(b), options(std::move(o)), model_name(options.model_name.empty() ? run_model_key(b.options().model_path, b.options().loras) : options.model_name),
      n_ctx(b.options().n_ctx), n_vocab(b.facts().n_vocab), engine(b, options.max_queue) {}

void State::check_model(const std::string & requested) const {
    if (!requested.empty() && requested != model_name) {
        throw ApiError(404, "the model '" + requested + "' is not served here; this server serves '" + model_name + "' (GET /v1/models)",
                       "model", "model_not_found");
    }
}

std::vector<int32_t> State::prompt_tokens(const Prompt & p, const std::string & param, std::optional<int> keep) const {
    std::vector<int32_t> t = p.is_tokens ? p.tokens : backend.tokenize(p.text, true, true);
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] >= n_vocab) {
            throw ApiError(400, "token id " + std::to_string(t[i]) + " is outside the vocabulary (0 to " + std::to_string(n_vocab - 1) + ")",
                           param + (p.is_tokens ? "[" + std::to_string(i) + "]" : ""));
        }
    }
    if (t.empty()) throw ApiError(400, "the prompt is empty", param);
    if (keep && int(t.size()) > *keep) t.erase(t.begin(), t.end() - *keep);
    return t;
}

std::string State::new_id(const char * prefix) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(next_id_++));
    return prefix + std::string(buf);
}

namespace {

void send_error(httplib::Response & res, const ApiError & e) {
    res.status = e.status();
    if (e.status() == 503) res.set_header("Retry-After", "1");
    res.set_content(e.body().dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

bool authorised(const State & st, const httplib::Request & req) {
    if (st.options.api_key.empty()) return true;
    const std::string want = "Bearer " + st.options.api_key;
    const std::string got = req.get_header_value("Authorization");
    // Compared in constant time: the key's length is not secret, its bytes are.
    if (got.size() != want.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < got.size(); ++i) diff |= static_cast<unsigned char>(got[i] ^ want[i]);
    return diff == 0;
}

json models_reply(const State & st) {
    const ModelFacts & f = st.backend.facts();
    json meta = {{"n_params", f.n_params},   {"size", f.file_bytes}, {"n_ctx_train", f.n_ctx_train},   {"n_embd", f.n_embd},
                 {"n_vocab", f.n_vocab},     {"n_layer", f.n_layer}, {"architecture", f.architecture}, {"quantization", f.quantization},
                 {"path", f.path}};
    return {{"object", "list"},
            {"data", json::array({{{"id", st.model_name},
                                   {"object", "model"},
                                   {"created", 0},
                                   {"owned_by", "rightsize"},
                                   {"max_model_len", st.n_ctx},
                                   {"meta", meta}}})}};
}

json tokenizer_info(const State & st) {
    const auto sp = st.backend.special_tokens();
    const ModelFacts & f = st.backend.facts();
    return {{"tokenizer_class", "llama.cpp (GGUF)"},
            {"bos_token", sp.bos >= 0 ? json(sp.bos_text) : json()},
            {"eos_token", sp.eos >= 0 ? json(sp.eos_text) : json()},
            {"pad_token", nullptr},
            {"add_bos_token", sp.add_bos},
            {"model_max_length", st.n_ctx},
            {"vocab_size", f.n_vocab},
            {"chat_template", f.chat_template.empty() ? json() : json(f.chat_template)}};
}

json tokenize_reply(const State & st, const httplib::Request & req) {
    const TokenizeRequest rq = parse_tokenize_request(parse_body(req.body));
    std::string text = rq.text;
    if (rq.is_chat) text = st.backend.apply_chat_template(rq.messages, rq.add_generation_prompt);
    const auto tokens = st.backend.tokenize(text, rq.add_special, rq.parse_special);
    return {{"tokens", tokens}, {"count", tokens.size()}, {"max_model_len", st.n_ctx}};
}

json detokenize_reply(const State & st, const httplib::Request & req) {
    const auto tokens = parse_detokenize_request(parse_body(req.body));
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i] >= st.n_vocab) throw ApiError(400, "token id " + std::to_string(tokens[i]) + " is outside the vocabulary", "tokens[" + std::to_string(i) + "]");
    }
    const std::string text = st.backend.detokenize(tokens);
    return {{"prompt", text}, {"content", text}};  // vLLM's key, llama-server's key
}

json apply_template_reply(const State & st, const httplib::Request & req) {
    const json body = parse_body(req.body);
    const ChatRequest rq = parse_chat_request(body);
    return {{"prompt", st.backend.apply_chat_template(rq.messages, true)}};
}

}  // namespace
}  // namespace serve

struct Server::Impl {
    serve::State st;
    httplib::Server http;
    int port = 0;

    Impl(LlamaBackend & b, ServeOptions o) : st(b, std::move(o)) {}
    // Every route through one wrapper: auth, ApiError and Error as OpenAI's error object, metrics, log.
    void route(const char * method, const std::string & path, bool needs_auth,
               std::function<void(const httplib::Request &, httplib::Response &)> body);
    void add_routes();
};

void Server::Impl::route(const char * method, const std::string & path, bool needs_auth,
                         std::function<void(const httplib::Request &, httplib::Response &)> body) {
    auto handler = [this, path, needs_auth, body = std::move(body)](const httplib::Request & req, httplib::Response & res) {
        const auto t0 = std::chrono::steady_clock::now();
        try {
            if (needs_auth && !serve::authorised(st, req)) {
                throw serve::ApiError(401, "missing or wrong API key: send \"Authorization: Bearer KEY\" with the key the server was started with",
                                      "", "invalid_api_key");
            }
            body(req, res);
            if (res.status == -1) res.status = 200;
        } catch (const serve::ApiError & e) {
            serve::send_error(res, e);
        } catch (const Error & e) {
            serve::send_error(res, serve::ApiError(500, e.what()));
        } catch (const std::exception & e) {
            serve::send_error(res, serve::ApiError(500, std::string("internal error: ") + e.what()));
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        st.metrics.request(path, res.status, s);
        if (st.options.on_log) {
            char line[64];
            std::snprintf(line, sizeof line, " %d %.1f ms", res.status, s * 1000.0);
            st.options.on_log(req.method + " " + req.path + line);
        }
    };
    if (std::string(method) == "GET") {
        http.Get(path, handler);
    } else {
        http.Post(path, handler);
    }
}

void Server::Impl::add_routes() {
    auto json_route = [this](const char * method, const std::string & path, bool auth, std::function<json(const httplib::Request &)> f) {
        route(method, path, auth, [f = std::move(f)](const httplib::Request & req, httplib::Response & res) {
            res.set_content(f(req).dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
        });
    };
    route("POST", "/v1/completions", true, [this](const auto & req, auto & res) { serve::handle_completions(st, req, res); });
    route("POST", "/v1/chat/completions", true, [this](const auto & req, auto & res) { serve::handle_chat(st, req, res); });
    json_route("GET", "/v1/models", true, [this](const auto &) { return serve::models_reply(st); });
    json_route("POST", "/tokenize", true, [this](const auto & req) { return serve::tokenize_reply(st, req); });
    json_route("POST", "/detokenize", true, [this](const auto & req) { return serve::detokenize_reply(st, req); });
    json_route("GET", "/tokenizer_info", true, [this](const auto &) { return serve::tokenizer_info(st); });
    json_route("POST", "/apply-template", true, [this](const auto & req) { return serve::apply_template_reply(st, req); });
    json_route("GET", "/health", false, [](const auto &) { return json{{"status", "ok"}}; });
    route("GET", "/metrics", false, [this](const auto &, auto & res) {
        serve::EngineGauges g;
        g.running = st.engine.running_sequences();
        g.waiting = st.engine.unfinished() > g.running ? st.engine.unfinished() - g.running : 0;
        g.kv_usage = double(g.running) / double(std::max(1, st.backend.options().n_parallel));
        g.scoring_batches = st.engine.scoring_batches();
        g.scored_prompts = st.engine.scored_prompts();
        res.set_content(st.metrics.text(g), "text/plain; version=0.0.4");
    });
    // What httplib answers itself (no such route, body too large) as OpenAI's error object.
    http.set_error_handler([](const httplib::Request & req, httplib::Response & res) {
        if (!res.body.empty()) return;
        const std::string what = res.status == 404   ? "there is no route " + req.method + " " + req.path + " (see rightsize serve --help)"
                                 : res.status == 413 ? "the request body is larger than the server accepts"
                                                     : "the request could not be read";
        serve::send_error(res, serve::ApiError(res.status, what));
    });
}

Server::Server(LlamaBackend & backend, ServeOptions options) : impl_(std::make_unique<Impl>(backend, std::move(options))) {
    Impl & d = *impl_;
    d.add_routes();
    d.http.set_payload_max_length(d.st.options.max_body_bytes);
    // Workers wait for the engine; enough of them that every request the queue admits is read
    // (and a request beyond it is answered 503 rather than left in the listen backlog).
    const size_t workers = size_t(std::clamp(backend.options().n_parallel + d.st.options.max_queue + 4, 8, 512));
    d.http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
    const std::string & host = d.st.options.host;
    d.port = d.st.options.port == 0 ? d.http.bind_to_any_port(host) : (d.http.bind_to_port(host, d.st.options.port) ? d.st.options.port : -1);
    if (d.port <= 0) {
        throw Error("rightsize serve could not listen on " + host + ":" + std::to_string(d.st.options.port) +
                    ": the port is in use or the address is not this machine's; choose another with --port (0: any free port)");
    }
}

Server::~Server() {
    stop();
    impl_->st.engine.stop();
}

int Server::port() const { return impl_->port; }
const std::string & Server::model_name() const { return impl_->st.model_name; }

void Server::run() {
    impl_->http.listen_after_bind();
    impl_->st.engine.stop();  // every accepted request has been answered: nothing is left to run
}

void Server::stop() { impl_->http.stop(); }

}  // namespace rightsize
