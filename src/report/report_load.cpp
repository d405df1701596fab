// The report's input: a run directory of results.json files, one results.json, or the SQLite
// store (results.json objects rebuilt from its rows). Layout and schema: docs/results.md.
#include "../store/results_document.h"

#include <rightsize/error.h>
#include <rightsize/results_store.h>
#include <rightsize/report.h>
#include "probes/vote.h"
#include "report_format.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;

namespace rightsize {

namespace {

const char * kExpected = "give a run directory (rightsize run -o DIR), a results.json or a rightsize.sqlite store";

json read_results_file(const fs::path & file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(file.string() + ": cannot be read (check its permissions)");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::parse_error & e) {
        throw Error(file.string() + ": not valid JSON (" + e.what() + "); was it written by rightsize run, or cut short?");
    } catch (const json::out_of_range & e) {  // a number beyond a double (1e400)
        throw Error(file.string() + ": holds a number too large for a double (" + e.what() + "); was it written by rightsize run?");
    }
    if (!j.is_object() || !j.contains("results") || !j["results"].is_object()) {
        throw Error(file.string() + ": not a rightsize/lm-eval results.json (no \"results\" object at the top level)");
    }
    return j;
}

bool is_sqlite(const fs::path & file) {
    std::ifstream in(file, std::ios::binary);
    char head[16] = {};
    in.read(head, sizeof head);
    return in.gcount() == 16 && std::string(head, 15) == "SQLite format 3";
}

// One run of the store, as results.json documents (the latest complete run, or the one asked for).
ReportInput load_store(const std::string & path, const std::string & wanted_run) {
    ResultsStore store(path, ResultsStore::Access::ReadOnly);
    const auto runs = store.list_runs();
    auto list_runs = [&] {
        std::string s;
        for (const auto & r : runs) s += "\n  " + r.info.run_id + "  " + r.status + "  started " + r.started_at;
        return s.empty() ? std::string(" (the store holds no runs)") : s;
    };
    ReportInput in;
    in.origin = path;
    if (wanted_run.empty()) {
        // The store as a collection: the newest result of every model × task, by any run.
        in.models = collected_results_documents(store);
        if (in.models.empty()) throw Error(path + ": no finished model × task yet; the runs stored are:" + list_runs());
        return in;
    }
    const auto run = std::find_if(runs.begin(), runs.end(), [&](const StoredRun & r) { return r.info.run_id == wanted_run; });
    if (run == runs.end()) throw Error(path + ": no run '" + wanted_run + "'; the runs stored are:" + list_runs());
    in.run_id = run->info.run_id;
    in.models = stored_results_documents(store, *run);
    return in;
}

// Every run the documents' results come from (a folder's results.json gathers several).
std::vector<std::string> runs_of(const std::vector<json> & models) {
    std::vector<std::string> runs;
    const auto add = [&](const std::string & r) {
        if (!r.empty() && std::find(runs.begin(), runs.end(), r) == runs.end()) runs.push_back(r);
    };
    for (const auto & m : models) {
        add(report_format::text_at(m, "run_id"));
        if (m.contains("task_runs") && m["task_runs"].is_object()) {
            for (const auto & [task, r] : m["task_runs"].items()) add(report_format::text_at(r, "run_id"));
        }
    }
    return runs;
}

// The human-likeness votes of the runs reported: one tally_votes() object per (run, task) with
// votes. A store without votes has none; a tally that fails is kept as an entry with its error,
// so the report still renders and says why the votes are missing.
json load_votes(const std::string & db_path, const std::vector<std::string> & run_ids) {
    json out = json::array();
    std::vector<std::pair<std::string, std::string>> wanted;
    try {
        ResultsStore store(db_path, ResultsStore::Access::ReadOnly);
        for (const auto & run : run_ids) {
            for (const auto & task : store.voted_tasks(run)) wanted.emplace_back(run, task);
        }
    } catch (const Error & e) {
        out.push_back({{"run_id", ""}, {"task", ""}, {"pairs", json::array()}, {"error", e.what()}});
        return out;
    }
    for (const auto & [run, task] : wanted) {
        try {
            out.push_back(tally_votes(db_path, run, task));
        } catch (const Error & e) {
            out.push_back({{"run_id", run}, {"task", task}, {"pairs", json::array()}, {"error", e.what()}});
        }
    }
    return out;
}

}  // namespace

ReportInput load_report_input(const std::string & path, const std::string & run_id) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path + ": does not exist; " + kExpected);
    if (fs::is_directory(path, ec)) {
        const fs::path dir(path), db = dir / "rightsize.sqlite";
        std::vector<fs::path> files;
        if (fs::exists(dir / "results.json")) files.push_back(dir / "results.json");
        for (const auto & e : fs::directory_iterator(dir, ec)) {
            if (e.is_directory() && fs::exists(e.path() / "results.json")) files.push_back(e.path() / "results.json");
        }
        std::sort(files.begin(), files.end());
        // --run-id picks a run of the store; results.json files hold only the newest run per model.
        if ((!run_id.empty() || files.empty()) && fs::exists(db)) {
            auto in = load_store(db.string(), run_id);
            in.votes = load_votes(db.string(), runs_of(in.models));
            return in;
        }
        if (files.empty()) {
            throw Error(path + ": no results.json in the folder or its subfolders, and no rightsize.sqlite; " + kExpected);
        }
        ReportInput in;
        in.origin = path;
        std::set<std::string> other_runs;
        for (const auto & f : files) {
            auto j = read_results_file(f);
            if (!run_id.empty() && j.value("run_id", "") != run_id) {
                other_runs.insert(j.value("run_id", "(none)"));
                continue;
            }
            in.models.push_back(std::move(j));
        }
        if (in.models.empty()) {
            std::string runs;
            for (const auto & r : other_runs) runs += (runs.empty() ? "" : ", ") + r;
            throw Error(path + ": no results.json belongs to run '" + run_id + "' (they belong to " + runs + ")");
        }
        in.run_id = in.models[0].value("run_id", "");
        load_document_figures(in, path);
        if (fs::exists(db)) {
            // Each results.json holds its model's newest run: votes are read for every run among them.
            in.votes = load_votes(db.string(), runs_of(in.models));
        }
        return in;
    }
    if (is_sqlite(path)) {
        auto in = load_store(path, run_id);
        in.votes = load_votes(path, runs_of(in.models));
        return in;
    }
    if (const auto ext = fs::path(path).extension().string(); ext == ".sqlite" || ext == ".sqlite3" || ext == ".db") {
        throw Error(path + ": not an SQLite database (it does not start with \"SQLite format 3\"), so not a rightsize store: "
                    "it is damaged or another kind of file; " + kExpected);
    }
    ReportInput in;
    in.origin = path;
    in.models.push_back(read_results_file(path));
    in.run_id = in.models[0].value("run_id", "");
    if (!run_id.empty() && in.run_id != run_id) {
        throw Error(path + ": this results.json belongs to run '" + in.run_id + "', not '" + run_id + "'");
    }
    return in;
}

namespace {

// One task's document figures from its samples file; false when the file is missing or a line is
// not what rightsize writes.
bool read_document_figures(const fs::path & file, const std::string & metric, const std::string & filter, DocumentFigures & out) {
    std::ifstream in(file);
    if (!in) return false;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const auto s = nlohmann::json::parse(line, nullptr, false);
        if (!s.is_object() || !s.contains("doc_id") || !s["doc_id"].is_number_integer()) return false;
        const auto & m = report_format::member(report_format::member(s, "metrics"), filter.c_str());
        const auto q = report_format::num(m, metric.c_str());
        if (!q) return false;  // a corpus metric (f1 pairs) has no per-document value
        const auto & e = report_format::member(s, "energy");
        out.ids.push_back(s["doc_id"].get<long long>());
        out.quality.push_back(*q);
        out.cost_ms.push_back(report_format::num(s, "cost_ms").value_or(0.0));
        out.energy_j.push_back(report_format::num(e, "cpu_j").value_or(0.0) + report_format::num(e, "ram_j").value_or(0.0) +
                               report_format::num(e, "gpu_j").value_or(0.0));
        out.generated.push_back(report_format::num(s, "generated_tokens").value_or(0.0));
    }
    return !out.ids.empty();
}

}  // namespace

void load_document_figures(ReportInput & in, const std::string & dir) {
    in.documents.assign(in.models.size(), {});
    for (size_t i = 0; i < in.models.size(); ++i) {
        const auto & doc = in.models[i];
        const std::string key = report_format::text_at(doc, "rightsize_store_key");
        const auto & headlines = report_format::member(doc, "headline");
        if (key.empty() || !headlines.is_object()) continue;
        for (const auto & [task, h] : headlines.items()) {
            const std::string metric = report_format::text_at(h, "metric"), filter = report_format::text_at(h, "filter");
            if (metric.empty() || filter.empty()) continue;
            DocumentFigures f;
            if (read_document_figures(fs::path(dir) / key / ("samples_" + task + ".jsonl"), metric, filter, f)) in.documents[i][task] = std::move(f);
        }
    }
}

}  // namespace rightsize
