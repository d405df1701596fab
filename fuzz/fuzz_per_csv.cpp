// The per CSV (src/analysis/per_input.cpp) as `rightsize per --input per.csv` reads it: read,
// checked for a model given twice, and compared (PER, Pareto sets, the recommendation).
#include "fuzz_support.h"

#include <rightsize/comparison.h>
#include <rightsize/per_input.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    const std::string path = write_temp("per.csv", as_text(data, size));
    expect_only_rightsize_errors([&] {
        std::vector<std::string> warnings;
        const auto records = rightsize::read_per_csv(path, &warnings);
        rightsize::check_unique_models(records);
        (void)rightsize::compare_models(records);
    });
    return 0;
}
