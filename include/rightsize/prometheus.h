// A served model's energy and memory from the Prometheus its operators already run (the GPU
// exporter DCGM, or node_exporter's RAPL collector), read as the exact difference of a counter at a
// window's start and end: two instant queries (GET /api/v1/query), never increase() or rate(),
// which extrapolate. Prometheus returns each series' newest sample at or before the query time, so
// a window is as exact as the scrape interval (the figures say which interval they rest on).
#pragma once

#include <rightsize/energy.h>

#include <memory>
#include <optional>
#include <string>

namespace rightsize {

struct PrometheusOptions {
    std::string url;           // the server, e.g. http://127.0.0.1:9090
    std::string energy_query;  // empty: the first of the known counters that has data (below)
    double energy_scale = 0;   // joules per unit of energy_query's value; 0: known from the query (mJ for DCGM)
    std::string memory_query;  // empty: sum(DCGM_FI_DEV_FB_USED) in MiB, when it has data
    int timeout_s = 10;
};

// The counters tried when no query is given, in order: the GPUs' energy (DCGM, millijoules) and the
// CPU packages' (node_exporter's RAPL collector, joules). Each is summed over its series.
inline constexpr const char * kDcgmEnergyQuery = "sum(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION)";
inline constexpr const char * kRaplEnergyQuery = "sum(node_rapl_package_joules_total)";
inline constexpr const char * kDcgmMemoryQuery = "sum(DCGM_FI_DEV_FB_USED)";

class PrometheusMeter {
public:
    // Connects and chooses the queries; throws rightsize::Error naming the URL and the query when
    // the server does not answer or no energy counter has data.
    explicit PrometheusMeter(const PrometheusOptions & options);
    ~PrometheusMeter();
    PrometheusMeter(const PrometheusMeter &) = delete;
    PrometheusMeter & operator=(const PrometheusMeter &) = delete;

    const std::string & energy_query() const;
    const std::string & memory_query() const;  // empty when there is none
    // The energy counter's value now, in joules (an instant query at this second).
    double energy_j_now();
    // The memory query's value (MiB) now; nullopt when there is no memory query or it has no data.
    std::optional<double> memory_mb_now();

    void start();
    // Energy since start() or the previous lap(): source "measured:prometheus", the query as its part.
    // A counter that went down (an exporter restart) is an error naming the query.
    EnergyReading lap();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rightsize
