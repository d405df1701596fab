// ModelFacts as results record them, and the key results are filed under (model_facts.h).
#include <rightsize/model_facts.h>

#include <filesystem>

namespace rightsize {

nlohmann::json model_facts_json(const ModelFacts & f) {
    nlohmann::json j = {{"path", f.path},
            {"name", f.name},
            {"architecture", f.architecture},
            {"description", f.description},
            {"quantization", f.quantization},
            {"n_params", f.n_params},
            {"file_bytes", f.file_bytes},
            {"model_mb", double(f.file_bytes) / 1048576.0},
            {"n_ctx_train", f.n_ctx_train},
            {"n_layer", f.n_layer},
            {"n_embd", f.n_embd},
            {"has_chat_template", !f.chat_template.empty()}};
    if (!f.chat_template_engine.empty()) j["chat_template_engine"] = f.chat_template_engine;
    if (!f.devices.empty()) j["devices"] = f.devices;
    return j;
}

std::string model_key(const std::string & model_path) {
    std::string stem = std::filesystem::path(model_path).filename().string();
    if (stem.size() > 5 && stem.ends_with(".gguf")) stem.resize(stem.size() - 5);
    return stem;
}

}  // namespace rightsize
