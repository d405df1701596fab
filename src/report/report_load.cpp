// The report's input: a run directory of results.json files, one results.json, or the SQLite
// store (results.json objects rebuilt from its rows). Layout and schema: docs/results.md.
#include <rightsize/error.h>
#include <rightsize/report.h>
#include <rightsize/vote.h>

#include <sqlite3.h>

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

// A read-only view of the results store: only what a report needs (schema in docs/results.md).
class StoreReader {
public:
    explicit StoreReader(const std::string & path) : path_(path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw Error(path + ": cannot open the results database: " + msg);
        }
        sqlite3_busy_timeout(db_, 10000);  // a run may be committing (WAL lets us read meanwhile)
    }
    ~StoreReader() { sqlite3_close(db_); }
    StoreReader(const StoreReader &) = delete;
    StoreReader & operator=(const StoreReader &) = delete;

    // Each row as strings; params bound in order.
    std::vector<std::vector<std::string>> query(const char * sql, const std::vector<std::string> & params = {}) {
        sqlite3_stmt * s = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) {
            const std::string msg = sqlite3_errmsg(db_);
            throw Error(path_ + ": not a rightsize results store (" + msg + ")");
        }
        for (size_t i = 0; i < params.size(); ++i) sqlite3_bind_text(s, int(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
        std::vector<std::vector<std::string>> rows;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(s); ++c) {
                const auto * p = sqlite3_column_text(s, c);
                row.push_back(p ? reinterpret_cast<const char *>(p) : "");
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) throw Error(path_ + ": reading the results database failed: " + sqlite3_errmsg(db_));
        return rows;
    }

private:
    sqlite3 * db_ = nullptr;
    std::string path_;
};

json parse_column(const std::string & text, const std::string & where) {
    if (text.empty()) return json();
    try {
        return json::parse(text);
    } catch (const json::parse_error & e) {
        throw Error(where + ": stored JSON is malformed (" + e.what() + ")");
    }
}

// Rebuilds one results.json per model from the store's rows for a run.
ReportInput load_store(const std::string & path, const std::string & wanted_run) {
    StoreReader db(path);
    const auto runs = db.query("SELECT run_id, status, started_at, COALESCE(finished_at, ''), config_json, "
                               "COALESCE(git_hash, ''), COALESCE(llama_cpp, ''), COALESCE(hardware_json, '') "
                               "FROM runs ORDER BY started_at DESC, rowid DESC");
    auto list_runs = [&] {
        std::string s;
        for (const auto & r : runs) s += "\n  " + r[0] + "  " + r[1] + "  started " + r[2];
        return s.empty() ? std::string(" (the store holds no runs)") : s;
    };
    const std::vector<std::string> * run = nullptr;
    for (const auto & r : runs) {
        if (wanted_run.empty() ? r[1] == "complete" : r[0] == wanted_run) {
            run = &r;
            break;
        }
    }
    if (!run) {
        if (!wanted_run.empty()) throw Error(path + ": no run '" + wanted_run + "'; the runs stored are:" + list_runs());
        throw Error(path + ": no complete run; pick one with --run-id (an unfinished run shows its finished tasks):" + list_runs());
    }
    const std::string & run_id = (*run)[0];
    const json config = parse_column((*run)[4], path + " runs.config_json");
    const json hardware = parse_column((*run)[7], path + " runs.hardware_json");

    ReportInput in;
    in.origin = path;
    in.run_id = run_id;
    std::vector<std::string> order;
    std::map<std::string, json> by_model;
    // rowid order is the order the run finished model × task pairs in: models appear as run.
    const auto rows = db.query("SELECT model, task, model_json, results_json, efficiency_json FROM task_results "
                               "WHERE run_id = ? ORDER BY rowid",
                               {run_id});
    if (rows.empty()) throw Error(path + ": run " + run_id + " has no finished model × task results yet");
    for (const auto & r : rows) {
        const std::string & model = r[0], & task = r[1];
        const std::string where = path + " task_results (" + model + ", " + task + ")";
        if (!by_model.count(model)) {
            order.push_back(model);
            json m = {{"results", json::object()},   {"efficiency", json::object()}, {"configs", json::object()},
                      {"n-shot", json::object()},    {"n-samples", json::object()},  {"higher_is_better", json::object()},
                      {"run_id", run_id},            {"date", (*run)[3].empty() ? (*run)[2] : (*run)[3]},
                      {"git_hash", (*run)[5]},       {"llama_cpp_version", (*run)[6]}, {"hardware", hardware},
                      {"rightsize_store_key", model}};
            m["model"] = parse_column(r[2], where);
            if (config.is_object()) {
                m["config"] = {{"limit", config.value("limit", json())}, {"num_fewshot", config.value("num_fewshot", json())},
                               {"fewshot_seed", config.value("fewshot_seed", json())},
                               {"apply_chat_template", config.value("apply_chat_template", json())},
                               {"llama", config.value("llama", json())}};
                // Written by runs that measured energy; older stores simply lack them.
                for (const char * k : {"energy_meter", "carbon", "rightsize_version"}) {
                    if (config.contains(k)) m[k] = config[k];
                }
            }
            by_model[model] = std::move(m);
        }
        auto & m = by_model[model];
        const json eff = parse_column(r[4], where);
        m["results"][task] = parse_column(r[3], where);
        m["efficiency"][task] = eff;
        if (config.is_object() && config.contains("tasks") && config["tasks"].contains(task)) {
            const auto & tc = config["tasks"][task];
            m["configs"][task] = tc;
            json hib = json::object();
            if (tc.contains("metric_list") && tc["metric_list"].is_array()) {
                for (const auto & ml : tc["metric_list"]) {
                    if (ml.contains("metric") && ml["metric"].is_string()) hib[ml["metric"].get<std::string>()] = ml.value("higher_is_better", true);
                }
            }
            m["higher_is_better"][task] = hib;
        }
        if (eff.is_object()) {
            if (eff.contains("headline")) m["headline"][task] = eff["headline"];
            m["n-shot"][task] = eff.value("n_shot", json());
            m["n-samples"][task] = {{"original", eff.value("n_original", json())}, {"effective", eff.value("n_samples", json())}};
        }
    }
    for (const auto & k : order) in.models.push_back(std::move(by_model[k]));
    return in;
}

// The human-likeness votes of the runs reported: one tally_votes() object per (run, task) with
// votes. A store without a votes table has none; a tally that fails is kept as an entry with its
// error, so the report still renders and says why the votes are missing.
json load_votes(const std::string & db_path, const std::vector<std::string> & run_ids) {
    json out = json::array();
    std::vector<std::pair<std::string, std::string>> wanted;
    try {
        StoreReader db(db_path);
        if (db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'votes'").empty()) return out;
        for (const auto & run : run_ids) {
            for (const auto & r : db.query("SELECT DISTINCT task FROM votes WHERE run_id = ? ORDER BY task", {run})) wanted.emplace_back(run, r[0]);
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
            in.votes = load_votes(db.string(), {in.run_id});
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
        if (fs::exists(db)) {
            // Each results.json holds its model's newest run: votes are read for every run among them.
            std::vector<std::string> runs;
            for (const auto & m : in.models) {
                const std::string r = m.value("run_id", "");
                if (!r.empty() && std::find(runs.begin(), runs.end(), r) == runs.end()) runs.push_back(r);
            }
            in.votes = load_votes(db.string(), runs);
        }
        return in;
    }
    if (is_sqlite(path)) {
        auto in = load_store(path, run_id);
        in.votes = load_votes(path, {in.run_id});
        return in;
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

}  // namespace rightsize
