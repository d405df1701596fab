#include "commands.h"

#include <rightsize/model_facts.h>

#include <rightsize/error.h>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rightsize::cli {

int cmd_info(int argc, char ** argv) {
    std::vector<std::string> models;
    bool json = false;
    ArgParser p("info", "-m MODEL [-m MODEL ...] [--json]");
    p.value({"-m", "--model"}, "FILE", "GGUF model file (repeatable)", [&](const std::string & v) { models.push_back(v); });
    p.flag({"--json"}, "print JSON instead of text", [&] { json = true; });
    if (!p.parse(argc, argv, 2)) return 0;
    if (models.empty()) throw UsageError("info needs at least one -m MODEL; see 'rightsize info --help'");
    nlohmann::json all = nlohmann::json::array();
    for (const auto & path : models) {
        const ModelFacts f = read_model_facts(path);
        if (json) {
            // results.json's model block, and what only `info` shows.
            nlohmann::json j = model_facts_json(f);
            j.update({{"tensor_bytes", f.tensor_bytes}, {"n_head", f.n_head}, {"n_head_kv", f.n_head_kv}, {"n_vocab", f.n_vocab},
                      {"chat_template", f.chat_template}});
            all.push_back(std::move(j));
            continue;
        }
        printf("%s\n", f.path.c_str());
        printf("  name            %s\n", f.name.c_str());
        printf("  architecture    %s\n", f.architecture.c_str());
        printf("  description     %s\n", f.description.c_str());
        printf("  quantization    %s\n", f.quantization.c_str());
        printf("  parameters      %llu (%.1f M)\n", (unsigned long long) f.n_params, double(f.n_params) / 1e6);
        printf("  file size       %llu bytes (%.1f MiB)\n", (unsigned long long) f.file_bytes, double(f.file_bytes) / 1048576.0);
        printf("  tensor bytes    %llu\n", (unsigned long long) f.tensor_bytes);
        printf("  context (train) %d tokens\n", f.n_ctx_train);
        printf("  layers          %d, embedding %d, heads %d (kv %d), vocabulary %d\n", f.n_layer, f.n_embd, f.n_head,
               f.n_head_kv, f.n_vocab);
        printf("  chat template   %s\n", f.chat_template.empty() ? "(none)" : (std::to_string(f.chat_template.size()) + " characters").c_str());
    }
    if (json) printf("%s\n", all.dump(2).c_str());
    return 0;
}

}  // namespace rightsize::cli
