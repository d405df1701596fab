#include <rightsize/error.h>
#include <rightsize/results_store.h>

#include <sqlite3.h>

#include "../core/time_format.h"

#include <cstdlib>

namespace rightsize {

namespace {

const char * kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id        TEXT PRIMARY KEY,
    config_hash   TEXT NOT NULL,
    status        TEXT NOT NULL,            -- running | complete
    started_at    TEXT NOT NULL,            -- ISO 8601, UTC
    finished_at   TEXT,
    config_json   TEXT NOT NULL,
    git_hash      TEXT,
    llama_cpp     TEXT,
    hardware_json TEXT,
    provenance_json TEXT);                  -- version 2: energy meter and carbon
CREATE INDEX IF NOT EXISTS runs_by_config ON runs (config_hash, status);
CREATE TABLE IF NOT EXISTS task_results (
    run_id          TEXT NOT NULL REFERENCES runs (run_id),
    model           TEXT NOT NULL,
    task            TEXT NOT NULL,
    model_json      TEXT NOT NULL,
    results_json    TEXT NOT NULL,
    efficiency_json TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    task_json       TEXT,                   -- version 2: task facts, document counts, shots
    PRIMARY KEY (run_id, model, task));
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL, model TEXT NOT NULL, task TEXT NOT NULL,
    metric TEXT NOT NULL, filter TEXT NOT NULL, value REAL, stderr REAL,
    PRIMARY KEY (run_id, model, task, metric, filter));
CREATE TABLE IF NOT EXISTS samples (
    run_id TEXT NOT NULL, model TEXT NOT NULL, task TEXT NOT NULL, doc_id INTEGER NOT NULL,
    record_json TEXT NOT NULL,
    PRIMARY KEY (run_id, model, task, doc_id));
)sql";

// Version 2: the votes on pairs of answers (rightsize vote). The unique index makes a form
// submitted twice count once while letting a judge store both orders.
const char * kVotesSchema = R"sql(
CREATE TABLE IF NOT EXISTS votes (
    vote_id     INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL,
    task        TEXT NOT NULL,
    doc_id      INTEGER NOT NULL,
    model_left  TEXT NOT NULL,              -- shown as "Answer 1"
    model_right TEXT NOT NULL,              -- shown as "Answer 2"
    choice      TEXT NOT NULL CHECK (choice IN ('left', 'right', 'tie')),
    voter       TEXT NOT NULL,              -- a person's name, or judge:<model>
    created_at  TEXT NOT NULL,              -- ISO 8601, UTC
    margin      REAL);                      -- a model judge's log P("1") - log P("2"); NULL for people
CREATE UNIQUE INDEX IF NOT EXISTS votes_once ON votes (run_id, task, doc_id, voter, model_left, model_right);
)sql";

std::string now_iso() { return iso8601_utc(); }

// A prepared statement that finalises itself.
class Stmt {
public:
    Stmt(sqlite3 * db, const char * sql, const std::string & path) : db_(db), path_(path) {
        if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail("prepare");
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt & bind(int i, const std::string & v) {
        sqlite3_bind_text(s_, i, v.c_str(), int(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt & bind(int i, long long v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    Stmt & bind(int i, std::optional<double> v) {
        if (v) sqlite3_bind_double(s_, i, *v);
        else sqlite3_bind_null(s_, i);
        return *this;
    }
    Stmt & bind_double(int i, const nlohmann::json & v) {
        if (v.is_number()) sqlite3_bind_double(s_, i, v.get<double>());
        else sqlite3_bind_null(s_, i);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) fail("step");
        return false;
    }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    std::string text(int col) const {
        const auto * p = sqlite3_column_text(s_, col);
        return p ? reinterpret_cast<const char *>(p) : "";
    }
    long long integer(int col) const { return sqlite3_column_int64(s_, col); }
    std::optional<double> real(int col) const {
        if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
        return sqlite3_column_double(s_, col);
    }
    // A JSON column; a malformed one is an Error naming the store and the column.
    nlohmann::json json_at(int col, const char * column) const {
        const std::string t = text(col);
        if (t.empty()) return nlohmann::json();
        try {
            return nlohmann::json::parse(t);
        } catch (const nlohmann::json::parse_error & e) {
            throw Error(path_ + ": " + column + " holds malformed JSON (" + e.what() + "); the store is damaged");
        }
    }

private:
    [[noreturn]] void fail(const char * what) {
        throw Error(path_ + ": results database " + what + " failed: " + sqlite3_errmsg(db_));
    }
    sqlite3 * db_;
    sqlite3_stmt * s_ = nullptr;
    std::string path_;
};

}  // namespace

ResultsStore::ResultsStore(const std::string & path, Access access) : path_(path) {
    const int flags = access == Access::ReadOnly ? SQLITE_OPEN_READONLY
                      : access == Access::Existing ? SQLITE_OPEN_READWRITE
                                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(path + ": cannot open the results database (" + msg +
                    "); give the rightsize.sqlite that 'rightsize run' wrote (or its -o folder)");
    }
    sqlite3_busy_timeout(db_, 10000);  // a run may be committing meanwhile
    // The destructor does not run when the constructor throws: close the handle here.
    try {
        if (access != Access::ReadOnly) {
            // WAL: a reader (rightsize report) never blocks the run writing; synchronous=NORMAL keeps
            // every committed transaction across a process crash.
            exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        }
        const bool fresh = !has_table("meta");
        if (fresh && access == Access::ReadOnly) {
            throw Error(path + ": not a rightsize results store (no meta table); " +
                        "give the rightsize.sqlite that 'rightsize run' wrote (or its -o folder)");
        }
        if (fresh) {
            transaction([&] {
                exec(kSchema);
                exec(kVotesSchema);
                Stmt ins(db_, "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", path_);
                ins.bind(1, std::to_string(kSchemaVersion)).step();
            });
            schema_version_ = kSchemaVersion;
            return;
        }
        Stmt v(db_, "SELECT value FROM meta WHERE key='schema_version'", path_);
        schema_version_ = v.step() ? std::atoi(v.text(0).c_str()) : 0;
        if (schema_version_ < 1) throw Error(path + ": not a rightsize results store (its meta table has no schema_version)");
        if (schema_version_ > kSchemaVersion) {
            throw Error(path + ": the results database has schema version " + std::to_string(schema_version_) +
                        ", newer than this rightsize understands (" + std::to_string(kSchemaVersion) + "); upgrade rightsize");
        }
        if (schema_version_ < kSchemaVersion && access != Access::ReadOnly) migrate(schema_version_);
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

bool ResultsStore::has_table(const char * name) {
    Stmt s(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", path_);
    s.bind(1, std::string(name));
    return s.step();
}

// Forward migrations, one version at a time, all in one transaction: an interrupted upgrade
// leaves the store as it was.
void ResultsStore::migrate(int from) {
    transaction([&] {
        for (int v = from; v < kSchemaVersion; ++v) {
            if (v == 1) {
                exec("ALTER TABLE runs ADD COLUMN provenance_json TEXT; ALTER TABLE task_results ADD COLUMN task_json TEXT;");
                // Votes were created on first use by `rightsize vote`, the margin column added later.
                exec(kVotesSchema);
                bool has_margin = false;
                Stmt cols(db_, "SELECT name FROM pragma_table_info('votes')", path_);
                while (cols.step()) has_margin |= cols.text(0) == "margin";
                if (!has_margin) exec("ALTER TABLE votes ADD COLUMN margin REAL");
            }
        }
        Stmt up(db_, "UPDATE meta SET value=? WHERE key='schema_version'", path_);
        up.bind(1, std::to_string(kSchemaVersion)).step();
    });
    schema_version_ = kSchemaVersion;
}

ResultsStore::~ResultsStore() { sqlite3_close(db_); }

void ResultsStore::exec(const char * sql) {
    char * err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw Error(path_ + ": results database: " + msg);
    }
}

void ResultsStore::transaction(const std::function<void()> & body) {
    exec("BEGIN IMMEDIATE");
    try {
        body();
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::optional<std::string> ResultsStore::unfinished_run(const std::string & config_hash) {
    Stmt s(db_, "SELECT run_id FROM runs WHERE config_hash=? AND status='running' ORDER BY started_at DESC LIMIT 1", path_);
    s.bind(1, config_hash);
    if (s.step()) return s.text(0);
    return std::nullopt;
}

void ResultsStore::begin_run(const RunInfo & r) {
    Stmt s(db_,
           "INSERT OR IGNORE INTO runs (run_id, config_hash, status, started_at, config_json, git_hash, llama_cpp, hardware_json, "
           "provenance_json) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
           path_);
    s.bind(1, r.run_id).bind(2, r.config_hash).bind(3, stamp()).bind(4, r.config.dump()).bind(5, r.git_hash)
        .bind(6, r.llama_cpp).bind(7, r.hardware.dump()).bind(8, r.provenance.dump());
    s.step();
}

std::string ResultsStore::stamp() const { return fixed_time_.empty() ? now_iso() : fixed_time_; }

void ResultsStore::finish_run(const std::string & run_id) {
    Stmt s(db_, "UPDATE runs SET status='complete', finished_at=? WHERE run_id=?", path_);
    s.bind(1, stamp()).bind(2, run_id).step();
}

std::map<size_t, nlohmann::json> ResultsStore::samples(const std::string & run_id, const std::string & model,
                                                       const std::string & task) {
    std::map<size_t, nlohmann::json> out;
    Stmt s(db_, "SELECT doc_id, record_json FROM samples WHERE run_id=? AND model=? AND task=?", path_);
    s.bind(1, run_id).bind(2, model).bind(3, task);
    while (s.step()) out[size_t(s.integer(0))] = nlohmann::json::parse(s.text(1));
    return out;
}

void ResultsStore::add_samples(const std::string & run_id, const std::string & model, const std::string & task,
                               std::span<const nlohmann::json> samples) {
    transaction([&] {
        Stmt s(db_, "INSERT OR REPLACE INTO samples (run_id, model, task, doc_id, record_json) VALUES (?, ?, ?, ?, ?)", path_);
        for (const auto & r : samples) {
            s.bind(1, run_id).bind(2, model).bind(3, task).bind(4, r.at("doc_id").get<long long>()).bind(5, r.dump());
            s.step();
            s.reset();
        }
    });
}

void ResultsStore::put_task_result(const std::string & run_id, const std::string & model, const std::string & task,
                                   const nlohmann::json & facts, const nlohmann::json & results,
                                   const nlohmann::json & efficiency, const nlohmann::json & task_facts) {
    transaction([&] {
        Stmt s(db_,
               "INSERT OR REPLACE INTO task_results (run_id, model, task, model_json, results_json, efficiency_json, finished_at, "
               "task_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               path_);
        s.bind(1, run_id).bind(2, model).bind(3, task).bind(4, facts.dump()).bind(5, results.dump())
            .bind(6, efficiency.dump()).bind(7, stamp()).bind(8, task_facts.is_null() ? std::string() : task_facts.dump());
        s.step();
        Stmt m(db_, "INSERT OR REPLACE INTO metrics (run_id, model, task, metric, filter, value, stderr) VALUES (?, ?, ?, ?, ?, ?, ?)", path_);
        for (const auto & [key, value] : results.items()) {
            const auto comma = key.find(',');
            if (comma == std::string::npos || key.find("_stderr,") != std::string::npos) continue;
            const std::string metric = key.substr(0, comma), filter = key.substr(comma + 1);
            const std::string se_key = metric + "_stderr," + filter;
            m.bind(1, run_id).bind(2, model).bind(3, task).bind(4, metric).bind(5, filter).bind_double(6, value)
                .bind_double(7, results.value(se_key, nlohmann::json()));
            m.step();
            m.reset();
        }
    });
}

std::optional<nlohmann::json> ResultsStore::task_result(const std::string & run_id, const std::string & model,
                                                        const std::string & task) {
    Stmt s(db_, "SELECT results_json, efficiency_json, model_json FROM task_results WHERE run_id=? AND model=? AND task=?", path_);
    s.bind(1, run_id).bind(2, model).bind(3, task);
    if (!s.step()) return std::nullopt;
    return nlohmann::json{{"results", nlohmann::json::parse(s.text(0))},
                          {"efficiency", nlohmann::json::parse(s.text(1))},
                          {"model", nlohmann::json::parse(s.text(2))}};
}

nlohmann::json ResultsStore::runs() {
    nlohmann::json out = nlohmann::json::array();
    Stmt s(db_, "SELECT run_id, config_hash, status, started_at, COALESCE(finished_at, '') FROM runs ORDER BY started_at DESC", path_);
    while (s.step()) {
        out.push_back({{"run_id", s.text(0)}, {"config_hash", s.text(1)}, {"status", s.text(2)}, {"started_at", s.text(3)},
                       {"finished_at", s.text(4)}});
    }
    return out;
}

std::vector<StoredRun> ResultsStore::list_runs() {
    std::vector<StoredRun> out;
    Stmt s(db_,
           ("SELECT run_id, config_hash, status, started_at, COALESCE(finished_at, ''), config_json, COALESCE(git_hash, ''), "
           "COALESCE(llama_cpp, ''), hardware_json, " + std::string(schema_version_ >= 2 ? "provenance_json" : "NULL") +
               " FROM runs ORDER BY started_at DESC, rowid DESC").c_str(),
           path_);
    while (s.step()) {
        StoredRun r;
        r.info.run_id = s.text(0);
        r.info.config_hash = s.text(1);
        r.status = s.text(2);
        r.started_at = s.text(3);
        r.finished_at = s.text(4);
        r.info.config = s.json_at(5, "runs.config_json");
        r.info.git_hash = s.text(6);
        r.info.llama_cpp = s.text(7);
        r.info.hardware = s.json_at(8, "runs.hardware_json");
        r.info.provenance = s.json_at(9, "runs.provenance_json");
        if (!r.info.provenance.is_object()) r.info.provenance = nlohmann::json::object();
        out.push_back(std::move(r));
    }
    return out;
}

namespace {

std::string task_results_select(int schema_version) {
    return std::string("SELECT model, task, model_json, results_json, efficiency_json, ") +
           (schema_version >= 2 ? "task_json" : "NULL") + ", run_id, finished_at FROM task_results t";
}

}  // namespace

std::vector<StoredTaskResult> ResultsStore::read_task_results(const std::string & sql, const std::string & run_id) {
    std::vector<StoredTaskResult> out;
    Stmt s(db_, sql.c_str(), path_);
    if (!run_id.empty()) s.bind(1, run_id);
    while (s.step()) {
        out.push_back({s.text(0), s.text(1), s.json_at(2, "task_results.model_json"), s.json_at(3, "task_results.results_json"),
                       s.json_at(4, "task_results.efficiency_json"), s.json_at(5, "task_results.task_json"), s.text(6), s.text(7)});
    }
    return out;
}

std::vector<StoredTaskResult> ResultsStore::task_results(const std::string & run_id) {
    // rowid order is the order the run finished model × task pairs in: models appear as run.
    return read_task_results(task_results_select(schema_version_) + " WHERE run_id=? ORDER BY rowid", run_id);
}

std::vector<StoredTaskResult> ResultsStore::latest_task_results() {
    return read_task_results(task_results_select(schema_version_) +
                                 " WHERE NOT EXISTS (SELECT 1 FROM task_results u WHERE u.model=t.model AND u.task=t.task AND "
                                 "(u.finished_at > t.finished_at OR (u.finished_at = t.finished_at AND u.rowid > t.rowid))) "
                                 "ORDER BY rowid",
                             "");
}

bool ResultsStore::discard_empty_run(const std::string & run_id) {
    bool removed = false;
    transaction([&] {
        Stmt n(db_, "SELECT (SELECT COUNT(*) FROM samples WHERE run_id=?1) + (SELECT COUNT(*) FROM task_results WHERE run_id=?1)", path_);
        n.bind(1, run_id);
        if (!n.step() || n.text(0) != "0") return;
        Stmt d(db_, "DELETE FROM runs WHERE run_id=?", path_);
        d.bind(1, run_id);
        d.step();
        removed = true;
    });
    return removed;
}

std::vector<std::string> ResultsStore::sample_models(const std::string & run_id, const std::string & task) {
    std::vector<std::string> out;
    Stmt s(db_, "SELECT DISTINCT model FROM samples WHERE run_id=? AND task=? ORDER BY model", path_);
    s.bind(1, run_id).bind(2, task);
    while (s.step()) out.push_back(s.text(0));
    return out;
}

std::optional<std::string> ResultsStore::latest_run_with_samples(const std::string & task) {
    // Runs without a row in `runs` (samples imported by hand) sort last.
    Stmt s(db_, "SELECT s.run_id FROM (SELECT DISTINCT run_id FROM samples WHERE task=?) s "
                "LEFT JOIN runs r USING (run_id) ORDER BY COALESCE(r.started_at, '') DESC, s.run_id DESC LIMIT 1",
           path_);
    s.bind(1, task);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

bool ResultsStore::add_vote(const StoredVote & v) {
    bool inserted = false;
    transaction([&] {
        Stmt s(db_, "INSERT OR IGNORE INTO votes (run_id, task, doc_id, model_left, model_right, choice, voter, created_at, margin) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               path_);
        s.bind(1, v.run_id).bind(2, v.task).bind(3, v.doc_id).bind(4, v.model_left).bind(5, v.model_right).bind(6, v.choice)
            .bind(7, v.voter).bind(8, v.created_at.empty() ? stamp() : v.created_at).bind(9, v.margin);
        s.step();
        inserted = sqlite3_changes(db_) > 0;
    });
    return inserted;
}

std::vector<StoredVote> ResultsStore::votes(const std::string & run_id, const std::string & task) {
    std::vector<StoredVote> out;
    if (schema_version_ < 2 && !has_table("votes")) return out;  // a read-only store from before votes
    // A read-only version-1 store may hold votes from before judges' margins.
    bool has_margin = schema_version_ >= 2;
    if (!has_margin) {
        Stmt cols(db_, "SELECT name FROM pragma_table_info('votes')", path_);
        while (cols.step()) has_margin |= cols.text(0) == "margin";
    }
    Stmt s(db_, has_margin ? "SELECT doc_id, model_left, model_right, choice, voter, created_at, margin FROM votes "
                             "WHERE run_id=? AND task=? ORDER BY vote_id"
                           : "SELECT doc_id, model_left, model_right, choice, voter, created_at, NULL FROM votes "
                             "WHERE run_id=? AND task=? ORDER BY vote_id",
           path_);
    s.bind(1, run_id).bind(2, task);
    while (s.step()) {
        out.push_back({run_id, task, s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.real(6)});
    }
    return out;
}

std::vector<std::string> ResultsStore::voted_tasks(const std::string & run_id) {
    std::vector<std::string> out;
    if (schema_version_ < 2 && !has_table("votes")) return out;
    Stmt s(db_, "SELECT DISTINCT task FROM votes WHERE run_id=? ORDER BY task", path_);
    s.bind(1, run_id);
    while (s.step()) out.push_back(s.text(0));
    return out;
}

}  // namespace rightsize
