// Tab-separated documents (tasks/dataset.cpp over core/csv.cpp): with a header row, with types
// inferred, and with column_names given (no header); and the RFC 4180 reader alone with trimming
// of unquoted fields, as the per CSV uses it.
#include "fuzz_support.h"

#include <rightsize/dataset.h>

#include "core/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    const std::string text = as_text(data, size);
    const char delimiter = '\t';
    const std::string name = "fuzz.tsv";
    expect_only_rightsize_errors([&] { write_as_a_run_does(rightsize::parse_delimited(text, delimiter, name)); });
    expect_only_rightsize_errors([&] { write_as_a_run_does(rightsize::parse_delimited(text, delimiter, name, /*infer_types=*/true)); });
    expect_only_rightsize_errors([&] { write_as_a_run_does(rightsize::parse_delimited(text, delimiter, name, true, {"a", "b", "c"})); });
    expect_only_rightsize_errors([&] { (void)rightsize::parse_csv(text, name, {delimiter, /*trim_unquoted=*/true}); });
    return 0;
}
