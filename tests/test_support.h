// Shared helpers: the tiny generated model (written once per test process) and the real models.
#pragma once

#include "fixture.h"

#include <rightsize/error.h>
#include <rightsize/llama_backend.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace rightsize::testing {

inline std::filesystem::path temp_dir() {
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("rightsize-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

// An empty folder under temp_dir(), made afresh on every call.
inline std::filesystem::path fresh_subdir(const std::string & name) {
    const auto d = temp_dir() / name;
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

inline const std::string & tiny_model_path() {
    static const std::string path = [] {
        const auto p = (temp_dir() / "tiny.gguf").string();
        fixture::write_tiny_llama(p);
        return p;
    }();
    return path;
}

inline const std::string & tiny_lora_path() {
    static const std::string path = [] {
        const auto p = (temp_dir() / "tiny-lora.gguf").string();
        fixture::write_lora_for(tiny_model_path(), p);
        return p;
    }();
    return path;
}

// A LoRA adapter made for a narrower model: it cannot fit the tiny model.
inline const std::string & mismatched_lora_path() {
    static const std::string path = [] {
        fixture::TinyLlamaSpec narrow;
        narrow.n_embd = 32;
        narrow.n_head = 2;
        narrow.n_head_kv = 2;
        const auto base = (temp_dir() / "narrow.gguf").string();
        fixture::write_tiny_llama(base, narrow);
        const auto p = (temp_dir() / "narrow-lora.gguf").string();
        fixture::write_lora_for(base, p);
        return p;
    }();
    return path;
}

// The message of the rightsize::Error that f throws ("" if it throws none).
inline std::string error_message(const std::function<void()> & f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

inline std::string smollm2_path() { return std::string(RIGHTSIZE_MODELS_DIR) + "/smollm2-135m-instruct-q4_1.gguf"; }
inline std::string gemma_path() { return std::string(RIGHTSIZE_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf"; }

inline LlamaOptions model_options(const std::string & path, int n_ctx, int n_parallel) {
    LlamaOptions o;
    o.model_path = path;
    o.n_ctx = n_ctx;
    o.n_threads = 2;
    o.n_parallel = n_parallel;
    return o;
}

// Flash attention off, as `rightsize run` scores: llama.cpp's CPU kernel rounds through F16, so
// with it a score depends on how many KV cells its batch holds (~1e-2 on this model).
inline LlamaOptions tiny_options(int n_ctx = 512) {
    auto o = model_options(tiny_model_path(), n_ctx, 4);
    o.flash_attn = "off";
    return o;
}

// Runs a shell command, returning its exit status and captured stdout (stderr → `err`).
struct CommandResult {
    int status = -1;
    std::string out, err;
};

inline CommandResult run_command(const std::string & cmd) {
    const auto err_path = temp_dir() / "stderr.txt";
    CommandResult r;
    FILE * p = popen((cmd + " 2>" + err_path.string()).c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::ifstream e(err_path);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
    return r;
}

}  // namespace rightsize::testing
