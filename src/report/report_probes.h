// The behaviour-probe sections of the report: per probe family (character composition,
// personality consistency, deception and sycophancy, bias, human-likeness) the models' figures
// with their standard errors, the papers' reference figures where the code base has them, and a
// plain-language reading generated from the numbers. docs/report.md, "Behaviour probes".
#pragma once

#include <rightsize/report.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rightsize {

// {"families": [...]}: one entry per family present in the results (or, for human-likeness, in
// input.votes), in the order character composition, personality, deception & sycophancy, bias,
// human-likeness. model_keys[i] is the name analyse() gives input.models[i]. Each family:
//   {"id", "title", "paper", "status": "ok"|"unreliable"|"insufficient",
//    "tables": [{"id", "title", "caption", "rows": [{"task", "metric", "label", "source",
//                "better": "higher"|"lower"|"", "reference": {"text", "value"|"lo"/"hi"} | null,
//                "cells": [{"model", "index", "value", "stderr", "n"}]}]}],
//    "references": [{"label", "text", "source"}], "readings": [sentence, …], "notes": [sentence, …]}
// and human-likeness adds "votes": [{"run_id", "task", "pairs": [{model_a, model_b, voters,
// n_votes, ties, rate, lo, hi, left_share, order_consistency, reading, …}]}]. Numbers stay
// numbers (null where a figure is missing or undefined).
nlohmann::json analyse_probes(const ReportInput & input, const std::vector<std::string> & model_keys);

// The families as HTML sections (one <section class="probe"> each; every figure a <td> with
// data-* attributes carrying its raw number) and the CSS they need beyond the report's own.
std::string render_probes_html(const nlohmann::json & probes);
const char * probes_css();
// The same as Markdown (## per family).
std::string render_probes_markdown(const nlohmann::json & probes);

}  // namespace rightsize
