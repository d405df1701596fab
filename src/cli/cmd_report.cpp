// rightsize report: the comparison of a finished (or partly finished) run as one self-contained
// HTML file and/or Markdown, with the recommendation printed to the terminal.
#include "commands.h"

#include "core/atomic_file.h"
#include <rightsize/report.h>

#include <cstdio>

namespace rightsize::cli {

int cmd_report(int argc, char ** argv) {
    std::string input, run_id, html, markdown, json_path;
    ReportOptions options;
    ArgParser p("report", "--input RUN_DIR|results.json|rightsize.sqlite --html FILE [--md FILE] [--json FILE] [options]\n\n"
                          "Compares the models of one run per task: quality ± stderr, throughput, latency, memory,\n"
                          "energy and CO2e (where measured), PER, Pareto fronts and a recommendation. The HTML file\n"
                          "is self-contained (inline CSS and SVG charts, nothing loaded from the network).");
    p.value({"--input", "-i"}, "PATH", "a run directory (rightsize run -o DIR), one results.json, or a rightsize.sqlite store",
            [&](const std::string & v) { input = v; });
    p.value({"--run-id"}, "ID", "report one run of a store (default: the newest result of every model × task, by any run)",
            [&](const std::string & v) { run_id = v; });
    p.value({"--html"}, "FILE", "write the HTML report here", [&](const std::string & v) { html = v; });
    p.value({"--md"}, "FILE", "write the Markdown report here", [&](const std::string & v) { markdown = v; });
    p.value({"--json"}, "FILE", "write the analysis (PER, Pareto sets, recommendation; run's report.json) here",
            [&](const std::string & v) { json_path = v; });
    p.value({"--delta"}, "D", "recommendation: quality margin from the best, in metric units (default 0.02 = 2 points)",
            [&](const std::string & v) {
                options.delta = parse_double("--delta", v);
                if (!(options.delta >= 0 && options.delta <= 1)) throw UsageError("option '--delta' must be between 0 and 1, got '" + v + "'");
            });
    p.value({"--per-variant"}, "V",
            "PER shown in the tables: auto (default: relative, or fixed-bounds on a task of fewer than 3 models,\n"
            "where relative gives the worse model 0), relative (Cao et al.'s, always) or energy-aware",
            [&](const std::string & v) {
                if (v != "auto" && v != "relative" && v != "energy-aware") {
                    throw UsageError("option '--per-variant' expects auto, relative or energy-aware, got '" + v + "'");
                }
                options.per_variant = v;
            });
    p.value({"--title"}, "TEXT", "the report's title (default \"rightsize report\")", [&](const std::string & v) { options.title = v; });
    if (!p.parse(argc, argv, 2)) return 0;
    if (input.empty()) throw UsageError("report needs --input RUN_DIR (or a results.json or rightsize.sqlite); see 'rightsize report --help'");
    if (html.empty() && markdown.empty() && json_path.empty()) {
        throw UsageError("report needs --html FILE, --md FILE or --json FILE (any of them); see 'rightsize report --help'");
    }

    const auto analysis = analyse(load_report_input(input, run_id), options);
    if (!html.empty()) write_file_atomic(html, render_html(analysis));
    if (!markdown.empty()) write_file_atomic(markdown, render_markdown(analysis));
    if (!json_path.empty()) write_file_atomic(json_path, analysis.dump(2) + "\n");
    fputs(render_recommendation_text(analysis).c_str(), stdout);
    if (!html.empty()) printf("HTML report: %s\n", html.c_str());
    if (!markdown.empty()) printf("Markdown report: %s\n", markdown.c_str());
    if (!json_path.empty()) printf("Analysis: %s\n", json_path.c_str());
    return 0;
}

}  // namespace rightsize::cli
