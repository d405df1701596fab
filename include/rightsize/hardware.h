// The machine a measurement ran on, recorded with every result (read from /proc and uname).
#pragma once

#include <nlohmann/json.hpp>

namespace rightsize {

// cpu_model, logical_cpus, memory_total_mb, os, kernel, machine; plus gpu (the llama.cpp build's
// accelerator backends) — fields that cannot be read are null.
nlohmann::json hardware_info();

}  // namespace rightsize
