// The files a run folder has beside each model's results.json, from those documents: emissions.csv,
// report.json, per.csv, report.html and report.md. Written by a run and by a merge of shards.
#pragma once

#include <rightsize/carbon.h>
#include <rightsize/run.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rightsize {

// Writes them atomically into `dir`; returns their paths (db left empty) and sets `analysis` to
// report.json's content. `origin`: the folder the report names; `hardware`: the machine the
// emissions rows name.
RunOutcome::Files write_folder_files(const std::string & dir, const std::string & origin, const std::vector<nlohmann::json> & folder, const CarbonOptions & carbon,
                                     const nlohmann::json & hardware, const std::string & run_id, nlohmann::json & analysis);

// Each model's results.json in `dir`/<model>/ (the documents' "rightsize_store_key").
void write_results_documents(const std::string & dir, const std::vector<nlohmann::json> & docs);

}  // namespace rightsize
