#include <rightsize/carbon.h>

#include <rightsize/error.h>

#include "core/text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace rightsize {

namespace {

const IntensityEntry * find_entry(const std::vector<IntensityEntry> & table, const std::string & key) {
    for (const IntensityEntry & e : table)
        if (e.key == key) return &e;
    return nullptr;
}

// Shortest text that reads back as the same double (what Python's repr writes in CodeCarbon's
// CSV), so a round trip through the CSV loses nothing.
std::string number(double x) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

// Three significant digits for the lifecycle method sentence, exponents written short (1.1e9,
// not 1.1e+09).
std::string sig3(double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g", x);
    std::string s = buf;
    const auto e = s.find('e');
    if (e == std::string::npos) return s;
    std::string exponent = s.substr(e + 1);
    const bool negative = exponent[0] == '-';
    exponent = exponent.substr(exponent.find_first_not_of("+-0"));
    return s.substr(0, e + 1) + (negative ? "-" : "") + exponent;
}

// RFC 4180: a field holding a comma, quote or line break is quoted, and its quotes doubled.
std::string csv_field(const std::string & s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// One CSV record, newline-terminated so records can simply be appended to the header.
std::string join_csv(const std::vector<std::string> & fields) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) line += ',';
        line += csv_field(fields[i]);
    }
    return line + "\n";
}

nlohmann::json optional_json(const std::optional<double> & x) {
    return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

}  // namespace

CarbonIntensity resolve_carbon_intensity(const CarbonOptions & options) {
    const std::string country = text::upper(text::strip(options.country));
    const std::string cloud = text::lower(text::strip(options.cloud));

    std::vector<std::string> given;
    if (options.g_per_kwh) given.push_back("--carbon-intensity");
    if (!country.empty()) given.push_back("--country");
    if (!cloud.empty()) given.push_back("--cloud");
    if (given.size() > 1) {
        std::string list;
        for (size_t i = 0; i < given.size(); ++i) list += (i ? (i + 1 == given.size() ? " and " : ", ") : "") + given[i];
        throw Error("--carbon-intensity, --country and --cloud each set the grid's carbon intensity; give at most "
                    "one (got " + list + ")");
    }
    // PUE is a ratio of facility energy to IT energy, so it cannot be below 1 (NaN fails too).
    if (!(options.pue >= 1.0) || !std::isfinite(options.pue))
        throw Error("--pue must be a number ≥ 1 (got " + number(options.pue) +
                    "): it is the data centre's total energy divided by the IT equipment's, 1.0 meaning no "
                    "overhead; typical values are 1.1 (hyperscale cloud) to 1.6 (server room)");

    CarbonIntensity ci;
    if (options.g_per_kwh) {
        const double g = *options.g_per_kwh;
        if (!(g >= 0.0) || !std::isfinite(g))
            throw Error("--carbon-intensity must be a number of gCO2e per kWh ≥ 0 (got " + number(g) + ")");
        ci.g_per_kwh = g;
        ci.origin = "user (--carbon-intensity)";
        ci.source = "given by the user";
        return ci;
    }
    if (!cloud.empty()) {
        const IntensityEntry * e = find_entry(cloud_intensities(), cloud);
        if (!e)
            throw Error("--cloud '" + options.cloud + "' is not a known region; write PROVIDER:REGION with provider gcp, "
                        "aws or azure (e.g. gcp:europe-west1, aws:us-east-1, azure:westeurope); docs/carbon.md lists "
                        "every region, or give the figure with --carbon-intensity G");
        ci.g_per_kwh = e->g_per_kwh;
        ci.origin = "cloud " + e->key;
        ci.source = e->source;
        return ci;
    }
    if (!country.empty()) {
        const IntensityEntry * e = find_entry(country_intensities(), country);
        if (!e) {
            std::string message = "--country '" + options.country + "' is not in the table of countries";
            if (country.size() != 3) message += " (it takes an ISO 3166-1 alpha-3 code: three letters, USA not US)";
            throw Error(message + "; valid codes include USA, DEU, FRA, GBR, IND, CHN, JPN, BRA; docs/carbon.md lists "
                                  "every country, or give the figure with --carbon-intensity G");
        }
        ci.g_per_kwh = e->g_per_kwh;
        ci.origin = "country " + e->key;
        ci.source = e->source;
        return ci;
    }
    ci.g_per_kwh = kWorldAverageIntensity;
    ci.origin = "world average (default)";
    ci.source = "IEA world average, Global Energy & CO2 Status Report 2019 (CodeCarbon's default)";
    return ci;
}

double co2e_grams(double kwh, double g_per_kwh, double pue) { return kwh * g_per_kwh * pue; }

nlohmann::json Co2eFigures::to_json() const {
    return {{"energy_kwh", energy_kwh},
            {"co2e_g", co2e_g},
            {"g_per_1000_queries", g_per_1000_queries},
            {"g_per_correct", optional_json(g_per_correct)},
            {"g_per_1m_tokens", optional_json(g_per_1m_tokens)}};
}

Co2eFigures co2e_figures(double energy_kwh, const CarbonIntensity & ci, double pue, double n_queries,
                         double n_correct, double n_tokens) {
    Co2eFigures f;
    f.energy_kwh = energy_kwh;
    f.co2e_g = co2e_grams(energy_kwh, ci.g_per_kwh, pue);
    // A window with no queries has no per-query figure; 0 keeps the field a number.
    f.g_per_1000_queries = n_queries > 0 ? f.co2e_g / n_queries * 1000.0 : 0.0;
    // Nothing answered correctly: the cost per correct answer is unbounded, so it is left out.
    if (n_correct > 0) f.g_per_correct = f.co2e_g / n_correct;
    if (n_tokens > 0) f.g_per_1m_tokens = f.co2e_g / n_tokens * 1e6;
    return f;
}

nlohmann::json Lifecycle::to_json() const {
    return {{"training_kg", training_kg},
            {"estimated", estimated},
            {"method", method},
            {"queries", queries},
            {"training_g_per_query", training_g_per_query},
            {"inference_g_per_query", inference_g_per_query},
            {"total_g_per_query", total_g_per_query}};
}

Lifecycle amortise(const TrainingFootprint & t, double expected_queries, double inference_g_per_query) {
    if (!(expected_queries > 0) || !std::isfinite(expected_queries))
        throw Error("lifecycle: the expected number of queries must be > 0 (got " + number(expected_queries) +
                    "); the training footprint is shared out over the queries the deployment will serve");
    Lifecycle l;
    l.queries = expected_queries;
    l.inference_g_per_query = inference_g_per_query;
    if (t.kg_co2e) {
        if (!(*t.kg_co2e >= 0) || !std::isfinite(*t.kg_co2e))
            throw Error("lifecycle: the training footprint must be kg CO2e ≥ 0 (got " + number(*t.kg_co2e) + ")");
        l.training_kg = *t.kg_co2e;
        l.method = "training footprint of " + sig3(l.training_kg) + " kg CO2e as given, shared equally over " +
                   sig3(expected_queries) + " queries.";
    } else {
        if (!(t.n_params > 0) || !(t.n_tokens > 0))
            throw Error("lifecycle: no training footprint: give the training emissions in kg CO2e, or the model's "
                        "parameter count and training tokens (both > 0) to estimate them");
        if (!(t.hw_flops > 0) || !(t.utilisation > 0 && t.utilisation <= 1) || !(t.hw_watts > 0) ||
            !(t.pue >= 1) || !(t.g_per_kwh >= 0))
            throw Error("lifecycle: the estimate needs hardware FLOP/s > 0, utilisation in (0, 1], accelerator watts "
                        "> 0, PUE ≥ 1 and a carbon intensity ≥ 0");
        // Kaplan et al. 2020: training costs about 6 FLOPs per parameter per token (2 forward, 4 backward).
        const double flops = 6.0 * t.n_params * t.n_tokens;
        const double seconds = flops / (t.hw_flops * t.utilisation);
        const double kwh = seconds * t.hw_watts * t.pue / 3.6e6;
        l.training_kg = kwh * t.g_per_kwh / 1000.0;
        l.estimated = true;
        l.method = "training estimated as 6·N·D = 6 × " + sig3(t.n_params) + " parameters × " + sig3(t.n_tokens) +
                   " tokens = " + sig3(flops) + " FLOPs (Kaplan et al. 2020), run at " + sig3(t.utilisation * 100) +
                   "% of " + sig3(t.hw_flops / 1e12) + " TFLOP/s per accelerator → " + sig3(seconds / 3600) +
                   " accelerator-hours × " + sig3(t.hw_watts) + " W × PUE " + sig3(t.pue) + " = " + sig3(kwh) +
                   " kWh × " + sig3(t.g_per_kwh) + " g/kWh = " + sig3(l.training_kg) +
                   " kg CO2e; counts accelerator power only (no host CPU/RAM, networking, failed or tuning runs, "
                   "or embodied emissions), so it is a lower bound; shared equally over " + sig3(expected_queries) +
                   " queries.";
    }
    l.training_g_per_query = l.training_kg * 1000.0 / expected_queries;
    l.total_g_per_query = l.training_g_per_query + l.inference_g_per_query;
    return l;
}

std::string emissions_csv_header() {
    return join_csv({// CodeCarbon's columns, in its order
                     "timestamp", "project_name", "run_id", "duration", "emissions", "emissions_rate", "cpu_power",
                     "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed",
                     "country_name", "country_iso_code", "region", "cloud_provider", "cloud_region", "os", "cpu_count",
                     "cpu_model", "gpu_count", "gpu_model", "ram_total_size", "tracking_mode", "on_cloud", "pue",
                     // rightsize's own
                     "model", "task", "energy_source", "carbon_intensity_g_per_kwh", "intensity_origin"});
}

std::string emissions_csv_line(const EmissionsRow & row) {
    constexpr double kJoulesPerKwh = 3.6e6;
    const double cpu_kwh = row.cpu_j / kJoulesPerKwh, gpu_kwh = row.gpu_j / kJoulesPerKwh,
                 ram_kwh = row.ram_j / kJoulesPerKwh;
    // energy_consumed is the IT energy (CodeCarbon: the sum of the three parts); PUE only enters
    // the emissions, and its value is in the pue column.
    const double kwh = cpu_kwh + gpu_kwh + ram_kwh;
    const double kg = co2e_grams(kwh, row.intensity.g_per_kwh, row.pue) / 1000.0;
    const bool has_time = row.duration_s > 0;
    // Mean power over the window: energy / time.
    auto watts = [&](double j) { return has_time ? j / row.duration_s : 0.0; };

    std::string country_name;
    if (const IntensityEntry * c = find_entry(country_intensities(), text::upper(row.country_iso))) country_name = c->name;
    std::string region;
    if (!row.cloud_provider.empty())
        if (const IntensityEntry * c = find_entry(cloud_intensities(), text::lower(row.cloud_provider + ":" + row.cloud_region)))
            region = c->name;
    // CodeCarbon's tracking_mode: the energy's scope (--energy-scope), as the run recorded it.
    std::string tracking_mode = row.scope;
    if (tracking_mode.empty()) {  // older results: RAPL and NVML counted the whole machine; the estimate this process's load
        if (row.energy_source.find("measured") != std::string::npos) tracking_mode = "machine";
        else if (row.energy_source.find("estimated") != std::string::npos) tracking_mode = "process";
    }

    return join_csv({row.timestamp,
                     row.project_name,
                     row.run_id,
                     number(row.duration_s),
                     number(kg),
                     number(has_time ? kg / row.duration_s : 0.0),
                     number(watts(row.cpu_j)),
                     number(watts(row.gpu_j)),
                     number(watts(row.ram_j)),
                     number(cpu_kwh),
                     number(gpu_kwh),
                     number(ram_kwh),
                     number(kwh),
                     country_name,
                     text::upper(row.country_iso),
                     region,
                     row.cloud_provider,
                     row.cloud_region,
                     row.os,
                     std::to_string(row.cpu_count),
                     row.cpu_model,
                     std::to_string(row.gpu_count),
                     row.gpu_model,
                     number(row.ram_total_gb),
                     tracking_mode,
                     row.cloud_provider.empty() ? "N" : "Y",
                     number(row.pue),
                     row.model,
                     row.task,
                     row.energy_source,
                     number(row.intensity.g_per_kwh),
                     row.intensity.origin});
}

}  // namespace rightsize
