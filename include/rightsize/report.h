// The comparison people act on: per-task tables, PER, Pareto fronts, the recommendation, rendered as
// one self-contained HTML file (inline CSS and SVG) and Markdown.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace rightsize {

// What a report is made from: the results.json documents of one run (one per model), as written by
// `rightsize run` (layout in docs/results.md).
// One model's per-document figures on one task, for the bootstrap of PER (samples_<task>.jsonl):
// the headline quality, the document's share of its batch's time, its energy (J) and generated
// tokens, by doc_id.
struct DocumentFigures {
    std::vector<long long> ids;
    std::vector<double> quality, cost_ms, energy_j, generated;
};

struct ReportInput {
    std::vector<nlohmann::json> models;  // results.json objects
    std::string origin;                  // the directory or database it came from
    std::string run_id;
    // Human-likeness votes (rightsize vote): one tally_votes() object per (run, generation task)
    // with votes in the run's store, for the report's human-likeness section. Empty when the input
    // has no store, the store no votes table, or the run no votes.
    nlohmann::json votes = nlohmann::json::array();
    // Per model (parallel to `models`; may be empty): task → its documents' figures, when the
    // samples are at hand (a run folder). With them, PER gets intervals and ranks (analyse).
    std::vector<std::map<std::string, DocumentFigures>> documents;
};

// A run directory (every <dir>/*/results.json), a single results.json, or a SQLite store (the
// latest complete run, or run_id when given; results.json objects rebuilt from task_results).
// Votes are read from the store (a run directory's rightsize.sqlite, or the store given) for the
// run(s) reported. Throws Error naming the path and what was expected.
ReportInput load_report_input(const std::string & path, const std::string & run_id = "");

// Reads `dir`/<model>/samples_<task>.jsonl for every model × task of in.models into in.documents
// (missing or unreadable files are skipped: PER then has no interval for that task).
void load_document_figures(ReportInput & in, const std::string & dir);

struct ReportOptions {
    double delta = 0.02;       // recommendation: quality within delta of the best
    // "auto": Cao et al.'s relative PER, or fixed-bounds on a task of fewer than three models (where
    // relative gives the worse model 0; the bounds and the reason are in the task's notes);
    // "relative" and "energy-aware" show that variant on every task.
    std::string per_variant = "auto";
    std::string title = "rightsize report";
};

// Everything the renderers show, computed once: per task the models' quality ± stderr, THR, LAT,
// MEM, energy (with source), CO2e, PER (relative and energy-aware when energy exists), Pareto
// sets, the recommendation; provenance; and "probes" (the behaviour-probe sections, only when
// the run has probe tasks or votes; see report_probes.h). Also printed by `rightsize run` at the end.
nlohmann::json analyse(const ReportInput & input, const ReportOptions & options = {});

// per.csv of an analysis: its PER rows (relative, and energy-aware where every model has energy),
// written by per_rows_csv (comparison.h) as `rightsize per --format csv` writes them.
std::string render_per_csv(const nlohmann::json & analysis);

std::string render_html(const nlohmann::json & analysis);
std::string render_markdown(const nlohmann::json & analysis);
// A plain-text recommendation block for the terminal (one paragraph per task).
std::string render_recommendation_text(const nlohmann::json & analysis);

}  // namespace rightsize
