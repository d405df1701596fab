// The toolkit of a report section's analysis (report_sections.h; the probes' in src/probes): reading
// figures out of the results.json objects, building table rows, formatting numbers for readings,
// and comparing figures against each other and against reference values.
#pragma once

#include <rightsize/report.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rightsize::report_probes {

struct Ctx {
    const ReportInput & input;
    const std::vector<std::string> & keys;  // model names, as analyse() shows them
};

// results.<task> of model i (an empty object when absent).
const nlohmann::json & task_results(const Ctx & c, size_t i, const std::string & task);
bool has_task(const Ctx & c, const std::string & task);
// Tasks of any model whose name starts with prefix, in order of first appearance.
std::vector<std::string> tasks_with_prefix(const Ctx & c, const std::string & prefix);
// The "<metric>,<filter>" key under which `metric` is stored for the task: the headline's filter
// when it names that metric, else "none", else the first filter present. Empty if absent.
std::string metric_key(const Ctx & c, const std::string & task, const std::string & metric);
// The task's headline "<metric>,<filter>" (results.json "headline"), else its first numeric figure.
std::string headline_key(const Ctx & c, const std::string & task);

// The number at results.<task>.<key> (a dotted key without a comma is a path into nested
// objects: "screen.knowledge.parse_rate"), and its "<metric>_stderr,<filter>" twin.
std::optional<double> value(const Ctx & c, size_t i, const std::string & task, const std::string & key);
std::optional<double> stderr_of(const Ctx & c, size_t i, const std::string & task, const std::string & key);
// Documents evaluated: n-samples.<task>.effective, else efficiency.<task>.n_samples.
std::optional<double> n_docs(const Ctx & c, size_t i, const std::string & task);

nlohmann::json reference(const std::string & text, std::optional<double> v = std::nullopt, std::optional<double> lo = std::nullopt,
                         std::optional<double> hi = std::nullopt);

// A table row of results figures, one cell per model ({"model", "index", "value", "stderr", "n"};
// null where the model lacks it). format: "percent" for rates in [0, 1], "number" otherwise.
nlohmann::json row(const Ctx & c, const std::string & task, const std::string & key, const std::string & label,
                   const std::string & better, const std::string & format, nlohmann::json ref = nullptr);
// A row computed by the analysis from other figures (source "derived").
nlohmann::json derived_row(const std::string & task, const std::string & metric, const std::string & label,
                           const std::string & format, nlohmann::json cells);
nlohmann::json cell(const Ctx & c, size_t i, std::optional<double> v, std::optional<double> se, std::optional<double> n);
std::optional<double> cell_value(const nlohmann::json & row, size_t model);
std::optional<double> cell_stderr(const nlohmann::json & row, size_t model);
bool row_has_values(const nlohmann::json & row);

// Readings' numbers: "20 %", "20 % (± 13)", "0.24", "+0.10 ± 0.26".
std::string pct(double v);
std::string pct_pm(double v, std::optional<double> se);
std::string fixed(double v, int decimals = 2);
std::string signed_pm(double v, std::optional<double> se);
std::string shown(const nlohmann::json & row, double v, std::optional<double> se);  // by the row's format

// +1 when v lies above ref beyond 1.96 standard errors, −1 below, 0 within noise (or no stderr
// and v == ref).
int versus(double v, std::optional<double> se, double ref);
// Whether two figures differ significantly at 95 %: |a − b| ≥ 1.96·√(se_a² + se_b²).
bool significant(double a, std::optional<double> sa, double b, std::optional<double> sb);

// A sentence comparing the models on the rows of a table (two or more models with values):
// which figures differ beyond noise, and which overlap within their standard errors. Empty
// when fewer than two models have figures.
std::string compare_models(const Ctx & c, const nlohmann::json & rows, const std::string & what);
// A caveat when some task of the rows was evaluated on few documents; empty otherwise.
std::string few_documents(const nlohmann::json & tables);
// True when every figure model i has in these rows is 0 (it gave no usable answers).
bool all_zero(const nlohmann::json & rows, size_t model);
// Every row of a family's tables.
nlohmann::json family_rows(const nlohmann::json & family);

nlohmann::json table(const std::string & id, const std::string & title, const std::string & caption, nlohmann::json rows);
nlohmann::json family(const std::string & id, const std::string & title, const std::string & paper);

}  // namespace rightsize::report_probes
