// The Jinja engine: the input up to its first NUL is a template, the rest a JSON document to render
// it over (a fixed multiple-choice document when there is no NUL or the rest is not a JSON object).
// Parsed, rendered, and evaluated as a single expression, as task fields are.
#include "fuzz_support.h"

#include <rightsize/jinja.h>

namespace {

const nlohmann::json & default_document() {
    static const nlohmann::json doc = nlohmann::json::parse(R"({
        "question": "Which is the largest planet?", "choices": {"text": ["Mars", "Jupiter"], "label": ["A", "B"]},
        "answerKey": "B", "label": 1, "score": 0.5, "passage": "Jupiter is large.", "tags": [], "none": null,
        "ctx": "A man is", "endings": ["a", "b", "c"], "ok": true})");
    return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    const Split parts = split_at_nul(as_text(data, size));
    nlohmann::json doc = nlohmann::json::parse(parts.second, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) doc = default_document();
    expect_only_rightsize_errors([&] {
        const auto tmpl = rightsize::Template::parse(parts.first, "fuzz.yaml: doc_to_text");
        expect_only_rightsize_errors([&] { (void)tmpl.render(doc); });
        expect_only_rightsize_errors([&] { (void)tmpl.evaluate(doc); });
    });
    return 0;
}
