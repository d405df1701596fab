// A served model's energy and memory from Prometheus (prometheus.h).
#include "http_client.h"

#include <rightsize/error.h>
#include <rightsize/prometheus.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace rightsize {

using nlohmann::json;

namespace {

std::string url_encode(const std::string & s) {
    std::string out;
    for (const unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

struct PrometheusMeter::Impl {
    PrometheusOptions o;
    std::unique_ptr<HttpClient> client;
    std::string energy_query, memory_query;
    double scale = 1;
    double last_j = 0;
    std::chrono::steady_clock::time_point last_t;

    // The instant query's single value, or nullopt when its vector is empty.
    std::optional<double> query(const std::string & q) {
        char t[32];
        std::snprintf(t, sizeof t, "%.3f", unix_now());
        const std::string route = "/api/v1/query?query=" + url_encode(q) + "&time=" + t;
        const std::string where = client->base().url("/api/v1/query") + " (" + q + ")";
        const HttpReply r = client->get(route);
        if (r.status < 200 || r.status >= 300) {
            throw Error(where + ": HTTP " + std::to_string(r.status) + " (" + first_line(r.body) + "); check --prometheus and the query");
        }
        const json j = json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.is_object() || j.value("status", "") != "success" || !j.contains("data") || !j["data"].is_object()) {
            throw Error(where + ": the reply is not a Prometheus query result (" + first_line(r.body) + ")");
        }
        const json & data = j["data"];
        const json result = data.value("result", json());
        if (data.value("resultType", "") != "vector" || !result.is_array()) {
            throw Error(where + ": the query must give an instant vector (wrap it in sum(...) for one figure)");
        }
        if (result.empty()) return std::nullopt;
        if (result.size() > 1) throw Error(where + ": the query gives " + std::to_string(result.size()) + " series; wrap it in sum(...)");
        const json & v = result[0].value("value", json());
        if (!v.is_array() || v.size() != 2 || !v[1].is_string()) throw Error(where + ": a sample without a [time, \"value\"] pair");
        try {
            const double x = std::stod(v[1].get<std::string>());
            if (std::isfinite(x)) return x;
        } catch (const std::exception &) {
        }
        throw Error(where + ": the value '" + v[1].get<std::string>() + "' is not a finite number");
    }
};

PrometheusMeter::PrometheusMeter(const PrometheusOptions & options) : impl_(std::make_unique<Impl>()) {
    auto & d = *impl_;
    d.o = options;
    HttpOptions h;
    h.timeout_s = d.o.timeout_s;
    h.retries = 2;
    d.client = std::make_unique<HttpClient>(parse_api_base(d.o.url, "--prometheus"), h);
    if (!d.o.energy_query.empty()) {
        if (!d.query(d.o.energy_query)) throw Error(d.o.url + ": the energy query '" + d.o.energy_query + "' has no data now");
        d.energy_query = d.o.energy_query;
        d.scale = d.o.energy_scale > 0 ? d.o.energy_scale : 1;
    } else {
        for (const auto & [q, scale] : {std::pair{kDcgmEnergyQuery, 1e-3}, std::pair{kRaplEnergyQuery, 1.0}}) {
            if (d.query(q)) {
                d.energy_query = q;
                d.scale = d.o.energy_scale > 0 ? d.o.energy_scale : scale;
                break;
            }
        }
        if (d.energy_query.empty()) {
            throw Error(d.o.url + ": neither " + std::string(kDcgmEnergyQuery) + " (DCGM, the GPUs) nor " + kRaplEnergyQuery +
                        " (node_exporter's RAPL collector) has data; give the counter with --prometheus-energy QUERY");
        }
    }
    d.memory_query = !d.o.memory_query.empty() ? d.o.memory_query : d.query(kDcgmMemoryQuery) ? kDcgmMemoryQuery : "";
}

PrometheusMeter::~PrometheusMeter() = default;

const std::string & PrometheusMeter::energy_query() const { return impl_->energy_query; }
const std::string & PrometheusMeter::memory_query() const { return impl_->memory_query; }

double PrometheusMeter::energy_j_now() {
    const auto v = impl_->query(impl_->energy_query);
    if (!v) throw Error(impl_->o.url + ": the energy query '" + impl_->energy_query + "' has no data any more (is the exporter down?)");
    return *v * impl_->scale;
}

std::optional<double> PrometheusMeter::memory_mb_now() {
    if (impl_->memory_query.empty()) return std::nullopt;
    return impl_->query(impl_->memory_query);
}

void PrometheusMeter::start() {
    impl_->last_j = energy_j_now();
    impl_->last_t = std::chrono::steady_clock::now();
}

EnergyReading PrometheusMeter::lap() {
    auto & d = *impl_;
    const double now_j = energy_j_now();
    const auto now_t = std::chrono::steady_clock::now();
    if (now_j < d.last_j) {
        throw Error(d.o.url + ": the energy counter '" + d.energy_query + "' went down (" + std::to_string(d.last_j) + " J to " +
                    std::to_string(now_j) + " J): the exporter restarted during the window; run the task again");
    }
    EnergyReading r;
    r.seconds = std::chrono::duration<double>(now_t - d.last_t).count();
    const double j = now_j - d.last_j;
    // DCGM counts the GPUs; any other counter is taken as the package's (CPU) energy.
    (d.energy_query == kDcgmEnergyQuery ? r.gpu_j : r.cpu_j) = j;
    r.parts.push_back({d.energy_query, j, "measured:prometheus", ""});
    r.source = "measured:prometheus";
    d.last_j = now_j;
    d.last_t = now_t;
    return r;
}

}  // namespace rightsize
