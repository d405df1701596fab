// rightsize serve's /metrics (serve_metrics.h).
#include "serve_metrics.h"

#include "../measure/process_memory.h"

#include <algorithm>
#include <cstdio>

namespace rightsize::serve {

namespace {

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string header(const std::string & name, const char * type, const char * help) {
    return "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// Label values escape backslash, quote and newline.
std::string label(const std::string & v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
    const size_t i = size_t(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    ++counts_[i];
    sum_ += v;
    ++count_;
}

std::string Histogram::text(const std::string & name) const {
    std::string out;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += counts_[i];
        out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    out += name + "_sum " + number(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
    return out;
}

Metrics::Metrics()
    : duration_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}),
      ttft_({0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10}),
      itl_({0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1}) {}

void Metrics::request(const std::string & route, int status, double seconds) {
    std::lock_guard lock(mu_);
    ++requests_[{route, status}];
    duration_.observe(seconds);
}

void Metrics::tokens(uint64_t prompt, uint64_t generated) {
    std::lock_guard lock(mu_);
    prompt_tokens_ += prompt;
    generation_tokens_ += generated;
}

void Metrics::first_token(double seconds) {
    std::lock_guard lock(mu_);
    ttft_.observe(seconds);
}

void Metrics::inter_token(double seconds) {
    std::lock_guard lock(mu_);
    itl_.observe(seconds);
}

std::string Metrics::text(const EngineGauges & g) const {
    std::lock_guard lock(mu_);
    std::string out = header("rightsize_requests_total", "counter", "HTTP requests answered, by route and status.");
    for (const auto & [key, n] : requests_) {
        out += "rightsize_requests_total{route=\"" + label(key.first) + "\",status=\"" + std::to_string(key.second) + "\"} " +
               std::to_string(n) + "\n";
    }
    out += header("rightsize_prompt_tokens_total", "counter", "Prompt tokens processed (scored or prefilled).");
    out += "rightsize_prompt_tokens_total " + std::to_string(prompt_tokens_) + "\n";
    out += header("rightsize_generation_tokens_total", "counter", "Tokens generated.");
    out += "rightsize_generation_tokens_total " + std::to_string(generation_tokens_) + "\n";
    out += header("rightsize_request_duration_seconds", "histogram", "Time from a request's arrival to its last byte.");
    out += duration_.text("rightsize_request_duration_seconds");
    out += header("rightsize_time_to_first_token_seconds", "histogram", "Time from a generation's start to its first token.");
    out += ttft_.text("rightsize_time_to_first_token_seconds");
    out += header("rightsize_inter_token_latency_seconds", "histogram", "Time between consecutive generated tokens.");
    out += itl_.text("rightsize_inter_token_latency_seconds");
    out += header("rightsize_requests_running", "gauge", "Sequences generating now.");
    out += "rightsize_requests_running " + std::to_string(g.running) + "\n";
    out += header("rightsize_requests_waiting", "gauge", "Accepted requests not yet running.");
    out += "rightsize_requests_waiting " + std::to_string(g.waiting) + "\n";
    out += header("rightsize_kv_cache_usage_ratio", "gauge", "Share of the -np generation sequences in use (0 to 1).");
    out += "rightsize_kv_cache_usage_ratio " + number(g.kv_usage) + "\n";
    out += header("rightsize_scoring_batches_total", "counter", "score_prompts calls; prompts from concurrent requests share one.");
    out += "rightsize_scoring_batches_total " + std::to_string(g.scoring_batches) + "\n";
    out += header("rightsize_scored_prompts_total", "counter", "Prompts scored (echo with log-probabilities).");
    out += "rightsize_scored_prompts_total " + std::to_string(g.scored_prompts) + "\n";
    const ProcessMemory mem = read_process_memory();
    out += header("process_resident_memory_bytes", "gauge", "Resident memory of the server process (measured, /proc/self/status).");
    out += "process_resident_memory_bytes " + std::to_string(mem.rss_bytes) + "\n";
    return out;
}

}  // namespace rightsize::serve
