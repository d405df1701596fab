// rightsize serve's /metrics: counters and histograms in Prometheus' text format (version 0.0.4).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rightsize::serve {

// A Prometheus histogram: cumulative buckets (upper bounds in seconds), sum and count.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double v);
    // The lines of metric `name` (with _bucket, _sum and _count).
    std::string text(const std::string & name) const;

private:
    std::vector<double> bounds_;
    std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
    double sum_ = 0;
    uint64_t count_ = 0;
};

// Figures the engine knows at scrape time.
struct EngineGauges {
    size_t running = 0;       // sequences generating
    size_t waiting = 0;       // accepted requests not running
    double kv_usage = 0;      // running sequences / -np
    uint64_t scoring_batches = 0;
    uint64_t scored_prompts = 0;
};

class Metrics {
public:
    Metrics();
    void request(const std::string & route, int status, double seconds);
    void tokens(uint64_t prompt, uint64_t generated);
    void first_token(double seconds);
    void inter_token(double seconds);
    std::string text(const EngineGauges & g) const;

private:
    mutable std::mutex mu_;
    std::map<std::pair<std::string, int>, uint64_t> requests_;
    uint64_t prompt_tokens_ = 0, generation_tokens_ = 0;
    Histogram duration_, ttft_, itl_;
};

}  // namespace rightsize::serve
