// The report's analysis of one task, shared by its translation units (report.cpp builds the
// sections; report_checks.cpp adds what qualifies them: hardware classes, banners, PER's
// uncertainty).
#pragma once

#include <rightsize/comparison.h>
#include <rightsize/per_input.h>
#include <rightsize/report.h>

#include <nlohmann/json.hpp>

#include <vector>

namespace rightsize {

using nlohmann::json;

// One task's section before the comparison: a row per model with its figures, and the records
// (PER's inputs and the recommendation's candidates) of the models with complete figures.
struct TaskSection {
    json t;
    std::vector<PerRecord> records;
    std::vector<size_t> row_of;  // records index → row index
};

ComparisonOptions comparison_options(const ReportOptions & options);

// Efficiency is compared only between models measured on one hardware class: when a merge's models
// ran on several, the class with the most models is compared (ties: the first model's) and the
// others are named and left out.
void keep_one_hardware_class(TaskSection & s);

// The banners a report opens with beyond energy's: a partial merge, a disturbed machine, mixed hardware.
json report_banners(const ReportInput & input, const json & task_docs);

// PER's intervals and ranks from the documents (per_bootstrap), when every compared model's are at hand.
void add_per_uncertainty(TaskSection & s, const ReportInput & input, const ReportOptions & options);

}  // namespace rightsize
