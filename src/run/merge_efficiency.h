// A merged model × task's efficiency (merge.h): figures per hardware class, never averaged across
// classes; energy summed over every shard.
#pragma once

#include <rightsize/evaluator.h>

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <vector>

namespace rightsize {

// What makes two shards' speed comparable: CPU model, logical CPUs, threads, GPUs (and RPC
// devices), llama.cpp build.
nlohmann::json hardware_class(const nlohmann::json & hardware, const std::string & llama_cpp);
// "AMD EPYC 7B13 · 2 CPUs · 2 threads · llama.cpp b1234 (commit …)" (GPUs named when present).
std::string hardware_class_label(const nlohmann::json & hardware_class);

// One shard's part of a model × task.
struct ShardPart {
    int index = 0;
    std::string class_label;
    std::vector<SampleRecord> samples;  // in doc_id order
    nlohmann::json efficiency;          // the shard's own efficiency block for it (null: none stored)
};

// The merged efficiency block (without co2e): one class → that class's figures with
// "hardware_class"; several → the figures that need one class are null, "mixed_hardware": true,
// and "by_hardware_class" holds each class's figures. Energy sums every shard's documents and parts;
// "shards" lists each part (index, class, documents).
nlohmann::json merged_efficiency(const TaskConfig & task, std::span<const ShardPart> parts);

}  // namespace rightsize
