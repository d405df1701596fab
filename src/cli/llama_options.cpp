#include "commands.h"

#include <sstream>

namespace rightsize::cli {

void add_llama_options(ArgParser & p, LlamaOptions & o, bool * ctx_given, const std::string & ctx_default) {
    p.value({"-t", "--threads"}, "N", "CPU threads (default: all hardware threads)",
            [&o](const std::string & v) { o.n_threads = parse_int("-t", v, 1, 1024); });
    p.value({"-c", "--ctx-size"}, "N", "context size in tokens (default " + (ctx_default.empty() ? std::to_string(o.n_ctx) : ctx_default) + ")", [&o, ctx_given](const std::string & v) {
        o.n_ctx = parse_int("-c", v, 8, 1 << 24);
        if (ctx_given) *ctx_given = true;
    });
    p.value({"-b", "--batch-size"}, "N", "logical batch size (default 2048)",
            [&o](const std::string & v) { o.n_batch = parse_int("-b", v, 1, 1 << 20); });
    p.value({"-ub", "--ubatch-size"}, "N", "physical batch size (default 512)",
            [&o](const std::string & v) { o.n_ubatch = parse_int("-ub", v, 1, 1 << 20); });
    p.value({"-ngl", "--n-gpu-layers"}, "N", "layers to offload to the GPU (default all; no effect on CPU builds)",
            [&o](const std::string & v) { o.n_gpu_layers = parse_int("-ngl", v, -1, 100000); });
    p.value({"-fa", "--flash-attn"}, "on|off|auto", "flash attention (default " + o.flash_attn + ")", [&o](const std::string & v) {
        if (v != "on" && v != "off" && v != "auto" && v != "1" && v != "0") {
            throw UsageError("option '-fa' expects on, off or auto, got '" + v + "'");
        }
        o.flash_attn = v == "1" ? "on" : v == "0" ? "off" : v;
    });
    p.value({"-np", "--parallel"}, "N", "sequences decoded together (default " + std::to_string(o.n_parallel) + ")",
            [&o](const std::string & v) { o.n_parallel = parse_int("-np", v, 1, 256); });
    p.value({"--lora"}, "FILE[:SCALE]", "apply a LoRA adapter (repeatable; scale default 1.0)",
            [&o](const std::string & v) { o.loras.push_back(parse_lora_arg(v)); });
    p.value({"--chat-template"}, "NAME", "chat template for chat mode: a llama.cpp built-in (chatml, llama3, gemma, …) "
            "or template text (default: the model's)", [&o](const std::string & v) { o.chat_template = v; });
    p.value({"--rpc"}, "HOST:PORT,…", "offload layers to llama.cpp rpc-servers (a model larger than one machine), as llama.cpp's tools do",
            [&o](const std::string & v) {
                std::stringstream ss(v);
                for (std::string item; std::getline(ss, item, ',');) {
                    if (!item.empty()) o.rpc_servers.push_back(item);
                }
                if (o.rpc_servers.empty()) throw UsageError("option '--rpc' expects HOST:PORT[,HOST:PORT…], got '" + v + "'");
            });
    p.flag({"--verbose"}, "pass llama.cpp's own log through to stderr", [&o] { o.verbose = true; });
}

OutputFormat parse_format(const std::string & text) {
    if (text == "table") return OutputFormat::Table;
    if (text == "json") return OutputFormat::Json;
    if (text == "csv") return OutputFormat::Csv;
    if (text == "md" || text == "markdown") return OutputFormat::Markdown;
    throw UsageError("option '--format' expects table, json, csv or md, got '" + text + "'");
}

}  // namespace rightsize::cli
