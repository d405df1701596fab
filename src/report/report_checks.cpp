// What qualifies a task's comparison (report_section.h): hardware classes, the report's banners,
// PER's uncertainty.
#include "report_section.h"

#include "per_bootstrap.h"
#include "report_format.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

namespace rightsize {

using report_format::num;

// The comparison options a report's options ask for.
ComparisonOptions comparison_options(const ReportOptions & options) {
    ComparisonOptions co;
    co.per.variant = options.per_variant == "energy-aware" ? PerVariant::EnergyAware : PerVariant::Relative;
    co.few_models_fixed_bounds = options.per_variant == "auto";
    co.delta = options.delta;
    return co;
}

void keep_one_hardware_class(TaskSection & s) {
    std::map<std::string, std::vector<size_t>> by_class;  // class → records
    for (size_t k = 0; k < s.records.size(); ++k) {
        const json & c = s.t["rows"][s.row_of[k]]["hardware_class"];
        by_class[c.is_string() ? c.get<std::string>() : ""].push_back(k);
    }
    s.t["hardware_classes"] = by_class.size();
    if (by_class.size() <= 1) return;
    const std::vector<size_t> * kept = nullptr;
    for (const auto & [c, ks] : by_class) {
        if (!kept || ks.size() > kept->size() || (ks.size() == kept->size() && ks.front() < kept->front())) kept = &ks;
    }
    std::string others;
    std::vector<PerRecord> records;
    std::vector<size_t> rows;
    for (size_t k = 0; k < s.records.size(); ++k) {
        json & row = s.t["rows"][s.row_of[k]];
        if (std::find(kept->begin(), kept->end(), k) != kept->end()) {
            records.push_back(std::move(s.records[k]));
            rows.push_back(s.row_of[k]);
            continue;
        }
        row["per_excluded"] = "measured on another hardware class";
        others += (others.empty() ? "" : "; ") + row["model"].get<std::string>() + " (" + row["hardware_class"].get<std::string>() + ")";
    }
    s.t["notes"].push_back("The models' efficiency on " + s.t["task"].get<std::string>() + " was measured on " + std::to_string(by_class.size()) +
                           " hardware classes; PER, Pareto and the recommendation compare those measured on " +
                           s.t["rows"][rows.front()]["hardware_class"].get<std::string>() + " only. Left out: " + others + ".");
    s.records = std::move(records);
    s.row_of = std::move(rows);
}

// The banners a report opens with beyond energy's: a merge of incomplete shards, mixed hardware.
json report_banners(const ReportInput & input, const json & task_docs) {
    json banners = json::array();
    for (const auto & m : input.models) {
        const json & merge = report_format::member(m, "rightsize_merge");
        if (merge.is_object() && merge.value("partial", false)) {
            banners.push_back({{"id", "partial-merge"}, {"title", "Merged from incomplete shards."},
                               {"text", merge.value("note", std::string("some shards or documents are missing")) +
                                            " (merge.json lists the missing shards and documents)."}});
            break;
        }
    }
    std::string busy;
    for (const auto & t : task_docs) {
        for (const auto & r : t["rows"]) {
            if (!r.value("disturbed", false)) continue;
            busy += (busy.empty() ? "" : "; ") + r["model"].get<std::string>() + " · " + t["task"].get<std::string>() + " (" +
                    r.value("disturbed_reason", std::string()) + ")";
        }
    }
    if (!busy.empty()) {
        banners.push_back({{"id", "disturbed"}, {"title", "The machine was busy while some figures were measured."},
                           {"text", "Other processes (or the hypervisor) took CPU time during: " + busy +
                                    ". Their speed, latency and energy are not the model's alone, and PER, the Pareto sets and "
                                    "the energy advice that use them may be wrong. Re-run on a quiet machine "
                                    "(rightsize run --require-quiet waits for one)."}});
    }
    for (const auto & t : task_docs) {
        bool mixed = t.value("hardware_classes", size_t(1)) > 1;
        for (const auto & r : t["rows"]) mixed = mixed || r.value("mixed_hardware", false);
        if (!mixed) continue;
        banners.push_back({{"id", "mixed-hardware"}, {"title", "Measured on more than one kind of machine."},
                           {"text", "Shards of this run ran on different hardware classes. Throughput, latency and memory are "
                                    "compared only within one class (see each task's notes and by_hardware_class in results.json); "
                                    "energy and CO2e are summed over every machine."}});
        break;
    }
    return banners;
}

// PER's intervals and ranks from the documents, when every compared model's are at hand.
void add_per_uncertainty(TaskSection & s, const ReportInput & input, const ReportOptions & options) {
    json & t = s.t;
    const std::string task = t["task"];
    std::vector<const DocumentFigures *> docs;
    for (size_t k = 0; k < s.records.size(); ++k) {
        const size_t i = t["rows"][s.row_of[k]]["index"].get<size_t>();
        const auto it = i < input.documents.size() ? input.documents[i].find(task) : std::map<std::string, DocumentFigures>::const_iterator();
        docs.push_back(i < input.documents.size() && it != input.documents[i].end() ? &it->second : nullptr);
    }
    const json boot = per_bootstrap(s.records, docs, t["headline"].value("higher_is_better", true), comparison_options(options));
    if (boot.is_null()) return;
    t["per_uncertainty"] = boot;
    for (size_t k = 0; k < s.records.size(); ++k) {
        json & row = t["rows"][s.row_of[k]];
        if (row.contains("per")) row["per"]["ci95"] = boot["per_ci95"][row["model"].get<std::string>()];
    }
    if (!boot["separable"].get<bool>()) {
        std::string pairs;
        for (const auto & r : boot["rank"]) {
            if (r["share"].get<double>() >= 0.95) continue;
            char pct[16];
            snprintf(pct, sizeof pct, "%.0f%%", 100 * r["share"].get<double>());
            pairs += (pairs.empty() ? "" : "; ") + r["above"].get<std::string>() + " above " + r["below"].get<std::string>() + " in " + pct;
        }
        t["notes"].push_back("PER cannot rank the models at 95 %: over " + std::to_string(boot["resamples"].get<int>()) +
                             " bootstrap draws of the documents, " + pairs + " of the draws. The difference is within noise; run more documents.");
    }
}

}  // namespace rightsize
