// A results.json (the report's loader, src/report/report_load.cpp, and per's reader of the same
// file, src/analysis/per_input.cpp) as `rightsize report` and `rightsize per` read it: loaded, then
// analysed (the report's figures and its recommendation text) and compared.
#include "fuzz_support.h"

#include <rightsize/comparison.h>
#include <rightsize/per_input.h>
#include <rightsize/report.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    const std::string path = write_temp("run/results.json", as_text(data, size));
    expect_only_rightsize_errors([&] {
        const auto analysis = rightsize::analyse(rightsize::load_report_input(path));
        (void)rightsize::render_recommendation_text(analysis);
    });
    expect_only_rightsize_errors([&] {
        std::vector<std::string> warnings;
        (void)rightsize::compare_models(rightsize::read_per_inputs(path, {}, &warnings));
    });
    return 0;
}
