// rightsize run's energy and carbon options (see run_energy.h).
#include "run_energy.h"

#include "../core/table.h"

#include <rightsize/error.h>

#include <cstdio>

namespace rightsize::cli {

namespace {

// KEY=NUMBER for per-model options.
std::pair<std::string, double> key_number(const std::string & option, const std::string & v) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
        throw UsageError("option '" + option + "' expects MODEL=NUMBER (MODEL is the file name without .gguf), got '" + v + "'");
    }
    const double x = parse_double(option, v.substr(eq + 1));
    if (x < 0) throw UsageError("option '" + option + "' must not be negative, got '" + v + "'");
    return {v.substr(0, eq), x};
}

}  // namespace

void add_energy_carbon_options(ArgParser & p, EnergyCarbonOptions & o) {
    p.value({"--energy"}, "MODE", "auto|rapl|nvml|estimate|off: energy meter (auto: RAPL and NVML counters when readable, "
                                  "else an estimate from the CPU's TDP, labelled estimated everywhere)",
            [&](const std::string & v) {
                if (v != "auto" && v != "rapl" && v != "nvml" && v != "estimate" && v != "off") {
                    throw UsageError("option '--energy' must be auto, rapl, nvml, estimate or off, got '" + v + "'");
                }
                o.energy.mode = v;
            });
    p.value({"--energy-scope"}, "process|machine",
            "process (default): each model's share — RAPL energy by its share of busy CPU time, estimated RAM for the\n"
            "memory it holds; machine: everything the counters see, RAM for the whole machine (CodeCarbon's default)",
            [&](const std::string & v) {
                if (v != "process" && v != "machine") throw UsageError("option '--energy-scope' must be process or machine, got '" + v + "'");
                o.energy.scope = v;
            });
    p.value({"--cpu-tdp"}, "WATTS", "the CPU's TDP for the estimate (default: looked up by CPU model name)",
            [&](const std::string & v) {
                const double w = parse_double("--cpu-tdp", v);
                if (w <= 0) throw UsageError("option '--cpu-tdp' must be positive watts, got '" + v + "'");
                o.energy.cpu_tdp_w = w;
            });
    p.value({"--carbon-intensity"}, "G_PER_KWH", "grid carbon intensity in gCO2e/kWh (default: world average 475)",
            [&](const std::string & v) { o.carbon.g_per_kwh = parse_double("--carbon-intensity", v); });
    p.value({"--country"}, "ISO3", "take the carbon intensity of this country's grid (e.g. FRA, USA; --list-carbon)",
            [&](const std::string & v) { o.carbon.country = v; });
    p.value({"--cloud"}, "PROVIDER:REGION", "take the carbon intensity of a cloud region (e.g. gcp:europe-west1; --list-carbon)",
            [&](const std::string & v) { o.carbon.cloud = v; });
    p.value({"--pue"}, "X", "data-centre power usage effectiveness applied to CO2e (default 1.0)",
            [&](const std::string & v) { o.carbon.pue = parse_double("--pue", v); });
    p.value({"--expected-queries"}, "N", "lifecycle view: queries the deployment will serve (training CO2e per query)",
            [&](const std::string & v) {
                o.lifecycle.expected_queries = parse_double("--expected-queries", v);
                if (o.lifecycle.expected_queries <= 0) throw UsageError("option '--expected-queries' must be positive, got '" + v + "'");
            });
    p.value({"--training-co2e"}, "MODEL=KG", "lifecycle view: a model's training/fine-tuning footprint in kgCO2e (repeatable)",
            [&](const std::string & v) { o.lifecycle.training_kg.insert(key_number("--training-co2e", v)); });
    p.value({"--training-tokens"}, "MODEL=TOKENS", "lifecycle view: estimate the footprint from parameters × training tokens (repeatable)",
            [&](const std::string & v) { o.lifecycle.training_tokens.insert(key_number("--training-tokens", v)); });
    p.flag({"--list-carbon"}, "print the country and cloud-region carbon intensities and exit", [&] { o.list_carbon = true; });
}

void print_carbon_tables() {
    for (const auto * table : {&country_intensities(), &cloud_intensities()}) {
        Table t;
        t.header = {table == &country_intensities() ? "--country" : "--cloud", "name", "gCO2e/kWh", "source"};
        t.right_align = {false, false, true, false};
        for (const auto & e : *table) t.rows.push_back({e.key, e.name, format_fixed(e.g_per_kwh, 0), e.source});
        fputs(t.to_text().c_str(), stdout);
        fputs("\n", stdout);
    }
    printf("default: world average %.0f gCO2e/kWh\n", kWorldAverageIntensity);
}

}  // namespace rightsize::cli
