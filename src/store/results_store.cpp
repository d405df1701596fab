#include <rightsize/error.h>
#include <rightsize/results_store.h>

#include <sqlite3.h>

#include <chrono>
#include <ctime>

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
    hardware_json TEXT);
CREATE INDEX IF NOT EXISTS runs_by_config ON runs (config_hash, status);
CREATE TABLE IF NOT EXISTS task_results (
    run_id          TEXT NOT NULL REFERENCES runs (run_id),
    model           TEXT NOT NULL,
    task            TEXT NOT NULL,
    model_json      TEXT NOT NULL,
    results_json    TEXT NOT NULL,
    efficiency_json TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
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

std::string now_iso() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

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
    Stmt & bind_double(int i, const nlohmann::json & v) {
        if (v.is_number()) sqlite3_bind_double(s_, i, v.get<double>());
        else sqlite3_bind_null(s_, i);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) fail("write");
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

private:
    [[noreturn]] void fail(const char * what) {
        throw Error(path_ + ": results database " + what + " failed: " + sqlite3_errmsg(db_));
    }
    sqlite3 * db_;
    sqlite3_stmt * s_ = nullptr;
    std::string path_;
};

}  // namespace

ResultsStore::ResultsStore(const std::string & path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(path + ": cannot open the results database: " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    // The destructor does not run when the constructor throws: close the handle here.
    try {
        // WAL: a reader (rightsize report) never blocks the run writing; synchronous=NORMAL keeps
        // every committed transaction across a process crash.
        exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        exec(kSchema);
        Stmt v(db_, "SELECT value FROM meta WHERE key='schema_version'", path_);
        if (v.step()) {
            const int have = std::stoi(v.text(0));
            if (have > kSchemaVersion) {
                throw Error(path + ": the results database has schema version " + std::to_string(have) +
                            ", newer than this rightsize understands (" + std::to_string(kSchemaVersion) +
                            "); upgrade rightsize");
            }
        } else {
            Stmt ins(db_, "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", path_);
            ins.bind(1, std::to_string(kSchemaVersion)).step();
        }
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
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
           "INSERT OR IGNORE INTO runs (run_id, config_hash, status, started_at, config_json, git_hash, llama_cpp, hardware_json) "
           "VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
           path_);
    s.bind(1, r.run_id).bind(2, r.config_hash).bind(3, now_iso()).bind(4, r.config.dump()).bind(5, r.git_hash)
        .bind(6, r.llama_cpp).bind(7, r.hardware.dump());
    s.step();
}

void ResultsStore::finish_run(const std::string & run_id) {
    Stmt s(db_, "UPDATE runs SET status='complete', finished_at=? WHERE run_id=?", path_);
    s.bind(1, now_iso()).bind(2, run_id).step();
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
                                   const nlohmann::json & efficiency) {
    transaction([&] {
        Stmt s(db_,
               "INSERT OR REPLACE INTO task_results (run_id, model, task, model_json, results_json, efficiency_json, finished_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               path_);
        s.bind(1, run_id).bind(2, model).bind(3, task).bind(4, facts.dump()).bind(5, results.dump())
            .bind(6, efficiency.dump()).bind(7, now_iso());
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

}  // namespace rightsize
