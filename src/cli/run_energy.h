// rightsize run's energy and carbon options (--energy, --cpu-tdp, --carbon-intensity, --country,
// --cloud, --pue, the lifecycle view) and --list-carbon. The bookkeeping is the library's
// (src/measure/energy_attribution.h).
#pragma once

#include "args.h"

#include <rightsize/carbon.h>
#include <rightsize/energy.h>

#include <string>

namespace rightsize::cli {

struct EnergyCarbonOptions {
    EnergyOptions energy = [] {
        EnergyOptions e;
        e.scope = "process";  // run's default: each model's share (docs/energy.md, "Scope")
        return e;
    }();
    CarbonOptions carbon;
    LifecycleOptions lifecycle;                     // --expected-queries, --training-co2e, --training-tokens
    bool list_carbon = false;
};

void add_energy_carbon_options(ArgParser & p, EnergyCarbonOptions & o);
// Prints the country and cloud tables (--list-carbon).
void print_carbon_tables();

}  // namespace rightsize::cli
