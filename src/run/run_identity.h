// A run's identity: the configuration that changes its numbers, its hash (what resume matches),
// how two configurations differ, and a new run's id.
#pragma once

#include <rightsize/run.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rightsize {

// What a model is filed under: its file name without .gguf, then "+<adapter>" for each LoRA
// adapter (its file name without .gguf) and "@<scale>" when the scale is not 1
// ("smollm2+style@4"). The same base model with and without an adapter never shares a key.
std::string run_model_key(const std::string & model_path, const std::vector<LoraAdapter> & adapters);

// A served model's key: its name (without .gguf) and the server's host and port ("smollm2@127.0.0.1_8080"),
// so a model served and the same GGUF run in-process never share a key.
std::string served_model_key(const std::string & name, const std::string & origin);
// The model as the identity records it: path, key, size and SHA-256, and each adapter's path,
// SHA-256 and scale. A served model: its endpoint, served name and the server's /v1/models entry.
nlohmann::json model_identity(const std::string & model_path, const std::vector<LoraAdapter> & adapters);

// Everything that can change a result: each model's and adapter's content (SHA-256), the merged
// YAML of every task, the content of every data file and few-shot source it reads, every option
// that changes prompts, documents or scores, and the llama.cpp build.
nlohmann::json run_config(const RunOptions & o, const std::vector<TaskConfig> & tasks);
// The first 16 hex digits of the SHA-256 of the configuration's compact JSON.
std::string config_hash_of(const nlohmann::json & config);
// How configuration `b` differs from `a`, one line per difference ("models/0/sha256: a5fd… → 1b2c…"),
// at most `max_lines` (then "… and N more").
std::vector<std::string> config_differences(const nlohmann::json & a, const nlohmann::json & b, size_t max_lines = 8);
// "20261203T051805Z-1a2b3c4d": the start time (UTC) and 32 random bits.
std::string new_run_id();

}  // namespace rightsize
