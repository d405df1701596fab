// A run folder's files (folder_files.h).
#include "folder_files.h"

#include "core/atomic_file.h"
#include "measure/energy_attribution.h"
#include <rightsize/report.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace rightsize {

RunOutcome::Files write_folder_files(const std::string & dir, const std::string & origin, const std::vector<nlohmann::json> & folder, const CarbonOptions & carbon,
                                     const nlohmann::json & hardware, const std::string & run_id, nlohmann::json & analysis) {
    const fs::path d(dir);
    RunOutcome::Files files;
    files.emissions_csv = (d / "emissions.csv").string();
    write_file_atomic(files.emissions_csv, emissions_csv(folder, carbon, hardware));
    ReportInput report_input;
    report_input.models = folder;
    report_input.origin = origin;
    report_input.run_id = run_id;
    load_document_figures(report_input, dir);
    analysis = analyse(report_input);
    files.report_html = (d / "report.html").string();
    files.report_md = (d / "report.md").string();
    files.report_json = (d / "report.json").string();
    files.per_csv = (d / "per.csv").string();
    write_file_atomic(files.report_html, render_html(analysis));
    write_file_atomic(files.report_md, render_markdown(analysis));
    write_file_atomic(files.report_json, analysis.dump(2) + "\n");
    write_file_atomic(files.per_csv, render_per_csv(analysis));
    return files;
}

void write_results_documents(const std::string & dir, const std::vector<nlohmann::json> & docs) {
    for (const auto & doc : docs) {
        const fs::path model_dir = fs::path(dir) / doc["rightsize_store_key"].get<std::string>();
        fs::create_directories(model_dir);
        write_file_atomic((model_dir / "results.json").string(), doc.dump(2) + "\n");
    }
}

}  // namespace rightsize
