// A run's identity (run_identity.h).
#include "run_identity.h"

#include "../core/time_format.h"

#include "core/content_hash.h"
#include "core/sha256.h"
#include <rightsize/endpoint_backend.h>
#include <rightsize/model_facts.h>
#include <rightsize/version.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;

namespace rightsize {

using nlohmann::json;

namespace {

std::string scale_text(float scale) {
    char buf[32];
    snprintf(buf, sizeof buf, "%g", double(scale));
    return buf;
}

json file_identity(const std::string & path) {
    const FileHash h = file_sha256_cached(path);
    return {{"path", fs::absolute(path).lexically_normal().string()}, {"bytes", h.bytes}, {"sha256", h.sha256}};
}

// Where each task's documents and few-shot examples come from, with content hashes.
json task_data(const RunOptions & o, const TaskConfig & t) {
    json d;
    const auto over = o.eval.data_file_overrides.find(t.task);
    d["eval"] = over != o.eval.data_file_overrides.end() ? json::array({data_file_source(over->second)})
                                                         : task_data_sources(t, t.eval_split(), o.eval.data);
    const int shots = o.eval.num_fewshot.value_or(t.num_fewshot.value_or(0));
    const std::string fs = t.fewshot_source_split();
    if (shots > 0 && !fs.empty() && fs != t.eval_split()) d["fewshot"] = task_data_sources(t, fs, o.eval.data);
    return d;
}

std::string shorten(const json & v) {
    std::string s = v.is_null() ? "(absent)" : v.dump();
    if (s.size() > 44) s = s.substr(0, 40) + "…";
    return s;
}

}  // namespace

std::string run_model_key(const std::string & model_path, const std::vector<LoraAdapter> & adapters) {
    std::string key = model_key(model_path);
    for (const auto & a : adapters) {
        key += "+" + model_key(a.path);
        if (a.scale != 1.0f) key += "@" + scale_text(a.scale);
    }
    return key;
}

std::string served_model_key(const std::string & name, const std::string & origin) {
    std::string host = origin.substr(origin.find("://") + 3);
    std::string key = model_key(name) + "@" + host;
    for (char & c : key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' && c != '@' && c != '+') c = '_';
    }
    return key;
}

json served_model_identity(const std::string & spec, const EndpointOptions & options) {
    EndpointOptions o = options;
    o.url = spec;
    const EndpointBackend served(o);
    const std::string base = split_endpoint_model(spec).first;
    const std::string origin = base.substr(0, base.find('/', base.find("://") + 3));
    return {{"endpoint", base}, {"served_model", served.served_model()}, {"models_entry", served.models_entry()},
            {"key", served_model_key(served.served_model(), origin)}, {"adapters", json::array()}};
}

json model_identity(const std::string & model_path, const std::vector<LoraAdapter> & adapters) {
    json m = file_identity(model_path);
    m["key"] = run_model_key(model_path, adapters);
    m["adapters"] = json::array();
    for (const auto & a : adapters) {
        json j = file_identity(a.path);
        j["scale"] = a.scale;
        m["adapters"].push_back(std::move(j));
    }
    return m;
}

json run_config(const RunOptions & o, const std::vector<TaskConfig> & tasks) {
    json models = json::array();
    for (const auto & m : o.models) models.push_back(is_endpoint(m) ? served_model_identity(m, o.endpoint) : model_identity(m, o.llama.loras));
    json task_configs = json::object(), data = json::object();
    for (const auto & t : tasks) {
        task_configs[t.task] = t.raw;
        data[t.task] = task_data(o, t);
    }
    const auto & e = o.eval;
    const auto & l = o.llama;
    json config = {{"models", models},
            {"tasks", task_configs},
            {"data", data},
            {"limit", e.limit},
            {"task_limits", o.task_limits},
            {"num_fewshot", e.num_fewshot ? json(*e.num_fewshot) : json(nullptr)},
            {"apply_chat_template", e.apply_chat_template},
            {"system_prompt", e.system_prompt},
            {"fewshot_as_multiturn", e.fewshot_as_multiturn},
            {"fewshot_seed", e.fewshot_seed},
            {"lenient_utf8", e.data.lenient_utf8},
            {"llama", {{"threads", l.n_threads}, {"ctx_size", l.n_ctx}, {"batch_size", l.n_batch}, {"ubatch_size", l.n_ubatch},
                       {"n_gpu_layers", l.n_gpu_layers}, {"flash_attn", l.flash_attn}, {"parallel", l.n_parallel},
                       {"chat_template", l.chat_template}}},
            {"llama_cpp", llama_version_string()}};
    // Layers offloaded to rpc-servers (only then, so every other run keeps its identity).
    if (!l.rpc_servers.empty()) config["llama"]["rpc"] = l.rpc_servers;
    // Requests scored alone round differently from batched ones (only then, as for rpc).
    if (l.exact) config["llama"]["exact"] = true;
    // How chat prompts are rendered is part of what a chat-mode result means: a run rendered another
    // way (before the GGUF's Jinja template ran as Hugging Face runs it) is never resumed into.
    if (e.apply_chat_template) config["chat_rendering"] = "the GGUF's Jinja template, llama.cpp's built-in where it cannot run";
    return config;
}

std::string config_hash_of(const json & config) { return sha256_hex(config.dump()).substr(0, 16); }

std::vector<std::string> config_differences(const json & a, const json & b, size_t max_lines) {
    std::vector<std::string> out;
    const json patch = json::diff(a, b);
    for (const auto & op : patch) {
        if (out.size() == max_lines) {
            out.push_back("… and " + std::to_string(patch.size() - max_lines) + " more");
            break;
        }
        std::string path = op.value("path", "");
        const std::string kind = op.value("op", "");
        json before, after;
        if (kind != "add" && a.contains(json::json_pointer(path))) before = a.at(json::json_pointer(path));
        if (kind != "remove") after = op.value("value", json());
        if (path.ends_with("/-")) path.resize(path.size() - 2);  // appended to a list
        out.push_back((path.empty() ? std::string("(whole)") : path.substr(1)) + ": " + shorten(before) + " → " + shorten(after));
    }
    return out;
}

std::string new_run_id() {
    std::random_device rd;
    char tail[16];
    snprintf(tail, sizeof tail, "-%08x", rd());
    return compact_utc() + tail;
}

}  // namespace rightsize
