// rightsize serve: a GGUF model behind an OpenAI-compatible API (serve.h), until SIGINT or SIGTERM.
#include "commands.h"

#include <rightsize/error.h>
#include <rightsize/serve.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace rightsize::cli {

namespace {

std::atomic<int> serve_signal{0};

extern "C" void on_serve_signal(int sig) {
    if (serve_signal.exchange(sig) != 0) {  // a second signal: stop at once
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
}

void write_port_file(const std::string & path, int port) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp);
        f << port << "\n";
        if (!f) throw Error("--port-file " + path + ": cannot write it; give a writable path");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error("--port-file " + path + ": cannot write it; give a writable path");
}

}  // namespace

int cmd_serve(int argc, char ** argv) {
    LlamaOptions lo;
    lo.n_ctx = 8192;
    lo.n_parallel = 4;
    // Off, as rightsize run scores, so the two give the same numbers for the same batches. On CPU a
    // score depends somewhat on which requests share its batch either way (docs/serve.md).
    lo.flash_attn = "off";
    ServeOptions so;
    std::string api_key_env, port_file;
    bool log = false;
    ArgParser p("serve", "-m MODEL.gguf [--host 127.0.0.1] [--port 8080] [options]\n\n"
                         "Serves the model behind an OpenAI-compatible API that lm-evaluation-harness's\n"
                         "local-completions model can score (docs/serve.md):\n"
                         "  POST /v1/completions       text or token-id prompts; echo + logprobs returns every prompt\n"
                         "                             token's log-probability (first null) and top tokens; streaming\n"
                         "  POST /v1/chat/completions  the model's chat template; logprobs, top_logprobs; streaming\n"
                         "  GET /v1/models, POST /tokenize, POST /detokenize, GET /tokenizer_info (vLLM's shapes),\n"
                         "  POST /apply-template, GET /health, GET /metrics (Prometheus text)\n"
                         "Echoed prompts that wait together are scored in one batch sharing their leading tokens;\n"
                         "generations join a continuous batch of -np sequences of -c / -np tokens each. Requests\n"
                         "beyond -np + --queue are answered 503 with Retry-After. SIGINT or SIGTERM stops accepting\n"
                         "connections and finishes the requests in flight.\n\n"
                         "With lm-eval:  lm_eval --model local-completions --model_args\n"
                         "  base_url=http://127.0.0.1:8080/v1/completions,model=NAME,tokenizer_backend=remote --tasks arc_easy");
    p.value({"-m", "--model"}, "FILE", "the GGUF model to serve", [&](const std::string & v) { lo.model_path = v; });
    add_llama_options(p, lo, nullptr, "8192: -np sequences of -c / -np tokens");
    p.value({"--host"}, "ADDR", "address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)", [&](const std::string & v) { so.host = v; });
    p.value({"--port"}, "N", "port (default 8080; 0: any free port, see --port-file)",
            [&](const std::string & v) { so.port = parse_int("--port", v, 0, 65535); });
    p.value({"--port-file"}, "FILE", "write the port listened on to FILE once listening (for scripts with --port 0)",
            [&](const std::string & v) { port_file = v; });
    p.value({"--alias"}, "NAME", "the model id clients send as \"model\" (default: the file name without .gguf, with +ADAPTER@SCALE per --lora, as run names it)",
            [&](const std::string & v) { so.model_name = v; });
    p.value({"--api-key-env"}, "VAR", "require \"Authorization: Bearer KEY\" on every route but /health and /metrics, KEY read from VAR",
            [&](const std::string & v) { api_key_env = v; });
    p.value({"--queue"}, "N", "requests that may wait beyond the -np running ones (default 64); more get 503",
            [&](const std::string & v) { so.max_queue = parse_int("--queue", v, 0, 100000); });
    p.flag({"--log"}, "print one line per request to stderr (method, path, status, milliseconds)", [&] { log = true; });
    if (!p.parse(argc, argv, 2)) return 0;
    if (lo.model_path.empty()) throw UsageError("serve needs -m MODEL.gguf; see 'rightsize serve --help'");
    if (!api_key_env.empty()) {
        const char * key = std::getenv(api_key_env.c_str());
        if (!key || !*key) throw UsageError("--api-key-env " + api_key_env + ": the variable is not set or empty; export it with the key clients will send");
        so.api_key = key;
    }
    if (log) so.on_log = [](const std::string & line) { fprintf(stderr, "%s\n", line.c_str()); };

    LlamaBackend backend(lo);
    Server server(backend, so);
    std::signal(SIGINT, on_serve_signal);
    std::signal(SIGTERM, on_serve_signal);
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        while (!done && serve_signal.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (serve_signal.load() != 0) {
            fprintf(stderr, "rightsize serve: signal %d: finishing the requests in flight, then exiting (signal again to stop at once)\n",
                    serve_signal.load());
            server.stop();
        }
    });
    const std::string url = "http://" + so.host + ":" + std::to_string(server.port()) + "/v1";
    printf("rightsize serve: %s as '%s' on %s (-c %d, -np %d: %d tokens per sequence, %s%s)\n", lo.model_path.c_str(),
           server.model_name().c_str(), url.c_str(), lo.n_ctx, lo.n_parallel, lo.n_ctx / lo.n_parallel,
           so.api_key.empty() ? "no API key" : "API key required", so.host == "127.0.0.1" ? ", this machine only" : "");
    printf("lm-eval: lm_eval --model local-completions --model_args base_url=%s/completions,model=%s,tokenizer_backend=remote\n",
           url.c_str(), server.model_name().c_str());
    fflush(stdout);
    if (!port_file.empty()) write_port_file(port_file, server.port());
    server.run();
    done = true;
    watcher.join();
    printf("rightsize serve: stopped\n");
    return 0;
}

}  // namespace rightsize::cli
