// A run's identity: the configuration that changes its numbers, its hash (what resume matches),
// and a new run's id.
#pragma once

#include <rightsize/run.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rightsize {

// Models (absolute path, size, mtime), the merged YAML of every task, and every option that
// changes prompts, documents or scores.
nlohmann::json run_config(const RunOptions & o, const std::vector<TaskConfig> & tasks);
// The first 16 hex digits of the SHA-256 of the configuration's compact JSON.
std::string config_hash_of(const nlohmann::json & config);
// "20261203T051805Z-1a2b3c4d": the start time (UTC) and 32 random bits.
std::string new_run_id();

}  // namespace rightsize
