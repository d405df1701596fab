// What a model is: read from its file once, reported in `rightsize info` and every result.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rightsize {

struct ModelFacts {
    std::string path;
    std::string name;           // general.name, else the file stem
    std::string architecture;   // general.architecture (llama, gemma3, …)
    std::string description;    // llama.cpp's one-line description (type, size, quantisation)
    std::string quantization;   // file type name, e.g. "Q4_1", "Q4_K - Medium"
    uint64_t n_params = 0;
    uint64_t file_bytes = 0;    // size of the GGUF file on disk
    uint64_t tensor_bytes = 0;  // bytes of all weight tensors (llama_model_size)
    int n_ctx_train = 0;
    int n_embd = 0;
    int n_layer = 0;
    int n_head = 0;
    int n_head_kv = 0;
    int n_vocab = 0;
    std::string chat_template;  // empty when the model has none
    // How chat prompts are rendered: "jinja" (the model's template, as Hugging Face renders it), or
    // llama.cpp's built-in rendering (and why); empty when there is no template.
    std::string chat_template_engine;
    // Where the model was loaded: llama.cpp's devices that hold offloaded layers (GPUs, --rpc
    // servers' devices, as "NAME (description)"), then "CPU". Empty when not loaded for running.
    std::vector<std::string> devices;
};

// results.json's "model" block: path, name, architecture, description, quantization, n_params,
// file_bytes, model_mb (file_bytes in MiB), n_ctx_train, n_layer, n_embd, has_chat_template.
nlohmann::json model_facts_json(const ModelFacts & facts);

// The key a model's results are filed under (its output folder, the store's model column): the
// file name of its path without .gguf.
std::string model_key(const std::string & model_path);

}  // namespace rightsize
