// JSON Lines documents (tasks/dataset.cpp), as load_documents reads a .jsonl file.
#include "fuzz_support.h"

#include <rightsize/dataset.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    const std::string text = as_text(data, size);
    expect_only_rightsize_errors([&] { write_as_a_run_does(rightsize::parse_jsonl(text, "fuzz.jsonl")); });
    return 0;
}
