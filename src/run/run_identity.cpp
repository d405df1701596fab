// A run's identity (run_identity.h).
#include "run_identity.h"

#include "../core/time_format.h"

#include "core/sha256.h"

#include <cstdio>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;

namespace rightsize {

using nlohmann::json;

json run_config(const RunOptions & o, const std::vector<TaskConfig> & tasks) {
    json models = json::array();
    for (const auto & m : o.models) {
        std::error_code ec;
        const auto size = fs::file_size(m, ec);
        const auto mtime = fs::last_write_time(m, ec).time_since_epoch().count();
        models.push_back({{"path", fs::absolute(m).string()}, {"bytes", size}, {"mtime", mtime}});
    }
    json task_configs = json::object();
    for (const auto & t : tasks) task_configs[t.task] = t.raw;
    json overrides = json::object();
    for (const auto & [t, f] : o.eval.data_file_overrides) overrides[t] = fs::absolute(f).string();
    const auto & e = o.eval;
    const auto & l = o.llama;
    return {{"models", models},
            {"tasks", task_configs},
            {"limit", e.limit},
            {"task_limits", o.task_limits},
            {"num_fewshot", e.num_fewshot ? json(*e.num_fewshot) : json(nullptr)},
            {"apply_chat_template", e.apply_chat_template},
            {"system_prompt", e.system_prompt},
            {"fewshot_as_multiturn", e.fewshot_as_multiturn},
            {"fewshot_seed", e.fewshot_seed},
            {"data_dir", e.data.data_dir.empty() ? DataOptions::default_data_dir() : fs::absolute(e.data.data_dir).string()},
            {"data_files", overrides},
            {"llama", {{"threads", l.n_threads}, {"ctx_size", l.n_ctx}, {"batch_size", l.n_batch}, {"ubatch_size", l.n_ubatch},
                       {"n_gpu_layers", l.n_gpu_layers}, {"flash_attn", l.flash_attn}, {"parallel", l.n_parallel},
                       {"chat_template", l.chat_template}}}};
}

std::string config_hash_of(const json & config) { return sha256_hex(config.dump()).substr(0, 16); }

std::string new_run_id() {
    std::random_device rd;
    char tail[16];
    snprintf(tail, sizeof tail, "-%08x", rd());
    return compact_utc() + tail;
}

}  // namespace rightsize
